//! The statistics as 1.4 dumps them: the HTTP stats page (HTML, or CSV with
//! `;csv`), the stats socket's `show stat` (CSV) and `show info`. This file
//! holds what the formats share: the dump options parsed from the stats URI,
//! which proxies and rows a dump lists, and the server/backend states both
//! formats print. `csv.rs`, `html.rs` and `info.rs` format them.

mod csv;
mod errors;
mod html;
mod html_rows;
pub(crate) mod info;

/// The realm of the stats page's authentication when none is configured.
pub use crate::config::model::DEFAULT_REALM;

pub use csv::{csv, CSV_HEADER};
pub use errors::show_errors;
pub use info::{info, Limits};

use crate::config::model::{Kind, Proxy, StatsCfg};
use crate::http::head::Head;
use crate::state::Runtime;
use std::fmt::Write;
use std::time::Instant;

/// 1.4's `relative_pid`: this process's number among the `nbproc` ones. We
/// always run one process, the first.
pub const RELATIVE_PID: u32 = 1;

/// Row types as numbered by 1.4 (`STATS_TYPE_*`): the CSV `type` column and
/// the bits of `show stat <iid> <type> <sid>`.
pub const TYPE_FE: u32 = 0;
pub const TYPE_BE: u32 = 1;
pub const TYPE_SV: u32 = 2;
pub const TYPE_SO: u32 = 3;

/// The result code a stats admin POST leaves in the `;st=` of its redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StCode {
    Done,
    None,
    Part,
    Errp,
    Excd,
    Deny,
    Unkn,
}

/// `show stat <iid> <type> <sid>`: only these rows (1.4's STAT_BOUND).
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub iid: i64,
    pub types: i64,
    pub sid: i64,
}

impl Bound {
    /// Whether rows of type `t` are listed.
    fn has(&self, t: u32) -> bool {
        self.types & (1 << t) != 0
    }
}

/// What one dump shows (1.4's `data_ctx.stats.flags` and friends).
#[derive(Debug, Clone, Default)]
pub struct DumpOpts {
    pub csv: bool,
    /// `;up`: servers DOWN or in maintenance are left out
    pub hide_down: bool,
    /// `;norefresh` (only seen when `stats refresh` is set)
    pub no_refresh: bool,
    /// a `stats admin` rule matched: checkboxes and the action form
    pub admin: bool,
    pub st_code: Option<StCode>,
    pub bound: Option<Bound>,
}

/// Finds `pat` in `s` from `from` on, as 1.4's scans after the stats prefix
/// (which stop `pat.len()` bytes, or `need` for `;st=`, before the end).
fn scan(s: &[u8], from: usize, pat: &[u8], need: usize) -> Option<usize> {
    let end = s.len().checked_sub(need)?;
    (from..=end).find(|&i| s[i..].starts_with(pat))
}

impl DumpOpts {
    /// The flags carried by a stats request's URI after the stats prefix.
    pub fn from_uri(uri: &[u8], cfg: &StatsCfg) -> DumpOpts {
        let from = cfg.uri.len();
        let mut o = DumpOpts {
            hide_down: scan(uri, from, b";up", 3).is_some(),
            no_refresh: cfg.refresh > 0 && scan(uri, from, b";norefresh", 10).is_some(),
            csv: scan(uri, from, b";csv", 4).is_some(),
            ..DumpOpts::default()
        };
        if let Some(i) = scan(uri, from, b";st=", 8) {
            o.st_code = Some(match &uri[i + 4..i + 8] {
                b"DONE" => StCode::Done,
                b"NONE" => StCode::None,
                b"PART" => StCode::Part,
                b"ERRP" => StCode::Errp,
                b"EXCD" => StCode::Excd,
                b"DENY" => StCode::Deny,
                _ => StCode::Unkn,
            });
        }
        o
    }
}

/// Whether a dump lists proxy `pxi`: running, networked, in the page's
/// scope (`.` is the proxy serving the page, `self_px`) and the bound iid.
fn listed(rt: &Runtime, pxi: usize, o: &DumpOpts, scope: Option<(&StatsCfg, usize)>) -> bool {
    let p = &rt.cfg.proxies[pxi];
    if p.kind == Kind::Defaults || p.disabled || rt.px[pxi].stopped {
        return false;
    }
    if let Some((cfg, self_px)) = scope {
        if !cfg.scopes.is_empty()
            && !cfg
                .scopes
                .iter()
                .any(|s| *s == p.name || (s == "." && pxi == self_px))
        {
            return false;
        }
    }
    o.bound
        .is_none_or(|b| b.iid == -1 || b.iid == i64::from(p.id))
}

/// The server whose state `si` shows: the tracked one for `track`.
pub fn state_source(rt: &Runtime, pxi: usize, si: usize) -> (usize, usize) {
    let cfg = rt.cfg;
    let Some(t) = &cfg.proxies[pxi].servers[si].track else {
        return (pxi, si);
    };
    let (tp, ts) = match t.rsplit_once('/') {
        Some((a, b)) => (cfg.proxies.iter().position(|x| x.name == a && x.is_be()), b),
        None => (Some(pxi), t.as_str()),
    };
    tp.and_then(|tp| {
        cfg.proxies[tp]
            .servers
            .iter()
            .position(|x| x.name == ts)
            .map(|tsi| (tp, tsi))
    })
    .unwrap_or((pxi, si))
}

/// 1.4's server display state: 0 DOWN, 1 going up, 2 going down, 3 UP,
/// 4 NOLB going down, 5 NOLB (UP with load balancing stopped by
/// `disable-on-404`), 6 not checked.
pub fn sv_state(rt: &Runtime, svs: (usize, usize)) -> u8 {
    let c = &rt.cfg.proxies[svs.0].servers[svs.1];
    let s = &rt.srv[svs.0][svs.1];
    if !c.check {
        6
    } else if s.up {
        let nolb = if s.nolb { 2 } else { 0 };
        if s.health >= c.rise + c.fall - 1 {
            3 + nolb
        } else {
            2 + nolb
        }
    } else if s.health > 0 {
        1
    } else {
        0
    }
}

/// The "x/y" of a transitional state: checks passed toward UP or left
/// before DOWN, as 1.4 prints them.
pub fn health_ratio(rt: &Runtime, svs: (usize, usize)) -> (u32, u32) {
    let c = &rt.cfg.proxies[svs.0].servers[svs.1];
    let s = &rt.srv[svs.0][svs.1];
    if s.up {
        ((s.health + 1).saturating_sub(c.rise), c.fall)
    } else {
        (s.health, c.rise)
    }
}

/// `;up` leaves out servers DOWN (by their own or tracked checks) and
/// servers in maintenance.
fn hidden(rt: &Runtime, pxi: usize, si: usize, o: &DumpOpts) -> bool {
    o.hide_down && (sv_state(rt, state_source(rt, pxi, si)) == 0 || rt.srv[pxi][si].maint)
}

/// Seconds since `t`.
fn secs_since(now: Instant, t: Instant) -> u64 {
    now.saturating_duration_since(t).as_secs()
}

/// A server's total downtime (1.4's `srv_downtime`), in seconds.
fn srv_downtime(rt: &Runtime, pxi: usize, si: usize, now: Instant) -> u64 {
    let s = &rt.srv[pxi][si];
    s.down_total_secs + s.down_since.map(|d| secs_since(now, d)).unwrap_or(0)
}

/// A backend's weights as its balancer sees them: total weight, usable
/// active and backup servers (1.4's `recount_servers` and
/// `update_backend_weight`: servers with a zero weight are not usable, and
/// without `allbackups` only the first backup carries weight).
pub fn be_weights(rt: &Runtime, pxi: usize) -> (u64, u32, u32) {
    let p = &rt.cfg.proxies[pxi];
    let views = rt.views(pxi);
    let (mut wact, mut wbck, mut act, mut bck) = (0u64, 0u64, 0u32, 0u32);
    let mut first_bck = None;
    for v in views.iter().filter(|v| v.usable && v.weight > 0) {
        if v.backup {
            if bck == 0 && !p.flags.allbackups {
                first_bck = Some(v.weight as u64);
            }
            bck += 1;
            wbck += v.weight as u64;
        } else {
            act += 1;
            wact += v.weight as u64;
        }
    }
    let tot = if act > 0 {
        wact
    } else {
        first_bck.unwrap_or(wbck)
    };
    (tot, act, bck)
}

/// The weight a server row shows (slowstart included).
fn sv_weight(rt: &Runtime, pxi: usize, si: usize) -> u32 {
    let c = &rt.cfg.proxies[pxi].servers[si];
    crate::state::effective_weight(c, &rt.srv[pxi][si], Instant::now())
}

/// While a slowstart ramps the weight up, the share of the configured
/// weight in effect, in percent (1.4's `server_throttle_rate`, rounded up).
fn throttle(rt: &Runtime, pxi: usize, si: usize, now: Instant) -> Option<u64> {
    let c = &rt.cfg.proxies[pxi].servers[si];
    let s = &rt.srv[pxi][si];
    if !(s.warm_until.is_some_and(|t| t > now) && c.slowstart > 0) {
        return None;
    }
    let eff = u64::from(crate::state::effective_weight(c, s, now));
    Some(match u64::from(s.weight) {
        0 => 100,
        w => (100 * eff).div_ceil(w),
    })
}

/// The FRONTEND status: open, full (maxconn reached) or stopped/paused.
fn fe_status(rt: &Runtime, pxi: usize) -> &'static str {
    let st = &rt.px[pxi];
    if st.paused || st.stopped {
        "STOP"
    } else if st.feconn >= rt.cfg.proxies[pxi].maxconn {
        "FULL"
    } else {
        "OPEN"
    }
}

/// A backend is shown UP while it has weight to balance on, or when it has
/// no server at all (stats-only proxies, dispatch).
fn be_is_up(p: &Proxy, tot_weight: u64) -> bool {
    tot_weight > 0 || p.servers.is_empty()
}

/// The whole HTTP response for a stats GET/HEAD.
pub fn http_response(rt: &Runtime, pxi: usize, h: &Head, admin: bool, head_only: bool) -> Vec<u8> {
    let cfg = &rt.cfg.proxies[pxi].stats;
    let mut o = DumpOpts::from_uri(h.uri(), cfg);
    o.admin = admin;
    let mut out = format!(
        "HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: {}\r\n",
        if o.csv { "text/plain" } else { "text/html" }
    );
    if cfg.refresh > 0 && !o.no_refresh {
        let _ = write!(out, "Refresh: {}\r\n", cfg.refresh);
    }
    out.push_str("\r\n");
    if !head_only {
        let scope = Some((cfg, pxi));
        if o.csv {
            out.push_str(&csv(rt, &o, scope));
        } else {
            out.push_str(&html::page(rt, pxi, &o));
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(uri: &str, refresh: u64) -> StatsCfg {
        StatsCfg {
            uri: uri.into(),
            refresh,
            ..StatsCfg::default()
        }
    }

    #[test]
    fn uri_flags_are_found_anywhere_after_the_prefix() {
        let o = DumpOpts::from_uri(b"/st;up;csv", &cfg("/st", 0));
        assert!(o.csv && o.hide_down && !o.no_refresh);
        let o = DumpOpts::from_uri(b"/st?x=1;up", &cfg("/st", 0));
        assert!(o.hide_down && !o.csv);
    }

    #[test]
    fn norefresh_only_counts_with_a_refresh() {
        assert!(!DumpOpts::from_uri(b"/st;norefresh", &cfg("/st", 0)).no_refresh);
        assert!(DumpOpts::from_uri(b"/st;norefresh", &cfg("/st", 5)).no_refresh);
    }

    #[test]
    fn status_codes_need_four_letters() {
        let c = cfg("/st", 0);
        assert_eq!(
            DumpOpts::from_uri(b"/st;st=DONE", &c).st_code,
            Some(StCode::Done)
        );
        assert_eq!(
            DumpOpts::from_uri(b"/st;st=XXXX", &c).st_code,
            Some(StCode::Unkn)
        );
        assert_eq!(DumpOpts::from_uri(b"/st;st=DON", &c).st_code, None);
    }
}

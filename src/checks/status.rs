//! A check's result applied to its server: the status, code and
//! description kept for the stats and the logs, `option log-health-checks`
//! lines, and the health arithmetic of 1.4's process_chk that decides when
//! the server changes state (through `server_state::apply`).

use super::Verdict;
use crate::queue::Ctx;
use crate::server_state::{apply, Change};
use crate::state::CheckStatus;

/// 1.4 keeps at most 127 bytes of a check's description.
const DESC_LEN: usize = 127;

pub use crate::server_state::reason_text;

/// Records a check's outcome (1.4's set_server_check_status) and, with
/// `option log-health-checks`, logs it when it moves the server's health.
pub fn set_check_status(ctx: &mut Ctx, pi: usize, si: usize, v: &Verdict, duration: Option<u64>) {
    let cfg = ctx.rt.cfg;
    let px = &cfg.proxies[pi];
    let c = &px.servers[si];
    let st = &mut ctx.rt.srv[pi][si];
    st.check_status = v.status;
    st.check_code = if v.status.has_code() {
        Some(v.code.unwrap_or(0))
    } else {
        None
    };
    let desc = &v.desc[..v.desc.iter().position(|&b| b == 0).unwrap_or(v.desc.len())];
    st.check_desc = desc[..desc.len().min(DESC_LEN)].to_vec();
    st.check_duration = duration;
    // a health analysis is no probe: a check running meanwhile still runs
    if v.status != CheckStatus::Hana {
        st.check_running = false;
    }
    let full = c.rise + c.fall - 1;
    let (err, pass) = (v.status.is_error(), v.status.is_pass());
    let cond = v.status == CheckStatus::L7Okc;
    let worth = (st.health != 0 && err)
        || (st.health != full && pass)
        || (st.nolb && !cond)
        || (!st.nolb && cond);
    if !px.flags.log_health_checks || !worth {
        return;
    }
    // what the health will be once the result is applied
    let (mut h, mut up) = (st.health, st.up);
    if err {
        if h > c.rise {
            h -= 1;
        } else {
            up = up && h != c.rise;
            h = 0;
        }
    }
    if pass {
        if h < full {
            h += 1;
            up = up || h == c.rise;
            if h >= c.rise {
                h = full;
            }
        }
        st.consecutive_errors = 0;
    }
    let m = format!(
        "Health check for {}server {}/{} {}{}{}, status: {}/{} {}.",
        if c.backup { "backup " } else { "" },
        px.name,
        c.name,
        if cond { "conditionally " } else { "" },
        if pass { "succeeded" } else { "failed" },
        crate::server_state::status_part(ctx, pi, si, true, None),
        if up {
            (h + 1).saturating_sub(c.rise)
        } else {
            h
        },
        if up { c.fall } else { c.rise },
        if up { "UP" } else { "DOWN" }
    );
    crate::log::msg::warning(&m);
    ctx.syslog.send(&px.logs, crate::log::NOTICE, &m);
}

/// A finished check moves the server's health, and its state when the
/// health crosses `rise` (1.4's process_chk).
pub fn conclude(ctx: &mut Ctx, pi: usize, si: usize, v: &Verdict, duration: u64) {
    set_check_status(ctx, pi, si, v, Some(duration));
    let cfg = ctx.rt.cfg;
    let px = &cfg.proxies[pi];
    let c = &px.servers[si];
    let full = c.rise + c.fall - 1;
    if v.status.is_error() {
        fail(ctx, pi, si);
        return;
    }
    let st = &ctx.rt.srv[pi][si];
    if st.up && px.check.disable_on_404 {
        let cond = v.status == CheckStatus::L7Okc;
        if st.nolb && !cond {
            apply(ctx, pi, si, Change::ResumeLb);
        } else if !st.nolb && cond {
            apply(ctx, pi, si, Change::StopLb);
        }
    }
    let st = &mut ctx.rt.srv[pi][si];
    if !st.maint && st.health < full {
        st.health += 1;
        apply(ctx, pi, si, Change::Up);
    }
}

/// A failed check (or health analysis): one step less of health while it
/// stays above `rise`, otherwise the server goes down.
pub fn fail(ctx: &mut Ctx, pi: usize, si: usize) {
    let rise = ctx.rt.cfg.proxies[pi].servers[si].rise;
    let st = &mut ctx.rt.srv[pi][si];
    if st.health > rise {
        st.health -= 1;
        st.chkfail += 1;
    } else {
        apply(ctx, pi, si, Change::Down);
    }
}

//! A server's state changes, in one place. Health checks, `observe`
//! (on-error), the stats socket (`disable`/`enable server`, `set weight`) and
//! the stats page's admin form all go through `apply`, which does what 1.4's
//! set_server_down/up/disabled/enabled do: update the state and the
//! balancer, move or take queued sessions, log the change (syslog and
//! stderr, 1.4's texts and levels), count it on the server and the backend
//! (chkdown, downtime, "has no server available!") and pass it on to the
//! servers that `track` this one.

use crate::log::msg;
use crate::queue::Ctx;
use std::collections::VecDeque;
use std::time::Duration;

/// What happens to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Checks (or a tracked server) say it is down: 1.4's set_server_down,
    /// which acts only when health just reached `rise` (or for trackers).
    Down,
    /// Checks (or a tracked server) say it is up: set_server_up.
    Up,
    /// A check answered 404 with `disable-on-404`: out of load balancing
    /// (set_server_disabled, "NOLB").
    StopLb,
    /// A plain pass while NOLB: back into load balancing.
    ResumeLb,
    /// `disable server` / admin `disable`: maintenance.
    Maint,
    /// `enable server` / admin `enable`: leave maintenance, UP again unless
    /// the tracked server is down.
    Ready,
    /// `set weight` / admin `stop` (0) and `start` (initial weight).
    Weight(u32),
}

/// Applies a change to server `si` of proxy `pi`. Returns whether the server
/// was altered (maintenance and weight changes; checks ignore it).
pub fn apply(ctx: &mut Ctx, pi: usize, si: usize, change: Change) -> bool {
    match change {
        Change::Down => set_down(ctx, pi, si),
        Change::Up => set_up(ctx, pi, si),
        Change::StopLb => set_lb(ctx, pi, si, false),
        Change::ResumeLb => set_lb(ctx, pi, si, true),
        Change::Maint => {
            if ctx.rt.srv[pi][si].maint {
                return false;
            }
            // the farm as it was before: maintenance counts as leaving it
            let (a, b) = ctx.rt.srv_counts(pi);
            ctx.rt.srv[pi][si].maint = true;
            set_down_from(ctx, pi, si, a + b);
        }
        Change::Ready => {
            if !ctx.rt.srv[pi][si].maint {
                return false;
            }
            leave_maint(ctx, pi, si);
        }
        // 1.4 only recomputes the effective weight: no log, no dequeueing
        Change::Weight(w) => {
            ctx.rt.srv[pi][si].weight = w;
            ctx.rt.lb_update(pi);
        }
    }
    true
}

/// `enable`: UP with health at `rise` ("up, but will fall down at first
/// failure"), or, for a tracker whose tracked server is down, out of
/// maintenance but DOWN.
fn leave_maint(ctx: &mut Ctx, pi: usize, si: usize) {
    let tracked_down = ctx.rt.srv[pi][si]
        .tracked
        .is_some_and(|(tp, ts)| !ctx.rt.srv[tp][ts].up);
    if tracked_down {
        ctx.rt.srv[pi][si].maint = false;
        set_down(ctx, pi, si);
    } else {
        set_up(ctx, pi, si);
        ctx.rt.srv[pi][si].health = ctx.rt.cfg.proxies[pi].servers[si].rise;
    }
}

/// 1.4's set_server_down.
fn set_down(ctx: &mut Ctx, pi: usize, si: usize) {
    let (a, b) = ctx.rt.srv_counts(pi);
    set_down_from(ctx, pi, si, a + b);
}

/// set_server_down with the number of servers the farm had before
/// (`prev`), to know whether this one was the last.
fn set_down_from(ctx: &mut Ctx, pi: usize, si: usize, prev: usize) {
    let cfg = ctx.rt.cfg;
    let c = &cfg.proxies[pi].servers[si];
    if ctx.rt.srv[pi][si].maint {
        ctx.rt.srv[pi][si].health = c.rise;
    }
    let st = &ctx.rt.srv[pi][si];
    if st.health == c.rise || st.tracked.is_some() {
        let was_paused = st.nolb;
        let st = &mut ctx.rt.srv[pi][si];
        st.last_change = ctx.now;
        if st.up {
            st.down_since = Some(ctx.now);
        }
        st.up = false;
        st.nolb = false;
        st.warm_until = None;
        ctx.rt.lb_update(pi);
        // idle connections kept for reuse are not trusted any more
        ctx.rt.idle.flush_server(pi, si);
        let xferred = redistribute_pending(ctx, pi, si);
        let m = if ctx.rt.srv[pi][si].maint {
            format!(
                "{}Server {}/{} is DOWN for maintenance",
                backup(c.backup),
                cfg.proxies[pi].name,
                c.name
            )
        } else {
            let hchk = hchk_details(ctx, pi, si);
            format!(
                "{}Server {}/{} is DOWN{}",
                backup(c.backup),
                cfg.proxies[pi].name,
                c.name,
                status_part(ctx, pi, si, hchk, Some(xferred))
            )
        };
        let level = if was_paused {
            crate::log::NOTICE
        } else {
            crate::log::ALERT
        };
        announce(ctx, pi, level, &m);
        if prev > 0 && ctx.rt.srv_counts(pi) == (0, 0) {
            set_backend_down(ctx, pi);
        }
        ctx.rt.srv[pi][si].chkdown += 1;
        if c.check {
            for (tp, ts) in ctx.rt.srv[pi][si].trackers.clone() {
                if !ctx.rt.srv[tp][ts].maint {
                    set_down(ctx, tp, ts);
                }
            }
        }
    }
    ctx.rt.srv[pi][si].health = 0;
}

/// 1.4's set_server_up.
fn set_up(ctx: &mut Ctx, pi: usize, si: usize) {
    let cfg = ctx.rt.cfg;
    let c = &cfg.proxies[pi].servers[si];
    let full = c.rise + c.fall - 1;
    let was_maint = ctx.rt.srv[pi][si].maint;
    if was_maint {
        ctx.rt.srv[pi][si].health = c.rise;
    }
    let st = &ctx.rt.srv[pi][si];
    if st.health == c.rise || st.tracked.is_some() {
        if ctx.rt.srv_counts(pi) == (0, 0) {
            let p = &mut ctx.rt.px[pi];
            p.down_time_secs += ctx.now.saturating_duration_since(p.last_change).as_secs();
            p.last_change = ctx.now;
        }
        let st = &mut ctx.rt.srv[pi][si];
        if let Some(d) = st.down_since.take() {
            st.down_total_secs += ctx.now.saturating_duration_since(d).as_secs();
        }
        st.last_change = ctx.now;
        st.up = true;
        st.maint = false;
        if c.slowstart > 0 {
            st.warm_until = Some(ctx.now + Duration::from_millis(c.slowstart));
        }
        ctx.rt.lb_update(pi);
        let xferred = check_for_pending(ctx, pi, si);
        let m = if was_maint {
            format!(
                "{}Server {}/{} is UP (leaving maintenance)",
                backup(c.backup),
                cfg.proxies[pi].name,
                c.name
            )
        } else {
            let hchk = hchk_details(ctx, pi, si);
            format!(
                "{}Server {}/{} is UP{}",
                backup(c.backup),
                cfg.proxies[pi].name,
                c.name,
                status_part(ctx, pi, si, hchk, Some(xferred))
            )
        };
        announce(ctx, pi, crate::log::NOTICE, &m);
        if c.check {
            for (tp, ts) in ctx.rt.srv[pi][si].trackers.clone() {
                if !ctx.rt.srv[tp][ts].maint {
                    set_up(ctx, tp, ts);
                }
            }
        }
    }
    let st = &mut ctx.rt.srv[pi][si];
    if st.health >= c.rise {
        st.health = full;
    }
}

/// 1.4's set_server_disabled (`on` false) and set_server_enabled (true).
fn set_lb(ctx: &mut Ctx, pi: usize, si: usize, on: bool) {
    let cfg = ctx.rt.cfg;
    let c = &cfg.proxies[pi].servers[si];
    ctx.rt.srv[pi][si].nolb = !on;
    ctx.rt.lb_update(pi);
    let xferred = if on {
        check_for_pending(ctx, pi, si)
    } else {
        redistribute_pending(ctx, pi, si)
    };
    let hchk = hchk_details(ctx, pi, si);
    let m = format!(
        "Load-balancing on {}Server {}/{} is {}{}",
        backup(c.backup),
        cfg.proxies[pi].name,
        c.name,
        if on { "enabled again" } else { "disabled" },
        status_part(ctx, pi, si, hchk, Some(xferred))
    );
    announce(ctx, pi, crate::log::NOTICE, &m);
    if !on && ctx.rt.srv_counts(pi) == (0, 0) {
        set_backend_down(ctx, pi);
    }
    if c.check {
        for (tp, ts) in ctx.rt.srv[pi][si].trackers.clone() {
            set_lb(ctx, tp, ts, on);
        }
    }
}

/// 1.4's set_backend_down: the backend lost its last usable server.
fn set_backend_down(ctx: &mut Ctx, pi: usize) {
    let px = &ctx.rt.cfg.proxies[pi];
    let p = &mut ctx.rt.px[pi];
    p.last_change = ctx.now;
    p.down_trans += 1;
    let tw = crate::config::proxy::type_str(px.kind);
    msg::alert(&format!("{} '{}' has no server available!", tw, px.name));
    ctx.syslog.send(
        &px.logs,
        crate::log::EMERG,
        &format!("{} {} has no server available!", tw, px.name),
    );
}

/// Stderr warning and syslog line of a state change.
fn announce(ctx: &mut Ctx, pi: usize, level: u8, m: &str) {
    msg::warning(&format!("{}.", m));
    ctx.syslog
        .send(&ctx.rt.cfg.proxies[pi].logs, level, &format!("{}.", m));
}

fn backup(b: bool) -> &'static str {
    if b {
        "Backup "
    } else {
        ""
    }
}

/// Whether the lines carry the check's reason: not for trackers, nor with
/// `option log-health-checks` (the check line said it already).
fn hchk_details(ctx: &Ctx, pi: usize, si: usize) -> bool {
    ctx.rt.srv[pi][si].tracked.is_none() && !ctx.rt.cfg.proxies[pi].flags.log_health_checks
}

/// 1.4's server_status_printf: ` via px/srv`, the check's reason, and the
/// farm's counts (`xferred` sessions moved).
pub fn status_part(ctx: &Ctx, pi: usize, si: usize, hchk: bool, xferred: Option<usize>) -> String {
    let rt = &*ctx.rt;
    let st = &rt.srv[pi][si];
    let mut m = String::new();
    if let Some((tp, ts)) = st.tracked {
        let t = &rt.cfg.proxies[tp];
        m.push_str(&format!(" via {}/{}", t.name, t.servers[ts].name));
    }
    if hchk {
        m.push_str(&reason_text(st));
    }
    if let Some(x) = xferred {
        let (a, b) = rt.srv_counts(pi);
        let rob = if b > 0 && a == 0 {
            " Running on backup."
        } else {
            ""
        };
        if st.up {
            m.push_str(&format!(
                ". {} active and {} backup servers online.{} {} sessions requeued, {} total in queue",
                a,
                b,
                rob,
                x,
                st.queue.len()
            ));
        } else {
            m.push_str(&format!(
                ". {} active and {} backup servers left.{} {} sessions active, {} requeued, {} remaining in queue",
                a,
                b,
                rob,
                st.cur_sess,
                x,
                st.queue.len()
            ));
        }
    }
    m
}

/// Sessions queued on a server that went out of the farm go back to the
/// backend when they may be redispatched (`option redispatch` without
/// `persist`, and no `force-persist` on the session); the others stay.
/// Returns how many moved.
fn redistribute_pending(ctx: &mut Ctx, pi: usize, si: usize) -> usize {
    let f = &ctx.rt.cfg.proxies[pi].flags;
    if !f.redispatch || f.persist {
        return 0;
    }
    let q = std::mem::take(&mut ctx.rt.srv[pi][si].queue);
    let mut kept = VecDeque::new();
    let mut n = 0;
    for (k, forced) in q {
        if forced {
            kept.push_back((k, forced));
        } else {
            ctx.rt.px[pi].queue.push_back(k);
            n += 1;
        }
    }
    ctx.rt.srv[pi][si].queue = kept;
    crate::queue::process_queue(ctx, pi, None);
    n
}

/// A server back in the farm takes what it can from the backend's queue.
/// Returns how many sessions it took.
fn check_for_pending(ctx: &mut Ctx, pi: usize, si: usize) -> usize {
    if ctx.rt.srv[pi][si].weight == 0 {
        return 0;
    }
    let before = ctx.grants.len();
    crate::queue::process_queue(ctx, pi, Some(si));
    ctx.grants.len().saturating_sub(before)
}

/// The `, reason: ...[, code: N][, info: "..."][, check duration: Nms]`
/// part of the check lines (1.4's server_status_printf with SSP_O_HCHK).
pub fn reason_text(st: &crate::state::SrvState) -> String {
    let mut m = format!(", reason: {}", st.check_status.desc());
    if let Some(code) = st.check_code {
        m.push_str(&format!(", code: {}", code));
    }
    if !st.check_desc.is_empty() {
        m.push_str(", info: \"");
        ascii_encode(&mut m, &st.check_desc);
        m.push('"');
    }
    match st.check_duration {
        Some(d) if d != crate::state::NO_PROBE => m.push_str(&format!(", check duration: {}ms", d)),
        _ => {}
    }
    m
}

/// Non-printable bytes, `<`, `>` and `"` as `<XX>` (1.4's chunk_asciiencode).
fn ascii_encode(out: &mut String, b: &[u8]) {
    for &c in b {
        if (0x20..0x7f).contains(&c) && !matches!(c, b'<' | b'>' | b'"') {
            out.push(c as char);
        } else {
            out.push_str(&format!("<{:02X}>", c));
        }
    }
}

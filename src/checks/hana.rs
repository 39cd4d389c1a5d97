//! `observe layer4|layer7` with `on-error` and `error-limit`: 1.4's health
//! analysis of live traffic. Sessions report what happened with their
//! server (connects, responses) while they still hold it; after
//! `error-limit` consecutive errors the server reacts as `on-error` says,
//! through the same path as a failed check.

use super::Verdict;
use crate::queue::Ctx;
use crate::server_state::{apply, Change};
use crate::state::{CheckStatus, Hana};
use std::time::Duration;

/// The duration 1.4 records for a health analysis: -1 ("no probe"), which
/// its CSV prints as an unsigned long and its log lines leave out.
pub use crate::state::NO_PROBE;

/// 1.4's health_adjust: one traffic event of server `si` of proxy `pi`.
pub fn health_adjust(ctx: &mut Ctx, pi: usize, si: usize, ev: Hana) {
    let c = &ctx.rt.cfg.proxies[pi].servers[si];
    if c.observe == 0 || !c.check {
        return;
    }
    let Some(failed) = ev.failed(c.observe) else {
        return;
    };
    let st = &mut ctx.rt.srv[pi][si];
    if !failed {
        st.consecutive_errors = 0;
        return;
    }
    st.consecutive_errors += 1;
    if st.consecutive_errors < c.error_limit {
        return;
    }
    let v = Verdict {
        status: CheckStatus::Hana,
        code: None,
        desc: format!(
            "Detected {} consecutive errors, last one was: {}",
            st.consecutive_errors,
            ev.desc()
        )
        .into_bytes(),
    };
    match c.on_error {
        // fail-check, and sudden-death: as if only one check was left
        1 | 2 => {
            if c.on_error == 2 && st.health > c.rise {
                st.health = c.rise + 1;
            }
            super::status::set_check_status(ctx, pi, si, &v, Some(NO_PROBE));
            super::status::fail(ctx, pi, si);
        }
        // mark-down: at once
        3 => {
            st.health = c.rise;
            super::status::set_check_status(ctx, pi, si, &v, Some(NO_PROBE));
            apply(ctx, pi, si, Change::Down);
        }
        // fastinter: only the sooner check below
        _ => {}
    }
    let st = &mut ctx.rt.srv[pi][si];
    st.consecutive_errors = 0;
    st.hanafail += 1;
    if c.fastinter > 0 {
        let soon = ctx.now + Duration::from_millis(c.fastinter);
        ctx.rt.check_soon.push((pi, si, soon));
    }
}

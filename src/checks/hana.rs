//! `observe layer4|layer7` with `on-error` and `error-limit`: 1.4's health
//! analysis of live traffic. Sessions report what happened with their
//! server (connects, responses); after `error-limit` consecutive errors the
//! server's checks react as `on-error` says.

use super::{Checks, Phase, Verdict};
use crate::log::syslog::Syslog;
use crate::state::Runtime;
use mio::Registry;
use std::time::{Duration, Instant};

impl Checks {
    /// Applies the events sessions queued in `rt.hana` (1.4's health_adjust).
    pub fn health_adjust(
        &mut self,
        rt: &mut Runtime,
        registry: &Registry,
        syslog: &Syslog,
        now: Instant,
        wake: &mut Vec<usize>,
        grants: &mut Vec<(usize, usize)>,
    ) {
        let events = std::mem::take(&mut rt.hana);
        for (pi, si, ev) in events {
            let cfg = rt.cfg;
            let c = &cfg.proxies[pi].servers[si];
            let Some(failed) = ev.failed(c.observe) else {
                continue;
            };
            let st = &mut rt.srv[pi][si];
            if !failed {
                st.consecutive_errors = 0;
                continue;
            }
            st.consecutive_errors += 1;
            if st.consecutive_errors < c.error_limit.max(1) {
                continue;
            }
            let info = format!(
                "Detected {} consecutive errors, last one was: {}",
                st.consecutive_errors,
                ev.desc()
            );
            st.consecutive_errors = 0;
            st.hanafail += 1;
            // without health checks there is nothing to act through
            let Some(i) = self.list.iter().position(|k| k.px == pi && k.srv == si) else {
                continue;
            };
            if c.on_error > 0 {
                let st = &mut rt.srv[pi][si];
                match c.on_error {
                    // sudden-death: one more failure takes it down
                    2 if st.health > c.rise => st.health = c.rise + 1,
                    // mark-down: at once
                    3 => st.health = c.rise,
                    _ => {}
                }
                let v = Verdict {
                    ok: false,
                    nolb: false,
                    status: "HANA",
                    desc: "Health analyze",
                    code: None,
                    info: Some(info),
                };
                // a simulated failed check, leaving any probe in flight alone
                let (phase, next, start) =
                    (self.list[i].phase, self.list[i].next, self.list[i].start);
                self.conclude(i, rt, registry, syslog, v, now, wake, grants);
                self.list[i].phase = phase;
                self.list[i].next = next;
                self.list[i].start = start;
            }
            // every mode checks again soon, at fastinter
            if c.fastinter > 0 && self.list[i].phase == Phase::Idle {
                let soon = now + Duration::from_millis(c.fastinter);
                if soon < self.list[i].next {
                    self.list[i].next = soon;
                }
            }
        }
    }
}

//! The loop's context for the runtime layer (`Ctx`: the runtime state,
//! the poll registry, syslog, the clock and the sessions to wake) and the
//! server queues' one way out: freed slots granted to waiting sessions,
//! oldest first. Sessions, checks and server state changes all use these,
//! so they live below all three.

use crate::log::syslog::Syslog;
use crate::state::{dyn_maxconn, Runtime};
use std::time::Instant;

/// What a session needs from the loop while it runs.
pub struct Ctx<'a> {
    pub rt: &'a mut Runtime,
    /// buffers, the splice pipe and the log line (crate::pools)
    pub pools: &'a mut crate::pools::Pools,
    pub registry: &'a mio::Registry,
    pub syslog: &'a Syslog,
    pub now: Instant,
    /// Sessions granted a server slot, to run again.
    pub wake: &'a mut Vec<usize>,
    pub grants: &'a mut Vec<(usize, usize)>,
    pub stopping: bool,
}

/// Grants freed slots of a backend's servers to queued sessions, oldest
/// first: the server's own queue, then the backend's.
pub fn process_queue(ctx: &mut Ctx, be: usize, only: Option<usize>) {
    let cfg = ctx.rt.cfg;
    let px = &cfg.proxies[be];
    for si in 0..px.servers.len() {
        if only.is_some_and(|o| o != si) {
            continue;
        }
        loop {
            let beconn = ctx.rt.px[be].beconn;
            let st = &ctx.rt.srv[be][si];
            if !st.usable() {
                break;
            }
            let m = dyn_maxconn(&px.servers[si], px, beconn);
            if m > 0 && st.cur_sess >= m {
                break;
            }
            let key = match ctx.rt.srv[be][si].queue.pop_front() {
                Some((k, _)) => k,
                None => match ctx.rt.px[be].queue.pop_front() {
                    Some(k) => k,
                    None => break,
                },
            };
            ctx.rt.srv[be][si].cur_sess += 1;
            ctx.rt.srv[be][si].granted += 1;
            ctx.rt.lb_reposition(be, si);
            ctx.grants.push((key, si));
            ctx.wake.push(key);
        }
    }
}

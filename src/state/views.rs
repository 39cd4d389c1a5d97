//! A backend's servers as its balancer sees them: each server's dynamic
//! connection limit (minconn/maxconn with fullconn), its weight during
//! slowstart, and the views computed from both on demand.

use super::counters::{PxState, SrvState};
use crate::balance::{SrvView, Views};
use crate::config::model::{Config, Proxy, Server};
use std::time::Instant;

/// A server's dynamic connection limit (minconn/maxconn with fullconn).
pub fn dyn_maxconn(s: &Server, px: &Proxy, beconn: u32) -> u32 {
    if s.maxconn == 0 {
        return 0;
    }
    if s.minconn == s.maxconn || px.fullconn == 0 || beconn >= px.fullconn {
        return s.maxconn;
    }
    let m = (s.maxconn as u64 * beconn as u64 / px.fullconn as u64) as u32;
    m.max(s.minconn.max(1))
}

/// A server's weight in effect: 1.4's slowstart grows it with the time
/// since the server came UP.
pub fn effective_weight(c: &Server, s: &SrvState, now: Instant) -> u32 {
    match s.warm_until {
        Some(t) if t > now && c.slowstart > 0 => {
            let left = t.saturating_duration_since(now).as_millis() as u64;
            let done = c.slowstart.saturating_sub(left);
            ((s.weight as u64 * done).div_ceil(c.slowstart) as u32).max(1)
        }
        _ => s.weight,
    }
}

/// A backend's servers as the balancer sees them, computed on demand from
/// their configuration and state at one instant.
pub struct LazyViews<'a> {
    p: &'a Proxy,
    st: &'a [SrvState],
    beconn: u32,
    now: Instant,
}

impl<'a> LazyViews<'a> {
    /// From the runtime's fields (so that a caller may hold the balancer
    /// of `px` mutably meanwhile): the beconn is copied now.
    pub fn new(
        cfg: &'a Config,
        srv: &'a [Vec<SrvState>],
        pxs: &[PxState],
        px: usize,
    ) -> LazyViews<'a> {
        LazyViews {
            p: &cfg.proxies[px],
            st: srv.get(px).map_or(&[][..], |v| &v[..]),
            beconn: pxs.get(px).map(|x| x.beconn).unwrap_or(0),
            now: Instant::now(),
        }
    }
}

impl Views for LazyViews<'_> {
    fn count(&self) -> usize {
        self.st.len().min(self.p.servers.len())
    }
    fn at(&self, i: usize) -> SrvView {
        let (Some(c), Some(s)) = (self.p.servers.get(i), self.st.get(i)) else {
            return SrvView::default();
        };
        let m = dyn_maxconn(c, self.p, self.beconn);
        SrvView {
            usable: s.lb_usable(),
            backup: c.backup,
            weight: effective_weight(c, s, self.now),
            full: m > 0 && (!s.queue.is_empty() || s.cur_sess >= m),
            served: s.cur_sess,
            puid: c.id,
        }
    }
}

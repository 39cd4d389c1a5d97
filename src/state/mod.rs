//! Mutable runtime state next to the immutable config: per-proxy and
//! per-server counters and health (`counters.rs`, `health.rs`), the
//! balancers and their view of the servers (`views.rs`), queues, and the
//! tables of persistence.

mod counters;
mod health;
mod views;

pub use counters::{Counters, ErrSnapshot, LiCounters, PxState, SrvState};
pub use health::{CheckStatus, Hana};
pub use views::{dyn_maxconn, effective_weight, LazyViews};

use crate::balance::{Lb, SrvView, Views};
use crate::config::model::Config;
use std::time::Instant;

/// A check duration that stands for "no probe": a health analysis
/// (`observe`) set the status, 1.4 shows no duration then (its -1).
pub const NO_PROBE: u64 = u64::MAX;

/// A persistence map: key -> (server id, expiry).
pub type Table = std::collections::HashMap<Vec<u8>, (u32, Option<Instant>)>;

pub struct Runtime {
    pub cfg: &'static Config,
    /// stick-table contents, by the proxy that declares the table
    pub tables: Vec<crate::stick_table::StickTable>,
    /// appsession contents, by backend
    pub apps: Vec<Table>,
    pub px: Vec<PxState>,
    pub srv: Vec<Vec<SrvState>>,
    pub actconn: u32,
    pub start: Instant,
    /// Errors captured so far (`show errors`' total).
    pub error_snapshots: u32,
    /// Per proxy, per `bind` line: the listening sockets' counters.
    pub li: Vec<Vec<LiCounters>>,
    /// Servers whose next check must come sooner (`observe` errors ask for
    /// `fastinter`): (proxy, server, when), taken by the checks.
    pub check_soon: Vec<(usize, usize, Instant)>,
    /// stats socket connections open: 1.4 counts them in `actconn` too
    pub cli_conns: u32,
    /// sessions, checks and stats-socket clients woken by the current
    /// poll pass (1.4's run queue as `show info` reads it)
    pub run_queue: u32,
    /// idle server connections kept for reuse (`http-reuse`)
    pub idle: crate::idle_pool::IdlePools,
}

impl Runtime {
    pub fn new(cfg: &'static Config) -> Runtime {
        let now = Instant::now();
        let srv: Vec<Vec<SrvState>> = cfg
            .proxies
            .iter()
            .map(|p| p.servers.iter().map(|s| SrvState::new(s, now)).collect())
            .collect();
        let n = cfg.proxies.len();
        let mut rt = Runtime {
            cfg,
            tables: vec![Default::default(); n],
            apps: vec![Table::new(); n],
            px: Vec::new(),
            srv,
            actconn: 0,
            start: now,
            check_soon: Vec::new(),
            error_snapshots: 0,
            cli_conns: 0,
            run_queue: 0,
            idle: crate::idle_pool::IdlePools::new(cfg),
            li: cfg
                .proxies
                .iter()
                .map(|p| vec![LiCounters::default(); p.binds.len()])
                .collect(),
        };
        for (i, p) in cfg.proxies.iter().enumerate() {
            let views = rt.views(i);
            let lb = Lb::new(
                p.balance.clone(),
                &views,
                p.flags.allbackups,
                p.hash_consistent,
            );
            rt.px.push(PxState::new(p, lb, now));
        }
        rt.link_trackers();
        rt
    }

    /// Resolves `track [proxy/]server` into links both ways. 1.4 pushes each
    /// tracker at the head of the tracked server's list, so trackers are
    /// notified in reverse configuration order; a tracker of a server in
    /// maintenance starts down (health 0).
    fn link_trackers(&mut self) {
        let cfg = self.cfg;
        for (pi, p) in cfg.proxies.iter().enumerate() {
            for (si, s) in p.servers.iter().enumerate() {
                let Some(t) = &s.track else { continue };
                let (tp, ts) = match t.rsplit_once('/') {
                    Some((a, b)) => (cfg.proxies.iter().position(|x| x.name == a && x.is_be()), b),
                    None => (Some(pi), t.as_str()),
                };
                let Some(tp) = tp else { continue };
                let Some(tsi) = cfg.proxies[tp].servers.iter().position(|x| x.name == ts) else {
                    continue;
                };
                self.srv[pi][si].tracked = Some((tp, tsi));
                self.srv[tp][tsi].trackers.insert(0, (pi, si));
                if cfg.proxies[tp].servers[tsi].disabled && !s.disabled {
                    self.srv[pi][si].up = false;
                    self.srv[pi][si].health = 0;
                }
            }
        }
    }

    /// Seconds the server spent down (1.4's srv_downtime).
    pub fn srv_downtime(&self, px: usize, si: usize, now: Instant) -> u64 {
        let s = &self.srv[px][si];
        s.down_total_secs
            + s.down_since
                .map(|d| now.saturating_duration_since(d).as_secs())
                .unwrap_or(0)
    }

    /// Seconds the backend spent without usable server (1.4's be_downtime).
    pub fn be_downtime(&self, px: usize, now: Instant) -> u64 {
        let p = &self.px[px];
        let (a, b) = self.srv_counts(px);
        if a + b > 0 {
            return p.down_time_secs;
        }
        p.down_time_secs + now.saturating_duration_since(p.last_change).as_secs()
    }

    pub fn views(&self, px: usize) -> Vec<SrvView> {
        let mut v = Vec::new();
        self.views_into(px, &mut v);
        v
    }

    /// `views`, into a reused vector.
    pub fn views_into(&self, px: usize, out: &mut Vec<SrvView>) {
        let v = self.lazy_views(px);
        out.clear();
        out.extend((0..v.count()).map(|i| v.at(i)));
    }

    /// The servers of `px` as the balancer reads them, each computed when
    /// read: a pick reads a few of them, not the whole farm.
    pub fn lazy_views(&self, px: usize) -> LazyViews<'_> {
        LazyViews::new(self.cfg, &self.srv, &self.px, px)
    }

    /// Server `si` of `px` took or dropped a session: the balancer moves
    /// it (leastconn's tree, as 1.4's take_conn/drop_conn).
    pub fn lb_reposition(&mut self, px: usize, si: usize) {
        let v = self.lazy_views(px).at(si);
        if let Some(p) = self.px.get_mut(px) {
            p.lb.reposition(si, &v);
        }
    }

    pub fn lb_update(&mut self, px: usize) {
        let v = self.views(px);
        if let Some(p) = self.px.get_mut(px) {
            p.lb.update(&v);
        }
    }

    /// Active and backup servers in the farm (1.4's srv_act, srv_bck).
    /// 1.4's totpend: sessions waiting in the backend's queue and in its
    /// servers' queues.
    pub fn totpend(&self, px: usize) -> usize {
        self.px[px].queue.len() + self.srv[px].iter().map(|s| s.queue.len()).sum::<usize>()
    }

    pub fn srv_counts(&self, px: usize) -> (usize, usize) {
        let p = &self.cfg.proxies[px];
        let mut a = 0;
        let mut b = 0;
        for (c, s) in p.servers.iter().zip(&self.srv[px]) {
            if s.lb_usable() {
                if c.backup {
                    b += 1;
                } else {
                    a += 1;
                }
            }
        }
        (a, b)
    }
}

//! The live state of servers, proxies and listening sockets: their
//! counters (what the stats page and `show stat` report), a server's
//! health, weight, sessions and queue, a proxy's connections, queue,
//! balancer and the last invalid message it saw.

use super::health::CheckStatus;
use crate::balance::Lb;
use crate::config::model::{Proxy, Server};
use crate::freq_ctr::FreqCtr;
use std::collections::VecDeque;
use std::time::Instant;

/// One listening socket's counters (`option socket-stats`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LiCounters {
    pub cur: u32,
    pub max: u32,
    pub cum: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub denied_req: u64,
    pub denied_resp: u64,
    pub failed_req: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub cum_sess: u64,
    pub max_sess: u32,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub denied_req: u64,
    pub denied_rsp: u64,
    pub failed_req: u64,
    pub failed_conns: u64,
    pub failed_resp: u64,
    pub retries: u64,
    pub redispatches: u64,
    pub hrsp: [u64; 6],
    pub cli_abrt: u64,
    pub srv_abrt: u64,
    pub req_tot: u64,
    pub lbtot: u64,
    pub max_queue: u32,
    /// highest sessions per second seen (1.4's fe_sps_max/be_sps_max/sps_max)
    pub sps_max: u32,
    /// highest HTTP requests per second seen (frontend only, fe_rps_max)
    pub rps_max: u32,
}

#[derive(Debug, Clone)]
pub struct SrvState {
    /// Running (SRV_RUNNING: not DOWN by checks nor in maintenance).
    pub up: bool,
    /// Administratively disabled (MAINT).
    pub maint: bool,
    /// Load balancing stopped by `disable-on-404` (1.4's GOINGDOWN, "NOLB"):
    /// still running for persistent traffic, out of the farm.
    pub nolb: bool,
    /// The server whose state this one follows (`track`).
    pub tracked: Option<(usize, usize)>,
    /// The servers following this one, in 1.4's notification order
    /// (reverse configuration order).
    pub trackers: Vec<(usize, usize)>,
    /// 0..rise+fall-1; UP iff >= rise.
    pub health: u32,
    pub cur_sess: u32,
    /// Slots reserved for dequeued sessions not yet connected (1.4 counts
    /// them as served but not as current sessions).
    pub granted: u32,
    pub weight: u32,
    /// sessions waiting for this server, each with its `force-persist`
    /// mark (those stay when the server leaves the farm)
    pub queue: VecDeque<(usize, bool)>,
    pub c: Counters,
    pub last_change: Instant,
    pub down_since: Option<Instant>,
    pub down_total_secs: u64,
    pub chkfail: u64,
    /// failed health analyses (`observe`), the CSV's hanafail
    pub hanafail: u64,
    /// consecutive errors seen by `observe`
    pub consecutive_errors: u32,
    pub chkdown: u64,
    pub check_status: CheckStatus,
    /// Set only for the statuses that carry a code (`has_code`).
    pub check_code: Option<u16>,
    /// The last check's description (`info:`), at most 127 bytes.
    pub check_desc: Vec<u8>,
    /// Milliseconds the last check took; `checks::NO_PROBE` (1.4's
    /// -1) after a health analysis; None before any check.
    pub check_duration: Option<u64>,
    /// A check has started and not concluded yet (1.4's non-zero
    /// check_start): from start-up to the first result, and while each
    /// check runs. The stats page marks it with "* ", so a server kept in
    /// maintenance since start-up shows "* INI" as in 1.4.
    pub check_running: bool,
    /// slowstart: the weight ramps up until then
    pub warm_until: Option<Instant>,
    /// connections to this server per second (its `rate`)
    pub sess_per_sec: FreqCtr,
}

impl SrvState {
    /// A server as it starts: up unless `disabled` (then in maintenance),
    /// its check status INI when it has a check.
    pub fn new(s: &Server, now: Instant) -> SrvState {
        SrvState {
            up: !s.disabled,
            maint: s.disabled,
            nolb: false,
            tracked: None,
            trackers: Vec::new(),
            health: if s.disabled { 0 } else { s.rise },
            cur_sess: 0,
            granted: 0,
            weight: s.weight,
            queue: VecDeque::new(),
            c: Counters::default(),
            last_change: now,
            down_since: None,
            down_total_secs: 0,
            chkfail: 0,
            hanafail: 0,
            consecutive_errors: 0,
            chkdown: 0,
            check_status: if s.check {
                CheckStatus::Ini
            } else {
                CheckStatus::Unknown
            },
            check_code: None,
            check_desc: Vec::new(),
            check_duration: None,
            check_running: false,
            warm_until: None,
            sess_per_sec: FreqCtr::default(),
        }
    }
    /// 1.4's `srv_inc_sess_ctr`: one more session sent to this server.
    pub fn inc_sess_ctr(&mut self) {
        self.c.cum_sess += 1;
        self.sess_per_sec.hit_max(&mut self.c.sps_max);
    }

    /// Running: may take traffic that insists on it (persistence, queue).
    pub fn usable(&self) -> bool {
        self.up && !self.maint
    }

    /// In the load-balancing farm (1.4's srv_is_usable): running, not NOLB,
    /// with a non-zero weight. These are the "N active and M backup" servers.
    pub fn lb_usable(&self) -> bool {
        self.usable() && !self.nolb && self.weight > 0
    }
}

/// The last invalid request (frontend) or response (backend) a proxy saw,
/// for the stats socket's `show errors`.
#[derive(Debug, Clone)]
pub struct ErrSnapshot {
    /// wall-clock time: seconds since the epoch and milliseconds
    pub when: (i64, u32),
    pub src: std::net::SocketAddr,
    /// the session's unique id
    pub sid: u32,
    /// the proxy at the other end (backend of a request, frontend of a response)
    pub other: usize,
    pub srv: Option<usize>,
    pub buf: Vec<u8>,
    pub pos: usize,
    /// its number among all captured errors
    pub ev_id: u32,
}

#[derive(Debug)]
pub struct PxState {
    pub invalid_req: Option<ErrSnapshot>,
    pub invalid_rsp: Option<ErrSnapshot>,
    pub feconn: u32,
    pub beconn: u32,
    pub queue: VecDeque<usize>,
    pub lb: Lb,
    pub fe: Counters,
    pub be: Counters,
    pub stopped: bool,
    pub paused: bool,
    pub last_change: Instant,
    /// sessions accepted per second (the FRONTEND `rate`)
    pub fe_sess_per_sec: FreqCtr,
    /// sessions assigned to this backend per second (the BACKEND `rate`)
    pub be_sess_per_sec: FreqCtr,
    /// HTTP requests per second received by the frontend (`req_rate`)
    pub fe_req_per_sec: FreqCtr,
    /// Times the backend lost its last usable server (chkdown).
    pub down_trans: u64,
    /// Seconds spent without usable server, up to the last recovery.
    pub down_time_secs: u64,
}

impl PxState {
    /// A proxy as it starts (stopped if `disabled`), with its balancer.
    pub fn new(p: &Proxy, lb: Lb, now: Instant) -> PxState {
        PxState {
            invalid_req: None,
            invalid_rsp: None,
            feconn: 0,
            beconn: 0,
            queue: VecDeque::new(),
            lb,
            fe: Counters::default(),
            be: Counters::default(),
            stopped: p.disabled,
            paused: false,
            last_change: now,
            fe_sess_per_sec: FreqCtr::default(),
            be_sess_per_sec: FreqCtr::default(),
            fe_req_per_sec: FreqCtr::default(),
            down_trans: 0,
            down_time_secs: 0,
        }
    }
    /// 1.4's `proxy_inc_fe_ctr`: one more session accepted by the frontend.
    pub fn inc_fe_ctr(&mut self) {
        self.fe.cum_sess += 1;
        self.fe_sess_per_sec.hit_max(&mut self.fe.sps_max);
    }

    /// 1.4's `proxy_inc_be_ctr`: one more session assigned to the backend.
    pub fn inc_be_ctr(&mut self) {
        self.be.cum_sess += 1;
        self.be_sess_per_sec.hit_max(&mut self.be.sps_max);
    }

    /// 1.4's `proxy_inc_fe_req_ctr`: one more HTTP request (valid or not)
    /// received by the frontend.
    pub fn inc_fe_req_ctr(&mut self) {
        self.fe.req_tot += 1;
        self.fe_req_per_sec.hit_max(&mut self.fe.rps_max);
    }
}

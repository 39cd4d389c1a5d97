//! Mutable runtime state next to the immutable config: per-proxy and
//! per-server counters, server health, queues and the balancers.

use crate::balance::{Lb, SrvView, Views};
use crate::config::model::{Config, Proxy, Server};
use crate::freq_ctr::FreqCtr;
use std::collections::VecDeque;
use std::time::Instant;

/// A check duration that stands for "no probe": a health analysis
/// (`observe`) set the status, 1.4 shows no duration then (its -1).
pub const NO_PROBE: u64 = u64::MAX;

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

/// The outcome of a server's last health check (1.4's HCHK_STATUS_*), in
/// 1.4's order: the statuses from `L7Ok` on carry a response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    Unknown,
    Ini,
    /// health analysis of live traffic (`observe`)
    Hana,
    SockErr,
    L4Ok,
    L4Tout,
    L4Con,
    L6Ok,
    L6Tout,
    L6Rsp,
    L7Tout,
    L7Rsp,
    L7Ok,
    /// passed, but asks to stop load balancing (`disable-on-404`)
    L7Okc,
    L7Sts,
}

impl CheckStatus {
    /// The short name shown in the stats (`check_status`).
    pub fn info(self) -> &'static str {
        match self {
            CheckStatus::Unknown => "UNK",
            CheckStatus::Ini => "INI",
            CheckStatus::Hana => "HANA",
            CheckStatus::SockErr => "SOCKERR",
            CheckStatus::L4Ok => "L4OK",
            CheckStatus::L4Tout => "L4TOUT",
            CheckStatus::L4Con => "L4CON",
            CheckStatus::L6Ok => "L6OK",
            CheckStatus::L6Tout => "L6TOUT",
            CheckStatus::L6Rsp => "L6RSP",
            CheckStatus::L7Tout => "L7TOUT",
            CheckStatus::L7Rsp => "L7RSP",
            CheckStatus::L7Ok => "L7OK",
            CheckStatus::L7Okc => "L7OKC",
            CheckStatus::L7Sts => "L7STS",
        }
    }

    /// The text of the `reason:` part of the log lines.
    pub fn desc(self) -> &'static str {
        match self {
            CheckStatus::Unknown => "Unknown",
            CheckStatus::Ini => "Initializing",
            CheckStatus::Hana => "Health analyze",
            CheckStatus::SockErr => "Socket error",
            CheckStatus::L4Ok => "Layer4 check passed",
            CheckStatus::L4Tout => "Layer4 timeout",
            CheckStatus::L4Con => "Layer4 connection problem",
            CheckStatus::L6Ok => "Layer6 check passed",
            CheckStatus::L6Tout => "Layer6 timeout",
            CheckStatus::L6Rsp => "Layer6 invalid response",
            CheckStatus::L7Tout => "Layer7 timeout",
            CheckStatus::L7Rsp => "Layer7 invalid response",
            CheckStatus::L7Ok => "Layer7 check passed",
            CheckStatus::L7Okc => "Layer7 check conditionally passed",
            CheckStatus::L7Sts => "Layer7 wrong status",
        }
    }

    /// A failure (SRV_CHK_ERROR).
    pub fn is_error(self) -> bool {
        matches!(
            self,
            CheckStatus::Hana
                | CheckStatus::SockErr
                | CheckStatus::L4Tout
                | CheckStatus::L4Con
                | CheckStatus::L6Tout
                | CheckStatus::L6Rsp
                | CheckStatus::L7Tout
                | CheckStatus::L7Rsp
                | CheckStatus::L7Sts
        )
    }

    /// A pass (SRV_CHK_RUNNING), conditional or not.
    pub fn is_pass(self) -> bool {
        matches!(
            self,
            CheckStatus::L4Ok | CheckStatus::L6Ok | CheckStatus::L7Ok | CheckStatus::L7Okc
        )
    }

    /// Whether the response code means something (1.4: >= L57DATA).
    pub fn has_code(self) -> bool {
        self >= CheckStatus::L7Ok
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info())
    }
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

/// A persistence map: key -> (server id, expiry).
pub type Table = std::collections::HashMap<Vec<u8>, (u32, Option<Instant>)>;

/// What `observe` learns from live traffic (1.4's HANA statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hana {
    L4Ok,
    L4Err,
    HttpOk,
    HttpSts,
    HttpHdrRsp,
    HttpRsp,
    HttpReadError,
    HttpReadTimeout,
    HttpBrokenPipe,
}

impl Hana {
    pub fn desc(self) -> &'static str {
        match self {
            Hana::L4Ok => "L4 successful connection",
            Hana::L4Err => "L4 unsuccessful connection",
            Hana::HttpOk => "Correct http response",
            Hana::HttpSts => "Wrong http response",
            Hana::HttpHdrRsp => "Invalid http response (headers)",
            Hana::HttpRsp => "Invalid http response",
            Hana::HttpReadError => "Read error (http)",
            Hana::HttpReadTimeout => "Read timeout (http)",
            Hana::HttpBrokenPipe => "Close from server (http)",
        }
    }

    /// For `observe layer4` (1) or `layer7` (2): Some(true) is a failure,
    /// Some(false) a success that clears the error count, None ignored.
    pub fn failed(self, observe: u8) -> Option<bool> {
        match (self, observe) {
            (Hana::L4Ok, 1) => Some(false),
            (Hana::L4Ok, _) => None,
            (Hana::L4Err, _) => Some(true),
            (Hana::HttpOk, 2) => Some(false),
            (_, 2) => Some(true),
            _ => None,
        }
    }
}

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
    /// Session buffers, shared by every session.
    pub pool: crate::buffer::Pool,
    /// The traffic log line being written, reused from line to line.
    pub log_line: String,
    /// Errors captured so far (`show errors`' total).
    pub error_snapshots: u32,
    /// Per proxy, per `bind` line: the listening sockets' counters.
    pub li: Vec<Vec<LiCounters>>,
    /// Servers whose next check must come sooner (`observe` errors ask for
    /// `fastinter`): (proxy, server, when), taken by the checks.
    pub check_soon: Vec<(usize, usize, Instant)>,
    /// The pipe large bodies are spliced through (off with `nosplice`).
    pub splicer: crate::splice::Splicer,
    /// stats socket connections open: 1.4 counts them in `actconn` too
    pub cli_conns: u32,
    /// sessions, checks and stats-socket clients woken by the current
    /// poll pass (1.4's run queue as `show info` reads it)
    pub run_queue: u32,
    /// idle server connections kept for reuse (`http-reuse`)
    pub idle: crate::idle_pool::IdlePools,
}

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

impl Runtime {
    pub fn new(cfg: &'static Config) -> Runtime {
        let now = Instant::now();
        let srv: Vec<Vec<SrvState>> = cfg
            .proxies
            .iter()
            .map(|p| {
                p.servers
                    .iter()
                    .map(|s| SrvState {
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
                    })
                    .collect()
            })
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
            pool: crate::buffer::Pool::new(cfg.global.bufsize, 256),
            log_line: String::new(),
            check_soon: Vec::new(),
            splicer: crate::splice::Splicer::new(!cfg.global.nosplice),
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
            rt.px.push(PxState {
                invalid_req: None,
                invalid_rsp: None,
                feconn: 0,
                beconn: 0,
                queue: VecDeque::new(),
                lb: Lb::new(
                    p.balance.clone(),
                    &views,
                    p.flags.allbackups,
                    p.hash_consistent,
                ),
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
            });
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

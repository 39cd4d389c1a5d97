//! The transaction of a session: per-request HTTP state. It lives in a
//! box taken from the pool when a request starts and handed back when it
//! ends, so that an idle connection (before its first request, or kept
//! alive between two) costs its session alone.

use crate::config::model::HttpConnMode;
use crate::http::body::Body;
use crate::http::head::Head;
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::time::Instant;

/// Per-request HTTP state.
#[derive(Debug)]
pub struct Txn {
    pub req: Option<Head>,
    pub req_line: Option<Vec<u8>>,
    pub head_req: bool,
    pub req_body: Option<Body>,
    pub rsp_body: Option<Body>,
    pub rsp_head_done: bool,
    pub status: i32,
    pub mode: HttpConnMode,
    /// the client's connection may stay open after this response
    pub cli_keepalive: bool,
    pub cookie_in: u8,
    pub cookie_out: u8,
    /// the persistence cookie's dates (unix seconds, 0 = none), 1.4's
    /// `|last|first` suffix for cookie maxidle/maxlife
    pub cookie_dates: crate::http::cookie::CookieDates,
    pub persist_srv: Option<usize>,
    /// A backend `force-persist` rule matched (1.4's SN_FORCE_PRST):
    /// persistence may name a DOWN server, and no redispatch undoes it.
    pub force_persist: bool,
    /// An `ignore-persist` rule matched (SN_IGNORE_PRST): persistence
    /// cookies and appsessions are neither read nor set.
    pub ignore_persist: bool,
    /// The server whose full queue refused the session: the log names it
    /// although no slot was taken (1.4 leaves `srv` set).
    pub full_srv: bool,
    pub req_caps: Option<Vec<Option<Vec<u8>>>>,
    pub rsp_caps: Option<Vec<Option<Vec<u8>>>>,
    pub cap_cookie_req: Option<Vec<u8>>,
    pub cap_cookie_rsp: Option<Vec<u8>>,
    pub stats: bool,
    pub tunnel: bool,
    /// A `reqallow` matched: later allow/deny/tarpit/pass filters are skipped.
    pub allowed: bool,
    /// `option http-use-proxy-header` on a proxy request (absolute URI):
    /// Proxy-Connection and Proxy-Authorization stand for the usual ones.
    pub use_px_conn: bool,
    pub req_11: bool,
    /// The request head waits for the server to be known
    /// (http-send-name-header).
    pub head_pending: bool,
    /// `option http_proxy`: the address taken from the request URI.
    pub proxy_target: Option<SocketAddr>,
    /// Logged early (`option logasap`), with this byte count: the
    /// response head as it left, without its final line end (1.4's eoh).
    pub logasap: bool,
    pub logasap_bytes: u32,
    pub stats_admin: bool,
    /// When the request head was complete, a server was assigned (queue
    /// left), the connection established and the response head received:
    /// the Tq/Tw/Tc/Tr timers of the log.
    pub t_req: Option<Instant>,
    pub t_queue: Option<Instant>,
    pub t_connect: Option<Instant>,
    pub t_rsp: Option<Instant>,
    /// After a local reply, how long the client's leftovers are drained.
    pub reply_drain_until: Option<Instant>,
    /// The server of the last failed attempt, and whether the retry went
    /// to another one (`+` before the retries in the log).
    pub prev_srv: Option<usize>,
    pub redispatched: bool,
    /// Positions in the server and backend queues when served (log).
    pub srv_queue_pos: u32,
    pub bk_queue_pos: u32,
    /// Keep-alive to servers (src/session/reuse.rs): the server's response
    /// leaves its connection reusable...
    pub srv_ka: bool,
    /// ...the request went on a connection that served before...
    pub reused: bool,
    /// ...and the request's bytes, to send again on a new connection if
    /// that one turns out closed before answering (pool line buffer).
    pub replay: Vec<u8>,
    /// this request is being sent again: a new connection only
    pub fresh_only: bool,
}

impl Txn {
    /// A transaction with nothing in it, as `Default` gives.
    pub const EMPTY: Txn = Txn {
        req: None,
        req_line: None,
        head_req: false,
        req_body: None,
        rsp_body: None,
        rsp_head_done: false,
        status: 0,
        mode: HttpConnMode::Tunnel,
        cli_keepalive: false,
        cookie_in: 0,
        cookie_out: 0,
        cookie_dates: crate::http::cookie::CookieDates { last: 0, first: 0 },
        persist_srv: None,
        force_persist: false,
        ignore_persist: false,
        full_srv: false,
        req_caps: None,
        rsp_caps: None,
        cap_cookie_req: None,
        cap_cookie_rsp: None,
        stats: false,
        tunnel: false,
        allowed: false,
        use_px_conn: false,
        req_11: false,
        head_pending: false,
        proxy_target: None,
        logasap: false,
        logasap_bytes: 0,
        stats_admin: false,
        t_req: None,
        t_queue: None,
        t_connect: None,
        t_rsp: None,
        reply_drain_until: None,
        prev_srv: None,
        redispatched: false,
        srv_queue_pos: 0,
        bk_queue_pos: 0,
        srv_ka: false,
        reused: false,
        replay: Vec::new(),
        fresh_only: false,
    };
}

impl Default for Txn {
    fn default() -> Txn {
        Txn::EMPTY
    }
}

/// What an idle session reads as its transaction.
static IDLE: Txn = Txn::EMPTY;

/// A session's transaction, present only while a request is in progress.
/// Reading an absent one reads an empty transaction; writing one takes it
/// into being (from the heap: `attach` takes it from the pool instead).
#[derive(Debug, Default)]
pub struct TxnSlot(pub(crate) Option<Box<Txn>>);

impl Deref for TxnSlot {
    type Target = Txn;
    fn deref(&self) -> &Txn {
        self.0.as_deref().unwrap_or(&IDLE)
    }
}

impl DerefMut for TxnSlot {
    fn deref_mut(&mut self) -> &mut Txn {
        self.0.get_or_insert_with(Box::default)
    }
}

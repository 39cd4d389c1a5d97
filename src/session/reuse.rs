//! Keep-alive to servers, an extension in HAProxy 1.5/1.6 syntax:
//! `option http-keep-alive` keeps a session's server connection open
//! between its transactions (parked: no server slot, no timer), the next
//! request goes on it when it is for the same server (`option
//! prefer-last-server` makes the balancer prefer that server), and
//! `http-reuse` lets connections that client sessions left behind serve
//! other sessions from the server's idle list (src/idle_pool.rs).
//!
//! Only requests without a body go on a connection that served before,
//! and their bytes are kept: a server that closed that connection before
//! answering (the race every keep-alive client has) gets the request again
//! on a new connection instead of the client getting a 502. A config
//! without these options never gets here (`txn.mode` is never KeepAlive).

use super::{Ctx, Session, St, Term};
use crate::config::model::{Balance, HttpConnMode, HttpReuse, Proxy};
use crate::http::body::Framing;
use crate::http::head::Head;
use crate::txn::Txn;

/// `Session::srv_id` of a server connection registered under the
/// session's own server token (every connection outside keep-alive).
pub const NO_ID: u32 = u32::MAX;

/// What a session's server side holds beside its socket: the connection
/// kept between two transactions, or its TLS state (srv_tls.rs), never
/// both (TLS server connections are never kept), so one word covers
/// either and an idle session stays within its bytes (mod.rs, `size`).
pub enum SrvLink {
    Plain,
    Parked(Parked),
    Tls(Box<crate::tls::TlsConn>),
}

impl SrvLink {
    pub fn parked(&self) -> Option<Parked> {
        match self {
            SrvLink::Parked(p) => Some(*p),
            _ => None,
        }
    }

    /// The parked connection's record, which leaves (TLS stays).
    pub fn take_parked(&mut self) -> Option<Parked> {
        let p = self.parked()?;
        *self = SrvLink::Plain;
        Some(p)
    }

    pub fn tls(&self) -> Option<&crate::tls::TlsConn> {
        match self {
            SrvLink::Tls(t) => Some(t),
            _ => None,
        }
    }

    pub fn tls_mut(&mut self) -> Option<&mut crate::tls::TlsConn> {
        match self {
            SrvLink::Tls(t) => Some(t),
            _ => None,
        }
    }

    /// The server connection's TLS state goes with its socket.
    pub fn drop_tls(&mut self) {
        if let SrvLink::Tls(_) = self {
            *self = SrvLink::Plain;
        }
    }
}

/// The server connection a session keeps between two transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parked {
    pub be: u32,
    pub si: u32,
    /// requests it carried so far
    pub reqs: u32,
    /// its last response was a 401 or 407: the next request goes there
    /// when it can, whatever the balancer says (1.5, for connection-based
    /// authentication such as NTLM)
    pub auth: bool,
}

/// Whether the request asks the server to keep its connection: under
/// keep-alive, when the client keeps its own or idle connections are
/// shared (a client's "close" is then no reason to close the server's).
pub(super) fn server_keepalive(txn: &Txn, be: &Proxy) -> bool {
    txn.mode == HttpConnMode::KeepAlive
        && (txn.cli_keepalive || be.reuse_mode(true) != HttpReuse::Never)
}

/// The fewest requests a pooled connection must have carried to take this
/// request, or None when the pool may not serve it (1.6's rules: `safe`
/// keeps a session's first request on a connection of its own,
/// `aggressive` gives it only connections that already served twice).
fn pool_min_reqs(mode: HttpReuse, first: bool) -> Option<u32> {
    match (mode, first) {
        (HttpReuse::Never, _) | (HttpReuse::Safe, true) => None,
        (HttpReuse::Aggressive, true) => Some(2),
        _ => Some(1),
    }
}

impl Session {
    /// The token a new server connection is registered under: under
    /// keep-alive a connection id of its own, so that it can move between
    /// the session and its server's idle list without a system call.
    pub(super) fn server_token(&mut self, ctx: &mut Ctx) -> mio::Token {
        if self.txn.mode != HttpConnMode::KeepAlive {
            return crate::tokens::server(self.key);
        }
        let id = ctx.rt.idle.new_id(self.key);
        self.srv_id = id as u32;
        crate::tokens::pool(id)
    }

    /// The server connection is being closed: its id is free again.
    pub(super) fn free_srv_id(&mut self, ctx: &mut Ctx) {
        if self.srv_id != NO_ID {
            ctx.rt.idle.free_id(self.srv_id as usize);
            self.srv_id = NO_ID;
        }
    }

    /// Notes whether the server's response leaves its connection usable
    /// for another request: we asked for keep-alive, the response is
    /// framed (not ended by the close) and the server did not refuse.
    pub(super) fn note_server_keepalive(&mut self, ctx: &Ctx, h: &Head, framing: Framing) {
        let be = &ctx.rt.cfg.proxies[self.be];
        let asked = server_keepalive(&self.txn, be) && self.srv_idx().is_some();
        let toks = crate::http::rewrite::peek_connection_tokens(h, "Connection");
        let kept = if h.is_11(false) {
            !toks.close
        } else {
            toks.keep_alive
        };
        self.txn.srv_ka = asked && kept && framing != Framing::Close && h.status() != 101;
    }

    /// The server connection can carry another request now: the response
    /// ended cleanly and nothing more came.
    fn srv_reusable(&self) -> bool {
        self.txn.srv_ka
            && self.srv.sock.is_some()
            && self.srv_idx().is_some()
            && !self.srv.eof
            && !self.srv.err
            && !self.srv.shut
            && self.srv.rx.is_empty()
            && self.srv.tx.is_empty()
            // TLS server connections are never kept: a reconnect resumes
            // the TLS session instead (README, TLS to servers)
            && self.link.tls().is_none()
    }

    /// End of a kept-alive transaction: the server connection stays with
    /// the session, its slot freed. False when it cannot be kept.
    pub(super) fn park_server(&mut self, ctx: &mut Ctx) -> bool {
        let (Some(si), true) = (self.srv_idx(), self.srv_reusable()) else {
            return false;
        };
        let s = self.srv.sock.take();
        self.release_server(ctx, false);
        self.srv.sock = s;
        self.link = SrvLink::Parked(Parked {
            be: self.be as u32,
            si: si as u32,
            reqs: self.srv_reqs + 1,
            auth: matches!(self.txn.status, 401 | 407),
        });
        true
    }

    /// End of a transaction whose client leaves: under `http-reuse`, the
    /// server connection goes to its server's idle list. False when it
    /// cannot (the caller closes it).
    pub(super) fn pool_server(&mut self, ctx: &mut Ctx) -> bool {
        if !self.park_server(ctx) {
            return false;
        }
        self.unpark(ctx);
        true
    }

    /// The parked connection leaves the session: to the pool when its
    /// backend shares connections and the server is usable, else closed.
    pub(super) fn unpark(&mut self, ctx: &mut Ctx) {
        let (Some(p), Some(s)) = (self.link.take_parked(), self.srv.sock.take()) else {
            return;
        };
        let (be, si) = (p.be as usize, p.si as usize);
        let px = &ctx.rt.cfg.proxies[be];
        let usable = ctx.rt.srv[be].get(si).is_some_and(|st| st.usable());
        let shared = px.reuse_mode(true) != HttpReuse::Never && usable && !ctx.stopping;
        if shared && self.srv_id != NO_ID {
            let max = px.servers[si].pool_max_conn;
            let id = self.srv_id as usize;
            if ctx
                .rt
                .idle
                .put(id, (be, si), s, p.reqs, max, ctx.now)
                .is_ok()
            {
                // the idle list owns the id now
                self.srv_id = NO_ID;
            }
        }
        // not kept: the socket is closed as it is dropped
        self.free_srv_id(ctx);
    }

    /// Readiness on a parked connection: when `closing` (readable, hang-up
    /// or error) the server closed or reset it, or sent what nobody asked
    /// for, and it is dropped; a writable edge means nothing. True when
    /// the event was about a parked connection.
    pub(super) fn parked_event(&mut self, ctx: &mut Ctx, closing: bool) -> bool {
        if self.link.parked().is_none()
            || matches!(self.st, St::Connecting { .. } | St::Established)
        {
            return false;
        }
        if closing {
            self.link.take_parked();
            self.release_server(ctx, false);
        }
        true
    }

    /// Before connecting to server `srv_idx`: the session's parked
    /// connection or one from the server's idle list takes the request,
    /// with no connect (Tc 0). True when the session is now established.
    pub(super) fn try_reuse(&mut self, ctx: &mut Ctx) -> bool {
        let keep = self.txn.mode == HttpConnMode::KeepAlive;
        let replayable = self
            .txn
            .req_body
            .as_ref()
            .is_some_and(|b| b.framing == Framing::Empty)
            && !self.txn.fresh_only;
        let target = self.srv_idx().filter(|_| keep && replayable);
        let Some(si) = target else {
            self.unpark(ctx);
            return false;
        };
        let mut got = None;
        if let Some(p) = self.link.parked() {
            if p.be as usize == self.be && p.si as usize == si && self.srv.sock.is_some() {
                self.link.take_parked();
                got = self.srv.sock.take().map(|s| (s, p.reqs));
            } else {
                self.unpark(ctx);
            }
        }
        if got.is_none() {
            let mode = ctx.rt.cfg.proxies[self.be].reuse_mode(true);
            if let Some(min) = pool_min_reqs(mode, !self.not_first) {
                if let Some((s, id, reqs)) = ctx.rt.idle.take(self.be, si, self.key, min) {
                    self.srv_id = id as u32;
                    got = Some((s, reqs));
                }
            }
        }
        let Some((s, reqs)) = got else {
            return false;
        };
        self.srv.sock = Some(s);
        self.link.drop_tls();
        self.srv_reqs = reqs;
        self.srv.eof = false;
        self.srv.hup = false;
        self.srv.err = false;
        self.srv.shut = false;
        // edge-triggered: a kept socket reports no new writable edge
        self.srv.can_write = true;
        self.srv.can_read = false;
        self.txn.reused = true;
        self.count_srv_sess(ctx);
        self.connect_ready(ctx, true);
        // the request as it leaves (send-name-header included), kept
        // until the server answers
        let mut copy = ctx.pools.buf.take_line();
        copy.extend_from_slice(&self.srv.tx);
        self.txn.replay = copy;
        true
    }

    /// A reused connection closed before any byte of the response: the
    /// request goes again on a new connection to the same server, as a
    /// retry. True when it does.
    pub(super) fn retry_reused(&mut self, ctx: &mut Ctx) -> bool {
        if !self.txn.reused
            || self.txn.replay.is_empty()
            || !self.srv.rx.is_empty()
            || !self.cli.tx.is_empty()
            || self.srv.conn_retries <= 0
        {
            return false;
        }
        self.srv.conn_retries -= 1;
        if let Some(st) = self
            .srv_idx()
            .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
        {
            st.c.retries += 1;
        }
        ctx.rt.px[self.be].be.retries += 1;
        // the socket goes, the server slot stays: Assign connects to it
        self.srv.sock = None;
        self.free_srv_id(ctx);
        self.srv.can_read = false;
        self.srv.can_write = false;
        self.srv.tx.clear();
        ctx.pools.buf.fill(&mut self.srv.tx);
        self.srv.tx.extend_from_slice(&self.txn.replay);
        self.txn.replay.clear();
        self.txn.reused = false;
        self.txn.fresh_only = true;
        self.txn.t_connect = None;
        self.enter(St::Assign);
        true
    }

    /// Under `option http-keep-alive` (an extension: never in a 1.4
    /// config), a transaction that ended cleanly with the client's own
    /// "close" has its connection closed as soon as the response left and
    /// our FIN followed it, as HAProxy 2.x does, instead of waiting for
    /// the client's FIN (one read, one readiness event and a session kept
    /// for a round trip, per request). Nothing of the client is unread:
    /// its request was complete and nothing followed it; a client that
    /// sends again after its own "close" breaks HTTP/1.1 and gets a reset.
    pub(super) fn linger_needless(&self) -> bool {
        self.txn.mode == HttpConnMode::KeepAlive
            && !self.txn.cli_keepalive
            && self.txn.rsp_head_done
            && self.term == Term::NONE
            && self.cli.tx.is_empty()
            && self.cli.rx.is_empty()
            && !self.txn.tunnel
            && self.tls.is_none()
            && self
                .txn
                .req_body
                .as_ref()
                .is_some_and(|b| b.done && !b.error)
    }

    /// `option prefer-last-server`, or a 401/407 just received on the
    /// parked connection: its server, when the balancer is free to choose
    /// (not a hash) and it is usable.
    pub(super) fn preferred_server(
        &self,
        ctx: &Ctx,
        views: &impl crate::balance::Views,
    ) -> Option<usize> {
        let be = &ctx.rt.cfg.proxies[self.be];
        let p = self.link.parked().filter(|p| p.be as usize == self.be)?;
        let hashed = matches!(
            be.balance,
            Balance::Source
                | Balance::Uri { .. }
                | Balance::UrlParam { .. }
                | Balance::Hdr { .. }
                | Balance::RdpCookie { .. }
        );
        if !(be.flags.prefer_last_server || p.auth) || hashed {
            return None;
        }
        let si = p.si as usize;
        if si >= views.count() {
            return None;
        }
        let v = views.at(si);
        let st = ctx.rt.srv[self.be].get(si)?;
        let m = crate::state::dyn_maxconn(&be.servers[si], be, ctx.rt.px[self.be].beconn);
        let room = m == 0 || (st.cur_sess < m && st.queue.is_empty());
        (v.usable && v.weight > 0 && room).then_some(si)
    }
}

//! A session: one client connection, its server connection and the state
//! machine that carries bytes between them, driven by the event loop.

mod account;
mod admin;
mod close;
mod connect;
mod forward;
mod io;
mod logline;

pub use crate::queue::{process_queue, Ctx};
mod req_prepare;
mod req_rules;
mod request;
mod response;
mod reuse;
mod rsp_process;
mod sample;
mod side;
mod splice;
mod srv_tls;
mod stick;
mod term;
mod timeout;
mod tls;
mod trace;
pub use crate::txn::{Txn, TxnSlot};
pub use side::Side;
pub use term::{Cause, Fin, Term};

use crate::config::model::Mode;
use crate::state::Runtime;
use mio::net::TcpStream;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Where a session stands. A phase that waits carries its own deadline
/// (`until`): the timer is armed on it and `on_timeout` acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum St {
    /// `tcp-request content` rules wait for data or `inspect-delay`.
    Inspect {
        until: Option<Instant>,
    },
    /// Reading an HTTP request head (or idle between keep-alive
    /// requests) until `timeout http-request`/`http-keep-alive`/`client`.
    ReqHead {
        until: Option<Instant>,
    },
    /// Needs a server (assignment, queue, connect).
    Assign,
    /// Waiting in a server's or the backend's queue, until `timeout queue`.
    Queued {
        until: Option<Instant>,
    },
    /// Held by a tarpit rule until `timeout tarpit`, then 500.
    Tarpit {
        until: Instant,
    },
    /// A stats admin POST waiting for its form body.
    StatsPost {
        until: Option<Instant>,
    },
    /// Waiting (one second) before a connection retry.
    Turnaround {
        until: Instant,
    },
    /// A connect in progress, until `timeout connect`.
    Connecting {
        until: Option<Instant>,
    },
    Established,
    /// Sending a local response, then closing.
    Reply,
    Closed,
}

impl St {
    /// The deadline of a waiting phase.
    pub fn until(self) -> Option<Instant> {
        match self {
            St::Inspect { until }
            | St::ReqHead { until }
            | St::Queued { until }
            | St::StatsPost { until }
            | St::Connecting { until } => until,
            St::Tarpit { until } | St::Turnaround { until } => Some(until),
            St::Assign | St::Established | St::Reply | St::Closed => None,
        }
    }

    /// The phase waited until its deadline.
    fn expired(self, now: Instant) -> bool {
        self.until().is_some_and(|d| d <= now)
    }
}

pub struct Session {
    pub key: usize,
    /// 1.4's uniq_id, shown in `-d` traces
    pub uniq: u32,
    /// the frontend `bind` that accepted the connection
    pub bind: u32,
    pub fe: usize,
    pub be: usize,
    pub mode: Mode,
    /// The client side: its socket, buffers, flags and activity times.
    pub cli: Side<TcpStream>,
    pub cli_addr: SocketAddr,
    /// The local address the client reached, looked up (getsockname) only
    /// when a rule, a header or a log line needs it.
    dst_cache: std::cell::Cell<Option<SocketAddr>>,
    /// The server side: its socket while connected, and the same.
    pub srv: Side<Option<TcpStream>>,
    /// The server assigned, an index into the backend's servers (NO_SRV:
    /// none); a u32 keeps an idle session within its bytes (see `size`).
    srv_no: u32,
    pub srv_counted: bool,
    pub be_assigned: bool,
    /// The phase; written by `enter` alone.
    st: St,
    /// The transaction in progress; an idle connection holds none.
    pub txn: TxnSlot,
    /// Why and where the session ended, for the log.
    pub term: Term,
    pub t_accept: Instant,
    /// Wall-clock accept time in milliseconds since the epoch (the log's
    /// accept date), one word rather than a (seconds, millis) pair.
    pub accept_wall: u64,
    pub conn_err_async: bool,
    /// the deadline the loop's timer set holds for this session
    pub armed: Option<Instant>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// What of bytes_in/out the proxy and server counters already hold.
    pub counted_in: u64,
    pub counted_out: u64,
    pub req_total: u64,
    pub ka_wait: bool,
    /// a transaction already ended on this connection (1.4's TX_NOT_FIRST,
    /// for `http_first_req`)
    pub not_first: bool,
    /// The client reset during tcp inspection and the rules accepted: as
    /// 1.4, the server is assigned and connected (or its connection
    /// fails once), then the session ends with CR.
    pub reset_in_inspect: bool,
    pub logged: bool,
    /// keep-alive to servers (reuse.rs): the server connection kept open
    /// between two transactions, and the requests the one in use carried
    /// (`link`, which also holds the server side's TLS state when the
    /// server speaks TLS, `server ... ssl`: srv_tls.rs)
    pub link: reuse::SrvLink,
    pub srv_reqs: u32,
    /// the server connection's id when it has one (reuse.rs), else NO_ID
    pub srv_id: u32,
    /// The client speaks TLS (`bind ... ssl`): its I/O goes through this.
    pub tls: Option<Box<crate::tls::TlsConn>>,
}

/// The stats column of a status: 1xx..5xx, else "other" (slot 5).
pub(super) fn hrsp_slot(status: i32) -> usize {
    match status / 100 {
        c @ 1..=5 => c as usize - 1,
        _ => 5,
    }
}

/// What one readiness event says of a socket.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    pub readable: bool,
    pub writable: bool,
    /// The peer shut its sending side (EPOLLRDHUP or EPOLLHUP).
    pub hup: bool,
    /// Writable without error or hang-up: a pending connect succeeded.
    pub connected: bool,
    /// The socket has an error pending (a reset).
    pub error: bool,
}

fn wall_ms() -> u64 {
    let (s, ms) = crate::log::now_ms();
    s.max(0) as u64 * 1000 + ms as u64
}

pub enum Outcome {
    /// Still running, with its next deadline (the loop arms the timer).
    Alive(Option<Instant>),
    Done,
}

/// Moves all of `from` to the end of `to`, swapping instead of copying
/// when `to` is empty.
pub fn move_all(from: &mut Vec<u8>, to: &mut Vec<u8>) {
    if to.is_empty() {
        std::mem::swap(from, to);
    } else {
        to.append(from);
    }
}

/// Moves the first `n` bytes of `from` to `to`.
pub fn move_front(from: &mut Vec<u8>, to: &mut Vec<u8>, n: usize) {
    if n == from.len() {
        move_all(from, to);
    } else {
        to.extend_from_slice(&from[..n]);
        from.drain(..n);
    }
}

/// `Session::srv_no` when no server is assigned.
const NO_SRV: u32 = u32::MAX;

fn ms(v: Option<u64>) -> Option<Duration> {
    v.map(Duration::from_millis)
}

impl Session {
    /// The one place the phase changes. A waiting phase comes with its
    /// deadline (`St::until`), so entering it arms its timer; leaving it
    /// drops the old one (`Session::phase` is the log's letter for it). Every state change of the session goes through
    /// here (`grep -n 'enter(' src/session` lists them).
    #[inline]
    pub(crate) fn enter(&mut self, st: St) {
        self.st = st;
    }

    pub fn new(
        key: usize,
        fe: usize,
        cli: TcpStream,
        cli_addr: SocketAddr,
        dst_addr: Option<SocketAddr>,
        rt: &Runtime,
        now: Instant,
    ) -> Session {
        let px = &rt.cfg.proxies[fe];
        let until = px.tcp_inspect_delay.map(|d| now + Duration::from_millis(d));
        Session {
            key,
            uniq: 0,
            bind: 0,
            fe,
            be: fe,
            mode: px.mode,
            cli: Side::new(cli, now),
            cli_addr,
            dst_cache: std::cell::Cell::new(dst_addr),
            srv: Side {
                conn_retries: px.retries as i32,
                ..Side::new(None, now)
            },
            srv_no: NO_SRV,
            srv_counted: false,
            be_assigned: false,
            st: if !px.tcp_content_rules.is_empty() {
                St::Inspect { until }
            } else if px.mode == Mode::Http {
                St::ReqHead { until }
            } else {
                St::Assign
            },
            txn: TxnSlot::default(),
            term: Term::NONE,
            t_accept: now,
            accept_wall: wall_ms(),
            conn_err_async: false,
            armed: None,
            bytes_in: 0,
            bytes_out: 0,
            counted_in: 0,
            counted_out: 0,
            req_total: 0,
            ka_wait: false,
            not_first: false,
            reset_in_inspect: false,
            logged: false,
            link: reuse::SrvLink::Plain,
            srv_reqs: 0,
            srv_id: reuse::NO_ID,
            tls: None,
        }
    }

    /// The server assigned, if any (an index into the backend's servers).
    pub fn srv_idx(&self) -> Option<usize> {
        (self.srv_no != NO_SRV).then_some(self.srv_no as usize)
    }

    pub fn set_srv_idx(&mut self, si: Option<usize>) {
        self.srv_no = si.map_or(NO_SRV, |s| s as u32);
    }

    fn bufsize(ctx: &Ctx) -> usize {
        ctx.rt.cfg.global.bufsize
    }

    /// Sets the termination flags once, as 1.4 keeps the first cause.
    pub fn set_term(&mut self, cause: Cause, fin: Fin) {
        self.term.set(cause, fin);
    }

    /// The phase 1.4 derives from where the session stands.
    pub fn phase(&self) -> Fin {
        match self.st {
            St::ReqHead { .. } | St::Inspect { .. } => Fin::Request,
            St::Assign if self.txn.t_req.is_none() => Fin::Request,
            St::Queued { .. } => Fin::Queue,
            St::Assign | St::Turnaround { .. } | St::Connecting { .. } => Fin::Connect,
            St::Established if !self.txn.rsp_head_done && self.mode == Mode::Http => Fin::Headers,
            St::Established => Fin::Data,
            _ => Fin::Last,
        }
    }

    /// Runs the session until nothing more can happen now: turns of
    /// reads, analysis (by phase) and writes while they make progress,
    /// then the buffers back to the pool, and either the end or the next
    /// deadline for the loop.
    pub fn run(&mut self, ctx: &mut Ctx) -> Outcome {
        let busy = self.turns(ctx);
        if ctx.rt.cfg.proxies[self.fe].flags.contstats && self.st != St::Closed {
            self.process_counters(ctx);
        }
        self.release_flushed(ctx);
        if busy {
            // still work to do: yield to other sessions, run again next turn
            // (edge-triggered readiness will not tell us again)
            ctx.wake.push(self.key);
        }
        if self.st == St::Closed {
            self.finish(ctx);
            return Outcome::Done;
        }
        Outcome::Alive(self.compute_expire(ctx))
    }

    /// Up to 64 turns of reads, analysis and writes: what was just read
    /// leaves with what was waiting, in one write. True when the session
    /// could still move (it yields to the others).
    fn turns(&mut self, ctx: &mut Ctx) -> bool {
        for _ in 0..64 {
            let mut progress = self.do_reads(ctx);
            self.take_out_buffers(ctx);
            progress |= self.analyze(ctx);
            if self.st != St::Closed {
                progress |= self.do_writes(ctx);
            }
            if self.st == St::Closed || !progress {
                return false;
            }
        }
        true
    }

    /// Bytes to pass on: their way out is a pool buffer, not a fresh
    /// allocation (released by `release_flushed` once flushed).
    fn take_out_buffers(&mut self, ctx: &mut Ctx) {
        if !self.cli.rx.is_empty() {
            ctx.pools.buf.fill(&mut self.srv.tx);
            // a request starts: its transaction comes from the pool
            ctx.pools.buf.attach_txn(&mut self.txn);
        }
        if !self.srv.rx.is_empty() {
            ctx.pools.buf.fill(&mut self.cli.tx);
        }
    }

    /// Flushed buffers go back to the pool at once.
    fn release_flushed(&mut self, ctx: &mut Ctx) {
        let pool = &mut ctx.pools.buf;
        pool.release(&mut self.cli.rx);
        pool.release(&mut self.srv.rx);
        pool.release(&mut self.srv.tx);
        pool.release(&mut self.cli.tx);
    }

    /// One step of the phase the session is in; true on progress.
    fn analyze(&mut self, ctx: &mut Ctx) -> bool {
        if self.reset_in_inspect && matches!(self.st, St::Established | St::Turnaround { .. }) {
            // connected, or one attempt failed: the reset ends it (1.4: CR)
            self.reset_in_inspect = false;
            connect::leave_queue(self, ctx);
            self.set_term(Cause::CliClose, Fin::Request);
            self.count_abort(ctx, true);
            self.close_now(ctx, true);
            return true;
        }
        match self.st {
            St::ReqHead { .. } => self.wait_request(ctx),
            St::Assign => {
                self.assign_and_connect(ctx);
                true
            }
            St::Queued { .. } => self.check_grant(ctx) || self.abort_on_close(ctx),
            // a connection in progress is not given up: 1.4 only does so
            // before anything was written, and its connect (on the same
            // loop turn) writes the request first
            St::Connecting { .. } => false,
            St::Turnaround { .. } | St::Tarpit { .. } => self.abort_on_close(ctx),
            St::StatsPost { .. } => self.stats_post(ctx),
            St::Inspect { .. } => self.inspect(ctx, false),
            St::Established => {
                if self.mode == Mode::Http && !self.txn.tunnel {
                    self.http_forward(ctx)
                } else {
                    if self.mode == Mode::Http {
                        self.track_tunnelled_length(ctx);
                        if self.st != St::Established {
                            return true;
                        }
                    }
                    self.tunnel(ctx)
                }
            }
            St::Reply => self.reply_progress(ctx),
            St::Closed => false,
        }
    }

    /// `option abortonclose`, and a tarpitted client leaving: drop a
    /// request whose client has gone before it reached a server.
    fn abort_on_close(&mut self, ctx: &mut Ctx) -> bool {
        if !self.cli.eof {
            return false;
        }
        let be = &ctx.rt.cfg.proxies[self.be];
        let tarpit = matches!(self.st, St::Tarpit { .. });
        if !tarpit && !be.flags.abortonclose {
            return false;
        }
        let fin = if tarpit { Fin::Tarpit } else { self.phase() };
        connect::leave_queue(self, ctx);
        self.set_term(Cause::CliClose, fin);
        self.count_abort(ctx, true);
        self.close_now(ctx, true);
        true
    }

    /// `tcp-request content accept|reject`: evaluated once data arrived,
    /// the client closed, or `tcp-request inspect-delay` ran out.
    fn inspect(&mut self, ctx: &mut Ctx, expired: bool) -> bool {
        let waiting = self.st.until().is_some() && !expired && !self.cli.err;
        if self.cli.rx.is_empty() && !self.cli.eof && waiting {
            return false;
        }
        let fe = &ctx.rt.cfg.proxies[self.fe];
        // more data may still change a content criterion's verdict
        let partial = waiting && !self.cli.eof && self.cli.rx.len() < ctx.rt.cfg.global.bufsize;
        let mut accept = true;
        for (acc, cond) in &fe.tcp_content_rules {
            let Some(cond) = cond else {
                accept = *acc;
                break;
            };
            let s = sample::ReqSample {
                s: self,
                h: None,
                rsp: None,
                ctx,
                px: self.fe,
                partial,
            };
            match crate::acl::cond_verdict(cond, &fe.acls, &s) {
                // 1.4 waits on the first rule it cannot decide yet
                crate::acl::Verdict::Miss => return false,
                v => {
                    if (v == crate::acl::Verdict::Pass) != cond.unless {
                        accept = *acc;
                        break;
                    }
                }
            }
        }
        if !accept {
            self.count_denied_req(ctx, self.fe);
            self.set_term(Cause::PrxCond, Fin::Request);
            self.close_now(ctx, false);
            return true;
        }
        // a client reset: the rules ran as final and accepted; 1.4 goes on
        // to the server and only then sees the error
        self.reset_in_inspect = self.cli.err && self.mode != Mode::Http;
        self.enter(if self.mode == Mode::Http {
            St::ReqHead { until: None }
        } else {
            St::Assign
        });
        true
    }

    /// The address the client connected to (the frontend's side): as
    /// 1.4's get_frt_addr(), the destination before a netfilter redirect
    /// if there was one, else the socket's local address.
    pub fn dst_addr(&self) -> SocketAddr {
        if let Some(a) = self.dst_cache.get() {
            return a;
        }
        let fd = std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock);
        let a = crate::sys::original_dst(fd)
            .or_else(|| self.cli.sock.local_addr().ok())
            .unwrap_or(self.cli_addr);
        self.dst_cache.set(Some(a));
        a
    }

    /// Tells `observe` what happened with the server (1.4's health_adjust).
    pub(super) fn observe(&self, ctx: &mut Ctx, ev: crate::state::Hana) {
        if let Some(si) = self.srv_idx() {
            crate::checks::health_adjust(ctx, self.be, si, ev);
        }
    }

    pub fn register_server(&mut self, ctx: &mut Ctx, mut s: TcpStream) -> std::io::Result<()> {
        // keep-alive to servers: a connection id of its own (reuse.rs)
        let token = self.server_token(ctx);
        let both = mio::Interest::READABLE | mio::Interest::WRITABLE;
        if let Err(e) = ctx.registry.register(&mut s, token, both) {
            self.free_srv_id(ctx);
            return Err(e);
        }
        self.srv.sock = Some(s);
        // a new connection: its TLS (if any) starts once it is up
        self.link.drop_tls();
        Ok(())
    }

    /// Readiness reported by the loop for one of our sockets.
    pub fn on_event(&mut self, ctx: &mut Ctx, server_side: bool, ev: Readiness) -> Outcome {
        if server_side {
            if self.parked_event(ctx, ev.readable || ev.hup || ev.error) {
                return self.run(ctx);
            }
            self.srv.can_read |= ev.readable;
            self.srv.can_write |= ev.writable;
            self.srv.hup |= ev.hup;
            if matches!(self.st, St::Connecting { .. }) && (ev.writable || ev.readable) {
                self.connect_ready(ctx, ev.connected);
            }
        } else {
            self.cli.can_read |= ev.readable;
            self.cli.can_write |= ev.writable;
            self.cli.hup |= ev.hup;
            // a reset is an error, not the end of the client's data: the
            // server is then reset too rather than sent a FIN (1.4). Once
            // the client has closed and has nothing left to receive, 1.4
            // does no more I/O on it and never sees a later reset (the
            // kernel's answer to a response it did not read): nor do we,
            // until a write meets it
            let idle_closed = self.cli.eof && self.cli.tx.is_empty();
            if ev.error && !idle_closed && matches!(self.cli.sock.take_error(), Ok(Some(_))) {
                self.cli.err = true;
                self.cli.eof = true;
            }
        }
        self.run(ctx)
    }
}

#[cfg(test)]
mod size {
    /// An idle connection costs its session and no buffer, no head and no
    /// transaction: keep it within the 512 bytes per idle connection aimed
    /// at (the slab adds a word).
    #[test]
    fn an_idle_session_stays_under_512_bytes() {
        let n = std::mem::size_of::<super::Session>();
        assert!(n <= 448, "{n}");
    }
}

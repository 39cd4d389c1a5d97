//! A session: one client connection, its server connection and the state
//! machine that carries bytes between them, driven by the event loop.

mod admin;
mod connect;
mod io;
mod logline;

pub use crate::queue::{process_queue, Ctx};
mod request;
mod response;
mod reuse;
mod sample;
mod side;
mod splice;
mod term;
mod stick;
mod tls;
pub use crate::txn::{Txn, TxnSlot};
use io::Rooms;
pub use side::Side;
pub use term::{Cause, Fin, Term};

use crate::config::model::{LogFormat, Mode};
use crate::state::Runtime;
use mio::net::TcpStream;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Where a session stands. A phase that waits carries its own deadline
/// (`until`): the timer is armed on it and `on_timeout` acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum St {
    /// `tcp-request content` rules wait for data or `inspect-delay`.
    Inspect { until: Option<Instant> },
    /// Reading an HTTP request head (or idle between keep-alive
    /// requests) until `timeout http-request`/`http-keep-alive`/`client`.
    ReqHead { until: Option<Instant> },
    /// Needs a server (assignment, queue, connect).
    Assign,
    /// Waiting in a server's or the backend's queue, until `timeout queue`.
    Queued { until: Option<Instant> },
    /// Held by a tarpit rule until `timeout tarpit`, then 500.
    Tarpit { until: Instant },
    /// A stats admin POST waiting for its form body.
    StatsPost { until: Option<Instant> },
    /// Waiting (one second) before a connection retry.
    Turnaround { until: Instant },
    /// A connect in progress, until `timeout connect`.
    Connecting { until: Option<Instant> },
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
    pub srv_idx: Option<usize>,
    pub srv_counted: bool,
    pub be_assigned: bool,
    pub st: St,
    /// The transaction in progress; an idle connection holds none.
    pub txn: TxnSlot,
    pub conn_retries: i32,
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
    pub parked: Option<reuse::Parked>,
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

fn ms(v: Option<u64>) -> Option<Duration> {
    v.map(Duration::from_millis)
}

impl Session {
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
            srv: Side::new(None, now),
            srv_idx: None,
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
            conn_retries: px.retries as i32,
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
            parked: None,
            srv_reqs: 0,
            srv_id: reuse::NO_ID,
            tls: None,
        }
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

    /// Reads what each side sent into the buffers; true on any progress.
    fn do_reads(&mut self, ctx: &mut Ctx) -> bool {
        use std::os::unix::io::AsRawFd;
        let bs = Self::bufsize(ctx);
        let mut progress = false;
        // Past the heads, bodies and tunnels move in steps of up to 8
        // buffers when the receiving side keeps up (read_stepped): far
        // fewer syscalls per byte (1 MiB bodies went from ~140 reads to
        // ~20). Heads are still read within bufsize, as in 1.4.
        let data_phase = self.st == St::Established;
        let big = if data_phase { bs * 8 } else { bs };
        // client -> req_in
        let reading_cli = self.st != St::Reply;
        if let Some(p) = self.splice_request(ctx) {
            // a large request body went straight to the server
            progress |= p;
        } else if reading_cli {
            let room = bs.saturating_sub(self.srv.tx.len());
            if self.cli.can_read && !self.cli.eof && room > self.cli.rx.len() {
                ctx.rt.pool.fill(&mut self.cli.rx);
            }
            let rooms = Rooms {
                bs,
                big,
                queued: self.srv.tx.len(),
                peer: self.srv.sock.as_ref().map(|s| s.as_raw_fd()),
            };
            let (n, moved) = self.read_cli(rooms);
            progress |= moved;
            if n > 0 {
                self.bytes_in += n as u64;
                self.req_total += n as u64;
                self.cli.last = ctx.now;
                self.cli.last_rd = ctx.now;
                progress = true;
            }
        } else if self.cli.can_read && !self.cli.eof {
            // after a local reply, swallow what the client still sends
            let n = self.drain_cli();
            progress |= n > 0 || self.cli.eof;
        }
        if let Some(p) = self.splice_response(ctx) {
            // a large response body went straight to the client
            progress |= p;
        } else if let Some(s) = self.srv.sock.as_mut() {
            if self.st == St::Established {
                let rsp_data = self.mode == Mode::Tcp || self.txn.tunnel || self.txn.rsp_head_done;
                let room = bs.saturating_sub(self.cli.tx.len());
                if self.srv.can_read && !self.srv.eof && room > self.srv.rx.len() {
                    ctx.rt.pool.fill(&mut self.srv.rx);
                }
                let rooms = Rooms {
                    bs,
                    big: if rsp_data { big } else { bs },
                    queued: self.cli.tx.len(),
                    peer: Some(self.cli.sock.as_raw_fd()),
                };
                let (n, room) = Self::read_stepped(
                    s,
                    &mut self.srv.rx,
                    rooms,
                    &mut self.srv.eof,
                    &mut self.srv.err,
                    &mut self.srv.can_read,
                    self.srv.hup,
                );
                if n > 0 {
                    self.bytes_out += n as u64;
                    self.srv.last = ctx.now;
                    self.srv.last_rd = ctx.now;
                    progress = true;
                }
                // a full read in a tunnel: more is waiting, splice it
                self.srv.streaming = rsp_data && n >= room && room >= bs * 4;
            }
        }
        progress
    }

    /// Writes what the buffers hold towards each side; true on progress.
    fn do_writes(&mut self, ctx: &mut Ctx) -> bool {
        let mut progress = false;
        if let (Some(s), St::Established) = (self.srv.sock.as_mut(), self.st) {
            if !self.srv.tx.is_empty() {
                let mut werr = false;
                let n = Self::write_side(s, &mut self.srv.tx, &mut self.srv.can_write, &mut werr, false);
                if werr {
                    self.srv.err = true;
                    self.srv.eof = true;
                }
                if n > 0 {
                    self.srv.last = ctx.now;
                    progress = true;
                    if self.srv.quickack_due {
                        self.srv.quickack_due = false;
                        crate::sys::set_quickack(std::os::unix::io::AsRawFd::as_raw_fd(s));
                    }
                }
            }
        }
        if !self.cli.tx.is_empty() || self.tls_pending() {
            let fin_next = self.cli_fin_follows();
            let n = self.write_cli(fin_next);
            if n > 0 {
                self.cli.last = ctx.now;
                progress = true;
            }
        }
        progress
    }

    /// Whether the bytes now waiting for the client are its last ones and
    /// a shutdown(SHUT_WR) follows them in this same turn (a local reply, or
    /// a tunnel whose server has finished). Never when a close() could
    /// follow instead: with unread input, close() resets and would drop
    /// held bytes.
    fn cli_fin_follows(&self) -> bool {
        if self.cli.shut || self.cli.err {
            return false;
        }
        match self.st {
            St::Reply => true,
            St::Established => {
                (self.mode == Mode::Tcp || self.txn.tunnel)
                    && self.srv.eof
                    && !self.srv.err
                    && !self.cli.eof
                    && self.srv.rx.is_empty()
            }
            _ => false,
        }
    }

    /// Runs the session until nothing more can happen now.
    pub fn run(&mut self, ctx: &mut Ctx) -> Outcome {
        let mut busy = true;
        for _ in 0..64 {
            // reads, then analysis, then writes: what was just read leaves
            // with what was waiting, in one write
            let mut progress = self.do_reads(ctx);
            // bytes to pass on: their way out is a pool buffer, not a
            // fresh allocation (released below once flushed)
            if !self.cli.rx.is_empty() {
                ctx.rt.pool.fill(&mut self.srv.tx);
                // a request starts: its transaction comes from the pool
                ctx.rt.pool.attach_txn(&mut self.txn);
            }
            if !self.srv.rx.is_empty() {
                ctx.rt.pool.fill(&mut self.cli.tx);
            }
            progress |= self.analyze(ctx);
            if self.st != St::Closed {
                progress |= self.do_writes(ctx);
            }
            if self.st == St::Closed || !progress {
                busy = false;
                break;
            }
        }
        if ctx.rt.cfg.proxies[self.fe].flags.contstats && self.st != St::Closed {
            self.process_counters(ctx);
        }
        // flushed buffers go back to the pool at once
        let pool = &mut ctx.rt.pool;
        pool.release(&mut self.cli.rx);
        pool.release(&mut self.srv.rx);
        pool.release(&mut self.srv.tx);
        pool.release(&mut self.cli.tx);
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
        let fin = if tarpit {
            Fin::Tarpit
        } else {
            self.phase()
        };
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
        self.st = if self.mode == Mode::Http {
            St::ReqHead { until: None }
        } else {
            St::Assign
        };
        true
    }

    /// Raw forwarding both ways with half-close propagation.
    fn tunnel(&mut self, ctx: &mut Ctx) -> bool {
        let mut p = false;
        if !self.cli.rx.is_empty() {
            move_all(&mut self.cli.rx, &mut self.srv.tx);
            p = true;
        }
        if !self.srv.rx.is_empty() {
            move_all(&mut self.srv.rx, &mut self.cli.tx);
            p = true;
        }
        if self.cli.err {
            // a client reset resets the server too (1.4)
            self.set_term(Cause::CliClose, Fin::Data);
            self.close_now(ctx, true);
            return true;
        }
        if self.srv.err && self.cli.tx.is_empty() {
            self.set_term(Cause::SrvClose, Fin::Data);
            self.close_now(ctx, false);
            return true;
        }
        // Half-close each way; when that side has closed too, the close()
        // that follows sends the same FIN, so the syscall is skipped.
        if self.cli.eof && self.srv.tx.is_empty() && !self.srv.shut {
            if let (Some(s), false) = (&self.srv.sock, self.srv.eof) {
                let _ = s.shutdown(std::net::Shutdown::Write);
            }
            self.srv.shut = true;
            p = true;
        }
        if self.srv.eof && self.cli.tx.is_empty() && !self.cli.shut {
            if !self.cli.eof {
                self.shut_cli_write();
            }
            self.cli.shut = true;
            p = true;
        }
        if self.cli.shut && self.srv.shut && self.cli.eof && self.srv.eof {
            self.st = St::Closed;
            return true;
        }
        if self.cli.shut && self.srv.eof && self.cli.eof {
            self.st = St::Closed;
            return true;
        }
        p
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

    /// Keeps a copy of an invalid request (`rsp` false) or response for the
    /// stats socket's `show errors`, as 1.4's error snapshots.
    pub(super) fn capture_error(&self, ctx: &mut Ctx, rsp: bool) {
        let buf = if rsp { &self.srv.rx } else { &self.cli.rx };
        let max = ctx.rt.cfg.global.bufsize;
        let buf = buf[..buf.len().min(max)].to_vec();
        // events are numbered from 0, the total counts them (1.4's
        // error_snapshot_id)
        let ev_id = ctx.rt.error_snapshots;
        ctx.rt.error_snapshots = ev_id.wrapping_add(1);
        let snap = crate::state::ErrSnapshot {
            when: crate::log::now_ms(),
            src: self.cli_addr,
            sid: self.uniq,
            other: if rsp { self.fe } else { self.be },
            srv: if rsp { self.srv_idx } else { None },
            pos: crate::http::errpos::error_position(&buf, rsp),
            buf,
            ev_id,
        };
        if rsp {
            ctx.rt.px[self.be].invalid_rsp = Some(snap);
        } else {
            ctx.rt.px[self.fe].invalid_req = Some(snap);
        }
    }

    /// One `show sess` line.
    pub fn summary(&self, key: usize, cfg: &crate::config::model::Config, now: Instant) -> String {
        let (c, s) = self.trace_fds();
        let srv = self
            .srv_idx
            .map(|i| cfg.proxies[self.be].servers[i].name.as_str())
            .unwrap_or("<none>");
        let proto = if self.cli_addr.is_ipv4() {
            "tcpv4"
        } else {
            "tcpv6"
        };
        let age = now.saturating_duration_since(self.t_accept).as_secs();
        format!(
            "0x{:08x}: proto={} src={}:{} fe={} be={} srv={} age={} rq[l={}] rp[l={}] s0=[fd={}] s1=[fd={}] exp={}\n",
            key,
            proto,
            self.cli_addr.ip(),
            self.cli_addr.port(),
            cfg.proxies[self.fe].name,
            cfg.proxies[self.be].name,
            srv,
            crate::log::format::human_time(age),
            self.cli.rx.len() + self.srv.tx.len(),
            self.srv.rx.len() + self.cli.tx.len(),
            c as i16,
            s as i16,
            self.armed
                .map(|e| format!("{}ms", e.saturating_duration_since(now).as_millis()))
                .unwrap_or_else(|| "<NEVER>".into())
        )
    }

    /// Tells `observe` what happened with the server (1.4's health_adjust).
    pub(super) fn observe(&self, ctx: &mut Ctx, ev: crate::state::Hana) {
        if let Some(si) = self.srv_idx {
            crate::checks::health_adjust(ctx, self.be, si, ev);
        }
    }

    /// Queues a local response (error page, redirect, stats) and closes.
    pub fn reply(&mut self, ctx: &mut Ctx, status: i32, body: &[u8], err: Cause, fin: Fin) {
        self.txn.status = status;
        self.set_term(err, fin);
        self.release_server(ctx, true);
        self.cli.tx.clear();
        self.cli.tx.extend_from_slice(body);
        self.bytes_out += body.len() as u64;
        self.st = St::Reply;
    }

    /// The error page for a status, from the backend, the frontend or 1.4's
    /// built-in set.
    pub fn error_page(&self, ctx: &Ctx, code: u16) -> Vec<u8> {
        let cfg = ctx.rt.cfg;
        if let Some(b) = cfg.proxies[self.be].errorfiles.get(&code) {
            return b.clone();
        }
        if let Some(b) = cfg.proxies[self.fe].errorfiles.get(&code) {
            return b.clone();
        }
        crate::http::errors::builtin(code).to_vec()
    }

    pub fn http_error(&mut self, ctx: &mut Ctx, code: u16, err: Cause, fin: Fin) {
        let page = self.error_page(ctx, code);
        self.reply(ctx, code as i32, &page, err, fin);
    }

    /// A fixed answer written as soon as the client is accepted (`mode
    /// health`, an http `monitor-net` client), then closed; a monitor
    /// session is never logged (1.4's SN_MONITOR).
    pub fn local_reply(&mut self, msg: &'static [u8], monitor: bool) {
        self.cli.tx.extend_from_slice(msg);
        self.bytes_out += msg.len() as u64;
        self.st = St::Reply;
        self.logged = monitor;
    }

    fn reply_progress(&mut self, ctx: &mut Ctx) -> bool {
        // (a TLS client still in its handshake cannot be answered: closed)
        if self.cli.tx.is_empty() || self.cli.err || self.tls_handshaking() {
            if !self.cli.shut {
                self.shut_cli_write();
                self.cli.shut = true;
                self.txn.reply_drain_until = Some(ctx.now + Duration::from_millis(1000));
            }
            if self.cli.eof || self.cli.err || self.linger_needless() {
                self.st = St::Closed;
                return true;
            }
        }
        false
    }

    /// Releases the server slot and connection; `rst` aborts with RST.
    pub fn release_server(&mut self, ctx: &mut Ctx, rst: bool) {
        if let Some(s) = self.srv.sock.take() {
            if rst {
                crate::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&s));
            }
            self.free_srv_id(ctx);
            // dropping `s` closes it, which also takes it out of epoll
        }
        self.srv.can_read = false;
        self.srv.can_write = false;
        if self.srv_counted {
            self.srv_counted = false;
            if let Some(si) = self.srv_idx {
                if let Some(st) = ctx.rt.srv[self.be].get_mut(si) {
                    st.cur_sess = st.cur_sess.saturating_sub(1);
                }
                ctx.rt.lb_reposition(self.be, si);
                process_queue(ctx, self.be, Some(si));
            }
        }
    }

    /// Ends the session once what the client is owed has left (no error
    /// message: it already has a head); the server gets a FIN.
    pub(super) fn close_after_flush(&mut self, ctx: &mut Ctx, err: Cause, fin: Fin) {
        self.set_term(err, fin);
        self.release_server(ctx, false);
        self.st = St::Reply;
    }

    /// Writes what waits for the server now, as far as its socket takes it,
    /// before the session drops that side (an abort still delivers what
    /// was forwarded, as 1.4 does).
    pub(super) fn flush_to_srv_now(&mut self) {
        if let Some(s) = self.srv.sock.as_mut() {
            let mut err = false;
            let mut w = true;
            Self::write_side(s, &mut self.srv.tx, &mut w, &mut err, false);
        }
    }

    pub fn close_now(&mut self, ctx: &mut Ctx, rst_srv: bool) {
        self.release_server(ctx, rst_srv);
        self.st = St::Closed;
    }

    /// Final accounting and the log line, in 1.4's order.
    /// The fds for `-d` traces (0xffff when absent, as 1.4's -1).
    pub fn trace_fds(&self) -> (u16, u16) {
        use std::os::unix::io::AsRawFd;
        let c = self.cli.sock.as_raw_fd() as u16;
        let s = self
            .srv.sock
            .as_ref()
            .map(|s| s.as_raw_fd() as u16)
            .unwrap_or(0xffff);
        (c, s)
    }

    pub fn trace_head(&self, ctx: &Ctx, first: &str, next: &str, h: &crate::http::head::Head) {
        if !crate::log::msg::debug() {
            return;
        }
        let (c, s) = self.trace_fds();
        let be = &ctx.rt.cfg.proxies[self.be].name;
        let pre = |d: &str| format!("{:08x}:{}.{}[{:04x}:{:04x}]: ", self.uniq, be, d, c, s);
        crate::log::msg::trace(&format!(
            "{}{}",
            pre(first),
            String::from_utf8_lossy(h.start())
        ));
        for hd in h.hdrs() {
            crate::log::msg::trace(&format!(
                "{}{}",
                pre(next),
                String::from_utf8_lossy(hd.line)
            ));
        }
    }

    /// A `-d` trace line without a header: `srvcls`, `clicls`, `closed`.
    pub(super) fn trace_event(&self, ctx: &Ctx, what: &str) {
        if crate::log::msg::debug() {
            let (c, s) = self.trace_fds();
            let be = &ctx.rt.cfg.proxies[self.be].name;
            crate::log::msg::trace(&format!(
                "{:08x}:{}.{}[{:04x}:{:04x}]",
                self.uniq, be, what, c, s
            ));
        }
    }

    fn finish(&mut self, ctx: &mut Ctx) {
        // 1.4 reports an established side's close, the server's first
        if self.srv.sock.is_some() && self.txn.t_connect.is_some() {
            self.trace_event(ctx, "srvcls");
        }
        self.trace_event(ctx, "clicls");
        self.trace_event(ctx, "closed");
        self.count_status(ctx);
        // a kept server connection may serve other sessions (reuse.rs)
        self.unpark(ctx);
        self.release_server(ctx, false);
        connect::leave_queue(self, ctx);
        for b in [
            &mut self.cli.rx,
            &mut self.srv.rx,
            &mut self.srv.tx,
            &mut self.cli.tx,
        ] {
            b.clear();
            ctx.rt.pool.release(b);
        }
        // the socket is closed when the session is dropped, which also
        // removes it from epoll: no deregister syscall needed
        if ctx.rt.cfg.proxies[self.fe].flags.nolinger {
            crate::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock));
        }
        ctx.rt.actconn = ctx.rt.actconn.saturating_sub(1);
        self.li_count(ctx, |c| c.cur = c.cur.saturating_sub(1));
        if let Some(p) = ctx.rt.px.get_mut(self.fe) {
            p.feconn = p.feconn.saturating_sub(1);
        }
        if self.be_assigned {
            self.be_assigned = false;
            if let Some(p) = ctx.rt.px.get_mut(self.be) {
                p.beconn = p.beconn.saturating_sub(1);
            }
        }
        self.process_counters(ctx);
        if !self.logged {
            self.log(ctx);
        }
        ctx.rt.pool.recycle_txn(&mut self.txn);
    }

    /// A client (or server) abort, counted as 1.4 counts it: on the
    /// frontend, on the backend when it is another proxy, and on the server.
    /// The CSV shows it on BACKEND and server rows (one counter per proxy
    /// in 1.4, so a `listen` counts it once).
    pub(super) fn count_abort(&self, ctx: &mut Ctx, client: bool) {
        let bump = |c: &mut crate::state::Counters| {
            if client {
                c.cli_abrt += 1
            } else {
                c.srv_abrt += 1
            }
        };
        bump(&mut ctx.rt.px[self.fe].be);
        if self.be != self.fe {
            bump(&mut ctx.rt.px[self.be].be);
        }
        if let Some(st) = self.srv_idx.and_then(|si| ctx.rt.srv[self.be].get_mut(si)) {
            bump(&mut st.c);
        }
    }

    /// The response class of a finished transaction, counted on the
    /// frontend and (once a backend was assigned) the backend, whoever
    /// answered: server, error page, redirect or stats (1.4 counts at the
    /// end of the transaction). One that ended without a status counts as
    /// "other", except a kept-alive connection closed before a new request.
    fn count_status(&self, ctx: &mut Ctx) {
        let cfg = ctx.rt.cfg;
        let status = self.txn.status;
        if status == 0 && self.ka_wait && self.txn.t_req.is_none() {
            return;
        }
        let slot = hrsp_slot(status);
        if cfg.proxies[self.fe].mode == Mode::Http {
            ctx.rt.px[self.fe].fe.hrsp[slot] += 1;
        }
        if self.be_assigned && cfg.proxies[self.be].mode == Mode::Http {
            ctx.rt.px[self.be].be.hrsp[slot] += 1;
        }
    }

    /// Updates the counters of the listening socket that accepted us.
    pub(super) fn li_count(&self, ctx: &mut Ctx, f: impl FnOnce(&mut crate::state::LiCounters)) {
        if let Some(c) = ctx
            .rt
            .li
            .get_mut(self.fe)
            .and_then(|v| v.get_mut(self.bind as usize))
        {
            f(c);
        }
    }

    /// Adds the bytes not yet counted to the frontend, backend and server
    /// counters: at the end of each transaction and of the session, and
    /// continuously under `option contstats`, as 1.4 does.
    pub(super) fn process_counters(&mut self, ctx: &mut Ctx) {
        let bi = self.bytes_in.saturating_sub(self.counted_in);
        let bo = self.bytes_out.saturating_sub(self.counted_out);
        if bi == 0 && bo == 0 {
            return;
        }
        self.counted_in = self.bytes_in;
        self.counted_out = self.bytes_out;
        ctx.rt.px[self.fe].fe.bytes_in += bi;
        ctx.rt.px[self.fe].fe.bytes_out += bo;
        self.li_count(ctx, |c| {
            c.bytes_in += bi;
            c.bytes_out += bo;
        });
        if self.be != self.fe || ctx.rt.cfg.proxies[self.be].is_be() {
            ctx.rt.px[self.be].be.bytes_in += bi;
            ctx.rt.px[self.be].be.bytes_out += bo;
        }
        if let Some(si) = self.srv_idx {
            if let Some(st) = ctx.rt.srv[self.be].get_mut(si) {
                st.c.bytes_in += bi;
                st.c.bytes_out += bo;
            }
        }
    }

    pub fn log(&mut self, ctx: &mut Ctx) {
        self.logged = true;
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        if fe.logs.is_empty() {
            return;
        }
        if fe.flags.dontlognull && self.req_total == 0 {
            return;
        }
        let fmt = fe.log_format;
        if fmt == LogFormat::Default {
            return;
        }
        // the line is written into a string kept from line to line
        let mut line = std::mem::take(&mut ctx.rt.log_line);
        line.clear();
        let rec = self.log_record(ctx);
        match (fmt, self.mode) {
            (LogFormat::Http, Mode::Http) => crate::log::format::http_line_into(&mut line, &rec),
            (LogFormat::HttpClf, Mode::Http) => crate::log::format::clf_line_into(&mut line, &rec),
            _ => crate::log::format::tcp_line_into(&mut line, &rec),
        };
        let error =
            self.term.cause != Cause::None || rec.status >= 500 || rec.retries > 0 || self.txn.redispatched;
        if !fe.flags.dontlog_normal || error {
            let level = if fe.flags.log_separate_errors && error {
                crate::log::ERR
            } else {
                crate::log::INFO
            };
            ctx.syslog.send(&fe.logs, level, &line);
        }
        ctx.rt.log_line = line;
    }

    /// Where each side's read timeout counts from: any activity (1.4's
    /// default: sending also proves the peer alive) or, under `option
    /// independant-streams`, reads only.
    fn read_bases(&self, ctx: &Ctx) -> (Instant, Instant) {
        let cfg = ctx.rt.cfg;
        let indep = cfg.proxies[self.fe].flags.independant_streams
            || cfg.proxies[self.be].flags.independant_streams;
        if indep {
            (self.cli.last_rd, self.srv.last_rd)
        } else {
            (self.cli.last, self.srv.last)
        }
    }

    fn compute_expire(&self, ctx: &Ctx) -> Option<Instant> {
        let (cli_rd, srv_rd) = self.read_bases(ctx);
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let cli_to = ms(fe.timeouts.client);
        let srv_to = ms(be.timeouts.server);
        let mut exp: Option<Instant> = None;
        let mut arm = |t: Option<Instant>| {
            if let Some(t) = t {
                exp = Some(exp.map_or(t, |e| e.min(t)));
            }
        };
        match self.st {
            St::ReqHead { until }
            | St::Queued { until }
            | St::Connecting { until }
            | St::StatsPost { until }
            | St::Inspect { until } => arm(until),
            St::Turnaround { until } | St::Tarpit { until } => arm(Some(until)),
            St::Reply => {
                if !self.cli.tx.is_empty() {
                    arm(cli_to.map(|d| self.cli.last + d));
                } else {
                    arm(self.txn.reply_drain_until);
                }
            }
            St::Established => {
                let waiting_rsp =
                    self.mode == Mode::Http && !self.txn.tunnel && !self.txn.rsp_head_done;
                if !self.srv.eof
                    && (waiting_rsp
                        || self.txn.tunnel
                        || self.mode == Mode::Tcp
                        || self.txn.rsp_head_done)
                {
                    arm(srv_to.map(|d| srv_rd + d));
                }
                if !self.srv.tx.is_empty() {
                    arm(srv_to.map(|d| self.srv.last + d));
                }
                if !self.cli.tx.is_empty() {
                    arm(cli_to.map(|d| self.cli.last + d));
                }
                if !self.cli.eof && !waiting_rsp {
                    arm(cli_to.map(|d| cli_rd + d));
                }
            }
            _ => {}
        }
        exp
    }

    /// Called when the session's timer fires.
    pub fn on_timeout(&mut self, ctx: &mut Ctx) -> Outcome {
        let now = ctx.now;
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        match self.st {
            St::ReqHead { .. } if self.st.expired(now) => {
                if self.ka_wait && self.cli.rx.is_empty() {
                    // idle keep-alive connections close silently
                    self.logged = true;
                    self.st = St::Closed;
                } else {
                    self.txn.req_line = None;
                    self.http_error(ctx, 408, Cause::CliTimeout, Fin::Request);
                    ctx.rt.px[self.fe].inc_fe_req_ctr();
                    ctx.rt.px[self.fe].fe.failed_req += 1;
                    self.li_count(ctx, |c| c.failed_req += 1);
                }
            }
            St::Inspect { .. } if self.st.expired(now) => {
                self.inspect(ctx, true);
            }
            St::StatsPost { .. } if self.st.expired(now) => {
                self.http_error(ctx, 408, Cause::CliTimeout, Fin::Request);
            }
            St::Tarpit { .. } if self.st.expired(now) => {
                // 1.4 times the tarpit as a queue (Tw), the request untimed
                self.txn.t_queue = Some(now);
                let page = self.error_page(ctx, 500);
                self.reply(ctx, 500, &page, Cause::PrxCond, Fin::Tarpit);
            }
            St::Queued { .. } if self.st.expired(now) => {
                // 1.4 counts a queue timeout as a connection error
                if let Some(st) = self.srv_idx.and_then(|si| ctx.rt.srv[self.be].get_mut(si)) {
                    st.c.failed_conns += 1;
                }
                ctx.rt.px[self.be].be.failed_conns += 1;
                connect::leave_queue(self, ctx);
                self.txn.t_queue = Some(now);
                if self.mode == Mode::Http {
                    self.http_error(ctx, 503, Cause::SrvTimeout, Fin::Queue);
                } else {
                    self.set_term(Cause::SrvTimeout, Fin::Queue);
                    self.close_now(ctx, false);
                }
            }
            St::Turnaround { .. } if self.st.expired(now) => {
                self.st = St::Assign;
            }
            St::Connecting { .. } if self.st.expired(now) => {
                self.conn_err_async = false;
                self.connect_failed(ctx, Cause::SrvTimeout);
            }
            St::Established | St::Reply => {
                let cli_to = ms(fe.timeouts.client);
                let srv_to = ms(be.timeouts.server);
                // a side that has nothing left to read or write has no timer
                let (cli_rd, srv_rd) = self.read_bases(ctx);
                let srv_exp = srv_to.is_some_and(|d| {
                    (!self.srv.eof && srv_rd + d <= now)
                        || (!self.srv.tx.is_empty() && self.srv.last + d <= now)
                });
                let cli_exp = cli_to.is_some_and(|d| {
                    (!self.cli.eof && cli_rd + d <= now)
                        || (!self.cli.tx.is_empty() && self.cli.last + d <= now)
                });
                if self.st == St::Reply {
                    if cli_exp || self.txn.reply_drain_until.is_some_and(|t| t <= now) {
                        self.st = St::Closed;
                    }
                } else if srv_exp
                    && self.mode == Mode::Http
                    && !self.txn.tunnel
                    && !self.txn.rsp_head_done
                {
                    self.observe(ctx, crate::state::Hana::HttpReadTimeout);
                    // 1.4 counts a response error on the backend and server
                    if let Some(st) = self.srv_idx.and_then(|si| ctx.rt.srv[self.be].get_mut(si)) {
                        st.c.failed_resp += 1;
                    }
                    ctx.rt.px[self.be].be.failed_resp += 1;
                    self.http_error(ctx, 504, Cause::SrvTimeout, Fin::Headers);
                } else if cli_exp {
                    // both sides expiring at once: 1.4 looks at the
                    // client's first
                    self.set_term(Cause::CliTimeout, self.phase());
                    let tunnel = self.mode == Mode::Tcp || self.txn.tunnel;
                    if tunnel && self.cli.tx.is_empty() && !self.srv.eof {
                        // only the client's way in timed out: 1.4 shuts it
                        // (the server gets a FIN) while what the server
                        // still sends reaches the client, under its own
                        // timeout
                        self.cli.eof = true;
                    } else {
                        self.close_now(ctx, false);
                    }
                } else if srv_exp {
                    self.set_term(Cause::SrvTimeout, self.phase());
                    self.close_now(ctx, false);
                }
            }
            _ => {}
        }
        self.run(ctx)
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
        assert!(n <= 464, "{n}");
    }
}

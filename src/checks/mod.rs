//! Health checks: one checker per server with `check`, run by the event
//! loop. A check opens a connection as 1.4 does (what the server sees is
//! part of the contract: a pure TCP check never completes the handshake,
//! an L7 check is closed with a FIN, or an RST once the answer is known),
//! sends the probe, reads the answer (`judge`), and hands the verdict to
//! `status`, which moves the server's health and state.

mod hana;
mod judge;
mod probe;
mod status;
mod tls;

pub use hana::{health_adjust, NO_PROBE};
pub use probe::{mysql_packet, ssl_hello_packet, LDAP_BIND_REQUEST};
pub use status::reason_text;

use crate::config::model::{CheckType, Proxy, Server};
use crate::queue::Ctx;
use crate::state::{CheckStatus, Runtime, SrvState};
use mio::net::TcpStream;
use mio::{Interest, Registry};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

/// The result of one probe (or health analysis).
pub struct Verdict {
    pub status: CheckStatus,
    /// The response code, for the statuses that have one.
    pub code: Option<u16>,
    /// What the server said (`info:`), as 1.4 cut it.
    pub desc: Vec<u8>,
}

fn verdict(status: CheckStatus, desc: &[u8]) -> Verdict {
    Verdict {
        status,
        code: None,
        desc: desc.to_vec(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Reading,
    /// The server closed without an answer that decides (a MySQL greeting
    /// alone): 1.4 closes and lets the check time out, as a Layer4 timeout.
    Stalled,
    /// TLS checks (tls.rs): the handshake after the TCP connect.
    Handshake,
}

/// How a check connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    /// Timeouts, errors and pure TCP checks: RST, no shutdown.
    Abort,
    /// An answer was judged: shutdown (FIN), and an RST on close unless
    /// the server had already closed.
    Judged { peer_closed: bool },
}

/// One server's checker.
pub struct Check {
    px: usize,
    srv: usize,
    phase: Phase,
    sock: Option<TcpStream>,
    next: Instant,
    start: Instant,
    deadline: Instant,
    buf: Vec<u8>,
    to_send: Vec<u8>,
    /// the check's TLS (tls.rs), with its connection
    tls: Option<Box<crate::tls::TlsConn>>,
}

pub struct Checks {
    list: Vec<Check>,
    /// xorshift state for `spread-checks`' random jitter
    rng: u64,
}

/// The interval to the next check (1.4's srv_getinter).
fn getinter(c: &Server, s: &SrvState) -> u64 {
    if s.health == c.rise + c.fall - 1 {
        return c.inter;
    }
    if !s.up && s.health == 0 {
        return if c.downinter > 0 {
            c.downinter
        } else {
            c.inter
        };
    }
    if c.fastinter > 0 {
        c.fastinter
    } else {
        c.inter
    }
}

/// The check request of a proxy, as sent to server `si` now.
fn request(rt: &Runtime, pi: usize, si: usize) -> Vec<u8> {
    let px = &rt.cfg.proxies[pi];
    match px.check.kind {
        CheckType::Tcp => Vec::new(),
        CheckType::Http => {
            let mut r = px.check.send.clone();
            if px.check.send_state {
                r.extend_from_slice(probe::send_state_header(rt, pi, si).as_bytes());
            }
            r.extend_from_slice(b"\r\n");
            r
        }
        CheckType::SslHello => {
            let mut p = ssl_hello_packet();
            let t = crate::log::now_secs() as u32;
            p[11..15].copy_from_slice(&t.to_be_bytes());
            p
        }
        CheckType::Ldap => LDAP_BIND_REQUEST.to_vec(),
        _ => px.check.send.clone(),
    }
}

/// Opens the check connection. A pure TCP check (and any check with
/// `option tcp-smart-connect`) holds back the handshake's last ACK, so that
/// the RST of the close ends the handshake: the server accepts nothing.
fn open(px: &Proxy, s: &Server) -> Result<TcpStream, Verdict> {
    let addr = SocketAddr::new(
        s.check_addr.unwrap_or(s.addr),
        s.check_port.unwrap_or(s.port),
    );
    let smart = px.check.kind == CheckType::Tcp || px.flags.tcp_smart_connect;
    let src = s.source.as_ref().or(px.source.as_ref());
    match crate::sys::connect_from(&addr, src, smart) {
        Ok(s) => Ok(s),
        Err(e) => {
            let st = match e.raw_os_error() {
                Some(libc::ECONNREFUSED) | Some(libc::ENETUNREACH) => CheckStatus::L4Con,
                _ => CheckStatus::SockErr,
            };
            Err(verdict(st, crate::sys::errno_str(&e).as_bytes()))
        }
    }
}

impl Checks {
    pub fn new(rt: &Runtime) -> Checks {
        let now = Instant::now();
        let mut list = Vec::new();
        for (pi, p) in rt.cfg.proxies.iter().enumerate() {
            // stopped: disabled, or not bound to this process
            if rt.px[pi].stopped || !p.is_be() {
                continue;
            }
            for (si, s) in p.servers.iter().enumerate() {
                if s.check {
                    list.push(Check {
                        px: pi,
                        srv: si,
                        phase: Phase::Idle,
                        sock: None,
                        next: now,
                        start: now,
                        deadline: now,
                        buf: Vec::new(),
                        to_send: Vec::new(),
                        tls: None,
                    });
                }
            }
        }
        // any odd seed will do; the clock makes two processes differ
        let seed = crate::log::now_ms().1 as u64 ^ u64::from(std::process::id()) << 16;
        Checks {
            list,
            rng: seed | 1,
        }
    }

    /// `inter` with 1.4's `spread-checks` jitter: up to spread% either way.
    fn spread(&mut self, inter: u64, spread: u64) -> u64 {
        if spread == 0 {
            return inter;
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let rv = inter * spread / 100;
        // rv - 2 * rv * rand() with rand() in [0, 1)
        let r = (2 * rv).saturating_mul(self.rng % 1024) / 1024;
        (inter + rv).saturating_sub(r)
    }

    /// Staggers the first checks over the smallest interval, as 1.4 does.
    pub fn start(&mut self, rt: &mut Runtime, now: Instant) {
        let n = self.list.len() as u64;
        if n == 0 {
            return;
        }
        let inter =
            |c: &Check| getinter(&rt.cfg.proxies[c.px].servers[c.srv], &rt.srv[c.px][c.srv]);
        let mininter = self.list.iter().map(inter).min().unwrap_or(2000);
        let spread = rt.cfg.global.spread_checks as u64;
        for pos in 0..self.list.len() {
            let base = mininter.max(inter(&self.list[pos]));
            let mut d = base * pos as u64 / n;
            if spread > 0 {
                d += (d * spread / 100) / 2;
            }
            self.list[pos].next = now + Duration::from_millis(d);
        }
        // 1.4's start_checks sets check_start on every checked server
        for c in &self.list {
            rt.srv[c.px][c.srv].check_running = true;
        }
    }

    /// Brings forward the next check of servers `observe` found failing.
    fn take_soon(&mut self, rt: &mut Runtime) {
        for (pi, si, when) in std::mem::take(&mut rt.check_soon) {
            for c in self.list.iter_mut() {
                if c.px == pi && c.srv == si && c.phase == Phase::Idle && when < c.next {
                    c.next = when;
                }
            }
        }
    }

    pub fn next_deadline(&mut self, rt: &mut Runtime) -> Option<Instant> {
        self.take_soon(rt);
        self.list
            .iter()
            .map(|c| match c.phase {
                Phase::Idle => c.next,
                _ => c.deadline,
            })
            .min()
    }

    /// Starts a check: None while it runs, a verdict if it failed at once.
    fn launch(
        &mut self,
        i: usize,
        rt: &Runtime,
        registry: &Registry,
        now: Instant,
    ) -> Option<Verdict> {
        let cfg = rt.cfg;
        let (pi, si) = (self.list[i].px, self.list[i].srv);
        let px = &cfg.proxies[pi];
        let s = &px.servers[si];
        let inter = getinter(s, &rt.srv[pi][si]);
        let to_send = request(rt, pi, si);
        let c = &mut self.list[i];
        c.start = now;
        c.buf.clear();
        c.to_send = to_send;
        // min(inter, timeout connect) to connect, but only with timeout check
        let to_conn = match (px.timeouts.check, px.timeouts.connect) {
            (Some(_), Some(ct)) => ct.min(inter),
            _ => inter,
        };
        c.deadline = now + Duration::from_millis(to_conn);
        let mut sock = match open(px, s) {
            Ok(sock) => sock,
            Err(v) => return Some(v),
        };
        let tok = crate::tokens::check(i);
        if registry
            .register(&mut sock, tok, Interest::READABLE | Interest::WRITABLE)
            .is_err()
        {
            return Some(verdict(CheckStatus::SockErr, b""));
        }
        c.sock = Some(sock);
        c.phase = Phase::Connecting;
        None
    }

    fn close(&mut self, i: usize, registry: &Registry, how: Close) {
        let c = &mut self.list[i];
        c.tls = None;
        if let Some(mut s) = c.sock.take() {
            let fd = s.as_raw_fd();
            match how {
                Close::Abort => crate::sys::set_nolinger(fd),
                Close::Judged { peer_closed } => {
                    if !peer_closed {
                        crate::sys::set_nolinger(fd);
                    }
                    let _ = s.shutdown(std::net::Shutdown::Both);
                }
            }
            let _ = registry.deregister(&mut s);
        }
        c.phase = Phase::Idle;
    }

    /// The connection is established (or failed): send the probe.
    fn connected(&mut self, i: usize, rt: &Runtime, now: Instant) -> Option<(Verdict, Close)> {
        let px = &rt.cfg.proxies[self.list[i].px];
        let c = &mut self.list[i];
        let sock = c.sock.as_mut()?;
        let err = match sock.take_error() {
            Ok(Some(e)) | Err(e) => Some(e),
            Ok(None) => sock.peer_addr().err(),
        };
        if let Some(e) = err {
            if e.kind() == ErrorKind::NotConnected {
                return None; // still connecting
            }
            let v = verdict(CheckStatus::L4Con, crate::sys::errno_str(&e).as_bytes());
            return Some((v, Close::Abort));
        }
        if let Some(r) = self.tls_start(i, rt, now) {
            return r;
        }
        let c = &mut self.list[i];
        let sock = c.sock.as_mut()?;
        if px.check.kind == CheckType::Tcp {
            return Some((verdict(CheckStatus::L4Ok, b""), Close::Abort));
        }
        if let Err(e) = sock.write(&c.to_send) {
            let st = match e.raw_os_error() {
                Some(libc::ECONNREFUSED) | Some(libc::ENETUNREACH) => CheckStatus::L4Con,
                _ => CheckStatus::SockErr,
            };
            let v = verdict(st, crate::sys::errno_str(&e).as_bytes());
            return Some((v, Close::Abort));
        }
        c.phase = Phase::Reading;
        if let Some(t) = px.timeouts.check {
            c.deadline = now + Duration::from_millis(t);
        }
        None
    }

    /// Reads what the server sent and judges it.
    fn read(&mut self, i: usize, rt: &Runtime, registry: &Registry) -> Option<(Verdict, Close)> {
        let chksize = rt.cfg.global.chksize;
        let (pi, si) = (self.list[i].px, self.list[i].srv);
        let mut tmp = [0u8; 4096];
        let (mut eof, mut failed) = self.tls_read(i, chksize).unwrap_or((false, false));
        let c = &mut self.list[i];
        let sock = c.sock.as_mut()?;
        while c.tls.is_none() && c.buf.len() < chksize {
            let room = (chksize - c.buf.len()).min(tmp.len());
            match sock.read(&mut tmp[..room]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => c.buf.extend_from_slice(&tmp[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        // an RST right after the last data is common: judge the data
        if failed && c.buf.is_empty() {
            return Some((
                verdict(CheckStatus::SockErr, b""),
                Close::Judged { peer_closed: true },
            ));
        }
        let shut = eof || failed;
        let done = shut || c.buf.len() >= chksize;
        let running = rt.srv[pi][si].up;
        match judge::judge(&rt.cfg.proxies[pi], &c.buf, done, running) {
            Some(v) => Some((v, Close::Judged { peer_closed: shut })),
            None if done => {
                if let Some(mut sock) = c.sock.take() {
                    let _ = sock.shutdown(std::net::Shutdown::Both);
                    let _ = registry.deregister(&mut sock);
                }
                c.phase = Phase::Stalled;
                None
            }
            None => None,
        }
    }

    /// Readiness of check `i`'s connection, with the context the loop
    /// lends (the same path as the sessions and the stats socket take to
    /// change a server's state).
    pub fn on_event(&mut self, ctx: &mut Ctx, i: usize) {
        if i >= self.list.len() {
            return;
        }
        let mut result = None;
        if self.list[i].phase == Phase::Connecting {
            result = self.connected(i, ctx.rt, ctx.now);
        } else if self.list[i].phase == Phase::Handshake {
            result = self.handshake(i, ctx.rt, ctx.now);
        }
        if result.is_none() && self.list[i].phase == Phase::Reading {
            result = self.read(i, ctx.rt, ctx.registry);
        }
        if let Some((v, how)) = result {
            self.close(i, ctx.registry, how);
            self.finish(i, ctx, v);
        }
    }

    /// Checks due to start and checks past their deadline.
    pub fn on_timers(&mut self, ctx: &mut Ctx) {
        let (registry, now) = (ctx.registry, ctx.now);
        warm_up(ctx.rt, now);
        self.take_soon(ctx.rt);
        for i in 0..self.list.len() {
            let rt = &mut *ctx.rt;
            let c = &self.list[i];
            let (pi, si) = (c.px, c.srv);
            let v = match c.phase {
                Phase::Idle if c.next <= now => {
                    // no check while in maintenance or once the proxy stopped
                    if rt.srv[pi][si].maint || rt.px[pi].stopped {
                        let inter = rt.cfg.proxies[pi].servers[si].inter;
                        self.list[i].next = now + Duration::from_millis(inter);
                        continue;
                    }
                    // 1.4's HCHK_STATUS_START: running, description cleared
                    let st = &mut rt.srv[pi][si];
                    st.check_running = true;
                    st.check_desc.clear();
                    self.launch(i, rt, registry, now)
                }
                Phase::Connecting | Phase::Stalled if c.deadline <= now => {
                    Some(verdict(CheckStatus::L4Tout, b""))
                }
                Phase::Handshake if c.deadline <= now => Some(verdict(CheckStatus::L6Tout, b"")),
                Phase::Reading if c.deadline <= now => Some(match rt.cfg.proxies[pi].check.kind {
                    CheckType::SslHello => verdict(CheckStatus::L6Tout, b""),
                    _ => verdict(CheckStatus::L7Tout, b""),
                }),
                _ => None,
            };
            if let Some(v) = v {
                self.close(i, registry, Close::Abort);
                self.finish(i, ctx, v);
            }
        }
    }

    /// Applies a verdict and plans the next check.
    fn finish(&mut self, i: usize, ctx: &mut Ctx, v: Verdict) {
        let (pi, si) = (self.list[i].px, self.list[i].srv);
        let dur = ctx
            .now
            .saturating_duration_since(self.list[i].start)
            .as_millis() as u64;
        status::conclude(ctx, pi, si, &v, dur);
        let c = &ctx.rt.cfg.proxies[pi].servers[si];
        let inter = getinter(c, &ctx.rt.srv[pi][si]);
        let inter = self.spread(inter, ctx.rt.cfg.global.spread_checks as u64);
        self.list[i].next = ctx.now + Duration::from_millis(inter);
        self.list[i].phase = Phase::Idle;
    }
}

/// Servers in slowstart: let the balancer see their growing weight.
fn warm_up(rt: &mut Runtime, now: Instant) {
    let mut warming: Vec<usize> = Vec::new();
    for (pi, v) in rt.srv.iter_mut().enumerate() {
        for s in v.iter_mut() {
            if let Some(t) = s.warm_until {
                if t <= now {
                    s.warm_until = None;
                }
                if !warming.contains(&pi) {
                    warming.push(pi);
                }
            }
        }
    }
    for pi in warming {
        rt.lb_update(pi);
    }
}

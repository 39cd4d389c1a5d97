//! The event loop: one thread, one mio Poll. Listeners accept, sessions
//! live in a slab keyed by their token, timers sit in a binary heap of
//! (deadline, session) (moved timers leave their old entry behind, dropped
//! when met: re-arming is a push into a vector that keeps its capacity, so
//! timers allocate nothing per request), signals
//! arrive through a self-pipe, checks and the stats socket share the loop.

use crate::checks::Checks;
use crate::cli_sock::CliSock;
use crate::config::model::{Kind, LogFormat, Mode};
use crate::log::msg;
use crate::log::syslog::Syslog;
use crate::session::{Ctx, Outcome, Session};
use crate::state::Runtime;
use crate::tokens::{self, Source};
use mio::net::TcpListener;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll};
use slab::Slab;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::os::unix::io::RawFd;
use std::time::{Duration, Instant};

pub struct Listener {
    pub px: usize,
    /// which `bind` of the proxy this socket is
    pub bind: usize,
    /// None once closed (soft stop)
    pub sock: Option<TcpListener>,
    pub registered: bool,
    pub closed: bool,
}

/// How often the buffer pool frees what it did not need meanwhile, and how
/// many idle buffers it always keeps.
const POOL_TRIM_EVERY: Duration = Duration::from_millis(500);
const POOL_KEEP: usize = 16;
/// How soon a listener is looked at again after accept() failed.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

pub struct Engine {
    pub poll: Poll,
    pub sessions: Slab<Session>,
    pub listeners: Vec<Listener>,
    pub rt: Runtime,
    pub syslog: Syslog,
    /// (deadline, session key); an entry is live while the session's
    /// `armed` still says so.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    pub sigfd: Option<RawFd>,
    pub checks: Checks,
    pub cli: Option<CliSock>,
    stopping: bool,
    stop_at: Vec<Option<Instant>>,
    wake: Vec<usize>,
    grants: Vec<(usize, usize)>,
    any_full: bool,
    accept_retry: Option<Instant>,
    /// accept() ran out of descriptors and has not succeeded since.
    fd_starved: bool,
    /// When the buffer pool next gives back what stayed idle.
    next_trim: Instant,
    uniq: u32,
}

impl Engine {
    pub fn new(rt: Runtime, listeners: Vec<Listener>, syslog: Syslog) -> std::io::Result<Engine> {
        let poll = Poll::new()?;
        let n = rt.cfg.proxies.len();
        let checks = Checks::new(&rt);
        Ok(Engine {
            poll,
            sessions: Slab::with_capacity(1024),
            listeners,
            rt,
            syslog,
            timers: BinaryHeap::new(),
            sigfd: None,
            checks,
            cli: None,
            stopping: false,
            stop_at: vec![None; n],
            wake: Vec::new(),
            grants: Vec::new(),
            any_full: false,
            accept_retry: None,
            fd_starved: false,
            next_trim: Instant::now(),
            uniq: 0,
        })
    }

    pub fn register_all(&mut self) -> std::io::Result<()> {
        for (i, l) in self.listeners.iter_mut().enumerate() {
            if let Some(s) = l.sock.as_mut() {
                self.poll
                    .registry()
                    .register(s, tokens::listener(i), Interest::READABLE)?;
                l.registered = true;
            }
        }
        if let Some(fd) = self.sigfd {
            self.poll.registry().register(
                &mut SourceFd(&fd),
                tokens::signal(),
                Interest::READABLE,
            )?;
        }
        if let Some(c) = self.cli.as_mut() {
            c.register(self.poll.registry())?;
        }
        Ok(())
    }

    fn ctx_run<F>(&mut self, key: usize, now: Instant, f: F)
    where
        F: FnOnce(&mut Session, &mut Ctx) -> Outcome,
    {
        let registry = self.poll.registry();
        let Some(sess) = self.sessions.get_mut(key) else {
            return;
        };
        let mut ctx = Ctx {
            rt: &mut self.rt,
            registry,
            syslog: &self.syslog,
            now,
            wake: &mut self.wake,
            grants: &mut self.grants,
            stopping: self.stopping,
        };
        let out = f(sess, &mut ctx);
        match out {
            Outcome::Done => {
                sess.armed = None;
                self.sessions.remove(key);
                if self.any_full {
                    self.any_full = false;
                    self.accept_all(now);
                }
            }
            Outcome::Alive(expire) => {
                if expire != sess.armed {
                    sess.armed = expire;
                    if let Some(t) = expire {
                        self.timers.push(Reverse((t, key)));
                    }
                }
            }
        }
    }

    /// Pops dead entries off the top of the timer heap (so that the poll
    /// timeout is a live deadline) and, when dead entries outnumber the
    /// sessions, sweeps them all out in place.
    fn drop_stale_timers(&mut self) {
        let sessions = &self.sessions;
        let live = |&Reverse((t, k)): &Reverse<(Instant, usize)>| {
            sessions.get(k).is_some_and(|s| s.armed == Some(t))
        };
        while let Some(top) = self.timers.peek() {
            if live(top) {
                break;
            }
            self.timers.pop();
        }
        if self.timers.len() > 64 + 2 * sessions.len() {
            self.timers.retain(live);
        }
    }

    fn accept_all(&mut self, now: Instant) {
        for i in 0..self.listeners.len() {
            self.accept(i, now);
        }
    }

    /// `rate-limit sessions`: whether the frontend's sessions over the
    /// last second reached the limit (1.4's `freq_ctr_remain`); if so the
    /// connections wait in the backlog until one more fits
    /// (`next_event_delay`).
    fn rate_limited(&mut self, px: usize, limit: u32, now: Instant) -> bool {
        let f = &self.rt.px[px].fe_sess_per_sec;
        if f.remain(limit, 0) > 0 {
            return false;
        }
        let wait = now + Duration::from_millis(u64::from(f.next_event_delay(limit, 0)));
        self.accept_retry = Some(self.accept_retry.map_or(wait, |t| t.min(wait)));
        true
    }

    fn accept(&mut self, li: usize, now: Instant) {
        let cfg = self.rt.cfg;
        let maxaccept = cfg.global.maxaccept.max(1);
        for _ in 0..maxaccept {
            let (px, closed) = match self.listeners.get(li) {
                Some(l) => (l.px, l.closed || !l.registered),
                None => return,
            };
            if closed || self.rt.px[px].paused {
                return;
            }
            let p = &cfg.proxies[px];
            if self.rt.actconn >= cfg.global.maxconn || self.rt.px[px].feconn >= p.maxconn {
                // keep the connection in the backlog until a slot frees
                self.any_full = true;
                return;
            }
            if p.rate_limit > 0 && self.rate_limited(px, p.rate_limit, now) {
                return;
            }
            let Some(lsock) = self.listeners[li].sock.as_ref() else {
                return;
            };
            let (stream, addr) = match lsock.accept() {
                Ok(x) => {
                    self.fd_starved = false;
                    x
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.accept_failed(px, &e, now);
                    return;
                }
            };
            // the destination costs system calls (as 1.4's get_frt_addr():
            // the pre-redirect one, else the local address): only for the
            // log line that shows it; sessions look it up when they need it
            // (1.4 writes it for tcp and http proxies only, not `mode health`)
            let connect_log =
                p.log_format == LogFormat::Default && !p.logs.is_empty() && p.mode != Mode::Health;
            let dst = if connect_log {
                let fd = std::os::unix::io::AsRawFd::as_raw_fd(&stream);
                let local = stream.local_addr().ok();
                Some(crate::sys::original_dst(fd).or(local).unwrap_or(addr))
            } else {
                None
            };
            // TCP_NODELAY comes from the listening socket (sys::listen_socket)
            if p.flags.clitcpka {
                crate::sys::set_keepalive(std::os::unix::io::AsRawFd::as_raw_fd(&stream));
            }
            crate::sys::set_bufs(
                std::os::unix::io::AsRawFd::as_raw_fd(&stream),
                cfg.global.rcvbuf_client,
                cfg.global.sndbuf_client,
            );
            let monitor = p.monitor_nets.iter().any(|(n, m)| match addr.ip() {
                std::net::IpAddr::V4(a) => {
                    u32::from(a) & u32::from(*m) == u32::from(*n) & u32::from(*m)
                }
                _ => false,
            });
            if monitor && p.mode != Mode::Http {
                // 1.4 closes a tcp proxy's monitor connection at once,
                // before it is a session
                continue;
            }
            // an http monitor-net client and `mode health` get their fixed
            // answer from a session of their own: counted, closed with a
            // FIN, and (health only) logged, as 1.4 does
            let local_reply: Option<&'static [u8]> = if monitor
                || (p.mode == Mode::Health && p.check.kind == crate::config::model::CheckType::Http)
            {
                Some(b"HTTP/1.0 200 OK\r\n\r\n")
            } else if p.mode == Mode::Health {
                Some(b"OK\n")
            } else {
                None
            };
            let bind = self.listeners[li].bind;
            // a TLS listener's connection gets its rustls state now; one
            // that cannot is closed before it counts (as a refused accept)
            let tls = match p
                .binds
                .get(bind)
                .and_then(|b| b.tls.as_ref())
                .and_then(|t| t.ctx.as_ref())
            {
                Some(ctx) => match crate::tls::TlsConn::new(ctx) {
                    Some(t) => Some(Box::new(t)),
                    None => continue,
                },
                None => None,
            };
            self.rt.actconn += 1;
            if let Some(lc) = self.rt.li[px].get_mut(bind) {
                lc.cur += 1;
                lc.cum += 1;
                lc.max = lc.max.max(lc.cur);
            }
            let ps = &mut self.rt.px[px];
            ps.feconn += 1;
            ps.inc_fe_ctr();
            ps.fe.max_sess = ps.fe.max_sess.max(ps.feconn);
            if let (true, Some(dst)) = (connect_log, dst) {
                let m = format!(
                    "Connect from {}:{} to {}:{} ({}/{})",
                    addr.ip(),
                    addr.port(),
                    dst.ip(),
                    dst.port(),
                    p.name,
                    if p.mode == Mode::Http { "HTTP" } else { "TCP" }
                );
                self.syslog.send(&p.logs, crate::log::INFO, &m);
            }
            let entry = self.sessions.vacant_entry();
            let key = entry.key();
            let mut sess = Session::new(key, px, stream, addr, dst, &self.rt, now);
            sess.uniq = self.uniq;
            sess.bind = bind as u32;
            sess.tls = tls;
            if let Some(m) = local_reply {
                sess.local_reply(m, monitor);
            }
            self.uniq = self.uniq.wrapping_add(1);
            if msg::debug() {
                let lfd = self.listeners[li]
                    .sock
                    .as_ref()
                    .map(std::os::unix::io::AsRawFd::as_raw_fd)
                    .unwrap_or(-1) as u16;
                let (cfd, _) = sess.trace_fds();
                msg::trace(&format!(
                    "{:08x}:{}.accept({:04x})={:04x} from [{}:{}]",
                    sess.uniq,
                    p.name,
                    lfd,
                    cfd,
                    addr.ip(),
                    addr.port()
                ));
            }
            if self
                .poll
                .registry()
                .register(
                    &mut sess.cli,
                    tokens::client(key),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .is_err()
            {
                self.rt.actconn -= 1;
                self.rt.px[px].feconn -= 1;
                continue;
            }
            entry.insert(sess);
            self.ctx_run(key, now, |s, c| s.run(c));
        }
        // `tune.maxaccept` reached before the backlog ran dry: edge-triggered
        // readiness will not tell of the rest, so the loop comes back for
        // them on its next turn (1.4 polls its listeners level-triggered)
        self.accept_retry = Some(self.accept_retry.map_or(now, |t| t.min(now)));
    }

    /// accept() failed with the connection still waiting in the backlog.
    /// Out of descriptors (or socket memory), the edge-triggered listener
    /// will not say so again, and retrying at once would spin (1.4.25,
    /// level-triggered, does: a core and ~50,000 log lines a second): so
    /// the listeners are looked at again when a session ends and frees its
    /// fds, and every 100 ms for fds freed otherwise (checks, the CLI).
    /// 1.4's message goes to the logs once per such episode.
    fn accept_failed(&mut self, px: usize, e: &std::io::Error, now: Instant) {
        let what = match e.raw_os_error() {
            Some(libc::EMFILE) => {
                "reached process FD limit at {}. Please check 'ulimit-n' and restart."
            }
            Some(libc::ENFILE) => "reached system FD limit at {}. Please check system tunables.",
            Some(libc::ENOBUFS) | Some(libc::ENOMEM) => {
                "reached system memory limit at {} sockets. Please check system tunables."
            }
            // ECONNABORTED and the like: that connection is gone, the
            // next one gets its own readiness or the retry below
            _ => "",
        };
        if !what.is_empty() {
            if !self.fd_starved {
                self.fd_starved = true;
                let p = &self.rt.cfg.proxies[px];
                let m = format!(
                    "Proxy {} {}",
                    p.name,
                    what.replace("{}", &crate::sys::get_nofile().to_string())
                );
                self.syslog.send(&p.logs, crate::log::EMERG, &m);
            }
            self.any_full = true;
        }
        let wait = now + ACCEPT_RETRY;
        self.accept_retry = Some(self.accept_retry.map_or(wait, |t| t.min(wait)));
    }

    /// SIGUSR1: stop listening, let sessions finish, then exit.
    pub fn soft_stop(&mut self, now: Instant) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        let cfg = self.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            if self.rt.px[i].stopped {
                continue;
            }
            let m = format!("Stopping {} {} in {} ms.", p.kind.word(), p.name, p.grace);
            msg::warning(&m);
            self.syslog.send(&p.logs, crate::log::WARNING, &m);
            self.stop_at[i] = Some(now + Duration::from_millis(p.grace));
        }
        self.maintain(now);
    }

    /// Stops the proxies whose grace period ended.
    fn maintain(&mut self, now: Instant) {
        let cfg = self.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            let Some(t) = self.stop_at[i] else { continue };
            if t > now || self.rt.px[i].stopped {
                continue;
            }
            self.stop_at[i] = None;
            let m = format!(
                "Proxy {} stopped (FE: {} conns, BE: {} conns).",
                p.name, self.rt.px[i].fe.cum_sess, self.rt.px[i].be.cum_sess
            );
            msg::warning(&m);
            self.syslog.send(&p.logs, crate::log::WARNING, &m);
            // better than 1.4: take what already sits in the accept queue
            // before closing, so a reload loses no connection
            let mine: Vec<usize> = (0..self.listeners.len())
                .filter(|&li| self.listeners[li].px == i)
                .collect();
            for li in mine {
                self.accept(li, now);
            }
            self.rt.px[i].stopped = true;
            for l in self.listeners.iter_mut().filter(|l| l.px == i) {
                if let Some(mut s) = l.sock.take() {
                    if l.registered {
                        let _ = self.poll.registry().deregister(&mut s);
                    }
                    // dropped: the port is released for good
                }
                l.registered = false;
                l.closed = true;
            }
        }
        if let Some(c) = self.cli.as_mut() {
            if self.stopping {
                c.close(self.poll.registry());
            }
        }
    }

    /// SIGTTOU / SIGTTIN: pause or resume the listeners.
    pub fn pause(&mut self, pause: bool) {
        let cfg = self.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            if self.rt.px[i].stopped || p.binds.is_empty() || self.rt.px[i].paused == pause {
                continue;
            }
            let m = if pause {
                format!("Pausing {} {}.", p.kind.word(), p.name)
            } else {
                format!("Enabling {} {}.", p.kind.word(), p.name)
            };
            self.rt.px[i].paused = pause;
            for (li, l) in self
                .listeners
                .iter_mut()
                .enumerate()
                .filter(|(_, l)| l.px == i)
            {
                let Some(sock) = l.sock.as_mut() else {
                    continue;
                };
                let fd = std::os::unix::io::AsRawFd::as_raw_fd(sock);
                if pause && l.registered {
                    let _ = self.poll.registry().deregister(sock);
                    l.registered = false;
                    crate::sys::unlisten(fd);
                } else if !pause && !l.registered && !l.closed {
                    let backlog = if p.backlog > 0 {
                        p.backlog
                    } else {
                        p.maxconn.max(1)
                    };
                    crate::sys::relisten(fd, backlog as i32, p.smart_accept());
                    l.registered = self
                        .poll
                        .registry()
                        .register(sock, tokens::listener(li), Interest::READABLE)
                        .is_ok();
                }
            }
            // said once the sockets really are paused or listening again
            msg::warning(&m);
            self.syslog.send(&p.logs, crate::log::WARNING, &m);
        }
        if !pause {
            self.accept_all(Instant::now());
        }
    }

    /// SIGHUP: 1.4's sig_dump_state(), every proxy in turn: a notice that
    /// its dump starts (syslog only), a line per server, then one summary
    /// line whose wording depends on what servers it has.
    fn dump_states(&self) {
        let cfg = self.rt.cfg;
        msg::warning("SIGHUP received, dumping servers states.");
        for (i, p) in cfg.proxies.iter().enumerate() {
            if p.kind == Kind::Defaults {
                continue;
            }
            let head = format!(
                "SIGHUP received, dumping servers states for proxy {}.",
                p.name
            );
            self.syslog.send(&p.logs, crate::log::NOTICE, &head);
            for (si, s) in p.servers.iter().enumerate() {
                let st = &self.rt.srv[i][si];
                let m = format!(
                    "SIGHUP: Server {}/{} is {}. Conn: {} act, {} pend, {} tot.",
                    p.name,
                    s.name,
                    if st.usable() { "UP" } else { "DOWN" },
                    st.cur_sess,
                    st.queue.len(),
                    st.c.cum_sess
                );
                msg::warning(&m);
                self.syslog.send(&p.logs, crate::log::NOTICE, &m);
            }
            let ps = &self.rt.px[i];
            let conn = format!(
                "Conn: act(FE+BE): {}+{}, {} pend ({} unass), tot(FE+BE): {}+{}.",
                ps.feconn,
                ps.beconn,
                self.rt.totpend(i),
                ps.queue.len(),
                ps.fe.cum_sess,
                ps.be.cum_sess
            );
            let (act, bck) = self.rt.srv_counts(i);
            let m = if p.servers.is_empty() {
                format!("SIGHUP: Proxy {} has no servers. {}", p.name, conn)
            } else if act == 0 {
                let what = if bck > 0 {
                    "is running on backup servers"
                } else {
                    "has no server available"
                };
                format!("SIGHUP: Proxy {} {} ! {}", p.name, what, conn)
            } else {
                format!(
                    "SIGHUP: Proxy {} has {} active servers and {} backup servers available. {}",
                    p.name, act, bck, conn
                )
            };
            msg::warning(&m);
            self.syslog.send(&p.logs, crate::log::NOTICE, &m);
        }
    }

    fn on_signals(&mut self, now: Instant) {
        let Some(fd) = self.sigfd else { return };
        for sig in crate::sys::read_signals(fd) {
            match sig {
                s if s == crate::sys::SIGUSR1 => self.soft_stop(now),
                s if s == crate::sys::SIGTTOU => self.pause(true),
                s if s == crate::sys::SIGTTIN => self.pause(false),
                s if s == crate::sys::SIGHUP => self.dump_states(),
                _ => {}
            }
        }
    }

    pub fn run(&mut self) {
        let mut events = Events::with_capacity(self.rt.cfg.global.maxpollevents.max(16) as usize);
        let now = Instant::now();
        self.checks.start(&mut self.rt, now);
        loop {
            let now = Instant::now();
            self.drop_stale_timers();
            let mut next = self.timers.peek().map(|&Reverse((t, _))| t);
            if let Some(c) = self.checks.next_deadline(&mut self.rt) {
                next = Some(next.map_or(c, |n| n.min(c)));
            }
            if let Some(t) = self.accept_retry {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
            if let Some(t) = self.cli.as_ref().and_then(|c| c.next_deadline()) {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
            for t in self.stop_at.iter().flatten() {
                next = Some(next.map_or(*t, |n| n.min(*t)));
            }
            if now >= self.next_trim {
                self.next_trim = now + POOL_TRIM_EVERY;
                self.rt.idle.purge(self.rt.cfg, now);
                // the heap is trimmed only after a burst worth it: the walk
                // is not free
                if self.rt.pool.trim(POOL_KEEP) >= POOL_KEEP {
                    crate::sys::malloc_trim();
                }
            }
            // pooled idle server connections: come back to close those that
            // outwait their backend's timeout server
            if self.rt.idle.any_parked() || self.rt.pool.has_spare(POOL_KEEP) {
                // memory left by a burst goes back soon, even if all is quiet
                next = Some(next.map_or(self.next_trim, |n| n.min(self.next_trim)));
            }
            let mut timeout =
                next.map(|t| t.saturating_duration_since(now) + Duration::from_millis(1));
            if !self.wake.is_empty() {
                timeout = Some(Duration::ZERO);
            }
            if self.poll.poll(&mut events, timeout).is_err() {
                // EINTR from a signal: the self-pipe tells us which
            }
            let now = Instant::now();
            self.rt.run_queue = events.iter().filter(|e| tokens::is_task(e.token())).count() as u32;
            for ev in events.iter() {
                let src = tokens::decode(ev.token());
                if src == Source::Signal {
                    self.on_signals(now);
                } else if let Source::Cli(n) = src {
                    if let Some(c) = self.cli.as_mut() {
                        // `show sess` lists the sessions only when asked
                        let (sessions, cfg) = (&self.sessions, self.rt.cfg);
                        let list = || -> String {
                            sessions
                                .iter()
                                .map(|(k, s)| s.summary(k, cfg, now))
                                .collect()
                        };
                        let mut ctx = Ctx {
                            rt: &mut self.rt,
                            registry: self.poll.registry(),
                            syslog: &self.syslog,
                            now,
                            wake: &mut self.wake,
                            grants: &mut self.grants,
                            stopping: self.stopping,
                        };
                        c.on_event(&mut ctx, n, &list);
                    }
                } else if let Source::Check(i) = src {
                    let registry = self.poll.registry();
                    self.checks.on_event(
                        &mut self.rt,
                        registry,
                        &self.syslog,
                        i,
                        now,
                        &mut self.wake,
                        &mut self.grants,
                    );
                } else if let Source::Listener(li) = src {
                    self.accept(li, now);
                } else {
                    let rd = crate::session::Readiness {
                        readable: ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                        writable: ev.is_writable() || ev.is_write_closed() || ev.is_error(),
                        hup: ev.is_read_closed(),
                        connected: ev.is_writable() && !ev.is_error() && !ev.is_write_closed(),
                        error: ev.is_error(),
                    };
                    let (key, srv) = match src {
                        Source::Server(k) => (k, true),
                        Source::Client(k) => (k, false),
                        // keep-alive to servers: a connection id, owned by
                        // a session or idle in a pool (src/idle_pool.rs)
                        Source::Pool(id) => {
                            let closing = rd.readable || rd.hup || rd.error;
                            match self.rt.idle.on_event(id, closing) {
                                crate::idle_pool::EventFor::Session(k) => (k, true),
                                crate::idle_pool::EventFor::Nobody => continue,
                            }
                        }
                        _ => continue,
                    };
                    self.ctx_run(key, now, |s, c| s.on_event(c, srv, rd));
                }
            }
            // timers
            while let Some(&Reverse((t, key))) = self.timers.peek() {
                if t > now {
                    break;
                }
                self.timers.pop();
                if let Some(s) = self.sessions.get_mut(key) {
                    if s.armed != Some(t) {
                        continue; // moved or cancelled since
                    }
                    s.armed = None;
                    self.ctx_run(key, now, |s, c| s.on_timeout(c));
                }
            }
            {
                let registry = self.poll.registry();
                self.checks.on_timers(
                    &mut self.rt,
                    registry,
                    &self.syslog,
                    now,
                    &mut self.wake,
                    &mut self.grants,
                );
            }
            if let Some(c) = self.cli.as_mut() {
                c.on_timers(self.poll.registry(), &mut self.rt, now);
            }
            if self.accept_retry.is_some_and(|t| t <= now) {
                self.accept_retry = None;
                self.accept_all(now);
            }
            // sessions woken during this turn run next turn
            let woken = std::mem::take(&mut self.wake);
            for k in woken {
                self.ctx_run(k, now, |s, c| s.run(c));
            }
            // connection ids closed during this turn are free again
            self.rt.idle.end_turn();
            self.maintain(now);
            if self.stopping && self.stop_at.iter().all(|s| s.is_none()) && self.sessions.is_empty()
            {
                return;
            }
        }
    }
}

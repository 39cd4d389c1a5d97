//! 1.4's event_accept() and its session start: a listener's connections
//! taken from the backlog within the global and frontend `maxconn` and
//! the frontend's `rate-limit sessions`, the client socket's options,
//! `monitor-net` and `mode health` answers, TLS state, the counters, the
//! "Connect from" log line, then a new `Session` registered with the loop.

use super::{Engine, Listener};
use crate::config::model::{CheckType, LogFormat, Mode, Proxy};
use crate::log::msg;
use crate::session::Session;
use crate::tls::TlsConn;
use crate::tokens;
use mio::net::TcpStream;
use mio::Interest;
use std::net::SocketAddr;
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

/// How soon a listener is looked at again after accept() failed.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Whether `addr` is in one of the frontend's `monitor-net` networks.
#[inline]
fn is_monitor(p: &Proxy, addr: &SocketAddr) -> bool {
    p.monitor_nets.iter().any(|(n, m)| match addr.ip() {
        std::net::IpAddr::V4(a) => u32::from(a) & u32::from(*m) == u32::from(*n) & u32::from(*m),
        _ => false,
    })
}

/// The fixed answer an http monitor-net client and `mode health` get from
/// a session of their own: counted, closed with a FIN, and (health only)
/// logged, as 1.4 does.
#[inline]
fn local_reply(p: &Proxy, monitor: bool) -> Option<&'static [u8]> {
    if monitor || (p.mode == Mode::Health && p.check.kind == CheckType::Http) {
        Some(b"HTTP/1.0 200 OK\r\n\r\n")
    } else if p.mode == Mode::Health {
        Some(b"OK\n")
    } else {
        None
    }
}

/// A TLS listener's connection gets its rustls state now: Err when it
/// cannot (the connection is then closed before it counts, as a refused
/// accept), Ok(None) on a plain listener.
#[inline]
#[allow(clippy::result_unit_err)]
fn tls_state(p: &Proxy, bind: usize) -> Result<Option<Box<TlsConn>>, ()> {
    match p
        .binds
        .get(bind)
        .and_then(|b| b.tls.as_ref())
        .and_then(|t| t.ctx.as_ref())
    {
        Some(ctx) => match TlsConn::new(ctx) {
            Some(t) => Ok(Some(Box::new(t))),
            None => Err(()),
        },
        None => Ok(None),
    }
}

/// `-d`'s accept trace line.
fn trace_accept(l: &Listener, p: &Proxy, sess: &Session, addr: SocketAddr) {
    let lfd = l.sock.as_ref().map(AsRawFd::as_raw_fd).unwrap_or(-1) as u16;
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

impl Engine {
    pub(super) fn accept_all(&mut self, now: Instant) {
        for i in 0..self.listeners.len() {
            self.accept(i, now);
        }
    }

    /// `rate-limit sessions`: whether the frontend's sessions over the
    /// last second reached the limit (1.4's `freq_ctr_remain`); if so the
    /// connections wait in the backlog until one more fits
    /// (`next_event_delay`).
    fn rate_limited(&mut self, px: usize, limit: u32, now: Instant) -> bool {
        let f = &self.world.rt.px[px].fe_sess_per_sec;
        if f.remain(limit, 0) > 0 {
            return false;
        }
        let wait = now + Duration::from_millis(u64::from(f.next_event_delay(limit, 0)));
        self.accept_retry = Some(self.accept_retry.map_or(wait, |t| t.min(wait)));
        true
    }

    /// Takes up to `tune.maxaccept` connections from listener `li`.
    pub(super) fn accept(&mut self, li: usize, now: Instant) {
        let maxaccept = self.world.rt.cfg.global.maxaccept.max(1);
        for _ in 0..maxaccept {
            let Some((px, stream, addr)) = self.accept_conn(li, now) else {
                return;
            };
            self.start_session(li, px, stream, addr, now);
        }
        // `tune.maxaccept` reached before the backlog ran dry: edge-triggered
        // readiness will not tell of the rest, so the loop comes back for
        // them on its next turn (1.4 polls its listeners level-triggered)
        self.accept_retry = Some(self.accept_retry.map_or(now, |t| t.min(now)));
    }

    /// One connection from the backlog of listener `li`, unless the
    /// listener is closed or paused, a limit is reached, or none waits.
    #[inline]
    fn accept_conn(&mut self, li: usize, now: Instant) -> Option<(usize, TcpStream, SocketAddr)> {
        let cfg = self.world.rt.cfg;
        let l = self.listeners.get(li)?;
        let px = l.px;
        if l.closed || !l.registered || self.world.rt.px[px].paused {
            return None;
        }
        let p = &cfg.proxies[px];
        let rt = &self.world.rt;
        if rt.actconn >= cfg.global.maxconn || rt.px[px].feconn >= p.maxconn {
            // keep the connection in the backlog until a slot frees
            self.any_full = true;
            return None;
        }
        if p.rate_limit > 0 && self.rate_limited(px, p.rate_limit, now) {
            return None;
        }
        match self.listeners[li].sock.as_ref()?.accept() {
            Ok((stream, addr)) => {
                self.fd_starved = false;
                Some((px, stream, addr))
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
            Err(e) => {
                self.accept_failed(px, &e, now);
                None
            }
        }
    }

    /// Turns an accepted connection into a running session (or closes it:
    /// a tcp proxy's monitor-net client, a TLS state that cannot be made,
    /// a socket the poller refuses).
    #[inline]
    fn start_session(
        &mut self,
        li: usize,
        px: usize,
        stream: TcpStream,
        addr: SocketAddr,
        now: Instant,
    ) {
        let cfg = self.world.rt.cfg;
        let p = &cfg.proxies[px];
        // the destination costs system calls (as 1.4's get_frt_addr():
        // the pre-redirect one, else the local address): only for the
        // log line that shows it; sessions look it up when they need it
        // (1.4 writes it for tcp and http proxies only, not `mode health`)
        let connect_log =
            p.log_format == LogFormat::Default && !p.logs.is_empty() && p.mode != Mode::Health;
        let dst = connect_log.then(|| {
            let local = stream.local_addr().ok();
            crate::sys::original_dst(stream.as_raw_fd())
                .or(local)
                .unwrap_or(addr)
        });
        // TCP_NODELAY comes from the listening socket (sys::listen_socket)
        if p.flags.clitcpka {
            crate::sys::set_keepalive(stream.as_raw_fd());
        }
        let g = &cfg.global;
        crate::sys::set_bufs(stream.as_raw_fd(), g.rcvbuf_client, g.sndbuf_client);
        let monitor = is_monitor(p, &addr);
        if monitor && p.mode != Mode::Http {
            // 1.4 closes a tcp proxy's monitor connection at once,
            // before it is a session
            return;
        }
        let bind = self.listeners[li].bind;
        let Ok(tls) = tls_state(p, bind) else { return };
        self.count_accept(px, bind);
        if let Some(dst) = dst {
            self.log_connect(p, addr, dst);
        }
        let entry = self.sessions.vacant_entry();
        let key = entry.key();
        let mut sess = Session::new(key, px, stream, addr, dst, &self.world.rt, now);
        sess.uniq = self.uniq;
        sess.bind = bind as u32;
        sess.tls = tls;
        if let Some(m) = local_reply(p, monitor) {
            sess.local_reply(m, monitor);
        }
        self.uniq = self.uniq.wrapping_add(1);
        if msg::debug() {
            trace_accept(&self.listeners[li], p, &sess, addr);
        }
        if self
            .world
            .poll
            .registry()
            .register(
                &mut sess.cli,
                tokens::client(key),
                Interest::READABLE | Interest::WRITABLE,
            )
            .is_err()
        {
            self.world.rt.actconn -= 1;
            self.world.rt.px[px].feconn -= 1;
            return;
        }
        entry.insert(sess);
        self.ctx_run(key, now, |s, c| s.run(c));
    }

    /// One more connection on the process, the frontend and its `bind`.
    #[inline]
    fn count_accept(&mut self, px: usize, bind: usize) {
        let rt = &mut self.world.rt;
        rt.actconn += 1;
        if let Some(lc) = rt.li[px].get_mut(bind) {
            lc.cur += 1;
            lc.cum += 1;
            lc.max = lc.max.max(lc.cur);
        }
        let ps = &mut rt.px[px];
        ps.feconn += 1;
        ps.inc_fe_ctr();
        ps.fe.max_sess = ps.fe.max_sess.max(ps.feconn);
    }

    /// 1.4's "Connect from" line of a frontend with the default log format.
    fn log_connect(&self, p: &Proxy, addr: SocketAddr, dst: SocketAddr) {
        let m = format!(
            "Connect from {}:{} to {}:{} ({}/{})",
            addr.ip(),
            addr.port(),
            dst.ip(),
            dst.port(),
            p.name,
            if p.mode == Mode::Http { "HTTP" } else { "TCP" }
        );
        self.world.syslog.send(&p.logs, crate::log::INFO, &m);
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
                let p = &self.world.rt.cfg.proxies[px];
                let m = format!(
                    "Proxy {} {}",
                    p.name,
                    what.replace("{}", &crate::sys::get_nofile().to_string())
                );
                self.world.syslog.send(&p.logs, crate::log::EMERG, &m);
            }
            self.any_full = true;
        }
        let wait = now + ACCEPT_RETRY;
        self.accept_retry = Some(self.accept_retry.map_or(wait, |t| t.min(wait)));
    }
}

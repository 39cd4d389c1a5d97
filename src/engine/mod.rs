//! The event loop: one thread, one mio Poll. Listeners accept
//! (`accept.rs`), sessions live in a slab keyed by their token, timers sit
//! in a binary heap of (deadline, session) (moved timers leave their old
//! entry behind, dropped when met: re-arming is a push into a vector that
//! keeps its capacity, so timers allocate nothing per request), signals
//! arrive through a self-pipe (`signals.rs`), soft stop and pause act on
//! the proxies (`proxies.rs`), checks and the stats socket share the loop.
//! The loop lends each of them the same `Ctx`, built by `World::ctx`.

mod accept;
mod proxies;
mod signals;

use crate::checks::Checks;
use crate::cli_sock::CliSock;
use crate::log::syslog::Syslog;
use crate::session::{Ctx, Outcome, Readiness, Session};
use crate::state::Runtime;
use crate::tokens::{self, Source};
use mio::event::Event;
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

/// What the loop lends to sessions, checks and the stats socket while one
/// of them runs: the runtime state, the poller, syslog, and the sessions
/// woken meanwhile. Kept apart from the session slab and the checkers so
/// that the loop can lend it while it holds one of those.
pub struct World {
    pub poll: Poll,
    pub rt: Runtime,
    pub pools: crate::pools::Pools,
    pub syslog: Syslog,
    /// sessions to run again at the end of this turn
    wake: Vec<usize>,
    /// server slots granted to queued sessions: (session, server)
    grants: Vec<(usize, usize)>,
    /// soft stop under way (SIGUSR1)
    stopping: bool,
}

impl World {
    /// The context lent for one call into a session, a check or the CLI.
    #[inline]
    fn ctx(&mut self, now: Instant) -> Ctx<'_> {
        Ctx {
            rt: &mut self.rt,
            pools: &mut self.pools,
            registry: self.poll.registry(),
            syslog: &self.syslog,
            now,
            wake: &mut self.wake,
            grants: &mut self.grants,
            stopping: self.stopping,
        }
    }
}

pub struct Engine {
    pub world: World,
    pub sessions: Slab<Session>,
    pub listeners: Vec<Listener>,
    /// (deadline, session key); an entry is live while the session's
    /// `armed` still says so.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    pub sigfd: Option<RawFd>,
    pub checks: Checks,
    pub cli: Option<CliSock>,
    stop_at: Vec<Option<Instant>>,
    any_full: bool,
    accept_retry: Option<Instant>,
    /// accept() ran out of descriptors and has not succeeded since.
    fd_starved: bool,
    /// When the buffer pool next gives back what stayed idle.
    next_trim: Instant,
    uniq: u32,
}

/// The earlier of a deadline so far and another one.
#[inline]
fn earliest(next: Option<Instant>, t: Instant) -> Option<Instant> {
    Some(next.map_or(t, |n| n.min(t)))
}

impl Engine {
    pub fn new(rt: Runtime, listeners: Vec<Listener>, syslog: Syslog) -> std::io::Result<Engine> {
        let poll = Poll::new()?;
        let n = rt.cfg.proxies.len();
        let checks = Checks::new(&rt);
        Ok(Engine {
            world: World {
                poll,
                pools: crate::pools::Pools::new(rt.cfg),
                rt,
                syslog,
                wake: Vec::new(),
                grants: Vec::new(),
                stopping: false,
            },
            sessions: Slab::with_capacity(1024),
            listeners,
            timers: BinaryHeap::new(),
            sigfd: None,
            checks,
            cli: None,
            stop_at: vec![None; n],
            any_full: false,
            accept_retry: None,
            fd_starved: false,
            next_trim: Instant::now(),
            uniq: 0,
        })
    }

    pub fn register_all(&mut self) -> std::io::Result<()> {
        let registry = self.world.poll.registry();
        for (i, l) in self.listeners.iter_mut().enumerate() {
            if let Some(s) = l.sock.as_mut() {
                registry.register(s, tokens::listener(i), Interest::READABLE)?;
                l.registered = true;
            }
        }
        if let Some(fd) = self.sigfd {
            registry.register(&mut SourceFd(&fd), tokens::signal(), Interest::READABLE)?;
        }
        if let Some(c) = self.cli.as_mut() {
            c.register(registry)?;
        }
        Ok(())
    }

    /// Runs `f` on session `key` with the lent context, then frees the
    /// session or re-arms its timer as the outcome says.
    #[inline]
    fn ctx_run<F>(&mut self, key: usize, now: Instant, f: F)
    where
        F: FnOnce(&mut Session, &mut Ctx) -> Outcome,
    {
        let Some(sess) = self.sessions.get_mut(key) else {
            return;
        };
        let out = f(sess, &mut self.world.ctx(now));
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

    /// How long the poll may sleep: until the first deadline of the
    /// sessions, the checks, the accept retry, the stats socket or a soft
    /// stop, or at once when sessions were woken. Gives idle pooled
    /// buffers and server connections back on the way.
    fn poll_timeout(&mut self, now: Instant) -> Option<Duration> {
        self.drop_stale_timers();
        let mut next = self.timers.peek().map(|&Reverse((t, _))| t);
        if let Some(c) = self.checks.next_deadline(&mut self.world.rt) {
            next = earliest(next, c);
        }
        if let Some(t) = self.accept_retry {
            next = earliest(next, t);
        }
        if let Some(t) = self.cli.as_ref().and_then(|c| c.next_deadline()) {
            next = earliest(next, t);
        }
        for t in self.stop_at.iter().flatten() {
            next = earliest(next, *t);
        }
        let rt = &mut self.world.rt;
        if now >= self.next_trim {
            self.next_trim = now + POOL_TRIM_EVERY;
            rt.idle.purge(rt.cfg, now);
            // the heap is trimmed only after a burst worth it: the walk
            // is not free
            if self.world.pools.buf.trim(POOL_KEEP) >= POOL_KEEP {
                crate::sys::malloc_trim();
            }
        }
        // pooled idle server connections: come back to close those that
        // outwait their backend's timeout server
        if rt.idle.any_parked() || self.world.pools.buf.has_spare(POOL_KEEP) {
            // memory left by a burst goes back soon, even if all is quiet
            next = earliest(next, self.next_trim);
        }
        if !self.world.wake.is_empty() {
            return Some(Duration::ZERO);
        }
        next.map(|t| t.saturating_duration_since(now) + Duration::from_millis(1))
    }

    pub fn run(&mut self) {
        let mut events =
            Events::with_capacity(self.world.rt.cfg.global.maxpollevents.max(16) as usize);
        self.checks.start(&mut self.world.rt, Instant::now());
        loop {
            let timeout = self.poll_timeout(Instant::now());
            if self.world.poll.poll(&mut events, timeout).is_err() {
                // EINTR from a signal: the self-pipe tells us which
            }
            let now = Instant::now();
            self.world.rt.run_queue =
                events.iter().filter(|e| tokens::is_task(e.token())).count() as u32;
            for ev in events.iter() {
                self.on_event(ev, now);
            }
            self.run_timers(now);
            if self.end_turn(now) {
                return;
            }
        }
    }

    /// One readiness event, to whatever its token stands for.
    #[inline]
    fn on_event(&mut self, ev: &Event, now: Instant) {
        let (key, srv) = match tokens::decode(ev.token()) {
            Source::Signal => return self.on_signals(now),
            Source::Cli(n) => return self.on_cli_event(n, now),
            Source::Check(i) => return self.checks.on_event(&mut self.world.ctx(now), i),
            Source::Listener(li) => return self.accept(li, now),
            Source::Server(k) => (k, true),
            Source::Client(k) => (k, false),
            // keep-alive to servers: a connection id, owned by a session
            // or idle in a pool (src/idle_pool.rs)
            Source::Pool(id) => {
                let closing = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                match self.world.rt.idle.on_event(id, closing) {
                    crate::idle_pool::EventFor::Session(k) => (k, true),
                    crate::idle_pool::EventFor::Nobody => return,
                }
            }
        };
        let rd = Readiness {
            readable: ev.is_readable() || ev.is_read_closed() || ev.is_error(),
            writable: ev.is_writable() || ev.is_write_closed() || ev.is_error(),
            hup: ev.is_read_closed(),
            connected: ev.is_writable() && !ev.is_error() && !ev.is_write_closed(),
            error: ev.is_error(),
        };
        self.ctx_run(key, now, |s, c| s.on_event(c, srv, rd));
    }

    /// The stats socket's listener (0) or client `n`.
    fn on_cli_event(&mut self, n: usize, now: Instant) {
        let Some(c) = self.cli.as_mut() else { return };
        // `show sess` lists the sessions only when asked
        let (sessions, cfg) = (&self.sessions, self.world.rt.cfg);
        let list = || -> String {
            sessions
                .iter()
                .map(|(k, s)| s.summary(k, cfg, now))
                .collect()
        };
        c.on_event(&mut self.world.ctx(now), n, &list);
    }

    /// Expired session timers, then the checks', the stats socket's and
    /// the accept retry.
    fn run_timers(&mut self, now: Instant) {
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
        self.checks.on_timers(&mut self.world.ctx(now));
        if let Some(c) = self.cli.as_mut() {
            c.on_timers(&mut self.world.ctx(now));
        }
        if self.accept_retry.is_some_and(|t| t <= now) {
            self.accept_retry = None;
            self.accept_all(now);
        }
    }

    /// Runs the sessions woken during this turn, stops the proxies whose
    /// grace ended; true once a soft stop has nothing left to wait for.
    fn end_turn(&mut self, now: Instant) -> bool {
        let woken = std::mem::take(&mut self.world.wake);
        for k in woken {
            self.ctx_run(k, now, |s, c| s.run(c));
        }
        // connection ids closed during this turn are free again
        self.world.rt.idle.end_turn();
        self.maintain(now);
        self.world.stopping && self.stop_at.iter().all(|s| s.is_none()) && self.sessions.is_empty()
    }
}

//! What the loop does to whole proxies: 1.4's soft_stop() (SIGUSR1: stop
//! listening, let the sessions finish within each proxy's `grace`),
//! maintain_proxies() (stop the proxies whose grace ended) and
//! pause_proxies() / resume (SIGTTOU / SIGTTIN: listeners off and on).

use super::Engine;
use crate::log::msg;
use crate::tokens;
use mio::Interest;
use std::time::{Duration, Instant};

impl Engine {
    /// SIGUSR1: stop listening, let sessions finish, then exit.
    pub fn soft_stop(&mut self, now: Instant) {
        if self.world.stopping {
            return;
        }
        self.world.stopping = true;
        let cfg = self.world.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            if self.world.rt.px[i].stopped {
                continue;
            }
            let m = format!("Stopping {} {} in {} ms.", p.kind.word(), p.name, p.grace);
            msg::warning(&m);
            self.world.syslog.send(&p.logs, crate::log::WARNING, &m);
            self.stop_at[i] = Some(now + Duration::from_millis(p.grace));
        }
        self.maintain(now);
    }

    /// Stops the proxies whose grace period ended.
    pub(super) fn maintain(&mut self, now: Instant) {
        let cfg = self.world.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            let Some(t) = self.stop_at[i] else { continue };
            if t > now || self.world.rt.px[i].stopped {
                continue;
            }
            self.stop_at[i] = None;
            let m = format!(
                "Proxy {} stopped (FE: {} conns, BE: {} conns).",
                p.name, self.world.rt.px[i].fe.cum_sess, self.world.rt.px[i].be.cum_sess
            );
            msg::warning(&m);
            self.world.syslog.send(&p.logs, crate::log::WARNING, &m);
            // better than 1.4: take what already sits in the accept queue
            // before closing, so a reload loses no connection
            let mine: Vec<usize> = (0..self.listeners.len())
                .filter(|&li| self.listeners[li].px == i)
                .collect();
            for li in mine {
                self.accept(li, now);
            }
            self.world.rt.px[i].stopped = true;
            for l in self.listeners.iter_mut().filter(|l| l.px == i) {
                if let Some(mut s) = l.sock.take() {
                    if l.registered {
                        let _ = self.world.poll.registry().deregister(&mut s);
                    }
                    // dropped: the port is released for good
                }
                l.registered = false;
                l.closed = true;
            }
        }
        if let Some(c) = self.cli.as_mut() {
            if self.world.stopping {
                c.close(self.world.poll.registry());
            }
        }
    }

    /// SIGTTOU / SIGTTIN: pause or resume the listeners.
    pub fn pause(&mut self, pause: bool) {
        let cfg = self.world.rt.cfg;
        for (i, p) in cfg.proxies.iter().enumerate() {
            if self.world.rt.px[i].stopped
                || p.binds.is_empty()
                || self.world.rt.px[i].paused == pause
            {
                continue;
            }
            let m = if pause {
                format!("Pausing {} {}.", p.kind.word(), p.name)
            } else {
                format!("Enabling {} {}.", p.kind.word(), p.name)
            };
            self.world.rt.px[i].paused = pause;
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
                    let _ = self.world.poll.registry().deregister(sock);
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
                        .world
                        .poll
                        .registry()
                        .register(sock, tokens::listener(li), Interest::READABLE)
                        .is_ok();
                }
            }
            // said once the sockets really are paused or listening again
            msg::warning(&m);
            self.world.syslog.send(&p.logs, crate::log::WARNING, &m);
        }
        if !pause {
            self.accept_all(Instant::now());
        }
    }
}

//! Idle server connections shared between client sessions (`http-reuse`,
//! HAProxy 1.6's idea, an extension here). A server connection opened for
//! a keep-alive transaction is registered under a token of its own (a
//! connection id, `tokens::pool`), and this table says who owns it now:
//! a session (its events go to that session) or its server's idle list.
//! Handing a connection between a session and the list is then a change
//! in this table, with no system call. A server that closes or resets an
//! idle connection is noticed by that readiness and the connection is
//! dropped before anyone picks it. A config without keep-alive never gets
//! a connection id.

use crate::config::model::Config;
use mio::net::TcpStream;
use slab::Slab;
use std::time::{Duration, Instant};

/// One idle connection: its socket, how many requests it carried and
/// since when it waits.
struct IdleConn {
    stream: TcpStream,
    be: usize,
    si: usize,
    reqs: u32,
    since: Instant,
}

/// A connection id's owner.
enum Owner {
    /// the session with this key holds the socket
    Session(usize),
    /// parked in its server's idle list
    Idle(IdleConn),
    /// closed during this loop turn: the id is kept out of use until the
    /// turn ends, so that an event of the same poll batch about the old
    /// socket never reaches a new connection given the same id
    Closed,
}

/// Who an event on a connection id is for.
pub enum EventFor {
    Session(usize),
    /// an idle connection, dropped; or an id no longer in use
    Nobody,
}

/// Every server's idle list, and the owners of the connection ids.
#[derive(Default)]
pub struct IdlePools {
    conns: Slab<Owner>,
    /// per backend, per server: connection ids, the most recently parked
    /// last (taken first: its server surely still holds it)
    lists: Vec<Vec<Vec<usize>>>,
    /// some backend may reuse connections: the stats show the column
    pub in_use: bool,
    /// ids closed during this loop turn (`Owner::Closed`)
    closed: Vec<usize>,
    /// connections in the idle lists
    parked: usize,
}

impl IdlePools {
    pub fn new(cfg: &Config) -> IdlePools {
        let in_use = cfg.proxies.iter().any(|p| {
            p.http_reuse
                .is_some_and(|r| r != crate::config::model::HttpReuse::Never)
                || p.flags.http_keep_alive
        });
        IdlePools {
            conns: Slab::new(),
            lists: cfg
                .proxies
                .iter()
                .map(|p| vec![Vec::new(); p.servers.len()])
                .collect(),
            in_use,
            closed: Vec::new(),
            parked: 0,
        }
    }

    /// Marks `id` closed; it becomes free at the end of the loop turn.
    fn close(&mut self, id: usize) {
        if let Some(slot) = self.conns.get_mut(id) {
            *slot = Owner::Closed;
            self.closed.push(id);
        }
    }

    /// The loop turn is over: no event of its poll batch is left, the ids
    /// closed meanwhile are free again.
    pub fn end_turn(&mut self) {
        for id in self.closed.drain(..) {
            self.conns.try_remove(id);
        }
    }

    /// A connection id for a new server connection of session `key`.
    pub fn new_id(&mut self, key: usize) -> usize {
        self.conns.insert(Owner::Session(key))
    }

    /// The session's connection is closed: its id is free again.
    pub fn free_id(&mut self, id: usize) {
        if matches!(self.conns.get(id), Some(Owner::Session(_))) {
            self.close(id);
        }
    }

    /// Idle connections to server `si` of backend `be`.
    pub fn count(&self, be: usize, si: usize) -> usize {
        self.lists
            .get(be)
            .and_then(|v| v.get(si))
            .map_or(0, |l| l.len())
    }

    /// Parks connection `id` in the server's list unless `max`
    /// (pool-max-conn, -1 unlimited) is reached; the stream comes back
    /// when it was not kept (the caller closes it and frees the id).
    pub fn put(
        &mut self,
        id: usize,
        (be, si): (usize, usize),
        stream: TcpStream,
        reqs: u32,
        max: i32,
        now: Instant,
    ) -> Result<(), TcpStream> {
        let Some(list) = self.lists.get_mut(be).and_then(|v| v.get_mut(si)) else {
            return Err(stream);
        };
        if max == 0 || (max > 0 && list.len() >= max as usize) {
            return Err(stream);
        }
        let Some(slot) = self.conns.get_mut(id) else {
            return Err(stream);
        };
        *slot = Owner::Idle(IdleConn {
            stream,
            be,
            si,
            reqs,
            since: now,
        });
        list.push(id);
        self.parked += 1;
        Ok(())
    }

    /// The most recently parked connection to the server that carried at
    /// least `min_reqs` requests, now owned by session `key`: its stream,
    /// id and request count.
    pub fn take(
        &mut self,
        be: usize,
        si: usize,
        key: usize,
        min_reqs: u32,
    ) -> Option<(TcpStream, usize, u32)> {
        let list = self.lists.get_mut(be)?.get_mut(si)?;
        let conns = &self.conns;
        let pos = list
            .iter()
            .rposition(|&id| matches!(conns.get(id), Some(Owner::Idle(c)) if c.reqs >= min_reqs))?;
        let id = list.remove(pos);
        self.parked = self.parked.saturating_sub(1);
        let slot = self.conns.get_mut(id)?;
        match std::mem::replace(slot, Owner::Session(key)) {
            Owner::Idle(c) => Some((c.stream, id, c.reqs)),
            other => {
                // not idle after all: leave it as it was
                *slot = other;
                None
            }
        }
    }

    /// Readiness on connection `id`: for its session, or, when it is idle
    /// and `closing` (readable, hang-up or error: its server closed it,
    /// reset it or sent what no request asked for), it is closed; a mere
    /// writable edge on an idle connection means nothing.
    pub fn on_event(&mut self, id: usize, closing: bool) -> EventFor {
        match self.conns.get(id) {
            Some(Owner::Session(k)) => EventFor::Session(*k),
            Some(Owner::Idle(_)) if !closing => EventFor::Nobody,
            Some(Owner::Closed) => EventFor::Nobody,
            Some(Owner::Idle(c)) => {
                let (be, si) = (c.be, c.si);
                if let Some(l) = self.lists.get_mut(be).and_then(|v| v.get_mut(si)) {
                    l.retain(|&x| x != id);
                }
                self.parked = self.parked.saturating_sub(1);
                self.close(id);
                EventFor::Nobody
            }
            None => EventFor::Nobody,
        }
    }

    /// Whether some server connection waits in an idle list.
    pub fn any_parked(&self) -> bool {
        self.parked > 0
    }

    /// Closes the idle connections that waited longer than their backend's
    /// `timeout server` (a server that never closes them cannot hold them,
    /// and their fds, for ever); without that timeout they wait as a
    /// session would. Lists are in parking order, so only the expired
    /// front of each is visited.
    pub fn purge(&mut self, cfg: &Config, now: Instant) {
        for (be, servers) in self.lists.iter_mut().enumerate() {
            let limit = cfg.proxies.get(be).and_then(|p| p.timeouts.server);
            for list in servers.iter_mut() {
                let Some(ms) = limit else {
                    continue;
                };
                let expired = list
                    .iter()
                    .take_while(|&&id| {
                        matches!(self.conns.get(id), Some(Owner::Idle(c))
                            if now.saturating_duration_since(c.since) >= Duration::from_millis(ms))
                    })
                    .count();
                self.parked = self.parked.saturating_sub(expired);
                for id in list.drain(..expired) {
                    if let Some(slot) = self.conns.get_mut(id) {
                        *slot = Owner::Closed;
                        self.closed.push(id);
                    }
                }
            }
        }
    }

    /// Closes every idle connection of a server (it went down or into
    /// maintenance: what it held is not trusted any more).
    pub fn flush_server(&mut self, be: usize, si: usize) {
        let Some(l) = self.lists.get_mut(be).and_then(|v| v.get_mut(si)) else {
            return;
        };
        let ids = std::mem::take(l);
        self.parked = self.parked.saturating_sub(ids.len());
        for id in ids {
            self.close(id);
        }
    }

    /// `show sess` lines for the pooled connections (none without reuse).
    pub fn show_lines(&self, cfg: &Config) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for (id, c) in self.conns.iter() {
            let Owner::Idle(c) = c else { continue };
            let px = &cfg.proxies[c.be];
            let srv = px.servers.get(c.si).map_or("?", |s| s.name.as_str());
            let fd = std::os::unix::io::AsRawFd::as_raw_fd(&c.stream);
            let _ = writeln!(
                out,
                "0x{:08x}: idle server connection be={} srv={} reqs={} s1=[fd={}]",
                id, px.name, srv, c.reqs, fd
            );
        }
        out
    }

    /// The `show stat` CSV with the `idle_conn_cur` column that HAProxy 2.x
    /// names (idle connections per server, their sum on BACKEND rows),
    /// added at the end only when some proxy keeps server connections, so
    /// a 1.4 config's CSV is unchanged byte for byte.
    pub fn csv_with_idle(&self, cfg: &Config, csv: String) -> String {
        if !self.in_use {
            return csv;
        }
        let mut out = String::with_capacity(csv.len() + 64);
        for line in csv.lines() {
            out.push_str(line);
            if line.starts_with('#') {
                out.push_str("idle_conn_cur,");
            } else {
                let mut f = line.split(',');
                let (px, sv) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
                if let Some(n) = self.csv_value(cfg, px, sv) {
                    out.push_str(&n.to_string());
                }
                out.push(',');
            }
            out.push('\n');
        }
        out
    }

    fn csv_value(&self, cfg: &Config, px: &str, sv: &str) -> Option<usize> {
        let (bi, p) = cfg
            .proxies
            .iter()
            .enumerate()
            .find(|(_, p)| p.name == px && p.is_be())?;
        if sv == "BACKEND" {
            return Some((0..p.servers.len()).map(|si| self.count(bi, si)).sum());
        }
        let si = p.servers.iter().position(|s| s.name == sv)?;
        Some(self.count(bi, si))
    }
}

//! Idle server connections shared between client sessions (`http-reuse`,
//! HAProxy 1.6's idea, an extension here). When a transaction ends with a
//! server connection that can carry another request and its client session
//! does not keep it, the connection waits in its server's list here,
//! registered for readability under its own token: a server that closes or
//! resets it is noticed by that readiness and the connection is dropped
//! before anyone picks it. A config without keep-alive never puts anything
//! here.

use crate::config::model::Config;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use slab::Slab;

/// One idle connection: its socket and how many requests it carried.
struct IdleConn {
    stream: TcpStream,
    be: usize,
    si: usize,
    reqs: u32,
}

/// Every server's idle list, the connections themselves in one slab keyed
/// by their token number.
#[derive(Default)]
pub struct IdlePools {
    conns: Slab<IdleConn>,
    /// per backend, per server: slab keys, the most recently parked last
    /// (taken first: its server surely still holds it)
    lists: Vec<Vec<Vec<usize>>>,
    /// some backend may reuse connections: the stats show the column
    pub in_use: bool,
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
        }
    }

    /// Idle connections to server `si` of backend `be`.
    pub fn count(&self, be: usize, si: usize) -> usize {
        self.lists
            .get(be)
            .and_then(|v| v.get(si))
            .map_or(0, |l| l.len())
    }

    /// Parks `stream` in the server's list unless `max` (pool-max-conn,
    /// -1 unlimited) is reached; false when it was not kept (the caller
    /// closes it by dropping it).
    pub fn put(
        &mut self,
        registry: &Registry,
        be: usize,
        si: usize,
        mut stream: TcpStream,
        reqs: u32,
        max: i32,
    ) -> Result<(), TcpStream> {
        let Some(list) = self.lists.get(be).and_then(|v| v.get(si)) else {
            return Err(stream);
        };
        if max == 0 || (max > 0 && list.len() >= max as usize) {
            return Err(stream);
        }
        let entry = self.conns.vacant_entry();
        let id = entry.key();
        if registry
            .reregister(&mut stream, crate::tokens::pool(id), Interest::READABLE)
            .is_err()
        {
            return Err(stream);
        }
        entry.insert(IdleConn {
            stream,
            be,
            si,
            reqs,
        });
        if let Some(l) = self.lists.get_mut(be).and_then(|v| v.get_mut(si)) {
            l.push(id);
        }
        Ok(())
    }

    /// The most recently parked live connection to the server that carried
    /// at least `min_reqs` requests, registered again under `token`, with
    /// its request count. Connections found dead on the way are closed.
    pub fn take(
        &mut self,
        registry: &Registry,
        be: usize,
        si: usize,
        token: Token,
        min_reqs: u32,
    ) -> Option<(TcpStream, u32)> {
        loop {
            let list = self.lists.get_mut(be)?.get_mut(si)?;
            let pos = list
                .iter()
                .rposition(|&id| self.conns.get(id).is_some_and(|c| c.reqs >= min_reqs))?;
            let id = list.remove(pos);
            let mut c = self.conns.try_remove(id)?;
            // a FIN or reset not yet reported by the loop: not usable
            let fd = std::os::unix::io::AsRawFd::as_raw_fd(&c.stream);
            if !crate::sys::idle_alive(fd) {
                continue;
            }
            let both = Interest::READABLE | Interest::WRITABLE;
            if registry.reregister(&mut c.stream, token, both).is_ok() {
                return Some((c.stream, c.reqs));
            }
        }
    }

    /// Readiness on an idle connection: the server closed it, reset it or
    /// sent what no request asked for; it is closed.
    pub fn on_event(&mut self, id: usize) {
        if let Some(c) = self.conns.try_remove(id) {
            if let Some(l) = self.lists.get_mut(c.be).and_then(|v| v.get_mut(c.si)) {
                l.retain(|&x| x != id);
            }
        }
    }

    /// Closes every idle connection of a server (it went down or into
    /// maintenance: what it held is not trusted any more).
    pub fn flush_server(&mut self, be: usize, si: usize) {
        let Some(l) = self.lists.get_mut(be).and_then(|v| v.get_mut(si)) else {
            return;
        };
        for id in l.drain(..) {
            self.conns.try_remove(id);
        }
    }

    /// `show sess` lines for the pooled connections (none without reuse).
    pub fn show_lines(&self, cfg: &Config) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for (id, c) in self.conns.iter() {
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

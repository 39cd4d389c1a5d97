//! The signals the loop reads from its self-pipe, and SIGHUP's dump of
//! every proxy's and server's state (1.4's sig_dump_state()).

use super::Engine;
use crate::config::model::Kind;
use crate::log::msg;
use std::time::Instant;

impl Engine {
    /// SIGHUP: 1.4's sig_dump_state(), every proxy in turn: a notice that
    /// its dump starts (syslog only), a line per server, then one summary
    /// line whose wording depends on what servers it has.
    fn dump_states(&self) {
        let cfg = self.world.rt.cfg;
        msg::warning("SIGHUP received, dumping servers states.");
        for (i, p) in cfg.proxies.iter().enumerate() {
            if p.kind == Kind::Defaults {
                continue;
            }
            let head = format!(
                "SIGHUP received, dumping servers states for proxy {}.",
                p.name
            );
            self.world.syslog.send(&p.logs, crate::log::NOTICE, &head);
            for (si, s) in p.servers.iter().enumerate() {
                let st = &self.world.rt.srv[i][si];
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
                self.world.syslog.send(&p.logs, crate::log::NOTICE, &m);
            }
            let ps = &self.world.rt.px[i];
            let conn = format!(
                "Conn: act(FE+BE): {}+{}, {} pend ({} unass), tot(FE+BE): {}+{}.",
                ps.feconn,
                ps.beconn,
                self.world.rt.totpend(i),
                ps.queue.len(),
                ps.fe.cum_sess,
                ps.be.cum_sess
            );
            let (act, bck) = self.world.rt.srv_counts(i);
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
            self.world.syslog.send(&p.logs, crate::log::NOTICE, &m);
        }
    }

    pub(super) fn on_signals(&mut self, now: Instant) {
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
}

//! Builds the log record of a session from its timers and counters.

use super::{Ctx, Session};
use crate::log::format::{Caps, LogRecord};
use std::time::Instant;

fn since(a: Instant, b: Option<Instant>) -> i64 {
    match b {
        Some(b) => b.saturating_duration_since(a).as_millis() as i64,
        None => -1,
    }
}

fn caps(got: &Option<Vec<Option<Vec<u8>>>>, declared: usize) -> Caps<'_> {
    match got {
        Some(v) => Caps::Some(v),
        None if declared > 0 => Caps::Empty(declared),
        None => Caps::Off,
    }
}

impl Session {
    /// Tq, Tw, Tc and Tr: -1 for a step never reached, as 1.4.
    fn log_timers(&self) -> [i64; 4] {
        let tq = since(self.t_accept, self.txn.t_req);
        let tw = match (self.txn.t_req, self.txn.t_queue) {
            (Some(r), Some(q)) => q.saturating_duration_since(r).as_millis() as i64,
            // 1.4 subtracts an untimed request's -1
            (None, Some(q)) => q.saturating_duration_since(self.t_accept).as_millis() as i64 + 1,
            _ => -1,
        };
        let tc = match (self.txn.t_queue, self.txn.t_connect) {
            (Some(q), Some(c)) => c.saturating_duration_since(q).as_millis() as i64,
            _ => -1,
        };
        let tr = match (self.txn.t_connect, self.txn.t_rsp) {
            (Some(c), Some(r)) => r.saturating_duration_since(c).as_millis() as i64,
            _ => -1,
        };
        [tq, tw, tc, tr]
    }

    /// The termination state: why and where it ended, then (http) the
    /// persistence cookie's request and response flags.
    fn log_term(&self, be: &crate::config::model::Proxy) -> [u8; 4] {
        let with_cookie = be.cookie.as_ref().is_some_and(|c| c.has_options());
        let ck = |c: u8| {
            if !with_cookie {
                b'-'
            } else if c == 0 {
                b'N'
            } else {
                c
            }
        };
        let mut term = [
            self.term.cause.letter(),
            self.term.fin.letter(),
            ck(self.txn.cookie_in),
            ck(self.txn.cookie_out),
        ];
        if self.mode != crate::config::model::Mode::Http {
            term[2] = b'-';
            term[3] = b'-';
        }
        term
    }

    /// The record of this session (or transaction) for its log line.
    pub fn log_record<'a>(&'a self, ctx: &'a Ctx) -> LogRecord<'a> {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let server = if self.txn.stats {
            "<STATS>"
        } else {
            match self.srv_idx() {
                Some(si) if self.txn.t_queue.is_some() || self.txn.full_srv => {
                    be.servers[si].name.as_str()
                }
                _ => "<NOSRV>",
            }
        };
        let [tq, tw, tc, tr] = self.log_timers();
        let tt = ctx.now.saturating_duration_since(self.t_accept).as_millis() as i64;
        // 1.4: retries left > 0 ? configured - left : configured
        let retries = if self.srv.conn_retries > 0 {
            (be.retries as i32 - self.srv.conn_retries).max(0) as u32
        } else {
            be.retries
        };
        let term = self.log_term(be);
        let srv_conn = self
            .srv_idx()
            .map(|si| {
                ctx.rt.srv[self.be][si]
                    .cur_sess
                    .saturating_sub(ctx.rt.srv[self.be][si].granted)
            })
            .unwrap_or(0);
        LogRecord {
            client: Some(self.cli_addr),
            accept_secs: (self.accept_wall / 1000) as i64,
            accept_ms: (self.accept_wall % 1000) as u32,
            frontend: &fe.name,
            fe_tls: self.tls.is_some(),
            backend: &be.name,
            server,
            tq,
            tw,
            tc,
            tr,
            tt,
            // 1.4 drops LW_BYTES from a logasap frontend's to_log at
            // startup: every line of it carries the '+' marks
            logasap: fe.flags.logasap,
            status: if self.txn.status == 0 {
                -1
            } else {
                self.txn.status
            },
            bytes: if self.txn.logasap {
                self.txn.logasap_bytes as u64
            } else {
                self.bytes_out
            },
            req_cookie: self.txn.cap_cookie_req.as_deref(),
            rsp_cookie: self.txn.cap_cookie_rsp.as_deref(),
            term,
            actconn: ctx.rt.actconn,
            feconn: ctx.rt.px[self.fe].feconn,
            beconn: ctx.rt.px[self.be].beconn,
            srv_conn,
            retries,
            redispatched: self.txn.redispatched,
            srv_queue: self.txn.srv_queue_pos,
            bk_queue: self.txn.bk_queue_pos,
            req_caps: caps(&self.txn.req_caps, fe.req_captures.len()),
            rsp_caps: caps(&self.txn.rsp_caps, fe.rsp_captures.len()),
            request: self.txn.req_line.as_deref(),
        }
    }
}

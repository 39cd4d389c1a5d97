//! A session's accounting: its end (`finish`), the counters it feeds on
//! the frontend, backend, server and listener (aborts, statuses, bytes),
//! and the log line it sends.

use super::{connect, hrsp_slot, Cause, Ctx, Session};
use crate::config::model::{LogFormat, Mode};

impl Session {
    /// Final accounting and the log line, in 1.4's order.
    pub(super) fn finish(&mut self, ctx: &mut Ctx) {
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
            ctx.pools.buf.release(b);
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
        ctx.pools.buf.recycle_txn(&mut self.txn);
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
        if let Some(st) = self
            .srv_idx()
            .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
        {
            bump(&mut st.c);
        }
    }

    /// The response class of a finished transaction, counted on the
    /// frontend and (once a backend was assigned) the backend, whoever
    /// answered: server, error page, redirect or stats (1.4 counts at the
    /// end of the transaction). One that ended without a status counts as
    /// "other", except a kept-alive connection closed before a new request.
    pub(super) fn count_status(&self, ctx: &mut Ctx) {
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
        if let Some(si) = self.srv_idx() {
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
        let mut line = std::mem::take(&mut ctx.pools.log_line);
        line.clear();
        let rec = self.log_record(ctx);
        match (fmt, self.mode) {
            (LogFormat::Http, Mode::Http) => crate::log::format::http_line_into(&mut line, &rec),
            (LogFormat::HttpClf, Mode::Http) => crate::log::format::clf_line_into(&mut line, &rec),
            _ => crate::log::format::tcp_line_into(&mut line, &rec),
        };
        let error = self.term.cause != Cause::None
            || rec.status >= 500
            || rec.retries > 0
            || self.txn.redispatched;
        if !fe.flags.dontlog_normal || error {
            let level = if fe.flags.log_separate_errors && error {
                crate::log::ERR
            } else {
                crate::log::INFO
            };
            ctx.syslog.send(&fe.logs, level, &line);
        }
        ctx.pools.log_line = line;
    }
}

//! A session's timers: the next deadline it asks the loop for (its
//! phase's own, or each side's inactivity timeouts while data moves), and
//! what each expiry does, with 1.4's termination flags.

use super::{connect, ms, Cause, Ctx, Fin, Outcome, Session, St};
use crate::config::model::Mode;
use std::time::Instant;

impl Session {
    /// Where each side's read timeout counts from: any activity (1.4's
    /// default: sending also proves the peer alive) or, under `option
    /// independant-streams`, reads only.
    pub(super) fn read_bases(&self, ctx: &Ctx) -> (Instant, Instant) {
        let cfg = ctx.rt.cfg;
        let indep = cfg.proxies[self.fe].flags.independant_streams
            || cfg.proxies[self.be].flags.independant_streams;
        if indep {
            (self.cli.last_rd, self.srv.last_rd)
        } else {
            (self.cli.last, self.srv.last)
        }
    }

    pub(super) fn compute_expire(&self, ctx: &Ctx) -> Option<Instant> {
        let (cli_rd, srv_rd) = self.read_bases(ctx);
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let cli_to = ms(fe.timeouts.client);
        let srv_to = ms(be.timeouts.server);
        let mut exp: Option<Instant> = None;
        let mut arm = |t: Option<Instant>| {
            if let Some(t) = t {
                exp = Some(exp.map_or(t, |e| e.min(t)));
            }
        };
        match self.st {
            St::ReqHead { until }
            | St::Queued { until }
            | St::Connecting { until }
            | St::StatsPost { until }
            | St::Inspect { until } => arm(until),
            St::Turnaround { until } | St::Tarpit { until } => arm(Some(until)),
            St::Reply => {
                if !self.cli.tx.is_empty() {
                    arm(cli_to.map(|d| self.cli.last + d));
                } else {
                    arm(self.txn.reply_drain_until);
                }
            }
            St::Established => {
                let waiting_rsp =
                    self.mode == Mode::Http && !self.txn.tunnel && !self.txn.rsp_head_done;
                if !self.srv.eof
                    && (waiting_rsp
                        || self.txn.tunnel
                        || self.mode == Mode::Tcp
                        || self.txn.rsp_head_done)
                {
                    arm(srv_to.map(|d| srv_rd + d));
                }
                if !self.srv.tx.is_empty() {
                    arm(srv_to.map(|d| self.srv.last + d));
                }
                if !self.cli.tx.is_empty() {
                    arm(cli_to.map(|d| self.cli.last + d));
                }
                if !self.cli.eof && !waiting_rsp {
                    arm(cli_to.map(|d| cli_rd + d));
                }
            }
            _ => {}
        }
        exp
    }

    /// Called when the session's timer fires: a waiting phase whose
    /// deadline passed, or a side's inactivity while data moves.
    pub fn on_timeout(&mut self, ctx: &mut Ctx) -> Outcome {
        match self.st {
            St::Established | St::Reply => self.expire_sides(ctx),
            st if st.expired(ctx.now) => self.expire_phase(ctx),
            _ => {}
        }
        self.run(ctx)
    }

    /// A waiting phase reached its deadline: what each one does then.
    fn expire_phase(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        match self.st {
            St::ReqHead { .. } => {
                if self.ka_wait && self.cli.rx.is_empty() {
                    // idle keep-alive connections close silently
                    self.logged = true;
                    self.enter(St::Closed);
                } else {
                    self.txn.req_line = None;
                    self.http_error(ctx, 408, Cause::CliTimeout, Fin::Request);
                    ctx.rt.px[self.fe].inc_fe_req_ctr();
                    ctx.rt.px[self.fe].fe.failed_req += 1;
                    self.li_count(ctx, |c| c.failed_req += 1);
                }
            }
            St::Inspect { .. } => {
                self.inspect(ctx, true);
            }
            St::StatsPost { .. } => {
                self.http_error(ctx, 408, Cause::CliTimeout, Fin::Request);
            }
            St::Tarpit { .. } => {
                // 1.4 times the tarpit as a queue (Tw), the request untimed
                self.txn.t_queue = Some(now);
                let page = self.error_page(ctx, 500);
                self.reply(ctx, 500, &page, Cause::PrxCond, Fin::Tarpit);
            }
            St::Queued { .. } => {
                // 1.4 counts a queue timeout as a connection error
                if let Some(st) = self
                    .srv_idx()
                    .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
                {
                    st.c.failed_conns += 1;
                }
                ctx.rt.px[self.be].be.failed_conns += 1;
                connect::leave_queue(self, ctx);
                self.txn.t_queue = Some(now);
                if self.mode == Mode::Http {
                    self.http_error(ctx, 503, Cause::SrvTimeout, Fin::Queue);
                } else {
                    self.set_term(Cause::SrvTimeout, Fin::Queue);
                    self.close_now(ctx, false);
                }
            }
            St::Turnaround { .. } => {
                self.enter(St::Assign);
            }
            St::Connecting { .. } => {
                self.conn_err_async = false;
                self.connect_failed(ctx, Cause::SrvTimeout);
            }
            St::Assign | St::Established | St::Reply | St::Closed => {}
        }
    }

    /// While data moves, or a local reply drains: each side's timeout
    /// counts from its last activity; a side that has nothing left to read
    /// or write has no timer.
    fn expire_sides(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let cli_to = ms(fe.timeouts.client);
        let srv_to = ms(be.timeouts.server);
        // a side that has nothing left to read or write has no timer
        let (cli_rd, srv_rd) = self.read_bases(ctx);
        let srv_exp = srv_to.is_some_and(|d| {
            (!self.srv.eof && srv_rd + d <= now)
                || (!self.srv.tx.is_empty() && self.srv.last + d <= now)
        });
        let cli_exp = cli_to.is_some_and(|d| {
            (!self.cli.eof && cli_rd + d <= now)
                || (!self.cli.tx.is_empty() && self.cli.last + d <= now)
        });
        if self.st == St::Reply {
            if cli_exp || self.txn.reply_drain_until.is_some_and(|t| t <= now) {
                self.enter(St::Closed);
            }
        } else if srv_exp && self.mode == Mode::Http && !self.txn.tunnel && !self.txn.rsp_head_done
        {
            self.observe(ctx, crate::state::Hana::HttpReadTimeout);
            // 1.4 counts a response error on the backend and server
            if let Some(st) = self
                .srv_idx()
                .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
            {
                st.c.failed_resp += 1;
            }
            ctx.rt.px[self.be].be.failed_resp += 1;
            self.http_error(ctx, 504, Cause::SrvTimeout, Fin::Headers);
        } else if cli_exp {
            // both sides expiring at once: 1.4 looks at the
            // client's first
            self.set_term(Cause::CliTimeout, self.phase());
            let tunnel = self.mode == Mode::Tcp || self.txn.tunnel;
            if tunnel && self.cli.tx.is_empty() && !self.srv.eof {
                // only the client's way in timed out: 1.4 shuts it
                // (the server gets a FIN) while what the server
                // still sends reaches the client, under its own
                // timeout
                self.cli.eof = true;
            } else {
                self.close_now(ctx, false);
            }
        } else if srv_exp {
            self.set_term(Cause::SrvTimeout, self.phase());
            self.close_now(ctx, false);
        }
    }
}

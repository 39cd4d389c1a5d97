//! An HTTP transaction once connected: the request body onwards, the
//! response head awaited (rsp_process.rs analyses it), the response body
//! by its framing, and the end of the transaction (keep-alive or close).

use super::{Cause, Ctx, Fin, Session, St, Term};
use crate::config::model::HttpConnMode;
use crate::http::body::Framing;
use crate::http::head::Status;
use crate::state::Hana;
use std::ops::ControlFlow;
use std::time::Duration;

impl Session {
    pub(super) fn rsp_fail(&mut self, ctx: &mut Ctx, err: Cause, ev: Option<Hana>) {
        if let Some(ev) = ev {
            self.observe(ctx, ev);
        }
        ctx.rt.px[self.be].be.failed_resp += 1;
        if let Some(si) = self.srv_idx() {
            ctx.rt.srv[self.be][si].c.failed_resp += 1;
        }
        self.http_error(ctx, 502, err, Fin::Headers);
    }

    /// An HTTP transaction once connected: the request body goes on, the
    /// response head is awaited and analysed, then its body follows (or
    /// the rest is tunnelled). True on progress.
    pub(super) fn http_forward(&mut self, ctx: &mut Ctx) -> bool {
        let p = self.forward_req_body();
        if self.txn.req_body.as_ref().is_some_and(|b| b.error) {
            self.req_body_error(ctx);
            return true;
        }
        let req_open = self.txn.req_body.as_ref().is_some_and(|b| !b.done);
        if req_open && self.cli.eof && self.cli.rx.is_empty() {
            // 1.4: the client closed before the end of its request body;
            // nothing can complete the transaction, abort both ways
            let fin = if self.txn.rsp_head_done {
                Fin::Data
            } else {
                Fin::Headers
            };
            self.set_term(Cause::CliClose, fin);
            self.count_abort(ctx, true);
            // the server gets what was forwarded, then a FIN (a reset
            // when the client's side was reset)
            self.flush_to_srv_now();
            self.close_now(ctx, self.cli.err);
            return true;
        }
        let p = match self.wait_response(ctx, p) {
            ControlFlow::Continue(p) => p,
            ControlFlow::Break(ret) => return ret,
        };
        if self.st != St::Established {
            return true;
        }
        if self.txn.tunnel {
            self.track_tunnelled_length(ctx);
            if self.st != St::Established {
                return true;
            }
            // the rest passes as is: with the head, in the same write
            return self.tunnel(ctx) || p;
        }
        self.forward_rsp_body(ctx) || p
    }

    /// Parses and analyses the response head once it is whole, relaying
    /// any 100-continue (1.4's http_wait_for_response). Breaks with what
    /// `http_forward` returns when the session ended or the head is still
    /// partial; `p` is the progress so far.
    fn wait_response(&mut self, ctx: &mut Ctx, mut p: bool) -> ControlFlow<bool, bool> {
        let cfg = ctx.rt.cfg;
        let limit = cfg.global.bufsize - cfg.global.maxrewrite;
        while !self.txn.rsp_head_done && self.st == St::Established {
            let lax = cfg.proxies[self.be].flags.accept_invalid_rsp;
            let mut h = ctx.pools.buf.take_head();
            let status = h.parse_response(&self.srv.rx, limit, lax);
            if status != Status::Done {
                ctx.pools.buf.put_head(std::mem::take(&mut h));
            }
            match status {
                Status::Invalid => {
                    self.capture_error(ctx, true);
                    self.rsp_fail(ctx, Cause::PrxCond, Some(Hana::HttpHdrRsp));
                    return ControlFlow::Break(true);
                }
                Status::Partial => {
                    if (self.srv.eof || self.srv.err) && self.retry_reused(ctx) {
                        // a kept connection the server had closed (reuse.rs)
                        return ControlFlow::Break(true);
                    }
                    if self.srv.eof || self.srv.err {
                        // 1.4: a close before the end of a head that parsed
                        // cleanly so far is the server's doing
                        let ev = if self.srv.err {
                            Hana::HttpReadError
                        } else {
                            Hana::HttpBrokenPipe
                        };
                        self.rsp_fail(ctx, Cause::SrvClose, Some(ev));
                        return ControlFlow::Break(true);
                    }
                    if self.cli.err {
                        self.set_term(Cause::CliClose, Fin::Headers);
                        self.close_now(ctx, true);
                        return ControlFlow::Break(true);
                    }
                    return ControlFlow::Break(p);
                }
                Status::Done => {
                    p = true;
                    let st = h.status();
                    // the server's row counts every status line it sent,
                    // interim ones included (1.4)
                    if let Some(c) = self
                        .srv_idx()
                        .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
                    {
                        c.c.hrsp[h.status_slot()] += 1;
                    }
                    // 501 and 505 answer the client's request, not a sick server
                    self.observe(
                        ctx,
                        if st >= 100 && (st < 500 || st == 501 || st == 505) {
                            Hana::HttpOk
                        } else {
                            Hana::HttpSts
                        },
                    );
                    if st == 100 {
                        // 1.4 relays a 100-continue and waits for the real response
                        super::move_front(&mut self.srv.rx, &mut self.cli.tx, h.len);
                        ctx.pools.buf.put_head(h);
                        continue;
                    }
                    h.set_cap(super::request::rewrite_cap(cfg, h.len, self.srv.rx.len()));
                    self.srv.rx.drain(..h.len);
                    self.trace_head(ctx, "srvrep", "srvhdr", &h);
                    self.process_response(ctx, &mut h);
                    ctx.pools.buf.put_head(h);
                }
            }
        }
        ControlFlow::Continue(p)
    }

    /// The response body towards the client, by its framing, and the end
    /// of the transaction once both messages are complete (1.4's
    /// http_response_forward_body). True on progress.
    fn forward_rsp_body(&mut self, ctx: &mut Ctx) -> bool {
        let mut p = false;
        if !self.srv.rx.is_empty() {
            if let Some(b) = self.txn.rsp_body.as_mut() {
                let n = b.feed(&self.srv.rx);
                if n > 0 {
                    super::move_front(&mut self.srv.rx, &mut self.cli.tx, n);
                    p = true;
                }
            }
        }
        if self.txn.rsp_body.as_ref().is_some_and(|b| b.error) {
            // 1.4: a bad chunk in a response body; no message, the
            // client already has the head
            ctx.rt.px[self.be].be.failed_resp += 1;
            if let Some(si) = self.srv_idx() {
                ctx.rt.srv[self.be][si].c.failed_resp += 1;
            }
            self.observe(ctx, Hana::HttpHdrRsp);
            self.close_after_flush(ctx, Cause::PrxCond, Fin::Data);
            return true;
        }
        let rsp_done = match &self.txn.rsp_body {
            Some(b) => {
                b.done || (b.framing == Framing::Close && self.srv.eof && self.srv.rx.is_empty())
            }
            None => false,
        };
        let req_done = self.txn.req_body.as_ref().is_some_and(|b| b.done);
        if rsp_done && (req_done || self.txn.mode == HttpConnMode::ForceClose) {
            self.end_txn(ctx);
            return true;
        }
        if self.srv.eof && !rsp_done && self.srv.rx.is_empty() && self.cli.tx.is_empty() {
            // server closed in the middle of the body
            self.set_term(Cause::SrvClose, Fin::Data);
            self.count_abort(ctx, false);
            self.close_now(ctx, false);
            return true;
        }
        if self.cli.err {
            self.set_term(Cause::CliClose, Fin::Data);
            self.count_abort(ctx, true);
            self.close_now(ctx, true);
            return true;
        }
        p
    }

    /// At the end of a response, the server is reset, unless that end was
    /// its close (a close-delimited body): then it gets our FIN (1.4).
    fn reset_done_server(&self) -> bool {
        !self
            .txn
            .rsp_body
            .as_ref()
            .is_some_and(|b| b.framing == Framing::Close)
    }

    /// Through an httpclose tunnel, 1.4 still follows a response whose
    /// Content-Length it knows, so a server closing before its end is an
    /// abort (SD) rather than a clean end.
    pub(super) fn track_tunnelled_length(&mut self, ctx: &mut Ctx) {
        let Some(b) = self.txn.rsp_body.as_mut() else {
            return;
        };
        if !matches!(b.framing, Framing::Length(_) | Framing::Chunked) || b.done {
            return;
        }
        let n = b.feed(&self.srv.rx);
        if b.error {
            // a bad chunk: what came before it leaves, then the close (PD)
            self.srv.rx.truncate(n);
            ctx.rt.px[self.be].be.failed_resp += 1;
            if let Some(si) = self.srv_idx() {
                ctx.rt.srv[self.be][si].c.failed_resp += 1;
            }
            self.observe(ctx, Hana::HttpHdrRsp);
            crate::session::move_all(&mut self.srv.rx, &mut self.cli.tx);
            self.close_after_flush(ctx, Cause::PrxCond, Fin::Data);
            return;
        }
        if !b.done && self.srv.eof && self.term.cause == Cause::None {
            self.set_term(Cause::SrvClose, Fin::Data);
            self.count_abort(ctx, false);
        }
    }

    /// Both messages are complete: close the server side (with an RST as
    /// 1.4 does), log, and either wait for the next request or close.
    fn end_txn(&mut self, ctx: &mut Ctx) {
        // a client that half-closed after its request still has its
        // transaction ended (and logged) this way; its close is then seen
        // as a silent end between requests (1.4). A soft stop does not
        // close a connection whose response promised keep-alive: the
        // client may already be sending its next request, which is served
        // with "Connection: close" (1.4 decides that per request)
        let ka = matches!(
            self.txn.mode,
            HttpConnMode::ServerClose | HttpConnMode::KeepAlive
        );
        if ka && self.txn.cli_keepalive {
            self.count_status(ctx);
            if self.be_assigned {
                self.be_assigned = false;
                let p = &mut ctx.rt.px[self.be];
                p.beconn = p.beconn.saturating_sub(1);
            }
            self.process_counters(ctx);
            if !self.logged {
                self.log(ctx);
            }
            // keep-alive to the server: its connection stays (reuse.rs)
            if !self.park_server(ctx) {
                if self.srv.sock.is_some() {
                    self.trace_event(ctx, "srvcls");
                }
                self.release_server(ctx, self.reset_done_server());
            }
            // the next request on this connection
            self.logged = false;
            ctx.pools.buf.recycle_txn(&mut self.txn);
            self.be = self.fe;
            self.set_srv_idx(None);
            self.term = Term::NONE;
            self.t_accept = ctx.now;
            self.accept_wall = super::wall_ms();
            self.bytes_out = 0;
            self.counted_out = 0;
            self.req_total = 0;
            self.ka_wait = true;
            self.not_first = true;
            self.srv.rx.clear();
            self.srv.tx.clear();
            self.srv.eof = false;
            self.srv.hup = false;
            self.srv.err = false;
            self.srv.shut = false;
            let cfg = ctx.rt.cfg;
            let fe = &cfg.proxies[self.fe];
            let t = fe
                .timeouts
                .http_keep_alive
                .or(fe.timeouts.http_request)
                .or(fe.timeouts.client);
            self.enter(St::ReqHead {
                until: t.map(|t| ctx.now + Duration::from_millis(t)),
            });
            if !self.cli.rx.is_empty() {
                self.req_total = self.cli.rx.len() as u64;
            }
            return;
        }
        // close both sides once the response has left; a server
        // connection that can serve again may join its server's idle list
        if !self.pool_server(ctx) {
            self.release_server(ctx, self.reset_done_server());
        }
        self.enter(St::Reply);
    }
}

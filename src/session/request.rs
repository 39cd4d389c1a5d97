//! HTTP request analysis: waiting for the head and parsing it (1.4's
//! http_wait_for_request), the captures and transfer length, the rules of
//! the frontend then the backend (req_rules.rs) with backend switching and
//! persistence rules between them, then req_prepare.rs; and the request
//! body towards the server.

use super::req_rules::Verdict;
use super::sample::ReqSample;
use super::{Cause, Ctx, Fin, Session, St};
use crate::acl::cond_match;
use crate::config::model::Capture;
use crate::http::body::{request_framing, Body, Framing};
use crate::http::cookie;
use crate::http::head::{Head, Status};
use std::time::Duration;

impl Session {
    /// The deadline of a request head. `timeout http-request` counts from
    /// the start of the request and bytes do not push it back; `timeout
    /// client` is an inactivity timeout, pushed back by every byte read (a
    /// slow head is 1.4's `timeout http-request` business). Between two
    /// keep-alive requests, `timeout http-keep-alive` (or what stands in
    /// for it) counts from the end of the last one.
    fn arm_request_deadline(&mut self, ctx: &Ctx) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let ms = |t: u64| Duration::from_millis(t);
        let until = if self.ka_wait && self.cli.rx.is_empty() {
            fe.timeouts
                .http_keep_alive
                .or(fe.timeouts.http_request)
                .or(fe.timeouts.client)
                .map(|t| self.t_accept + ms(t))
        } else {
            let whole = fe.timeouts.http_request.map(|t| self.t_accept + ms(t));
            let idle = fe.timeouts.client.map(|t| self.cli.last_rd + ms(t));
            match (whole, idle) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        self.enter(St::ReqHead { until });
    }

    pub(super) fn wait_request(&mut self, ctx: &mut Ctx) -> bool {
        let cfg = ctx.rt.cfg;
        let limit = cfg.global.bufsize - cfg.global.maxrewrite;
        if self.ka_wait
            && !self.cli.rx.is_empty()
            && self.txn.req_line.is_none()
            && self.txn.t_req.is_none()
        {
            // the next request of a kept-alive connection starts now
            self.enter(St::ReqHead { until: None });
        }
        let lax = ctx.rt.cfg.proxies[self.fe].flags.accept_invalid_req;
        let mut head = ctx.pools.buf.take_head();
        let status = head.parse_request(&self.cli.rx, limit, lax);
        if status != Status::Done {
            ctx.pools.buf.put_head(head);
            head = Head::default();
        }
        match status {
            Status::Partial => {
                if self.cli.eof || self.cli.err {
                    if self.ka_wait && self.cli.rx.is_empty() {
                        self.logged = true;
                        self.enter(St::Closed);
                        return true;
                    }
                    // 1.4 counts the request, and no abort, on this exit
                    ctx.rt.px[self.fe].inc_fe_req_ctr();
                    ctx.rt.px[self.fe].fe.failed_req += 1;
                    self.li_count(ctx, |c| c.failed_req += 1);
                    self.http_error(ctx, 400, Cause::CliClose, Fin::Request);
                    return true;
                }
                if !self.cli.rx.is_empty() && ctx.rt.cfg.proxies[self.fe].smart_accept() {
                    // part of a head: the client waits on our ACK to send
                    // the rest, so it must not be delayed (as 1.4 does)
                    crate::sys::set_quickack(std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock));
                }
                self.arm_request_deadline(ctx);
                false
            }
            Status::Invalid => {
                self.capture_error(ctx, false);
                ctx.rt.px[self.fe].inc_fe_req_ctr();
                ctx.rt.px[self.fe].fe.failed_req += 1;
                self.li_count(ctx, |c| c.failed_req += 1);
                self.http_error(ctx, 400, Cause::PrxCond, Fin::Request);
                true
            }
            Status::Done => {
                self.txn.t_req = Some(ctx.now);
                // the request line as received, for the log (its
                // allocation is kept from request to request)
                let start = self
                    .cli
                    .rx
                    .iter()
                    .position(|&c| c != b'\r' && c != b'\n')
                    .unwrap_or(0);
                let rest = &self.cli.rx[start..];
                let e = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                let l = &rest[..e];
                let mut line = ctx.pools.buf.take_line();
                line.extend_from_slice(l.strip_suffix(b"\r").unwrap_or(l));
                self.txn.req_line = Some(line);
                head.set_cap(rewrite_cap(cfg, head.len, self.cli.rx.len()));
                self.cli.rx.drain(..head.len);
                self.enter(St::ReqHead { until: None });
                self.ka_wait = false;
                ctx.rt.px[self.fe].inc_fe_req_ctr();
                self.trace_head(ctx, "clireq", "clihdr", &head);
                self.process_request(ctx, head);
                true
            }
        }
    }

    /// A parsed head: monitor-uri, captures, the transfer length, the
    /// frontend's rules, the backend, its rules, then `prepare_request`.
    fn process_request(&mut self, ctx: &mut Ctx, mut h: Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        self.txn.req_11 = h.is_11(true);
        self.txn.use_px_conn =
            ctx.rt.cfg.proxies[self.fe].flags.http_use_proxy_header && !h.uri().starts_with(b"/");
        self.txn.head_req = h.method() == b"HEAD";
        if let Some(m) = &fe.monitor_uri {
            if h.uri() == m.as_bytes() {
                let fail = fe.monitor_fail.iter().any(|c| self.eval(ctx, fe, &h, c));
                let page = if fail {
                    self.error_page(ctx, 503)
                } else {
                    self.error_page(ctx, 200)
                };
                self.reply(
                    ctx,
                    if fail { 503 } else { 200 },
                    &page,
                    Cause::None,
                    Fin::None,
                );
                self.logged = true;
                return;
            }
        }
        self.capture_req_headers(ctx, &h);
        // the transfer length, before any rule (as 1.4)
        match request_framing(&h, self.txn.req_11) {
            Ok(f) => {
                if f == Framing::Chunked {
                    // chunks frame the body: no Content-Length may reach a
                    // server that could read it otherwise
                    h.remove("Content-Length");
                }
                self.txn.req_body = Some(Body::new(f));
            }
            Err(_) => {
                // 1.4 refuses it before the request is timed (Tq -1)
                self.txn.t_req = None;
                ctx.rt.px[self.fe].fe.failed_req += 1;
                self.li_count(ctx, |c| c.failed_req += 1);
                self.http_error(ctx, 400, Cause::PrxCond, Fin::Request);
                return;
            }
        }
        if let Verdict::Done = self.proxy_rules(ctx, self.fe, &mut h) {
            return;
        }
        if !self.switch_backend(ctx, Some(&h)) {
            self.mark_be(ctx);
            // no backend: 1.4 never runs a backend's request analysis, which
            // is where it times the request (Tq -1)
            self.txn.t_req = None;
            self.http_error(ctx, 503, Cause::SrvClose, Fin::Connect);
            return;
        }
        self.mark_be(ctx);
        self.persist_rules(ctx, Some(&h));
        if self.be != self.fe {
            if let Verdict::Done = self.proxy_rules(ctx, self.be, &mut h) {
                return;
            }
        }
        self.prepare_request(ctx, h);
    }

    /// `capture request header` and `capture cookie`'s Cookie.
    fn capture_req_headers(&mut self, ctx: &Ctx, h: &Head) {
        let fe = &ctx.rt.cfg.proxies[self.fe];
        if !fe.req_captures.is_empty() {
            self.txn.req_caps = Some(capture_headers(&fe.req_captures, h));
        }
        if let Some(c) = &fe.capture_cookie {
            self.txn.cap_cookie_req = cookie::capture(h, "Cookie", &c.name, c.len);
        }
    }

    /// `use_backend` / `default_backend`: the first matching rule, else the
    /// default, picks the backend (once per transaction; tcp mode has no
    /// head, so only its layer-4 and payload criteria can match). False
    /// when a pure frontend found no backend at all.
    pub(super) fn switch_backend(&mut self, ctx: &Ctx, h: Option<&Head>) -> bool {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        if self.be != self.fe || !fe.is_fe() {
            return true;
        }
        let s = ReqSample {
            s: self,
            h,
            rsp: None,
            ctx,
            px: self.fe,
            partial: false,
        };
        // the first matching rule, runs of exact-match rules by one lookup
        let rules = &fe.switching_rules;
        let hit = if fe.switch_plan.covers(rules.len()) {
            let eval = |n: usize| {
                rules
                    .get(n)
                    .is_some_and(|r| cond_match(&r.cond, &fe.acls, &s))
            };
            fe.switch_plan.first(&s, eval)
        } else {
            rules.iter().position(|r| cond_match(&r.cond, &fe.acls, &s))
        };
        let target = hit
            .and_then(|n| rules.get(n))
            .map(|r| r.be_idx)
            .or(fe.default_be_idx);
        match target {
            Some(b) => {
                self.be = b;
                true
            }
            None => fe.is_be(),
        }
    }

    /// Once the backend is known: its first matching `force-persist` or
    /// `ignore-persist` rule marks the transaction (1.4 does this right
    /// after the switching rules, in tcp and http mode).
    pub(super) fn persist_rules(&mut self, ctx: &Ctx, h: Option<&Head>) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        if be.persist_rules.is_empty() {
            return;
        }
        let s = ReqSample {
            s: self,
            h,
            rsp: None,
            ctx,
            px: self.be,
            partial: false,
        };
        let hit = be
            .persist_rules
            .iter()
            .find(|(_, c)| cond_match(c, &be.acls, &s))
            .map(|(force, _)| *force);
        match hit {
            Some(true) => self.txn.force_persist = true,
            Some(false) => self.txn.ignore_persist = true,
            None => {}
        }
    }

    pub(super) fn mark_be(&mut self, ctx: &mut Ctx) {
        if !self.be_assigned {
            self.be_assigned = true;
            let p = &mut ctx.rt.px[self.be];
            p.beconn += 1;
            p.inc_be_ctr();
            p.be.max_sess = p.be.max_sess.max(p.beconn);
            self.srv.conn_retries = ctx.rt.cfg.proxies[self.be].retries as i32;
        }
    }

    /// A request body framed otherwise than 1.4 accepts: counted as a bad
    /// request and closed both ways without a message (1.4 sends none once
    /// the head has been accepted; the log keeps status -1 unless the
    /// server already answered).
    pub(super) fn req_body_error(&mut self, ctx: &mut Ctx) {
        ctx.rt.px[self.fe].fe.failed_req += 1;
        self.li_count(ctx, |c| c.failed_req += 1);
        let fin = if self.txn.rsp_head_done {
            Fin::Data
        } else {
            Fin::Headers
        };
        self.set_term(Cause::PrxCond, fin);
        self.close_now(ctx, true);
    }

    /// Request body towards the server, by the message's framing.
    pub(super) fn forward_req_body(&mut self) -> bool {
        if self.cli.rx.is_empty() {
            return false;
        }
        let Some(b) = self.txn.req_body.as_mut() else {
            return false;
        };
        let n = b.feed(&self.cli.rx);
        if n == 0 {
            return false;
        }
        super::move_front(&mut self.cli.rx, &mut self.srv.tx, n);
        true
    }
}

/// Most bytes a parsed head may take on the wire once rewritten: what its
/// buffer leaves, as in 1.4, where a head is read into at most bufsize -
/// maxrewrite bytes. We may have read further ahead (bodies, pipelined
/// requests), which is not held against the head: 1.4 would not have read
/// it yet.
pub(super) fn rewrite_cap(cfg: &crate::config::model::Config, head: usize, held: usize) -> usize {
    let limit = cfg.global.bufsize.saturating_sub(cfg.global.maxrewrite);
    let rest = held.saturating_sub(head).min(limit.saturating_sub(head));
    cfg.global.bufsize.saturating_sub(rest).max(1)
}

/// `capture request header` / `capture response header`: for each
/// capture, the value of the named header cut to its length (1.4
/// overwrites the capture at each occurrence, so the last one counts).
pub(super) fn capture_headers(caps: &[Capture], h: &Head) -> Vec<Option<Vec<u8>>> {
    caps.iter()
        .map(|c| {
            h.hdrs()
                .filter(|x| x.is(&c.name))
                .last()
                .map(|x| x.value()[..x.value().len().min(c.len)].to_vec())
        })
        .collect()
}

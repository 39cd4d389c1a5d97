//! HTTP response analysis and the end of a transaction.

use super::sample::ReqSample;
use super::{Cause, Ctx, Fin, Session, St, Term};
use crate::acl::opt_cond_match;
use crate::config::model::{CookieMode, HdrAction, HttpConnMode};
use crate::http::body::{response_framing, BadFraming, Body, Framing};
use crate::http::cookie;
use crate::http::head::{Head, Status};
use crate::http::rewrite::{regex_replace, want_connection_in};
use crate::state::Hana;
use std::time::Duration;

fn cacheable(status: i32, h: &Head) -> bool {
    if !matches!(status, 200 | 203 | 206 | 300 | 301 | 410) {
        return false;
    }
    for v in h.values("Cache-Control") {
        let l = v.to_ascii_lowercase();
        if l.starts_with(b"private")
            || l.starts_with(b"no-cache")
            || l.starts_with(b"no-store")
            || l == b"max-age=0"
        {
            return false;
        }
    }
    !h.values("Pragma")
        .iter()
        .any(|v| v.eq_ignore_ascii_case(b"no-cache"))
}

/// What the response rules of one proxy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RspVerdict {
    Pass,
    /// `rspdeny` of this proxy
    Denied(usize),
    /// an `rspadd` found no room left in the buffer
    NoRoom,
}

impl Session {
    fn rsp_fail(&mut self, ctx: &mut Ctx, err: Cause, ev: Option<Hana>) {
        if let Some(ev) = ev {
            self.observe(ctx, ev);
        }
        ctx.rt.px[self.be].be.failed_resp += 1;
        if let Some(si) = self.srv_idx {
            ctx.rt.srv[self.be][si].c.failed_resp += 1;
        }
        self.http_error(ctx, 502, err, Fin::Headers);
    }

    pub(super) fn http_forward(&mut self, ctx: &mut Ctx) -> bool {
        let mut p = self.forward_req_body();
        if self.txn.req_body.as_ref().is_some_and(|b| b.error) {
            self.req_body_error(ctx);
            return true;
        }
        let req_open = self.txn.req_body.as_ref().is_some_and(|b| !b.done);
        if req_open && self.cli.eof && self.cli.rx.is_empty() {
            // 1.4: the client closed before the end of its request body;
            // nothing can complete the transaction, abort both ways
            let fin = if self.txn.rsp_head_done { Fin::Data } else { Fin::Headers };
            self.set_term(Cause::CliClose, fin);
            self.count_abort(ctx, true);
            // the server gets what was forwarded, then a FIN (a reset
            // when the client's side was reset)
            self.flush_to_srv_now();
            self.close_now(ctx, self.cli.err);
            return true;
        }
        let cfg = ctx.rt.cfg;
        let limit = cfg.global.bufsize - cfg.global.maxrewrite;
        while !self.txn.rsp_head_done && self.st == St::Established {
            let lax = cfg.proxies[self.be].flags.accept_invalid_rsp;
            let mut h = ctx.rt.pool.take_head();
            let status = h.parse_response(&self.srv.rx, limit, lax);
            if status != Status::Done {
                ctx.rt.pool.put_head(std::mem::take(&mut h));
            }
            match status {
                Status::Invalid => {
                    self.capture_error(ctx, true);
                    self.rsp_fail(ctx, Cause::PrxCond, Some(Hana::HttpHdrRsp));
                    return true;
                }
                Status::Partial => {
                    if (self.srv.eof || self.srv.err) && self.retry_reused(ctx) {
                        // a kept connection the server had closed (reuse.rs)
                        return true;
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
                        return true;
                    }
                    if self.cli.err {
                        self.set_term(Cause::CliClose, Fin::Headers);
                        self.close_now(ctx, true);
                        return true;
                    }
                    return p;
                }
                Status::Done => {
                    p = true;
                    let st = h.status();
                    // the server's row counts every status line it sent,
                    // interim ones included (1.4)
                    if let Some(c) = self.srv_idx.and_then(|si| ctx.rt.srv[self.be].get_mut(si)) {
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
                        ctx.rt.pool.put_head(h);
                        continue;
                    }
                    h.set_cap(super::request::rewrite_cap(cfg, h.len, self.srv.rx.len()));
                    self.srv.rx.drain(..h.len);
                    self.trace_head(ctx, "srvrep", "srvhdr", &h);
                    self.process_response(ctx, &mut h);
                    ctx.rt.pool.put_head(h);
                }
            }
        }
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
        // response body
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
            if let Some(si) = self.srv_idx {
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

    /// Through an httpclose tunnel, 1.4 still follows a response whose
    /// Content-Length it knows, so a server closing before its end is an
    /// abort (SD) rather than a clean end.
    /// At the end of a response, the server is reset, unless that end was
    /// its close (a close-delimited body): then it gets our FIN (1.4).
    fn reset_done_server(&self) -> bool {
        !self
            .txn
            .rsp_body
            .as_ref()
            .is_some_and(|b| b.framing == Framing::Close)
    }

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
            if let Some(si) = self.srv_idx {
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

    fn rsp_rules(&mut self, ctx: &mut Ctx, pxi: usize, h: &mut Head) -> RspVerdict {
        let cfg = ctx.rt.cfg;
        let px = &cfg.proxies[pxi];
        for e in &px.rsp_exps {
            let ok = {
                let req = self.txn.req.as_ref();
                let s = ReqSample {
                    s: self,
                    h: req,
                    rsp: Some(h),
                    ctx,
                    px: px.idx,
                    partial: false,
                };
                opt_cond_match(&e.cond, &px.acls, &s)
            };
            if !ok {
                continue;
            }
            let mut i = 0;
            // line 0 is the status line, line i the header i-1
            while i <= h.hdr_count() {
                let line = if i == 0 { h.start() } else { h.hdr(i - 1).line };
                if e.re.is_match(line) {
                    match &e.action {
                        HdrAction::Replace(r) => {
                            if let Some(n) = regex_replace(&e.re, line, r) {
                                // 1.4 skips a replacement the buffer has no room for
                                if i == 0 {
                                    h.set_start(&n);
                                } else {
                                    h.set_hdr(i - 1, &n);
                                }
                            }
                        }
                        HdrAction::Delete if i > 0 => {
                            h.remove_hdr(i - 1);
                            continue;
                        }
                        HdrAction::Deny => return RspVerdict::Denied(pxi),
                        _ => {}
                    }
                }
                i += 1;
            }
        }
        let status = h.status();
        for a in &px.rsp_adds {
            if (100..200).contains(&status) {
                break;
            }
            let ok = {
                let req = self.txn.req.as_ref();
                let s = ReqSample {
                    s: self,
                    h: req,
                    rsp: Some(h),
                    ctx,
                    px: px.idx,
                    partial: false,
                };
                opt_cond_match(&a.cond, &px.acls, &s)
            };
            if ok && !h.add(&a.line) {
                // 1.4: no room left in the buffer, a bad response
                return RspVerdict::NoRoom;
            }
        }
        RspVerdict::Pass
    }

    /// A response refused by `rspdeny` or `option checkcache`, as 1.4
    /// counts it: a security failure on the server, a denied response on
    /// the proxy whose rule refused it (both of its stats rows) and its
    /// listener; then 502, with no server timer (Tr -1).
    fn rsp_denied(&mut self, ctx: &mut Ctx, pxi: usize) {
        if let Some(st) = self.srv_idx.and_then(|si| ctx.rt.srv[self.be].get_mut(si)) {
            st.c.denied_rsp += 1;
        }
        let p = &mut ctx.rt.px[pxi];
        p.fe.denied_rsp += 1;
        p.be.denied_rsp += 1;
        self.li_count(ctx, |c| c.denied_resp += 1);
        self.txn.t_rsp = None;
        self.http_error(ctx, 502, Cause::PrxCond, Fin::Headers);
    }

    fn process_response(&mut self, ctx: &mut Ctx, h: &mut Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        self.txn.t_rsp = Some(ctx.now);
        let status = h.status();
        self.txn.status = status;
        if !fe.rsp_captures.is_empty() {
            self.txn.rsp_caps = Some(
                fe.rsp_captures
                    .iter()
                    .map(|c| {
                        // 1.4 overwrites the capture at each occurrence
                        h.hdrs()
                            .filter(|x| x.is(&c.name))
                            .last()
                            .map(|x| x.value()[..x.value().len().min(c.len)].to_vec())
                    })
                    .collect(),
            );
        }
        if let Some(c) = &fe.capture_cookie {
            self.txn.cap_cookie_rsp = cookie::capture(h, "Set-Cookie", &c.name, c.len);
        }
        let framing = match response_framing(h, self.txn.head_req, h.is_11(false)) {
            Ok(f) => f,
            Err(BadFraming) => {
                // refused before the response is timed (Tr -1), as 1.4
                self.txn.t_rsp = None;
                self.rsp_fail(ctx, Cause::PrxCond, Some(Hana::HttpHdrRsp));
                return;
            }
        };
        if framing == Framing::Chunked {
            // the chunks frame it: a Content-Length beside them must not
            // reach a client that could read it otherwise
            h.remove("Content-Length");
        }
        let mut verdict = self.rsp_rules(ctx, self.be, h);
        if verdict == RspVerdict::Pass && self.fe != self.be {
            verdict = self.rsp_rules(ctx, self.fe, h);
        }
        match verdict {
            RspVerdict::Pass => {}
            RspVerdict::Denied(pxi) => return self.rsp_denied(ctx, pxi),
            RspVerdict::NoRoom => {
                self.txn.t_rsp = None;
                self.rsp_fail(ctx, Cause::PrxCond, Some(Hana::HttpRsp));
                return;
            }
        }
        if status < 200 {
            // 1.4 skips the cookie, cache and connection processing of
            // every status below 200: interim responses (no body), and
            // codes under 100 that still carry one framed as usual; 101
            // switches the session to a tunnel
            if framing == Framing::Close {
                self.txn.cli_keepalive = false;
            }
            ctx.rt.pool.fill(&mut self.cli.tx);
            h.write_to(&mut self.cli.tx);
            self.txn.rsp_head_done = true;
            self.txn.rsp_body = Some(Body::new(framing));
            // httpclose and forceclose stay tunnels whatever the status
            if status == 101 || matches!(self.txn.mode, HttpConnMode::Tunnel | HttpConnMode::Close)
            {
                self.txn.tunnel = true;
            }
            return;
        }
        let is_cacheable = cacheable(status, h);
        if let Some(si) = self.srv_idx {
            self.appsession_learn(ctx, h, si);
        }
        // option checkcache: never let a cacheable response carry a cookie
        let get_req = self.txn.req.as_ref().is_some_and(|r| r.method() == b"GET");
        if be.flags.checkcache && is_cacheable && get_req && h.get("Set-Cookie").is_some() {
            let srv = self
                .srv_idx
                .map(|si| be.servers[si].name.as_str())
                .unwrap_or("");
            let m = format!(
                "Blocking cacheable cookie in response from instance {}, server {}.",
                be.name, srv
            );
            crate::log::msg::alert(&m);
            ctx.syslog.send(&be.logs, crate::log::ALERT, &m);
            return self.rsp_denied(ctx, self.be);
        }
        // `ignore-persist`: the server's cookie is neither read nor set (1.4)
        if let (Some(ck), Some(si), false) = (&be.cookie, self.srv_idx, self.txn.ignore_persist) {
            let srv_ck = be.servers[si].cookie.as_deref();
            let id = srv_ck.unwrap_or("");
            let mode = ck.mode;
            let direct =
                matches!(self.txn.cookie_in, b'V' | b'D') && self.txn.persist_srv == Some(si);
            // 1.4: a preserved cookie is left alone; otherwise it is
            // deleted in insert mode (another one is inserted) and on a
            // direct access with `indirect`; else rewritten or prefixed
            // with the server's cookie, when the server has one
            let delete = !ck.preserve && (mode == CookieMode::Insert || (direct && ck.indirect));
            let change = !ck.preserve && !delete && srv_ck.is_some();
            let prefix = change && mode == CookieMode::Prefix;
            let rewrite = change && mode == CookieMode::Rewrite;
            let seen =
                cookie::process_response(h, &ck.name, id.as_bytes(), prefix, rewrite, delete);
            if seen {
                self.txn.cookie_out = if delete {
                    b'D'
                } else if prefix || rewrite {
                    b'R'
                } else {
                    b'P'
                };
            }
            let post_ok =
                !ck.postonly || self.txn.req.as_ref().is_some_and(|r| r.method() == b"POST");
            let now = cookie::now_secs();
            let dates = self.txn.cookie_dates;
            // 1.4 also sets the cookie again to refresh or fix its dates
            let redate = ((ck.maxidle != 0 || dates.last != 0)
                && (dates.last == 0 || dates.last < now))
                || (ck.maxlife != 0 && dates.first == 0)
                || (ck.maxlife == 0 && dates.first != 0);
            let dated = ck.maxidle != 0 || ck.maxlife != 0;
            if mode == CookieMode::Insert
                && (!direct || redate)
                && post_ok
                && !(seen && ck.preserve)
            {
                // written straight into the head's arena
                h.add_with(|l| {
                    l.extend_from_slice(b"Set-Cookie: ");
                    l.extend_from_slice(ck.name.as_bytes());
                    l.push(b'=');
                    if id.is_empty() {
                        l.extend_from_slice(b"; Expires=Thu, 01-Jan-1970 00:00:01 GMT");
                    } else {
                        l.extend_from_slice(id.as_bytes());
                        if dated {
                            cookie::date_suffix(l, now, dates.first, ck.maxlife != 0);
                        }
                    }
                    l.extend_from_slice(b"; path=/");
                    for d in &ck.domains {
                        l.extend_from_slice(b"; domain=");
                        l.extend_from_slice(d.as_bytes());
                    }
                    if ck.httponly {
                        l.extend_from_slice(b"; HttpOnly");
                    }
                    if ck.secure {
                        l.extend_from_slice(b"; Secure");
                    }
                });
                // 'U': same server, only the dates were refreshed
                self.txn.cookie_out = if direct && !id.is_empty() { b'U' } else { b'I' };
                if ck.nocache && is_cacheable {
                    h.add(b"Cache-control: private");
                }
            }
        }
        if framing == Framing::Close {
            self.txn.cli_keepalive = false;
        }
        if self.txn.mode == HttpConnMode::KeepAlive {
            self.note_server_keepalive(ctx, h, framing);
        }
        match self.txn.mode {
            HttpConnMode::Tunnel => {}
            mode => {
                let rsp_11 = h.is_11(false);
                let conn = if self.txn.use_px_conn {
                    "Proxy-Connection"
                } else {
                    "Connection"
                };
                let ka = matches!(mode, HttpConnMode::ServerClose | HttpConnMode::KeepAlive);
                if ka && self.txn.cli_keepalive {
                    want_connection_in(h, conn, false, !(self.txn.req_11 && rsp_11));
                } else {
                    want_connection_in(h, conn, rsp_11, false);
                }
            }
        }
        ctx.rt.pool.fill(&mut self.cli.tx);
        h.write_to(&mut self.cli.tx);
        self.txn.rsp_head_done = true;
        if fe.flags.logasap && !self.logged {
            self.txn.logasap = true;
            self.txn.logasap_bytes = h.wire_len_to_eoh() as u32;
            self.log(ctx);
        }
        self.txn.rsp_body = Some(Body::new(framing));
        // an established CONNECT tunnel carries an unknown protocol
        let connect = self
            .txn
            .req
            .as_ref()
            .is_some_and(|r| r.method() == b"CONNECT");
        if matches!(self.txn.mode, HttpConnMode::Tunnel | HttpConnMode::Close)
            || (connect && status == 200)
        {
            self.txn.tunnel = true;
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
            ctx.rt.pool.recycle_txn(&mut self.txn);
            self.be = self.fe;
            self.srv_idx = None;
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
            let fe = &ctx.rt.cfg.proxies[self.fe];
            let t = fe
                .timeouts
                .http_keep_alive
                .or(fe.timeouts.http_request)
                .or(fe.timeouts.client);
            self.st = St::ReqHead {
                until: t.map(|t| ctx.now + Duration::from_millis(t)),
            };
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
        self.st = St::Reply;
    }
}

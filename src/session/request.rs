//! HTTP request analysis: head parsing, 1.4's rule pipeline, backend
//! switching, persistence cookies and the rewrites towards the server.

use super::sample::{basic_auth, ReqSample};
use super::{Cause, Ctx, Fin, Session, St};
use crate::acl::{cond_match, opt_cond_match};
use crate::config::model::{
    CookieMode, HdrAction, HttpConnMode, HttpReqAction, Proxy, RedirectKind,
};
use crate::http::body::{request_framing, Body, Framing};
use crate::http::cookie;
use crate::http::head::{Head, Status};
use crate::http::rewrite::{regex_replace, want_connection_in};
use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

/// Result of one proxy's request rules.
enum Verdict {
    Continue,
    Done,
}

impl Session {
    /// The deadline of a request head. `timeout http-request` counts from
    /// the start of the request and bytes do not push it back; `timeout
    /// client` is an inactivity timeout, pushed back by every byte read (a
    /// slow head is 1.4's `timeout http-request` business). Between two
    /// keep-alive requests, `timeout http-keep-alive` (or what stands in
    /// for it) counts from the end of the last one.
    fn arm_request_deadline(&mut self, ctx: &Ctx) {
        let fe = &ctx.rt.cfg.proxies[self.fe];
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
        self.st = St::ReqHead { until };
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
            self.st = St::ReqHead { until: None };
        }
        let lax = ctx.rt.cfg.proxies[self.fe].flags.accept_invalid_req;
        let mut head = ctx.rt.pool.take_head();
        let status = head.parse_request(&self.cli.rx, limit, lax);
        if status != Status::Done {
            ctx.rt.pool.put_head(head);
            head = Head::default();
        }
        match status {
            Status::Partial => {
                if self.cli.eof || self.cli.err {
                    if self.ka_wait && self.cli.rx.is_empty() {
                        self.logged = true;
                        self.st = St::Closed;
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
                    .cli.rx
                    .iter()
                    .position(|&c| c != b'\r' && c != b'\n')
                    .unwrap_or(0);
                let rest = &self.cli.rx[start..];
                let e = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                let l = &rest[..e];
                let mut line = ctx.rt.pool.take_line();
                line.extend_from_slice(l.strip_suffix(b"\r").unwrap_or(l));
                self.txn.req_line = Some(line);
                head.set_cap(rewrite_cap(cfg, head.len, self.cli.rx.len()));
                self.cli.rx.drain(..head.len);
                self.st = St::ReqHead { until: None };
                self.ka_wait = false;
                ctx.rt.px[self.fe].inc_fe_req_ctr();
                self.trace_head(ctx, "clireq", "clihdr", &head);
                self.process_request(ctx, head);
                true
            }
        }
    }

    fn eval(&self, ctx: &Ctx, px: &Proxy, h: &Head, c: &crate::acl::Cond) -> bool {
        let s = ReqSample {
            s: self,
            h: Some(h),
            rsp: None,
            ctx,
            px: px.idx,
            partial: false,
        };
        cond_match(c, &px.acls, &s)
    }

    fn eval_opt(&self, ctx: &Ctx, px: &Proxy, h: &Head, c: &Option<crate::acl::Cond>) -> bool {
        let s = ReqSample {
            s: self,
            h: Some(h),
            rsp: None,
            ctx,
            px: px.idx,
            partial: false,
        };
        opt_cond_match(c, &px.acls, &s)
    }

    /// A 403 for a refused request. Only `reqdeny`/`reqtarpit` count it
    /// (`count`), on the proxy whose rule refused it (one counter in 1.4,
    /// shown on both of its stats rows) and its listener; `block` and
    /// `http-request deny` count nothing, as in 1.4.
    fn deny(&mut self, ctx: &mut Ctx, px_idx: usize, count: bool) {
        if count {
            self.count_denied_req(ctx, px_idx);
        }
        self.http_error(ctx, 403, Cause::PrxCond, Fin::Request);
    }

    /// 401 (407 to a proxy request) asking for credentials. 1.4 logs it
    /// as 401 either way, with no request time (Tq -1).
    fn ask_auth(&mut self, ctx: &mut Ctx, realm: &str) {
        let page = crate::http::errors::unauthorized(realm, self.txn.use_px_conn);
        self.txn.t_req = None;
        self.reply(ctx, 401, &page, Cause::PrxCond, Fin::Request);
    }

    pub(super) fn count_denied_req(&self, ctx: &mut Ctx, px_idx: usize) {
        let p = &mut ctx.rt.px[px_idx];
        p.fe.denied_req += 1;
        p.be.denied_req += 1;
        self.li_count(ctx, |c| c.denied_req += 1);
    }

    /// block, http-request, stats, req* filters, reqadd, redirect.
    fn proxy_rules(&mut self, ctx: &mut Ctx, pxi: usize, h: &mut Head) -> Verdict {
        let cfg = ctx.rt.cfg;
        let px = &cfg.proxies[pxi];
        for c in &px.block_rules {
            if self.eval(ctx, px, h, c) {
                self.deny(ctx, pxi, false);
                return Verdict::Done;
            }
        }
        let is_stats = px.stats.enabled
            && h.uri().starts_with(px.stats.uri.as_bytes())
            && matches!(h.method(), b"GET" | b"HEAD" | b"POST");
        // 1.4 runs the stats list instead of the proxy's for stats requests
        let rules = if is_stats {
            &px.stats.http_req_rules
        } else {
            &px.http_req_rules
        };
        for r in rules {
            if !self.eval_opt(ctx, px, h, &r.cond) {
                continue;
            }
            match &r.action {
                HttpReqAction::Allow => break,
                HttpReqAction::Deny => {
                    self.deny(ctx, pxi, false);
                    return Verdict::Done;
                }
                HttpReqAction::Auth { realm } => {
                    let realm = match realm {
                        Some(r) => r.as_str(),
                        None if is_stats => crate::stats::DEFAULT_REALM,
                        None => px.name.as_str(),
                    };
                    self.ask_auth(ctx, realm);
                    return Verdict::Done;
                }
            }
        }
        if is_stats {
            self.be = pxi;
            if !px.stats.auths.is_empty() {
                let ok = basic_auth(h, self.txn.use_px_conn).is_some_and(|(u, p)| {
                    px.stats.auths.iter().any(|(au, ap)| {
                        au.as_bytes() == u.as_slice() && ap.as_bytes() == p.as_slice()
                    })
                });
                if !ok {
                    self.ask_auth(ctx, &px.stats.realm);
                    return Verdict::Done;
                }
            }
            self.txn.stats = true;
            let admin = px.stats.admin.iter().any(|c| self.eval(ctx, px, h, c));
            if h.method() == b"POST" {
                self.txn.stats_admin = admin;
                self.txn.req = Some(h.clone());
                let t = px.timeouts.http_request.or(px.timeouts.client);
                self.st = St::StatsPost {
                    until: t.map(|t| ctx.now + Duration::from_millis(t)),
                };
                return Verdict::Done;
            }
            let page = crate::stats::http_response(ctx.rt, pxi, h, admin, self.mode_head(h));
            self.reply(ctx, 200, &page, Cause::PrxCond, Fin::Request);
            return Verdict::Done;
        }
        // req* filters on the request line and each header line
        for e in &px.req_exps {
            let verdict = matches!(
                e.action,
                HdrAction::Allow | HdrAction::Deny | HdrAction::Tarpit | HdrAction::Pass
            );
            if (self.txn.allowed && verdict) || !self.eval_opt(ctx, px, h, &e.cond) {
                continue;
            }
            // line 0 is the request line, line i the header i-1
            let mut i = 0;
            let mut stop = false;
            while i <= h.hdr_count() && !stop {
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
                        HdrAction::Deny => {
                            self.deny(ctx, pxi, true);
                            return Verdict::Done;
                        }
                        HdrAction::Tarpit => {
                            self.count_denied_req(ctx, pxi);
                            // a tarpitted request stays untimed (Tq -1)
                            self.txn.t_req = None;
                            let t = px.timeouts.tarpit.or(px.timeouts.connect).unwrap_or(0);
                            self.st = St::Tarpit {
                                until: ctx.now + Duration::from_millis(t),
                            };
                            return Verdict::Done;
                        }
                        HdrAction::Allow => {
                            self.txn.allowed = true;
                            stop = true;
                        }
                        HdrAction::Pass => stop = true,
                        HdrAction::SetBe(b) => {
                            if let Some(bi) =
                                cfg.proxies.iter().position(|p| &p.name == b && p.is_be())
                            {
                                self.be = bi;
                            }
                            stop = true;
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
        }
        for a in &px.req_adds {
            if self.eval_opt(ctx, px, h, &a.cond) && !h.add(&a.line) {
                self.bad_rewrite(ctx);
                return Verdict::Done;
            }
        }
        for r in &px.redirects {
            if !self.eval_opt(ctx, px, h, &r.cond) {
                continue;
            }
            let msg = redirect_message(r, h);
            self.reply(ctx, r.code as i32, &msg, Cause::PrxCond, Fin::Request);
            return Verdict::Done;
        }
        Verdict::Continue
    }

    fn mode_head(&self, h: &Head) -> bool {
        h.method() == b"HEAD"
    }

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
                self.reply(ctx, if fail { 503 } else { 200 }, &page, Cause::None, Fin::None);
                self.logged = true;
                return;
            }
        }
        if !fe.req_captures.is_empty() {
            self.txn.req_caps = Some(
                fe.req_captures
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
            self.txn.cap_cookie_req = cookie::capture(&h, "Cookie", &c.name, c.len);
        }
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

    /// `use_backend` / `default_backend`: the first matching rule, else the
    /// default, picks the backend (once per transaction; tcp mode has no
    /// head, so only its layer-4 and payload criteria can match). False
    /// when a pure frontend found no backend at all.
    pub(super) fn switch_backend(&mut self, ctx: &Ctx, h: Option<&Head>) -> bool {
        let fe = &ctx.rt.cfg.proxies[self.fe];
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
        let be = &ctx.rt.cfg.proxies[self.be];
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
            self.conn_retries = ctx.rt.cfg.proxies[self.be].retries as i32;
        }
    }

    /// A header that does not fit the rewrite reserve: 1.4's bad request.
    fn bad_rewrite(&mut self, ctx: &mut Ctx) {
        ctx.rt.px[self.fe].fe.failed_req += 1;
        self.li_count(ctx, |c| c.failed_req += 1);
        self.http_error(ctx, 400, Cause::PrxCond, Fin::Request);
    }

    /// Persistence, X-Forwarded-For, X-Original-To, connection header.
    fn prepare_request(&mut self, ctx: &mut Ctx, mut h: Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        // connection mode: httpclose with any other close option forces close
        let mut mode = fe.conn_mode().max(be.conn_mode());
        let any_close = fe.flags.httpclose || be.flags.httpclose;
        if any_close && mode > HttpConnMode::Close {
            mode = HttpConnMode::ForceClose;
        }
        if self.ka_wait && mode == HttpConnMode::Tunnel {
            mode = HttpConnMode::Close;
        }
        self.txn.mode = mode;
        if let Some(ck) = &be.cookie {
            self.txn.cookie_in = b'N';
            self.txn.cookie_out = b'N';
            // an indirect inserted cookie never reaches the server, even
            // with `preserve` (1.4)
            let remove = ck.mode == CookieMode::Insert && ck.indirect;
            let prefix = ck.mode == CookieMode::Prefix;
            let now = cookie::now_secs();
            let (force, ignore) = (self.txn.force_persist, self.txn.ignore_persist);
            let srv = &ctx.rt.srv[self.be];
            let txn = &mut *self.txn;
            cookie::process_request_each(&mut h, &ck.name, prefix, remove, |id, d| {
                // 1.4 evaluates every occurrence: its dates add to the
                // ones seen, an expired one names no server, and each one
                // that names a usable server takes the request
                if d.last != 0 {
                    txn.cookie_dates.last = d.last;
                }
                if d.first != 0 {
                    txn.cookie_dates.first = d.first;
                }
                let mut id = id;
                if let Some(flag) =
                    cookie::cookie_age(txn.cookie_dates, now, ck.maxidle, ck.maxlife)
                {
                    txn.cookie_in = flag;
                    txn.cookie_dates = cookie::CookieDates::default();
                    id = b"";
                }
                let mut chosen = false;
                if !id.is_empty() && !ignore {
                    for (si, s) in be.servers.iter().enumerate() {
                        if s.cookie.as_deref().map(str::as_bytes) != Some(id) {
                            continue;
                        }
                        let usable = srv[si].usable();
                        if usable || be.flags.persist || force {
                            txn.cookie_in = if usable { b'V' } else { b'D' };
                            txn.persist_srv = Some(si);
                            chosen = true;
                            break;
                        }
                        // down: maybe another server shares the cookie
                        txn.cookie_in = b'D';
                    }
                }
                // 1.4 tests "down, expired or old" with a mask that covers
                // every flag: only a first, unmatched cookie reads invalid
                if !chosen && txn.cookie_in == b'N' {
                    txn.cookie_in = b'I';
                }
            });
        }
        let ff = be.forwardfor.as_ref().or(fe.forwardfor.as_ref());
        if let Some(ff) = ff {
            let skip_net = ff.except.is_some_and(|(n, m)| match self.cli_addr.ip() {
                IpAddr::V4(a) => u32::from(a) & u32::from(m) == u32::from(n) & u32::from(m),
                _ => false,
            });
            let skip_none = ff.if_none && h.get(&ff.header).is_some();
            if !skip_net && !skip_none {
                let ip = self.cli_addr.ip();
                if !h.add_with(|o| {
                    o.extend_from_slice(ff.header.as_bytes());
                    o.extend_from_slice(b": ");
                    let _ = write!(o, "{ip}");
                }) {
                    // 1.4: no room left in the buffer for the header
                    return self.bad_rewrite(ctx);
                }
            }
        }
        let ot = be.originalto.as_ref().or(fe.originalto.as_ref());
        if let Some(ot) = ot {
            let skip = ot.except.is_some_and(|(n, m)| match self.dst_addr().ip() {
                IpAddr::V4(a) => u32::from(a) & u32::from(m) == u32::from(n) & u32::from(m),
                _ => false,
            });
            if !skip {
                let ip = self.dst_addr().ip();
                if !h.add_with(|o| {
                    o.extend_from_slice(ot.header.as_bytes());
                    o.extend_from_slice(b": ");
                    let _ = write!(o, "{ip}");
                }) {
                    return self.bad_rewrite(ctx);
                }
            }
        }
        let framing = self
            .txn
            .req_body
            .as_ref()
            .map_or(Framing::Empty, |b| b.framing);
        if mode != HttpConnMode::Tunnel {
            let conn = if self.txn.use_px_conn {
                "Proxy-Connection"
            } else {
                "Connection"
            };
            let toks = crate::http::rewrite::peek_connection_tokens(&h, conn);
            self.txn.cli_keepalive =
                matches!(mode, HttpConnMode::ServerClose | HttpConnMode::KeepAlive)
                    && !toks.close
                    && (self.txn.req_11 || toks.keep_alive)
                    && !ctx.stopping;
            let pretend = fe.flags.pretend_keepalive || be.flags.pretend_keepalive;
            if super::reuse::server_keepalive(&self.txn, be) {
                // keep-alive to the server (1.5/1.6): never "close" there
                want_connection_in(&mut h, conn, false, !self.txn.req_11);
            } else if pretend && mode == HttpConnMode::ServerClose {
                want_connection_in(&mut h, conn, false, !self.txn.req_11);
            } else {
                want_connection_in(&mut h, conn, self.txn.req_11, false);
            }
        }
        if fe.flags.http_proxy || be.flags.http_proxy {
            match proxy_target(&h) {
                Some(a) => self.txn.proxy_target = Some(a),
                None => {
                    ctx.rt.px[self.fe].fe.failed_req += 1;
                    self.li_count(ctx, |c| c.failed_req += 1);
                    self.http_error(ctx, 400, Cause::PrxCond, Fin::Request);
                    return;
                }
            }
        }
        let body = Body::new(framing);
        let more_to_come = match body.length_left() {
            Some(n) => n > self.cli.rx.len() as u64,
            None => !body.done,
        };
        if more_to_come && fe.smart_accept() {
            // a body is still to come: the client must get our ACKs at
            // once or its upload stalls on them (later HAProxy versions
            // fixed 1.4 the same way)
            crate::sys::set_quickack(std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock));
        }
        if body.framing == Framing::Chunked {
            // 1.4 parses the first chunk sizes before it connects: a bad
            // one there never reaches a server
            let mut probe = body.clone();
            probe.feed(&self.cli.rx);
            if probe.error {
                self.txn.req_body = Some(probe);
                self.req_body_error(ctx);
                return;
            }
        }
        self.txn.req_body = Some(body);
        if be.send_name_header.is_some() {
            // written once the server is known
            self.txn.head_pending = true;
        } else {
            ctx.rt.pool.fill(&mut self.srv.tx);
            h.write_to(&mut self.srv.tx);
        }
        self.txn.req = Some(h);
        self.st = St::Assign;
    }

    /// A request body framed otherwise than 1.4 accepts: counted as a bad
    /// request and closed both ways without a message (1.4 sends none once
    /// the head has been accepted; the log keeps status -1 unless the
    /// server already answered).
    pub(super) fn req_body_error(&mut self, ctx: &mut Ctx) {
        ctx.rt.px[self.fe].fe.failed_req += 1;
        self.li_count(ctx, |c| c.failed_req += 1);
        let fin = if self.txn.rsp_head_done { Fin::Data } else { Fin::Headers };
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

/// `option http_proxy`: the server address named by an absolute URI
/// `http://IP[:port]/...`. Names are not resolved, and as 1.4 does the
/// request line is forwarded unchanged, absolute URI included.
fn proxy_target(h: &Head) -> Option<std::net::SocketAddr> {
    let uri = h.uri();
    let rest = uri.strip_prefix(b"http://")?;
    let slash = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
    let hostport = std::str::from_utf8(&rest[..slash]).ok()?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()?),
        None => (hostport, 80),
    };
    let ip: IpAddr = host.parse().ok()?;
    Some(std::net::SocketAddr::new(ip, port))
}

/// The 3xx message of a redirect rule, with 1.4's exact layout.
pub fn redirect_message(r: &crate::config::model::Redirect, h: &Head) -> Vec<u8> {
    use crate::http::errors::*;
    let head = match r.code {
        301 => HTTP_301,
        303 => HTTP_303,
        307 => HTTP_307,
        308 => HTTP_308,
        _ => HTTP_302,
    };
    let uri = h.uri();
    let path_end = if r.drop_query {
        uri.iter().position(|&c| c == b'?').unwrap_or(uri.len())
    } else {
        uri.len()
    };
    let mut loc: Vec<u8> = Vec::new();
    match r.kind {
        RedirectKind::Location => {
            loc.extend_from_slice(r.target.as_bytes());
        }
        RedirectKind::Prefix => {
            if r.target != "/" {
                loc.extend_from_slice(r.target.as_bytes());
            }
            loc.extend_from_slice(&uri[..path_end]);
        }
        RedirectKind::Scheme => {
            loc.extend_from_slice(r.target.as_bytes());
            loc.extend_from_slice(b"://");
            if let Some(host) = h.get("Host") {
                loc.extend_from_slice(host);
            }
            loc.extend_from_slice(&uri[..path_end]);
        }
    }
    if r.append_slash && !loc.ends_with(b"/") && r.kind != RedirectKind::Location {
        loc.push(b'/');
    }
    let mut out = head.as_bytes().to_vec();
    out.extend_from_slice(&loc);
    if let Some(c) = &r.set_cookie {
        out.extend_from_slice(b"\r\nSet-Cookie: ");
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(b"; path=/;\r\n");
    } else if let Some(c) = &r.clear_cookie {
        out.extend_from_slice(b"\r\nSet-Cookie: ");
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(b"; path=/; Max-Age=0;\r\n");
    }
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out
}

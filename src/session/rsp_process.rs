//! 1.4's http_process_res_common: the response head once parsed, its
//! captures and framing, the `rsp*` rules of the backend then the
//! frontend, `option checkcache`, the persistence cookie and the
//! connection header, then on to the client.

use super::sample::ReqSample;
use super::{Cause, Ctx, Fin, Session};
use crate::acl::opt_cond_match;
use crate::config::model::{CookieMode, HdrAction, HttpConnMode};
use crate::http::body::{response_framing, BadFraming, Body, Framing};
use crate::http::cookie;
use crate::http::head::Head;
use crate::http::rewrite::want_connection_in;
use crate::state::Hana;
use std::ops::ControlFlow;

fn cacheable(status: i32, h: &Head) -> bool {
    if !matches!(status, 200 | 203 | 206 | 300 | 301 | 410) {
        return false;
    }
    // 1.4 looks at each comma-separated value, case-insensitively; read
    // in place, nothing is copied per response
    let starts = |v: &[u8], p: &[u8]| v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p);
    let values = |name: &'static str| {
        h.hdrs()
            .filter(move |x| x.is(name))
            .flat_map(|x| x.value().split(|&c| c == b','))
            .map(crate::http::head::trim)
    };
    let private = values("Cache-Control").any(|v| {
        starts(v, b"private")
            || starts(v, b"no-cache")
            || starts(v, b"no-store")
            || v.eq_ignore_ascii_case(b"max-age=0")
    });
    !private && !values("Pragma").any(|v| v.eq_ignore_ascii_case(b"no-cache"))
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
            let denied = super::req_rules::walk_filter(h, e, |action| match action {
                HdrAction::Deny => ControlFlow::Break(Some(RspVerdict::Denied(pxi))),
                _ => ControlFlow::Continue(()),
            });
            if let Some(v) = denied {
                return v;
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
    pub(super) fn rsp_denied(&mut self, ctx: &mut Ctx, pxi: usize) {
        if let Some(st) = self
            .srv_idx()
            .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
        {
            st.c.denied_rsp += 1;
        }
        let p = &mut ctx.rt.px[pxi];
        p.fe.denied_rsp += 1;
        p.be.denied_rsp += 1;
        self.li_count(ctx, |c| c.denied_resp += 1);
        self.txn.t_rsp = None;
        self.http_error(ctx, 502, Cause::PrxCond, Fin::Headers);
    }

    pub(super) fn process_response(&mut self, ctx: &mut Ctx, h: &mut Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        self.txn.t_rsp = Some(ctx.now);
        let status = h.status();
        self.txn.status = status;
        self.capture_rsp_headers(ctx, h);
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
            return self.interim_response(ctx, h, framing, status);
        }
        let is_cacheable = cacheable(status, h);
        if let Some(si) = self.srv_idx() {
            self.appsession_learn(ctx, h, si);
        }
        if self.checkcache_blocks(ctx, h, is_cacheable) {
            return self.rsp_denied(ctx, self.be);
        }
        self.rsp_persist_cookie(ctx, h, is_cacheable);
        if framing == Framing::Close {
            self.txn.cli_keepalive = false;
        }
        if self.txn.mode == HttpConnMode::KeepAlive {
            self.note_server_keepalive(ctx, h, framing);
        }
        self.rsp_connection_header(h);
        ctx.pools.buf.fill(&mut self.cli.tx);
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

    /// A status below 200: 1.4 skips the cookie, cache and connection
    /// processing (see `process_response`).
    pub(super) fn interim_response(
        &mut self,
        ctx: &mut Ctx,
        h: &Head,
        framing: Framing,
        status: i32,
    ) {
        // 1.4 skips the cookie, cache and connection processing of
        // every status below 200: interim responses (no body), and
        // codes under 100 that still carry one framed as usual; 101
        // switches the session to a tunnel
        if framing == Framing::Close {
            self.txn.cli_keepalive = false;
        }
        ctx.pools.buf.fill(&mut self.cli.tx);
        h.write_to(&mut self.cli.tx);
        self.txn.rsp_head_done = true;
        self.txn.rsp_body = Some(Body::new(framing));
        // httpclose and forceclose stay tunnels whatever the status
        if status == 101 || matches!(self.txn.mode, HttpConnMode::Tunnel | HttpConnMode::Close) {
            self.txn.tunnel = true;
        }
    }

    /// `option checkcache`: a cacheable response to a GET must not carry
    /// a cookie; true when this one is blocked (alerted and logged).
    pub(super) fn checkcache_blocks(&self, ctx: &mut Ctx, h: &Head, is_cacheable: bool) -> bool {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        // option checkcache: never let a cacheable response carry a cookie
        let get_req = self.txn.req.as_ref().is_some_and(|r| r.method() == b"GET");
        if be.flags.checkcache && is_cacheable && get_req && h.get("Set-Cookie").is_some() {
            let srv = self
                .srv_idx()
                .map(|si| be.servers[si].name.as_str())
                .unwrap_or("");
            let m = format!(
                "Blocking cacheable cookie in response from instance {}, server {}.",
                be.name, srv
            );
            crate::log::msg::alert(&m);
            ctx.syslog.send(&be.logs, crate::log::ALERT, &m);
            return true;
        }
        false
    }

    /// `capture response header` and `capture cookie`'s Set-Cookie.
    pub(super) fn capture_rsp_headers(&mut self, ctx: &Ctx, h: &Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        if !fe.rsp_captures.is_empty() {
            self.txn.rsp_caps = Some(super::request::capture_headers(&fe.rsp_captures, h));
        }
        if let Some(c) = &fe.capture_cookie {
            self.txn.cap_cookie_rsp = cookie::capture(h, "Set-Cookie", &c.name, c.len);
        }
    }

    /// The backend's persistence cookie in the response: read, rewritten,
    /// deleted or inserted, and the response flag of the log.
    pub(super) fn rsp_persist_cookie(&mut self, ctx: &Ctx, h: &mut Head, is_cacheable: bool) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        // `ignore-persist`: the server's cookie is neither read nor set (1.4)
        if let (Some(ck), Some(si), false) = (&be.cookie, self.srv_idx(), self.txn.ignore_persist) {
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
    }

    /// The connection header towards the client, by the connection mode.
    pub(super) fn rsp_connection_header(&self, h: &mut Head) {
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
    }
}

//! 1.4's http_process_req_common for one proxy: `block`, `http-request`,
//! the stats page (and its authentication), the `req*` filters, `reqadd`
//! and `redirect`, with the answers they give.

use super::sample::{basic_auth, ReqSample};
use super::{Cause, Ctx, Fin, Session, St};
use crate::acl::{cond_match, opt_cond_match};
use crate::config::model::{HdrAction, HdrExp, HttpReqAction, Proxy, RedirectKind};
use crate::http::head::Head;
use crate::http::rewrite::regex_replace;
use std::ops::ControlFlow;
use std::time::Duration;

/// Result of one proxy's request rules.
pub(super) enum Verdict {
    Continue,
    Done,
}

impl Session {
    pub(super) fn eval(&self, ctx: &Ctx, px: &Proxy, h: &Head, c: &crate::acl::Cond) -> bool {
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

    pub(super) fn eval_opt(
        &self,
        ctx: &Ctx,
        px: &Proxy,
        h: &Head,
        c: &Option<crate::acl::Cond>,
    ) -> bool {
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
    pub(super) fn deny(&mut self, ctx: &mut Ctx, px_idx: usize, count: bool) {
        if count {
            self.count_denied_req(ctx, px_idx);
        }
        self.http_error(ctx, 403, Cause::PrxCond, Fin::Request);
    }

    /// 401 (407 to a proxy request) asking for credentials. 1.4 logs it
    /// as 401 either way, with no request time (Tq -1).
    pub(super) fn ask_auth(&mut self, ctx: &mut Ctx, realm: &str) {
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

    /// block, http-request, stats, req* filters, reqadd, redirect (1.4's
    /// http_process_req_common, for one proxy).
    pub(super) fn proxy_rules(&mut self, ctx: &mut Ctx, pxi: usize, h: &mut Head) -> Verdict {
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
        if let Verdict::Done = self.http_req_rules(ctx, pxi, h, is_stats) {
            return Verdict::Done;
        }
        if is_stats {
            self.stats_request(ctx, pxi, h);
            return Verdict::Done;
        }
        if let Verdict::Done = self.req_filters(ctx, pxi, h) {
            return Verdict::Done;
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

    /// `http-request allow|deny|auth`: 1.4 runs the stats list instead of
    /// the proxy's for stats requests.
    pub(super) fn http_req_rules(
        &mut self,
        ctx: &mut Ctx,
        pxi: usize,
        h: &Head,
        is_stats: bool,
    ) -> Verdict {
        let cfg = ctx.rt.cfg;
        let px = &cfg.proxies[pxi];
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
        Verdict::Continue
    }

    /// A request for the stats page: its authentication, the admin form
    /// (a POST waits for its body) or the page itself.
    pub(super) fn stats_request(&mut self, ctx: &mut Ctx, pxi: usize, h: &Head) {
        let cfg = ctx.rt.cfg;
        let px = &cfg.proxies[pxi];
        self.be = pxi;
        if !px.stats.auths.is_empty() {
            let ok = basic_auth(h, self.txn.use_px_conn).is_some_and(|(u, p)| {
                px.stats
                    .auths
                    .iter()
                    .any(|(au, ap)| au.as_bytes() == u.as_slice() && ap.as_bytes() == p.as_slice())
            });
            if !ok {
                return self.ask_auth(ctx, &px.stats.realm);
            }
        }
        self.txn.stats = true;
        let admin = px.stats.admin.iter().any(|c| self.eval(ctx, px, h, c));
        if h.method() == b"POST" {
            self.txn.stats_admin = admin;
            self.txn.req = Some(h.clone());
            let t = px.timeouts.http_request.or(px.timeouts.client);
            self.enter(St::StatsPost {
                until: t.map(|t| ctx.now + Duration::from_millis(t)),
            });
            return;
        }
        let page = crate::stats::http_response(ctx.rt, pxi, h, admin, self.mode_head(h));
        self.reply(ctx, 200, &page, Cause::PrxCond, Fin::Request);
    }

    /// The `req*` filters on the request line and each header line.
    pub(super) fn req_filters(&mut self, ctx: &mut Ctx, pxi: usize, h: &mut Head) -> Verdict {
        let cfg = ctx.rt.cfg;
        let px = &cfg.proxies[pxi];
        for e in &px.req_exps {
            let verdict = matches!(
                e.action,
                HdrAction::Allow | HdrAction::Deny | HdrAction::Tarpit | HdrAction::Pass
            );
            if (self.txn.allowed && verdict) || !self.eval_opt(ctx, px, h, &e.cond) {
                continue;
            }
            let done = walk_filter(h, e, |action| match action {
                HdrAction::Deny => {
                    self.deny(ctx, pxi, true);
                    ControlFlow::Break(Some(Verdict::Done))
                }
                HdrAction::Tarpit => {
                    self.count_denied_req(ctx, pxi);
                    // a tarpitted request stays untimed (Tq -1)
                    self.txn.t_req = None;
                    let t = px.timeouts.tarpit.or(px.timeouts.connect).unwrap_or(0);
                    self.enter(St::Tarpit {
                        until: ctx.now + Duration::from_millis(t),
                    });
                    ControlFlow::Break(Some(Verdict::Done))
                }
                HdrAction::Allow => {
                    self.txn.allowed = true;
                    ControlFlow::Break(None)
                }
                HdrAction::Pass => ControlFlow::Break(None),
                HdrAction::SetBe(_, be) => {
                    // resolved at validation (a config naming no backend
                    // there never starts); as in 1.4 a session jumps only
                    // once: not after an earlier reqsetbe, nor from a
                    // backend's own filters
                    if let (Some(bi), true) = (*be, self.be == self.fe) {
                        self.be = bi;
                    }
                    ControlFlow::Break(None)
                }
                _ => ControlFlow::Continue(()),
            });
            if let Some(v) = done {
                return v;
            }
        }
        Verdict::Continue
    }

    pub(super) fn mode_head(&self, h: &Head) -> bool {
        h.method() == b"HEAD"
    }

    /// A header that does not fit the rewrite reserve: 1.4's bad request.
    pub(super) fn bad_rewrite(&mut self, ctx: &mut Ctx) {
        ctx.rt.px[self.fe].fe.failed_req += 1;
        self.li_count(ctx, |c| c.failed_req += 1);
        self.http_error(ctx, 400, Cause::PrxCond, Fin::Request);
    }
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

/// 1.4's walk of one `req*`/`rsp*` filter over a head's start line (line
/// 0) and its header lines (line i is header i-1). A replacement or a
/// deletion edits the head in place and the walk goes on (1.4 skips a
/// replacement the buffer has no room for); any other action on a
/// matching line goes to `on_match`, which goes on, stops this filter's
/// walk (`Break(None)`) or ends the analysis with its answer.
pub(super) fn walk_filter<T>(
    h: &mut Head,
    e: &HdrExp,
    mut on_match: impl FnMut(&HdrAction) -> ControlFlow<Option<T>>,
) -> Option<T> {
    let mut i = 0;
    while i <= h.hdr_count() {
        let line = if i == 0 { h.start() } else { h.hdr(i - 1).line };
        if e.re.is_match(line) {
            match &e.action {
                HdrAction::Replace(r) => {
                    if let Some(n) = regex_replace(&e.re, line, r) {
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
                a => {
                    if let ControlFlow::Break(r) = on_match(a) {
                        return r;
                    }
                }
            }
        }
        i += 1;
    }
    None
}

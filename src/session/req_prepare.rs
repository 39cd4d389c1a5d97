//! The request's last steps before a server (1.4's http_process_request):
//! the connection mode, the persistence cookie, `forwardfor` and
//! `originalto`, the connection header, and the start of its body.

use super::{Cause, Ctx, Fin, Session, St};
use crate::config::model::{CookieMode, HttpConnMode};
use crate::http::body::{Body, Framing};
use crate::http::cookie;
use crate::http::head::Head;
use crate::http::rewrite::want_connection_in;
use std::io::Write;
use std::net::IpAddr;

impl Session {
    /// Persistence, X-Forwarded-For, X-Original-To, connection header
    /// (1.4's http_process_request), then on to a server.
    pub(super) fn prepare_request(&mut self, ctx: &mut Ctx, mut h: Head) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let mode = self.conn_mode(ctx);
        self.txn.mode = mode;
        self.persist_cookie(ctx, &mut h);
        if !self.add_forwarded(ctx, &mut h) {
            // 1.4: no room left in the buffer for the header
            return self.bad_rewrite(ctx);
        }
        let framing = self
            .txn
            .req_body
            .as_ref()
            .map_or(Framing::Empty, |b| b.framing);
        if mode != HttpConnMode::Tunnel {
            self.connection_header(ctx, &mut h, mode);
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
        if self.start_req_body(ctx, framing) {
            return;
        }
        if be.send_name_header.is_some() {
            // written once the server is known
            self.txn.head_pending = true;
        } else {
            ctx.pools.buf.fill(&mut self.srv.tx);
            h.write_to(&mut self.srv.tx);
        }
        self.txn.req = Some(h);
        self.enter(St::Assign);
    }

    /// The transaction's connection mode: httpclose with any other close
    /// option forces close; the next request of a kept-alive connection is
    /// never a tunnel.
    pub(super) fn conn_mode(&self, ctx: &Ctx) -> HttpConnMode {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let mut mode = fe.conn_mode().max(be.conn_mode());
        let any_close = fe.flags.httpclose || be.flags.httpclose;
        if any_close && mode > HttpConnMode::Close {
            mode = HttpConnMode::ForceClose;
        }
        if self.ka_wait && mode == HttpConnMode::Tunnel {
            mode = HttpConnMode::Close;
        }
        mode
    }

    /// The backend's persistence cookie in the request: which server it
    /// names, its dates, and the request flag of the log.
    pub(super) fn persist_cookie(&mut self, ctx: &Ctx, h: &mut Head) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
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
            cookie::process_request_each(h, &ck.name, prefix, remove, |id, d| {
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
    }

    /// `option forwardfor` and `option originalto`; false when a header
    /// found no room.
    pub(super) fn add_forwarded(&self, ctx: &Ctx, h: &mut Head) -> bool {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
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
                    return false;
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
                    return false;
                }
            }
        }
        true
    }

    /// The connection header towards the server, and whether the client
    /// keeps its connection.
    pub(super) fn connection_header(&mut self, ctx: &Ctx, h: &mut Head, mode: HttpConnMode) {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
        let be = &cfg.proxies[self.be];
        let conn = if self.txn.use_px_conn {
            "Proxy-Connection"
        } else {
            "Connection"
        };
        let toks = crate::http::rewrite::peek_connection_tokens(h, conn);
        self.txn.cli_keepalive =
            matches!(mode, HttpConnMode::ServerClose | HttpConnMode::KeepAlive)
                && !toks.close
                && (self.txn.req_11 || toks.keep_alive)
                && !ctx.stopping;
        let pretend = fe.flags.pretend_keepalive || be.flags.pretend_keepalive;
        if super::reuse::server_keepalive(&self.txn, be) {
            // keep-alive to the server (1.5/1.6): never "close" there
            want_connection_in(h, conn, false, !self.txn.req_11);
        } else if pretend && mode == HttpConnMode::ServerClose {
            want_connection_in(h, conn, false, !self.txn.req_11);
        } else {
            want_connection_in(h, conn, self.txn.req_11, false);
        }
    }

    /// The request body starts: its framing, our ACKs made immediate when
    /// more is to come, and a first look at its chunks. True when a bad
    /// chunk size already ended the session.
    pub(super) fn start_req_body(&mut self, ctx: &mut Ctx, framing: Framing) -> bool {
        let cfg = ctx.rt.cfg;
        let fe = &cfg.proxies[self.fe];
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
                return true;
            }
        }
        self.txn.req_body = Some(body);
        false
    }
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

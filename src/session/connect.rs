//! Server assignment, queueing, connection and 1.4's retry rules.

use super::{process_queue, Cause, Ctx, Fin, Session, St};
use crate::config::model::{Balance, Mode};
use crate::state::dyn_maxconn;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Duration;

/// Removes a session from any queue it waits in.
pub fn leave_queue(s: &mut Session, ctx: &mut Ctx) {
    if !matches!(s.st, St::Queued { .. } | St::Closed) {
        return;
    }
    let key = s.key;
    if let Some(p) = ctx.rt.px.get_mut(s.be) {
        p.queue.retain(|&k| k != key);
    }
    if let Some(v) = ctx.rt.srv.get_mut(s.be) {
        for st in v.iter_mut() {
            st.queue.retain(|&(k, _)| k != key);
        }
    }
    // a slot granted but not yet taken goes back to the pool
    if let Some(pos) = ctx.grants.iter().position(|&(k, _)| k == key) {
        let (_, si) = ctx.grants.remove(pos);
        if let Some(st) = ctx.rt.srv[s.be].get_mut(si) {
            st.cur_sess = st.cur_sess.saturating_sub(1);
            st.granted = st.granted.saturating_sub(1);
        }
        ctx.rt.lb_reposition(s.be, si);
        process_queue(ctx, s.be, Some(si));
    }
}

impl Session {
    fn lb_key(&self, ctx: &Ctx) -> Option<u64> {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        let req = self.txn.req.as_ref();
        match &be.balance {
            Balance::Source => Some(crate::balance::source_hash(self.cli_addr.ip())),
            Balance::Uri { len, depth, whole } => {
                req.map(|r| crate::balance::uri_hash(r.uri(), *len, *depth, *whole))
            }
            Balance::UrlParam { name, check_post } => {
                let r = req?;
                let in_uri = crate::balance::url_param_hash(r.uri(), name);
                if in_uri.is_some() || r.method() != b"POST" {
                    return in_uri;
                }
                // 1.4 then looks in the body bytes already received
                // (check_post only makes it wait for some first)
                let framing = self.txn.req_body.as_ref()?.framing;
                let body = crate::balance::post_window(&self.cli.rx, framing, check_post.is_some());
                crate::balance::url_param_post_hash(body, name)
            }
            Balance::Hdr { name, domain_only } => {
                // the first comma-separated value of the first such
                // header; none or an empty one means round robin
                let v = crate::balance::first_value(req?.get(name)?);
                (!v.is_empty()).then(|| crate::balance::hdr_hash(v, *domain_only))
            }
            Balance::RdpCookie { name } => {
                match crate::payload::rdp_cookie(&self.cli.rx, Some(name)) {
                    // an empty value is no key (round robin), as in 1.4
                    crate::payload::Fetched::Found(v) if !v.is_empty() => {
                        Some(crate::balance::rdp_hash(v))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn no_server(&mut self, ctx: &mut Ctx) {
        ctx.rt.px[self.be].be.failed_conns += 1;
        if self.mode == Mode::Http {
            self.http_error(ctx, 503, Cause::SrvClose, Fin::Connect);
        } else {
            self.tcp_give_up(ctx, Cause::SrvClose);
        }
    }

    /// A tcp session that got no server: the client gets our FIN once
    /// what it already sent was read (a close over unread bytes would be
    /// a reset, which 1.4 does not send), then the session ends.
    fn tcp_give_up(&mut self, ctx: &mut Ctx, err: Cause) {
        self.set_term(err, Fin::Connect);
        self.release_server(ctx, false);
        self.cli.tx.clear();
        self.enter(St::Reply);
    }

    pub(super) fn assign_and_connect(&mut self, ctx: &mut Ctx) {
        // (tcp mode gets here before the client sent anything)
        ctx.pools.buf.attach_txn(&mut self.txn);
        if !self.be_assigned {
            // tcp mode: the switching rules run here, after inspection
            self.switch_backend(ctx, None);
            self.mark_be(ctx);
            self.persist_rules(ctx, None);
        }
        if self.mode == Mode::Tcp
            && self.cli.eof
            && self.cli.rx.is_empty()
            && self.srv.tx.is_empty()
        {
            // inspection saw the client leave without a byte: 1.4 assigns
            // the backend but never connects for nothing
            self.close_now(ctx, false);
            return;
        }
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        if let Some(a) = self.txn.proxy_target {
            return self.connect_to(ctx, a);
        }
        if (self.srv_idx().is_none() || !self.srv_counted) && self.assign_server(ctx).is_break() {
            return;
        }
        self.txn.t_queue.get_or_insert(ctx.now);
        let Some(si) = self.srv_idx() else {
            return self.no_server(ctx);
        };
        let srv = &be.servers[si];
        if self.redirect_to_server(ctx, si) {
            return;
        }
        let port = if srv.port_relative {
            (self.dst_addr().port() as i32 + srv.port as i32).clamp(0, 65535) as u16
        } else {
            srv.port
        };
        self.connect_to(ctx, SocketAddr::new(srv.addr, port));
    }

    /// 1.4's assign_server: persistence first (a usable cookie server, or
    /// any with `option persist`/`force-persist`), else the balancer,
    /// else dispatch or transparent; a full server queues. Breaks when the
    /// session already went on (connect, queue, or no server).
    fn assign_server(&mut self, ctx: &mut Ctx) -> ControlFlow<()> {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        // persistence is looked up once: a redispatch (prev_srv set)
        // goes to the balancer, as 1.4 clears SN_DIRECT for it
        if self.txn.persist_srv.is_none() && self.txn.prev_srv.is_none() {
            self.txn.persist_srv = self.persist_lookup(ctx);
        }
        let mut direct = None;
        if let Some(ps) = self.txn.persist_srv {
            let st = &ctx.rt.srv[self.be][ps];
            if st.usable() || be.flags.persist || self.txn.force_persist {
                direct = Some(ps);
            }
        }
        if direct.is_none() && (be.servers.is_empty() || be.lb_off) {
            // 1.4's assign_server_address(): dispatch first, then the
            // transparent mode's original destination
            if let Some(d) = be.dispatch {
                self.connect_to(ctx, d);
                return ControlFlow::Break(());
            }
            if be.flags.transparent {
                let d = self.dst_addr();
                self.connect_to(ctx, d);
                return ControlFlow::Break(());
            }
            self.no_server(ctx);
            return ControlFlow::Break(());
        }
        let by_lb = direct.is_none();
        let key = if by_lb { self.lb_key(ctx) } else { None };
        // the last server kept (prefer-last-server, 401/407) first; the
        // balancer reads the servers it considers, not the farm
        let preferred = match direct {
            Some(_) => None,
            None => {
                let rt = &*ctx.rt;
                let views = crate::state::LazyViews::new(rt.cfg, &rt.srv, &rt.px, self.be);
                self.preferred_server(ctx, &views)
            }
        };
        let rt = &mut *ctx.rt;
        let views = crate::state::LazyViews::new(rt.cfg, &rt.srv, &rt.px, self.be);
        let lb = &mut rt.px[self.be].lb;
        let chosen = direct
            .or(preferred)
            .or_else(|| lb.pick(&views, key, self.txn.prev_srv));
        let any_usable = crate::balance::Views::any(&views, |v| v.usable && v.weight > 0);
        let Some(si) = chosen else {
            if any_usable {
                self.enqueue(ctx, None, false);
                return ControlFlow::Break(());
            }
            self.no_server(ctx);
            return ControlFlow::Break(());
        };
        let beconn = ctx.rt.px[self.be].beconn;
        let m = dyn_maxconn(&be.servers[si], be, beconn);
        let st = &ctx.rt.srv[self.be][si];
        if m > 0 && (st.cur_sess >= m || !st.queue.is_empty()) {
            self.enqueue(ctx, Some(si), !by_lb);
            return ControlFlow::Break(());
        }
        self.take_server(ctx, si, by_lb);
        ControlFlow::Continue(())
    }

    /// A server with a `redir` prefix answers GET and HEAD with a 302 to
    /// itself instead of a connection (1.4); true when it did.
    fn redirect_to_server(&mut self, ctx: &mut Ctx, si: usize) -> bool {
        let cfg = ctx.rt.cfg;
        let srv = &cfg.proxies[self.be].servers[si];
        if let (Some(pfx), Mode::Http) = (&srv.redir, self.mode) {
            let is_get = self
                .txn
                .req
                .as_ref()
                .is_some_and(|r| matches!(r.method(), b"GET" | b"HEAD"));
            if is_get {
                let path = self
                    .txn
                    .req
                    .as_ref()
                    .map(|r| crate::acl::uri_path_and_query(r.uri()).to_vec())
                    .unwrap_or_default();
                let mut msg = crate::http::errors::HTTP_302.as_bytes().to_vec();
                msg.extend_from_slice(pfx.as_bytes());
                msg.extend_from_slice(&path);
                msg.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
                self.count_srv_sess(ctx);
                self.reply(ctx, 302, &msg, Cause::PrxCond, Fin::Connect);
                return true;
            }
        }
        false
    }

    /// The session takes a slot on server `si`. As 1.4: `lbtot` counts
    /// what the balancing algorithm picked (not persistence) when it moved
    /// off the previous server; a redispatch counts on the server left and
    /// the backend. Sessions (`stot`) are counted per connection attempt.
    fn take_server(&mut self, ctx: &mut Ctx, si: usize, by_lb: bool) {
        let prev = self.txn.prev_srv;
        if let Some(p) = prev.filter(|&p| p != si) {
            self.txn.redispatched = true;
            ctx.rt.px[self.be].be.redispatches += 1;
            if let Some(st) = ctx.rt.srv[self.be].get_mut(p) {
                st.c.redispatches += 1;
            }
        }
        self.set_srv_idx(Some(si));
        self.srv_counted = true;
        let st = &mut ctx.rt.srv[self.be][si];
        st.cur_sess += 1;
        st.c.max_sess = st.c.max_sess.max(st.cur_sess);
        ctx.rt.lb_reposition(self.be, si);
        let st = &mut ctx.rt.srv[self.be][si];
        if by_lb && prev != Some(si) {
            st.c.lbtot += 1;
            ctx.rt.px[self.be].be.lbtot += 1;
        }
        self.persist_store(ctx, si);
    }

    /// 1.4's SRV_STATUS_FULL: the server's queue is at its maxqueue. A
    /// persistent session is redispatched to the balancer under `option
    /// redispatch` (not with `force-persist`); otherwise a 503 (`sQ`) on
    /// that server, counted as a failed connection there.
    fn server_full(&mut self, ctx: &mut Ctx, si: usize, direct: bool) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        if direct && be.flags.redispatch && !self.txn.force_persist {
            self.txn.prev_srv = Some(si);
            self.txn.persist_srv = None;
            self.set_srv_idx(None);
            // the cookie's server did not take it: "down" (1.4)
            if self.txn.cookie_in == b'V' {
                self.txn.cookie_in = b'D';
            }
            return self.assign_and_connect(ctx);
        }
        self.set_srv_idx(Some(si));
        self.txn.full_srv = true;
        ctx.rt.srv[self.be][si].c.failed_conns += 1;
        ctx.rt.px[self.be].be.failed_conns += 1;
        if self.mode == Mode::Http {
            self.http_error(ctx, 503, Cause::SrvClose, Fin::Queue);
        } else {
            self.tcp_give_up(ctx, Cause::SrvClose);
        }
    }

    /// One more connection attempt (or redirect) on the session's server:
    /// 1.4's per-server session counter.
    pub(super) fn count_srv_sess(&self, ctx: &mut Ctx) {
        if let Some(st) = self
            .srv_idx()
            .and_then(|si| ctx.rt.srv[self.be].get_mut(si))
        {
            st.inc_sess_ctr();
        }
    }

    /// Waits in server `srv`'s queue (or the backend's). `direct`: the
    /// server came from persistence, not from the balancer.
    fn enqueue(&mut self, ctx: &mut Ctx, srv: Option<usize>, direct: bool) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        if let Some(si) = srv {
            let mq = be.servers[si].maxqueue;
            if mq > 0 && ctx.rt.srv[self.be][si].queue.len() as u32 >= mq {
                return self.server_full(ctx, si, direct);
            }
            let st = &mut ctx.rt.srv[self.be][si];
            st.queue.push_back((self.key, self.txn.force_persist));
            let n = st.queue.len() as u32;
            st.c.max_queue = st.c.max_queue.max(n);
            self.txn.srv_queue_pos = n;
            self.set_srv_idx(Some(si));
        } else {
            ctx.rt.px[self.be].queue.push_back(self.key);
            let n = ctx.rt.px[self.be].queue.len() as u32;
            self.txn.bk_queue_pos = n;
            let c = &mut ctx.rt.px[self.be].be;
            c.max_queue = c.max_queue.max(n);
        }
        self.enter(St::Queued {
            until: be
                .timeouts
                .queue
                .map(|t| ctx.now + Duration::from_millis(t)),
        });
    }

    pub(super) fn check_grant(&mut self, ctx: &mut Ctx) -> bool {
        let key = self.key;
        if let Some(pos) = ctx.grants.iter().position(|&(k, _)| k == key) {
            let (_, si) = ctx.grants.remove(pos);
            // the slot was reserved when granted
            self.set_srv_idx(Some(si));
            self.srv_counted = true;
            let st = &mut ctx.rt.srv[self.be][si];
            st.granted = st.granted.saturating_sub(1);
            // 1.4 repositions again when the dequeued session connects
            ctx.rt.lb_reposition(self.be, si);
            self.txn.t_queue = Some(ctx.now);
            self.persist_store(ctx, si);
            self.enter(St::Assign);
            return true;
        }
        false
    }

    fn connect_to(&mut self, ctx: &mut Ctx, addr: SocketAddr) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        self.txn.t_queue.get_or_insert(ctx.now);
        // keep-alive to servers (reuse.rs): no connect when a kept
        // connection takes the request
        if self.try_reuse(ctx) {
            return;
        }
        let source = self
            .srv_idx()
            .and_then(|si| be.servers[si].source.as_ref())
            .or(be.source.as_ref());
        // 1.4 only holds the ACK back when a request waits to be sent
        let smart = be.smart_connect() && !self.srv.tx.is_empty();
        // the socket comes with TCP_NODELAY already set
        let r = crate::sys::connect_from(&addr, source, smart);
        match r {
            Ok(s) => {
                let fd = std::os::unix::io::AsRawFd::as_raw_fd(&s);
                if be.flags.srvtcpka {
                    crate::sys::set_keepalive(fd);
                }
                let g = &cfg.global;
                crate::sys::set_bufs(fd, g.rcvbuf_server, g.sndbuf_server);
                if self.register_server(ctx, s).is_err() {
                    self.conn_err_async = true;
                    return self.connect_failed(ctx, Cause::SrvClose);
                }
                self.srv_reqs = 0;
                self.count_srv_sess(ctx);
                self.srv.quickack_due = smart;
                self.srv.eof = false;
                self.srv.hup = false;
                self.srv.err = false;
                self.srv.shut = false;
                self.enter(St::Connecting {
                    until: be
                        .timeouts
                        .connect
                        .map(|t| ctx.now + Duration::from_millis(t)),
                });
            }
            Err(_) => {
                self.conn_err_async = true;
                self.connect_failed(ctx, Cause::SrvClose);
            }
        }
    }

    pub(super) fn connect_ready(&mut self, ctx: &mut Ctx, connected: bool) {
        let Some(s) = self.srv.sock.as_ref() else {
            return;
        };
        // a clean writable event proves the connection; anything else is
        // asked of the socket
        let failed = !connected
            && match s.take_error() {
                Ok(Some(_)) | Err(_) => true,
                Ok(None) => s.peer_addr().is_err(),
            };
        if failed {
            self.conn_err_async = true;
            self.connect_failed(ctx, Cause::SrvClose);
            return;
        }
        // `server ... ssl`: connected once the handshake is done too
        if !self.srv_handshake(ctx) {
            return;
        }
        self.observe(ctx, crate::state::Hana::L4Ok);
        self.enter(St::Established);
        self.txn.t_connect = Some(ctx.now);
        if self.mode == Mode::Tcp && ctx.rt.cfg.proxies[self.fe].flags.logasap && !self.logged {
            // tcplog with logasap: 1.4 logs once connected, bytes 0
            self.txn.logasap = true;
            self.txn.logasap_bytes = 0;
            self.log(ctx);
        }
        if self.txn.head_pending {
            self.txn.head_pending = false;
            let cfg = ctx.rt.cfg;
            let be = &cfg.proxies[self.be];
            let srv = self.srv_idx();
            if let (Some(h), Some(name)) = (self.txn.req.as_mut(), be.send_name_header.as_ref()) {
                h.remove(name);
                if let Some(si) = srv {
                    h.add(format!("{}: {}", name, be.servers[si].name).as_bytes());
                }
                let mut bytes = h.to_bytes();
                bytes.append(&mut self.srv.tx);
                self.srv.tx = bytes;
            }
        }
        self.srv.last = ctx.now;
        self.cli.last = ctx.now;
        self.srv.last_rd = ctx.now;
        self.cli.last_rd = ctx.now;
    }

    /// A connection attempt failed (`err` 'S' refused/error, 's' timeout).
    pub(super) fn connect_failed(&mut self, ctx: &mut Ctx, err: Cause) {
        self.observe(ctx, crate::state::Hana::L4Err);
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        if let Some(mut s) = self.srv.sock.take() {
            let _ = ctx.registry.deregister(&mut s);
            self.free_srv_id(ctx);
        }
        self.link.drop_tls();
        self.srv.can_read = false;
        self.srv.can_write = false;
        self.srv.conn_retries -= 1;
        if self.srv.conn_retries < 0 {
            if let Some(si) = self.srv_idx() {
                ctx.rt.srv[self.be][si].c.failed_conns += 1;
            }
            ctx.rt.px[self.be].be.failed_conns += 1;
            self.release_server(ctx, false);
            if self.mode == Mode::Http {
                self.http_error(ctx, 503, err, Fin::Connect);
            } else {
                self.tcp_give_up(ctx, err);
            }
            return;
        }
        if self.srv_idx().is_some()
            && self.srv.conn_retries == 0
            && be.flags.redispatch
            && !self.txn.force_persist
        {
            self.txn.prev_srv = self.srv_idx();
            self.release_server(ctx, false);
            self.set_srv_idx(None);
            self.txn.persist_srv = None;
            // the cookie's server failed: redispatched, it is "down" (1.4)
            if self.txn.cookie_in == b'V' {
                self.txn.cookie_in = b'D';
            }
        } else {
            if let Some(si) = self.srv_idx() {
                ctx.rt.srv[self.be][si].c.retries += 1;
            }
            ctx.rt.px[self.be].be.retries += 1;
        }
        if self.conn_err_async {
            self.conn_err_async = false;
            self.enter(St::Turnaround {
                until: ctx.now + Duration::from_millis(1000),
            });
        } else {
            self.enter(St::Assign);
        }
    }
}

//! The ways a session ends or answers by itself: a local reply (error
//! page, redirect, stats), its drain, the server side's release, and the
//! close, with or without a reset.

use super::{process_queue, Cause, Ctx, Fin, Session, St};
use std::time::Duration;

impl Session {
    /// Queues a local response (error page, redirect, stats) and closes.
    pub fn reply(&mut self, ctx: &mut Ctx, status: i32, body: &[u8], err: Cause, fin: Fin) {
        self.txn.status = status;
        self.set_term(err, fin);
        self.release_server(ctx, true);
        self.cli.tx.clear();
        self.cli.tx.extend_from_slice(body);
        self.bytes_out += body.len() as u64;
        self.enter(St::Reply);
    }

    /// The error page for a status, from the backend, the frontend or 1.4's
    /// built-in set.
    pub fn error_page(&self, ctx: &Ctx, code: u16) -> Vec<u8> {
        let cfg = ctx.rt.cfg;
        if let Some(b) = cfg.proxies[self.be].errorfiles.get(&code) {
            return b.clone();
        }
        if let Some(b) = cfg.proxies[self.fe].errorfiles.get(&code) {
            return b.clone();
        }
        crate::http::errors::builtin(code).to_vec()
    }

    pub fn http_error(&mut self, ctx: &mut Ctx, code: u16, err: Cause, fin: Fin) {
        let page = self.error_page(ctx, code);
        self.reply(ctx, code as i32, &page, err, fin);
    }

    /// A fixed answer written as soon as the client is accepted (`mode
    /// health`, an http `monitor-net` client), then closed; a monitor
    /// session is never logged (1.4's SN_MONITOR).
    pub fn local_reply(&mut self, msg: &'static [u8], monitor: bool) {
        self.cli.tx.extend_from_slice(msg);
        self.bytes_out += msg.len() as u64;
        self.enter(St::Reply);
        self.logged = monitor;
    }

    pub(super) fn reply_progress(&mut self, ctx: &mut Ctx) -> bool {
        // (a TLS client still in its handshake cannot be answered: closed)
        if self.cli.tx.is_empty() || self.cli.err || self.tls_handshaking() {
            if !self.cli.shut {
                self.shut_cli_write();
                self.cli.shut = true;
                self.txn.reply_drain_until = Some(ctx.now + Duration::from_millis(1000));
            }
            if self.cli.eof || self.cli.err || self.linger_needless() {
                self.enter(St::Closed);
                return true;
            }
        }
        false
    }

    /// Releases the server slot and connection; `rst` aborts with RST.
    pub fn release_server(&mut self, ctx: &mut Ctx, rst: bool) {
        if let Some(s) = self.srv.sock.take() {
            if rst {
                crate::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&s));
            }
            self.free_srv_id(ctx);
            // dropping `s` closes it, which also takes it out of epoll
        }
        self.link.drop_tls();
        self.srv.can_read = false;
        self.srv.can_write = false;
        if self.srv_counted {
            self.srv_counted = false;
            if let Some(si) = self.srv_idx() {
                if let Some(st) = ctx.rt.srv[self.be].get_mut(si) {
                    st.cur_sess = st.cur_sess.saturating_sub(1);
                }
                ctx.rt.lb_reposition(self.be, si);
                process_queue(ctx, self.be, Some(si));
            }
        }
    }

    /// Ends the session once what the client is owed has left (no error
    /// message: it already has a head); the server gets a FIN.
    pub(super) fn close_after_flush(&mut self, ctx: &mut Ctx, err: Cause, fin: Fin) {
        self.set_term(err, fin);
        self.release_server(ctx, false);
        self.enter(St::Reply);
    }

    /// Writes what waits for the server now, as far as its socket takes it,
    /// before the session drops that side (an abort still delivers what
    /// was forwarded, as 1.4 does).
    pub(super) fn flush_to_srv_now(&mut self) {
        if let Some(s) = self.srv.sock.as_mut() {
            let mut err = false;
            let mut w = true;
            match self.link.tls_mut() {
                Some(t) => {
                    t.write(s, &mut self.srv.tx, &mut w, &mut err);
                }
                None => {
                    Self::write_side(s, &mut self.srv.tx, &mut w, &mut err, false);
                }
            }
        }
    }

    pub fn close_now(&mut self, ctx: &mut Ctx, rst_srv: bool) {
        self.release_server(ctx, rst_srv);
        self.enter(St::Closed);
    }
}

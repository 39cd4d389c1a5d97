//! The server side's I/O when the server speaks TLS (`server ... ssl`,
//! HAProxy 1.5 syntax): the handshake that follows the TCP connect, under
//! `timeout connect` (a failure is a failed connection: retries,
//! redispatch, 503, the log's `SC`), then plaintext in and out through
//! the same wrapper as the client side (tls/conn.rs). Without TLS these
//! are the plain socket functions (io.rs).

use super::io::Rooms;
use super::{Cause, Ctx, Session};
use crate::tls::conn::Hs;
use crate::tls::TlsConn;

impl Session {
    /// Once the TCP connection is up: starts or continues the TLS
    /// handshake when the server has `ssl`. True when the connection is
    /// ready for the request (no TLS, or the handshake done); false while
    /// it runs or once it failed (the failure is handled here).
    pub(super) fn srv_handshake(&mut self, ctx: &mut Ctx) -> bool {
        let Some(si) = self.srv_idx() else {
            return true;
        };
        let srv = &ctx.rt.cfg.proxies[self.be].servers[si];
        let Some(cfg) = srv.tls_ctx() else {
            return true;
        };
        if self.link.tls().is_none() {
            let name = crate::tls::client::server_name(srv.addr);
            match TlsConn::new_client(cfg, name) {
                Some(t) => self.link = super::reuse::SrvLink::Tls(Box::new(t)),
                None => return self.srv_hs_failed(ctx),
            }
        }
        let mut f = self.srv.tls_flags();
        let (Some(t), Some(s)) = (self.link.tls_mut(), self.srv.sock.as_mut()) else {
            return false;
        };
        let r = t.handshake(s, &mut f, &mut self.srv.can_write);
        self.srv.take_tls_flags(&f);
        match r {
            Hs::Done => {
                self.srv.last = ctx.now;
                true
            }
            Hs::Wait => false,
            Hs::Failed => self.srv_hs_failed(ctx),
        }
    }

    /// A refused or broken handshake: a failed connection, as a refused
    /// connect (retried after the turnaround, then 503 / `SC`).
    fn srv_hs_failed(&mut self, ctx: &mut Ctx) -> bool {
        self.link.drop_tls();
        self.srv.eof = false;
        self.srv.err = false;
        self.conn_err_async = true;
        self.connect_failed(ctx, Cause::SrvClose);
        false
    }

    /// Server bytes into `srv.rx`: plain (stepped) or decrypted within one
    /// buffer less what waits for the client. Returns the bytes and room.
    pub(super) fn read_srv(&mut self, rooms: Rooms) -> (usize, usize) {
        let mut f = self.srv.tls_flags();
        let Some(s) = self.srv.sock.as_mut() else {
            return (0, 0);
        };
        let Some(t) = self.link.tls_mut() else {
            return Self::read_stepped(
                s,
                &mut self.srv.rx,
                rooms,
                &mut self.srv.eof,
                &mut self.srv.err,
                &mut self.srv.can_read,
                self.srv.hup,
            );
        };
        let room = rooms.bs.saturating_sub(rooms.queued);
        let n = t.read(s, &mut self.srv.rx, room, &mut f);
        self.srv.take_tls_flags(&f);
        (n, room)
    }

    /// `srv.tx` out to the server (encrypted with TLS); bytes that left.
    pub(super) fn write_srv(&mut self, werr: &mut bool) -> usize {
        let Some(s) = self.srv.sock.as_mut() else {
            return 0;
        };
        match self.link.tls_mut() {
            None => Self::write_side(s, &mut self.srv.tx, &mut self.srv.can_write, werr, false),
            Some(t) => t.write(s, &mut self.srv.tx, &mut self.srv.can_write, werr),
        }
    }

    /// Ciphertext (a handshake's last message, a close_notify) waits for
    /// the server.
    pub(super) fn srv_tls_pending(&self) -> bool {
        self.link.tls().is_some_and(|t| t.pending())
    }

    /// Our FIN to the server, after a close_notify with TLS.
    pub(super) fn shut_srv_write(&mut self) {
        let Some(s) = self.srv.sock.as_mut() else {
            return;
        };
        if let Some(t) = self.link.tls_mut() {
            if !t.dead() {
                t.close_notify(s);
            }
        }
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
}

//! The client side's I/O when its listener speaks TLS (`bind ... ssl`):
//! the session calls these in place of the plain socket functions
//! (io.rs), and they hand over plaintext, so request and response
//! analysis never see ciphertext. Without TLS they are the plain path.

use super::io::Rooms;
use super::Session;

impl Session {
    /// Client bytes into `cli.rx`: plain (stepped) or decrypted, within
    /// the same room (one buffer less what waits for the server).
    pub(super) fn read_cli(&mut self, rooms: Rooms) -> (usize, bool) {
        let Some(t) = self.tls.as_mut() else {
            let (n, _) = Self::read_stepped(
                &mut self.cli.sock,
                &mut self.cli.rx,
                rooms,
                &mut self.cli.eof,
                &mut self.cli.err,
                &mut self.cli.can_read,
                self.cli.hup,
            );
            return (n, false);
        };
        let room = rooms.bs.saturating_sub(rooms.queued);
        let mut f = self.cli.tls_flags();
        let n = t.read(&mut self.cli.sock, &mut self.cli.rx, room, &mut f);
        self.cli.take_tls_flags(&f);
        (n, t.take_moved())
    }

    /// After a local reply: what the client still sends is read and
    /// dropped (decrypted first with TLS, so its alerts are seen).
    pub(super) fn drain_cli(&mut self) -> usize {
        let mut sink = Vec::new();
        let Some(t) = self.tls.as_mut() else {
            return Self::read_side(
                &mut self.cli.sock,
                &mut sink,
                65536,
                &mut self.cli.eof,
                &mut self.cli.err,
                &mut self.cli.can_read,
                self.cli.hup,
            );
        };
        let mut f = self.cli.tls_flags();
        let n = t.read(&mut self.cli.sock, &mut sink, 65536, &mut f);
        self.cli.take_tls_flags(&f);
        n
    }

    /// `cli.tx` out to the client (encrypted with TLS); bytes that left.
    pub(super) fn write_cli(&mut self, fin_next: bool) -> usize {
        match self.tls.as_mut() {
            None => Self::write_side(
                &mut self.cli.sock,
                &mut self.cli.tx,
                &mut self.cli.can_write,
                &mut self.cli.err,
                fin_next,
            ),
            Some(t) => t.write(
                &mut self.cli.sock,
                &mut self.cli.tx,
                &mut self.cli.can_write,
                &mut self.cli.err,
            ),
        }
    }

    /// Ciphertext (a handshake message, an alert) waits for the client.
    pub(super) fn tls_pending(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.pending())
    }

    /// A TLS client that has not finished its handshake: nothing can be
    /// sent to it but the close.
    pub(super) fn tls_handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.handshaking())
    }

    /// Our FIN to the client, after a close_notify once TLS is up.
    /// A TLS socket that already failed (a client gone after its
    /// handshake, as `openssl s_time` does) gets neither: both would fail.
    pub(super) fn shut_cli_write(&mut self) {
        if let Some(t) = self.tls.as_mut() {
            if t.dead() {
                return;
            }
            if !t.handshaking() {
                t.close_notify(&mut self.cli.sock);
            }
        }
        let _ = self.cli.sock.shutdown(std::net::Shutdown::Write);
    }
}

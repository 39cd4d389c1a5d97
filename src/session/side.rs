//! One socket side of a session, HAProxy's stream interface with the
//! buffer it fills: the client side (`Session::cli`, always connected)
//! and the server side (`Session::srv`, whose socket comes and goes with
//! assignment, retries and keep-alive). Each holds its socket, what it
//! received and what waits to be sent to it, its readiness and shutdown
//! flags, and the times its timeout counts from.

use mio::net::TcpStream;
use std::time::Instant;

pub struct Side<S> {
    /// `TcpStream` on the client side, `Option<TcpStream>` on the server's
    pub sock: S,
    /// What this side sent, not yet analysed or forwarded (1.4's request
    /// buffer for the client, response buffer for the server).
    pub rx: Vec<u8>,
    /// What waits to be written to this side.
    pub tx: Vec<u8>,
    /// Last activity (read or write)...
    pub last: Instant,
    /// ...and last read, for `option independant-streams`.
    pub last_rd: Instant,
    /// Connection attempts left (1.4's si->conn_retries): the server
    /// side's, set from the backend's `retries`.
    pub conn_retries: i32,
    /// Readiness not yet used up by a read or a write (edge-triggered).
    pub can_read: bool,
    pub can_write: bool,
    /// The end of its data was read (1.4's BF_SHUTR), or it failed.
    pub eof: bool,
    /// A read or a write failed (a reset): 1.4's SI_FL_ERR.
    pub err: bool,
    /// Our FIN was sent (or is implied by a close): 1.4's BF_SHUTW.
    pub shut: bool,
    /// The last readiness event said the peer shut its side: a short read
    /// then means the end of its data (no read just to see the 0).
    pub hup: bool,
    /// A tunnel's server filled a whole read: it streams, so what follows
    /// is spliced (see session/splice.rs). Server side only.
    pub streaming: bool,
    /// Smart connect held our ACKs back; they are made immediate again
    /// once the request left, so that a server writing its response in
    /// pieces (Nagle) never waits on our delayed ACK. Server side only.
    pub quickack_due: bool,
}

impl<S> Side<S> {
    pub fn new(sock: S, now: Instant) -> Side<S> {
        Side {
            sock,
            rx: Vec::new(),
            tx: Vec::new(),
            last: now,
            last_rd: now,
            conn_retries: 0,
            can_read: false,
            can_write: false,
            eof: false,
            err: false,
            shut: false,
            hup: false,
            streaming: false,
            quickack_due: false,
        }
    }

    /// The readiness flags a TLS read or handshake works on (tls/conn.rs).
    pub fn tls_flags(&self) -> crate::tls::conn::Flags {
        crate::tls::conn::Flags {
            eof: self.eof,
            err: self.err,
            ready: self.can_read,
            hup: self.hup,
        }
    }

    /// What a TLS read or handshake left of those flags.
    pub fn take_tls_flags(&mut self, f: &crate::tls::conn::Flags) {
        (self.eof, self.err, self.can_read) = (f.eof, f.err, f.ready);
    }
}

/// The loop registers the client side as it registers a socket.
impl mio::event::Source for Side<TcpStream> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> std::io::Result<()> {
        self.sock.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> std::io::Result<()> {
        self.sock.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> std::io::Result<()> {
        self.sock.deregister(registry)
    }
}

//! The client side of a TLS session as the session's I/O sees it: reads
//! give plaintext into the session's buffer and writes take plaintext from
//! it, with the same readiness flags as the plain socket functions
//! (session/io.rs), so nothing above knows the bytes were encrypted.
//! Non-blocking throughout: rustls is fed what the socket has and what it
//! produces is written while the socket takes it. Bounded: ciphertext is
//! read only once the plaintext already decrypted fits the room, so rustls
//! never holds more than one record beyond the session's buffer. Bytes
//! handed to rustls stay at the head of the session's output buffer
//! (`inflight`) until their ciphertext left, so "output empty" still means
//! "sent" to the session (its close and FIN decisions stay right).
//! The same wrapper carries a server side (`server ... ssl`, a rustls
//! client connection): one I/O path for both, with `handshake` to drive
//! a client handshake before any data is written.

use mio::net::TcpStream;
use rustls::{ClientConnection, Connection, ServerConnection};
use std::io::{BufRead, ErrorKind, Read, Write};
use std::sync::Arc;

/// The socket as rustls reads it, noting a short read: fewer bytes than
/// asked means the kernel had no more, so the next read would only meet
/// EAGAIN (one system call per handshake message saved); edge-triggered
/// readiness reports whatever arrives later.
struct Src<'a> {
    s: &'a mut TcpStream,
    short: bool,
}

impl Read for Src<'_> {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        let n = self.s.read(b)?;
        self.short = n > 0 && n < b.len();
        Ok(n)
    }
}

/// Plaintext handed to rustls per step (one TLS record).
const CHUNK: usize = 16384;

pub struct TlsConn {
    /// ours is the server end (`bind ... ssl`) or the client end
    /// (`server ... ssl`)
    conn: Connection,
    /// bytes at the head of the output buffer now inside rustls
    inflight: usize,
    /// the socket gave or took bytes for the handshake in the last call
    moved: bool,
    /// the socket failed (reset, broken pipe): nothing more is sent on it
    dead: bool,
}

/// What one look at rustls's decrypted plaintext gave.
enum Plain {
    /// bytes copied into the buffer
    Copied(usize),
    /// nothing decrypted yet: read more records
    Empty,
    /// the client's end of data
    End,
}

impl TlsConn {
    pub fn new(cfg: &Arc<rustls::ServerConfig>) -> Option<TlsConn> {
        let conn = ServerConnection::new(cfg.clone()).ok()?;
        Some(Self::wrap(Connection::Server(conn)))
    }

    /// The client end towards a server; `name` is what the certificate
    /// is checked against (no SNI is sent: the config says so) and what
    /// the session cache is keyed on.
    pub fn new_client(
        cfg: &Arc<rustls::ClientConfig>,
        name: rustls::pki_types::ServerName<'static>,
    ) -> Option<TlsConn> {
        let conn = ClientConnection::new(cfg.clone(), name).ok()?;
        Some(Self::wrap(Connection::Client(conn)))
    }

    fn wrap(mut conn: Connection) -> TlsConn {
        // what rustls may hold unsent: the writes below never exceed it
        conn.set_buffer_limit(Some(2 * CHUNK + 1024));
        TlsConn {
            conn,
            inflight: 0,
            moved: false,
            dead: false,
        }
    }

    /// One step of a handshake we started (the client end): sends what
    /// rustls has, reads what the socket has. `f.ready` is the socket's
    /// read readiness, `writable` its write readiness; both are used up
    /// as the plain functions do.
    pub fn handshake(&mut self, s: &mut TcpStream, f: &mut Flags, writable: &mut bool) -> Hs {
        loop {
            let mut err = false;
            self.flush(s, writable, &mut err);
            if err {
                return Hs::Failed;
            }
            if !self.conn.is_handshaking() {
                return Hs::Done;
            }
            if !f.ready || f.eof {
                return Hs::Wait;
            }
            let mut tcp_eof = false;
            if !self.feed(s, f, &mut tcp_eof) || tcp_eof || f.err {
                // refused (an alert, a bad certificate) or closed midway
                return Hs::Failed;
            }
            if !f.ready && self.conn.is_handshaking() && !self.conn.wants_write() {
                return Hs::Wait;
            }
        }
    }

    /// The peer resumed an earlier session (no full handshake).
    pub fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// True once after the handshake moved bytes (progress for the loop).
    pub fn take_moved(&mut self) -> bool {
        std::mem::take(&mut self.moved)
    }

    pub fn handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// Ciphertext waits for the socket.
    pub fn pending(&self) -> bool {
        self.conn.wants_write()
    }

    /// Decrypted bytes into `buf` up to `room`; flags as `read_side`.
    pub fn read(
        &mut self,
        s: &mut TcpStream,
        buf: &mut Vec<u8>,
        room: usize,
        f: &mut Flags,
    ) -> usize {
        let mut total = 0;
        let mut tcp_eof = false;
        while buf.len() < room {
            match self.take_plaintext(buf, room, f) {
                Plain::Copied(n) => {
                    total += n;
                    continue;
                }
                Plain::End => break,
                Plain::Empty => {}
            }
            if !f.ready || f.eof || f.err || tcp_eof || !self.feed(s, f, &mut tcp_eof) {
                break;
            }
        }
        if tcp_eof && total == 0 && !f.eof {
            f.eof = true;
            f.ready = false;
        }
        total
    }

    /// Copies what rustls has decrypted into `buf`, up to `room` (straight
    /// from its plaintext: no zeroed room); the client's end of data
    /// (close_notify, or TCP closed without it) sets `eof`.
    #[inline]
    fn take_plaintext(&mut self, buf: &mut Vec<u8>, room: usize, f: &mut Flags) -> Plain {
        let mut rd = self.conn.reader();
        let r = rd.fill_buf().map(|chunk| {
            let n = chunk.len().min(room - buf.len());
            buf.extend_from_slice(&chunk[..n]);
            n
        });
        if let Ok(n) = r {
            rd.consume(n);
        }
        match r {
            Ok(0) => {
                // close_notify: the client's end of data
                f.eof = true;
                f.ready = false;
                Plain::End
            }
            Ok(n) => Plain::Copied(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Plain::Empty,
            Err(_) => {
                // TCP closed without close_notify: most clients do that
                f.eof = true;
                f.ready = false;
                Plain::End
            }
        }
    }

    /// Reads TLS records from the socket into rustls and processes them,
    /// sending at once what the handshake or a key update answers. False
    /// when the connection is broken (rustls's alert is flushed first).
    #[inline]
    fn feed(&mut self, s: &mut TcpStream, f: &mut Flags, tcp_eof: &mut bool) -> bool {
        let mut src = Src { s, short: false };
        match self.conn.read_tls(&mut src) {
            Ok(0) => *tcp_eof = true,
            Ok(_) => {
                self.moved = true;
                // drained: no read meant to meet EAGAIN (unless the
                // peer's FIN was already reported: read it now, no
                // edge will come for it)
                if src.short && !f.hup {
                    f.ready = false;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => f.ready = false,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => {
                self.dead = true;
                f.err = true;
                f.eof = true;
                f.ready = false;
            }
        }
        if self.conn.process_new_packets().is_err() {
            // a bad handshake or record: rustls queued its alert
            let mut w = true;
            let mut e = false;
            self.flush(s, &mut w, &mut e);
            f.err = true;
            f.eof = true;
            f.ready = false;
            return false;
        }
        if self.conn.wants_write() {
            // handshake answers and key updates go out at once
            let mut w = true;
            let mut e = f.err;
            self.flush(s, &mut w, &mut e);
            f.err |= e;
        }
        true
    }

    /// Ciphertext rustls holds, out to the socket while it takes it.
    pub fn flush(&mut self, s: &mut TcpStream, writable: &mut bool, err: &mut bool) {
        while *writable && !*err && self.conn.wants_write() {
            match self.conn.write_tls(s) {
                Ok(0) => *writable = false,
                Ok(_) => self.moved = true,
                Err(e) if e.kind() == ErrorKind::WouldBlock => *writable = false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.dead = true;
                    *err = true;
                }
            }
        }
    }

    /// Encrypts and sends the head of `buf`; removes what has left and
    /// returns its length. Nothing is taken during the handshake.
    pub fn write(
        &mut self,
        s: &mut TcpStream,
        buf: &mut Vec<u8>,
        writable: &mut bool,
        err: &mut bool,
    ) -> usize {
        // the session replaced its output (an error page after a reset)
        self.inflight = self.inflight.min(buf.len());
        let mut sent = 0;
        loop {
            self.flush(s, writable, err);
            if *err || self.conn.wants_write() {
                break;
            }
            sent += self.inflight;
            buf.drain(..self.inflight);
            self.inflight = 0;
            if buf.is_empty() || !*writable || self.conn.is_handshaking() {
                break;
            }
            match self.conn.writer().write(&buf[..buf.len().min(CHUNK)]) {
                Ok(0) => break,
                Ok(n) => self.inflight = n,
                Err(_) => *err = true,
            }
        }
        sent
    }

    /// The socket failed (reset, broken pipe): a close_notify or a FIN
    /// would only meet the same error.
    pub fn dead(&self) -> bool {
        self.dead
    }

    /// Our close_notify before the FIN, sent if the socket takes it now.
    pub fn close_notify(&mut self, s: &mut TcpStream) {
        self.conn.send_close_notify();
        let (mut w, mut e) = (true, false);
        self.flush(s, &mut w, &mut e);
    }

    /// The SNI name the client sent.
    pub fn sni(&self) -> Option<&str> {
        match &self.conn {
            Connection::Server(c) => c.server_name(),
            Connection::Client(_) => None,
        }
    }

    /// `TLSv1.2`/`TLSv1.3`, as OpenSSL names them (ssl_fc_protocol).
    pub fn protocol(&self) -> Option<&'static str> {
        match self.conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_2 => Some("TLSv1.2"),
            rustls::ProtocolVersion::TLSv1_3 => Some("TLSv1.3"),
            _ => None,
        }
    }

    /// The cipher's OpenSSL name (ssl_fc_cipher).
    pub fn cipher(&self) -> Option<&'static str> {
        let s = self.conn.negotiated_cipher_suite()?.suite();
        crate::tls::ciphers::openssl_name(s)
    }
}

/// Where a handshake we started stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hs {
    Done,
    /// waits for the socket
    Wait,
    /// refused, broken or closed: a failed connection
    Failed,
}

/// The readiness flags of a side, as `read_side` takes them.
pub struct Flags {
    pub eof: bool,
    pub err: bool,
    pub ready: bool,
    /// the peer's FIN or reset was already reported by readiness
    pub hup: bool,
}

//! Moving bytes between a session's sockets and its buffers: reads up to
//! a room, writes with or without a FIN to follow, and the data-phase read
//! in steps (`read_stepped`) that keeps what a session holds for a peer
//! that does not read to about one buffer.

use super::Session;
use mio::net::TcpStream;
use std::io::{ErrorKind, Write};

/// The rooms of one `Session::read_stepped`: one buffer, the largest
/// step, what already waits for the peer, and the peer's socket.
#[derive(Clone, Copy)]
pub(super) struct Rooms {
    pub bs: usize,
    pub big: usize,
    pub queued: usize,
    pub peer: Option<std::os::unix::io::RawFd>,
}

impl Session {
    /// Reads until `room`, the end of the data or an error. A read
    /// shorter than asked drained the socket (edge-triggered readiness will
    /// tell of more), so no read is spent on EAGAIN; with `hup` it was the
    /// last data, so none is spent on the 0 either.
    pub(super) fn read_side(
        stream: &mut TcpStream,
        buf: &mut Vec<u8>,
        room: usize,
        eof: &mut bool,
        err: &mut bool,
        readable: &mut bool,
        hup: bool,
    ) -> usize {
        let mut total = 0;
        let fd = std::os::unix::io::AsRawFd::as_raw_fd(&*stream);
        while *readable && !*eof && !*err && buf.len() < room {
            let want = room - buf.len();
            match crate::sys::read_into(fd, buf, want) {
                Ok(0) => {
                    *eof = true;
                    *readable = false;
                }
                Ok(n) => {
                    total += n;
                    if n < want {
                        *readable = false;
                        *eof |= hup;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => *readable = false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    *err = true;
                    *eof = true;
                    *readable = false;
                }
            }
        }
        total
    }

    /// Writes `buf` out; `fin_next` says our FIN follows these bytes at
    /// once, so they are held (MSG_MORE) and leave with it in one segment.
    pub(super) fn write_side(
        stream: &mut TcpStream,
        buf: &mut Vec<u8>,
        writable: &mut bool,
        err: &mut bool,
        fin_next: bool,
    ) -> usize {
        let mut sent = 0;
        while *writable && !*err && sent < buf.len() {
            let r = if fin_next {
                crate::sys::send_more(std::os::unix::io::AsRawFd::as_raw_fd(stream), &buf[sent..])
            } else {
                stream.write(&buf[sent..])
            };
            match r {
                Ok(0) => *writable = false,
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => *writable = false,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => *err = true,
            }
        }
        buf.drain(..sent);
        sent
    }

    /// `read_side` in two steps for data bound to `r.peer`: first up to one
    /// buffer (counting the `r.queued` bytes not yet written to the peer),
    /// then, if that filled it and more waits, up to `r.big` but no more
    /// than the peer's socket can take now (`sys::send_space`). What a
    /// session holds for a peer that does not read stays about one buffer
    /// (1.4's bound), while a peer that keeps up gets large steps (fewer
    /// system calls per byte). Returns the bytes read and the last room.
    pub(super) fn read_stepped(
        stream: &mut TcpStream,
        buf: &mut Vec<u8>,
        r: Rooms,
        eof: &mut bool,
        err: &mut bool,
        readable: &mut bool,
        hup: bool,
    ) -> (usize, usize) {
        let mut room = r.bs.min(r.big).saturating_sub(r.queued);
        let mut n = Self::read_side(stream, buf, room, eof, err, readable, hup);
        if r.big > r.bs && *readable && !*eof && !*err && buf.len() >= room {
            let space = r.peer.and_then(crate::sys::send_space).unwrap_or(0);
            let wide = (r.bs + space).min(r.big).saturating_sub(r.queued);
            if wide > room {
                room = wide;
                n += Self::read_side(stream, buf, room, eof, err, readable, hup);
            }
        }
        (n, room)
    }
}

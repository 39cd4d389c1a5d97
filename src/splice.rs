//! The kernel pipe through which large bodies go from one socket to the
//! other with splice(2), without being copied into our buffers and back.
//! One pipe serves every session: a splice step leaves it empty (what the
//! receiver could not take yet is read back into the session's buffer, and
//! what a failed receiver will never take is read out and dropped), so no
//! session ever holds it between two turns, and once made it stays.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// What the pipe is asked to hold: bytes moved per splice pair.
pub const PIPE_SIZE: usize = 256 * 1024;

/// Below this many bytes of body left, a read and a write cost less than
/// setting up a splice pair.
pub const MIN_SPLICE: u64 = 64 * 1024;

pub struct Splicer {
    pipe: Option<(OwnedFd, OwnedFd)>,
    off: bool,
}

impl Splicer {
    /// `enabled` is false with the global `nosplice`.
    pub fn new(enabled: bool) -> Splicer {
        Splicer {
            pipe: None,
            off: !enabled,
        }
    }

    /// The pipe's (read, write) ends, made on first use; None when
    /// splicing is off or no pipe can be had (then plain copies are used).
    pub fn fds(&mut self) -> Option<(RawFd, RawFd)> {
        if self.off {
            return None;
        }
        if self.pipe.is_none() {
            match crate::sys::splice_pipe(PIPE_SIZE as i32) {
                Ok(p) => self.pipe = Some(p),
                Err(_) => return None,
            }
        }
        self.pipe
            .as_ref()
            .map(|(r, w)| (r.as_raw_fd(), w.as_raw_fd()))
    }

    /// Whether splicing is off (`nosplice`, or refused by the kernel).
    pub fn is_off(&self) -> bool {
        self.off
    }

    /// The kernel refused to splice these descriptors: plain copies from
    /// now on.
    pub fn disable(&mut self) {
        self.off = true;
        self.pipe = None;
    }

    /// Drops the pipe and what it holds (it would not give its bytes
    /// back); the next step makes a new one.
    pub fn discard(&mut self) {
        self.pipe = None;
    }
}

/// One side of a splice step: a socket's descriptor and its state flags.
pub struct End<'a> {
    pub fd: RawFd,
    /// readable (source) or writable (destination) as far as we know
    pub ready: &'a mut bool,
    pub eof: &'a mut bool,
    pub err: &'a mut bool,
}

/// What a step did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// bytes taken from the source
    pub taken: usize,
    /// bytes given to the destination straight from the pipe
    pub given: usize,
    /// splice(2) is not possible here: nothing moved, use plain copies
    pub unsupported: bool,
}

/// Moves up to `max` bytes from `src` to `dst` through the pipe. Bytes the
/// destination could not take are read back into `rest` (the session's
/// outgoing buffer, empty on entry), so the pipe is empty on return; if
/// the destination failed they are dropped with the pipe.
pub fn step(sp: &mut Splicer, src: End, dst: End, max: u64, rest: &mut Vec<u8>) -> Moved {
    let mut m = Moved::default();
    let Some((pr, pw)) = sp.fds() else {
        m.unsupported = true;
        return m;
    };
    let mut left = max;
    // bounded: each round moves up to a pipeful, or stops
    for _ in 0..64 {
        if left == 0 || !*src.ready || *src.eof || *src.err || !*dst.ready || *dst.err {
            break;
        }
        let want = (left as usize).min(PIPE_SIZE);
        let inpipe = match crate::sys::splice(src.fd, pw, want) {
            Ok(0) => {
                *src.eof = true;
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                *src.ready = false;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if m.taken == 0 && crate::sys::splice_unsupported(&e) => {
                sp.disable();
                m.unsupported = true;
                return m;
            }
            Err(_) => {
                *src.err = true;
                *src.eof = true;
                break;
            }
        };
        m.taken += inpipe;
        left -= inpipe as u64;
        let mut pending = inpipe;
        for _ in 0..64 {
            if pending == 0 {
                break;
            }
            match crate::sys::splice(pr, dst.fd, pending) {
                Ok(0) => break,
                Ok(n) => {
                    pending -= n;
                    m.given += n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    *dst.ready = false;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    *dst.err = true;
                    break;
                }
            }
        }
        if pending > 0 {
            let emptied = if *dst.err {
                // the receiver is gone: its bytes are dropped, the pipe
                // is kept for the next session
                drain(pr, pending, rest)
            } else {
                take_back(pr, pending, rest)
            };
            if !emptied {
                // (never seen) the pipe kept bytes back: fail the
                // receiver rather than skip them, and drop the pipe
                *dst.err = true;
                sp.discard();
            }
            break;
        }
    }
    m
}

/// Empties the pipe of `pending` bytes nobody will take, through `scratch`
/// (left as it was) in steps no larger than a buffer; false if the pipe
/// did not give them all.
fn drain(pr: RawFd, mut pending: usize, scratch: &mut Vec<u8>) -> bool {
    const STEP: usize = 16 * 1024;
    let keep = scratch.len();
    for _ in 0..(PIPE_SIZE / STEP + 64) {
        if pending == 0 {
            break;
        }
        let r = crate::sys::read_into(pr, scratch, pending.min(STEP));
        scratch.truncate(keep);
        match r {
            Ok(0) => return false,
            Ok(n) => pending -= n.min(pending),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    pending == 0
}

/// Reads what stayed in the pipe into `rest`; false if the pipe did not
/// give it all back.
fn take_back(pr: RawFd, mut pending: usize, rest: &mut Vec<u8>) -> bool {
    for _ in 0..64 {
        if pending == 0 {
            return true;
        }
        match crate::sys::read_into(pr, rest, pending) {
            Ok(0) => return false,
            Ok(n) => pending -= n.min(pending),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    pending == 0
}

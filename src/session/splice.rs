//! Large Content-Length response bodies, and what a tunnel's server
//! (tcp mode, httpclose) streams once it filled a whole read, go from the
//! server's socket to the client's through the kernel (splice(2)): no copy
//! into our buffers and back, same bytes on the wire. Automatic, since the
//! reference 1.4.25 build has no `option splice-*`; `nosplice` turns it
//! off. Large Content-Length request bodies go the other way the same
//! way. Heads, chunked and close-delimited bodies and short exchanges
//! still go through the buffers. (On loopback a spliced upload costs the
//! receiving server more than a copied one, its receive path copying from
//! the spliced pages; through a real NIC the pages are sent as they are.)

use super::{Ctx, Session, St};
use crate::config::model::Mode;
use crate::splice::{step, End, MIN_SPLICE};

impl Session {
    /// Splices what the server sends of a response body to the client.
    /// None when this turn's bytes must be read the usual way.
    pub(super) fn splice_response(&mut self, ctx: &mut Ctx) -> Option<bool> {
        let tunnel = self.mode == Mode::Tcp || self.txn.tunnel;
        let left = self.rsp_splice_left(tunnel)?;
        let srv = std::os::unix::io::AsRawFd::as_raw_fd(self.srv.sock.as_ref()?);
        let cli = std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock);
        // no more than the client's socket can take now, plus one buffer:
        // what it cannot take is read back into to_cli (the pipe is shared)
        // and stays there while the client does not read, so that is all
        // a stalled client costs us (one buffer, as in 1.4)
        let bs = ctx.rt.cfg.global.bufsize;
        let cap = bs as u64 + crate::sys::send_space(cli).unwrap_or(0) as u64;
        if cap < MIN_SPLICE {
            return None;
        }
        let left = left.min(cap);
        ctx.pools.buf.fill(&mut self.cli.tx);
        let m = step(
            &mut ctx.pools.splicer,
            End {
                fd: srv,
                ready: &mut self.srv.can_read,
                eof: &mut self.srv.eof,
                err: &mut self.srv.err,
            },
            End {
                fd: cli,
                ready: &mut self.cli.can_write,
                eof: &mut self.cli.eof,
                err: &mut self.cli.err,
            },
            left,
            &mut self.cli.tx,
        );
        if m.unsupported {
            return None;
        }
        if tunnel && m.taken < MIN_SPLICE as usize {
            // the stream slowed down: back to reads until it fills one again
            self.srv.streaming = false;
        }
        if m.taken > 0 {
            // a known length is counted through a tunnel too (SD detection)
            if let Some(b) = self.txn.rsp_body.as_mut() {
                b.consume(m.taken as u64);
            }
            self.bytes_out += m.taken as u64;
            self.srv.last = ctx.now;
            self.srv.last_rd = ctx.now;
        }
        if m.given > 0 {
            self.cli.last = ctx.now;
        }
        Some(m.taken > 0 || self.srv.eof || self.srv.err || self.cli.err)
    }

    /// What of the response may go through the pipe this turn: the rest
    /// of a known length, or (a streaming tunnel) everything. None when
    /// the bytes must be read the usual way.
    fn rsp_splice_left(&self, tunnel: bool) -> Option<u64> {
        if self.st != St::Established
            || (!tunnel && !self.txn.rsp_head_done)
            || !self.srv.rx.is_empty()
            || !self.cli.tx.is_empty()
            || !self.srv.can_read
            || self.srv.eof
            || self.srv.err
            || !self.cli.can_write
            || self.cli.err
            || self.cli.shut
            || self.tls.is_some()
            || self.link.tls().is_some()
        {
            // (TLS: the kernel cannot encrypt, the bytes go through rustls)
            return None;
        }
        if tunnel {
            // raw bytes until the server closes; spliced only while it
            // streams (small exchanges cost less through the buffers)
            // (not while a chunked first message is still followed)
            let following = self
                .txn
                .rsp_body
                .as_ref()
                .is_some_and(|b| b.framing == crate::http::body::Framing::Chunked && !b.done);
            if !self.srv.streaming || following {
                return None;
            }
            Some(u64::MAX)
        } else {
            let left = self.txn.rsp_body.as_ref()?.length_left()?;
            if left < MIN_SPLICE {
                return None;
            }
            Some(left)
        }
    }

    /// Splices what the client sends of a Content-Length request body to
    /// the server, once everything before it was written. None when this
    /// turn's bytes must be read the usual way.
    pub(super) fn splice_request(&mut self, ctx: &mut Ctx) -> Option<bool> {
        if self.st != St::Established
            || self.mode != Mode::Http
            || self.txn.tunnel
            || !self.cli.can_read
            || self.cli.eof
            || self.cli.err
            || self.srv.err
            || self.srv.shut
            || self.tls.is_some()
            || self.link.tls().is_some()
        {
            return None;
        }
        let left = self.txn.req_body.as_ref()?.length_left()?;
        if left < MIN_SPLICE || ctx.pools.splicer.is_off() {
            return None;
        }
        if !self.srv.can_write || !self.srv.tx.is_empty() || !self.cli.rx.is_empty() {
            // the server is full, or what came before (the head, the body
            // read with it) is still on its way: the client's bytes wait
            // in its socket until they can go through the pipe (reading
            // them now would copy them through our buffers instead)
            return Some(false);
        }
        let srv = std::os::unix::io::AsRawFd::as_raw_fd(self.srv.sock.as_ref()?);
        let cli = std::os::unix::io::AsRawFd::as_raw_fd(&self.cli.sock);
        // as for responses: what the server cannot take now comes back
        // into to_srv, so a stalled server costs one buffer
        let bs = ctx.rt.cfg.global.bufsize;
        let cap = bs as u64 + crate::sys::send_space(srv).unwrap_or(0) as u64;
        if cap < MIN_SPLICE {
            return None;
        }
        ctx.pools.buf.fill(&mut self.srv.tx);
        let m = step(
            &mut ctx.pools.splicer,
            End {
                fd: cli,
                ready: &mut self.cli.can_read,
                eof: &mut self.cli.eof,
                err: &mut self.cli.err,
            },
            End {
                fd: srv,
                ready: &mut self.srv.can_write,
                eof: &mut self.srv.eof,
                err: &mut self.srv.err,
            },
            left.min(cap),
            &mut self.srv.tx,
        );
        if m.unsupported {
            return None;
        }
        if self.srv.err {
            // as a failed write does (do_writes)
            self.srv.eof = true;
        }
        if m.taken > 0 {
            if let Some(b) = self.txn.req_body.as_mut() {
                b.consume(m.taken as u64);
            }
            self.bytes_in += m.taken as u64;
            self.req_total += m.taken as u64;
            self.cli.last = ctx.now;
            self.cli.last_rd = ctx.now;
        }
        if m.given > 0 {
            self.srv.last = ctx.now;
        }
        Some(m.taken > 0 || self.cli.eof || self.cli.err || self.srv.err)
    }
}

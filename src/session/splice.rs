//! Large Content-Length response bodies, and what a tunnel's server
//! (tcp mode, httpclose) streams once it filled a whole read, go from the
//! server's socket to the client's through the kernel (splice(2)): no copy
//! into our buffers and back, same bytes on the wire. Automatic, since the
//! reference 1.4.25 build has no `option splice-*`; `nosplice` turns it
//! off. Heads, chunked and close-delimited bodies, short exchanges and
//! request bodies still go through the buffers; request bodies because
//! spliced uploads cost us less but the server more (its receive path
//! copies from the spliced pages; nginx used ~40% more CPU per 1 MiB
//! upload), which lowered throughput.

use super::{Ctx, Session, St};
use crate::config::model::Mode;
use crate::splice::{step, End, MIN_SPLICE};

impl Session {
    /// Splices what the server sends of a response body to the client.
    /// None when this turn's bytes must be read the usual way.
    pub(super) fn splice_response(&mut self, ctx: &mut Ctx) -> Option<bool> {
        let tunnel = self.mode == Mode::Tcp || self.txn.tunnel;
        if self.st != St::Established
            || (!tunnel && !self.txn.rsp_head_done)
            || !self.rsp_in.is_empty()
            || !self.to_cli.is_empty()
            || !self.srv_r
            || self.srv_eof
            || self.srv_err
            || !self.cli_w
            || self.cli_err
            || self.cli_shut
            || self.tls.is_some()
        {
            // (TLS: the kernel cannot encrypt, the bytes go through rustls)
            return None;
        }
        let left = if tunnel {
            // raw bytes until the server closes; spliced only while it
            // streams (small exchanges cost less through the buffers)
            // (not while a chunked first message is still followed)
            let following = self
                .txn
                .rsp_body
                .as_ref()
                .is_some_and(|b| b.framing == crate::http::body::Framing::Chunked && !b.done);
            if !self.srv_streaming || following {
                return None;
            }
            u64::MAX
        } else {
            let left = self.txn.rsp_body.as_ref()?.length_left()?;
            if left < MIN_SPLICE {
                return None;
            }
            left
        };
        let srv = std::os::unix::io::AsRawFd::as_raw_fd(self.srv.as_ref()?);
        let cli = std::os::unix::io::AsRawFd::as_raw_fd(&self.cli);
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
        ctx.rt.pool.fill(&mut self.to_cli);
        let m = step(
            &mut ctx.rt.splicer,
            End {
                fd: srv,
                ready: &mut self.srv_r,
                eof: &mut self.srv_eof,
                err: &mut self.srv_err,
            },
            End {
                fd: cli,
                ready: &mut self.cli_w,
                eof: &mut self.cli_eof,
                err: &mut self.cli_err,
            },
            left,
            &mut self.to_cli,
        );
        if m.unsupported {
            return None;
        }
        if tunnel && m.taken < MIN_SPLICE as usize {
            // the stream slowed down: back to reads until it fills one again
            self.srv_streaming = false;
        }
        if m.taken > 0 {
            // a known length is counted through a tunnel too (SD detection)
            if let Some(b) = self.txn.rsp_body.as_mut() {
                b.consume(m.taken as u64);
            }
            self.bytes_out += m.taken as u64;
            self.last_srv = ctx.now;
            self.last_srv_rd = ctx.now;
        }
        if m.given > 0 {
            self.last_cli = ctx.now;
        }
        Some(m.taken > 0 || self.srv_eof || self.srv_err || self.cli_err)
    }
}

//! Moving bytes each turn of a session: what each side sent is read into
//! its buffer (in large steps once past the heads), what waits for a side
//! is written to it, and the raw tunnel (tcp mode, an HTTP tunnel) with
//! its half-closes.

use super::io::Rooms;
use super::{move_all, Cause, Ctx, Fin, Session, St};
use crate::config::model::Mode;

impl Session {
    /// Reads what each side sent into the buffers; true on any progress.
    pub(super) fn do_reads(&mut self, ctx: &mut Ctx) -> bool {
        use std::os::unix::io::AsRawFd;
        let bs = Self::bufsize(ctx);
        let mut progress = false;
        // Past the heads, bodies and tunnels move in steps of up to 8
        // buffers when the receiving side keeps up (read_stepped): far
        // fewer syscalls per byte (1 MiB bodies went from ~140 reads to
        // ~20). Heads are still read within bufsize, as in 1.4.
        let data_phase = self.st == St::Established;
        let big = if data_phase { bs * 8 } else { bs };
        // client -> req_in
        let reading_cli = self.st != St::Reply;
        if let Some(p) = self.splice_request(ctx) {
            // a large request body went straight to the server
            progress |= p;
        } else if reading_cli {
            let room = bs.saturating_sub(self.srv.tx.len());
            if self.cli.can_read && !self.cli.eof && room > self.cli.rx.len() {
                ctx.pools.buf.fill(&mut self.cli.rx);
            }
            let rooms = Rooms {
                bs,
                big,
                queued: self.srv.tx.len(),
                peer: self.srv.sock.as_ref().map(|s| s.as_raw_fd()),
            };
            let (n, moved) = self.read_cli(rooms);
            progress |= moved;
            if n > 0 {
                self.bytes_in += n as u64;
                self.req_total += n as u64;
                self.cli.last = ctx.now;
                self.cli.last_rd = ctx.now;
                progress = true;
            }
        } else if self.cli.can_read && !self.cli.eof {
            // after a local reply, swallow what the client still sends
            let n = self.drain_cli();
            progress |= n > 0 || self.cli.eof;
        }
        if let Some(p) = self.splice_response(ctx) {
            // a large response body went straight to the client
            progress |= p;
        } else if self.srv.sock.is_some() && self.st == St::Established {
            let rsp_data = self.mode == Mode::Tcp || self.txn.tunnel || self.txn.rsp_head_done;
            let room = bs.saturating_sub(self.cli.tx.len());
            if self.srv.can_read && !self.srv.eof && room > self.srv.rx.len() {
                ctx.pools.buf.fill(&mut self.srv.rx);
            }
            let rooms = Rooms {
                bs,
                big: if rsp_data { big } else { bs },
                queued: self.cli.tx.len(),
                peer: Some(self.cli.sock.as_raw_fd()),
            };
            let (n, room) = self.read_srv(rooms);
            if n > 0 {
                self.bytes_out += n as u64;
                self.srv.last = ctx.now;
                self.srv.last_rd = ctx.now;
                progress = true;
            }
            // a full read in a tunnel: more is waiting, splice it
            self.srv.streaming = rsp_data && n >= room && room >= bs * 4;
        }
        progress
    }

    /// Writes what the buffers hold towards each side; true on progress.
    pub(super) fn do_writes(&mut self, ctx: &mut Ctx) -> bool {
        let mut progress = false;
        if let (true, St::Established) = (self.srv.sock.is_some(), self.st) {
            if !self.srv.tx.is_empty() || self.srv_tls_pending() {
                let mut werr = false;
                let n = self.write_srv(&mut werr);
                if werr {
                    self.srv.err = true;
                    self.srv.eof = true;
                }
                if n > 0 {
                    self.srv.last = ctx.now;
                    progress = true;
                    if self.srv.quickack_due {
                        self.srv.quickack_due = false;
                        if let Some(s) = self.srv.sock.as_ref() {
                            crate::sys::set_quickack(std::os::unix::io::AsRawFd::as_raw_fd(s));
                        }
                    }
                }
            }
        }
        if !self.cli.tx.is_empty() || self.tls_pending() {
            let fin_next = self.cli_fin_follows();
            let n = self.write_cli(fin_next);
            if n > 0 {
                self.cli.last = ctx.now;
                progress = true;
            }
        }
        progress
    }

    /// Whether the bytes now waiting for the client are its last ones and
    /// a shutdown(SHUT_WR) follows them in this same turn (a local reply, or
    /// a tunnel whose server has finished). Never when a close() could
    /// follow instead: with unread input, close() resets and would drop
    /// held bytes.
    pub(super) fn cli_fin_follows(&self) -> bool {
        if self.cli.shut || self.cli.err {
            return false;
        }
        match self.st {
            St::Reply => true,
            St::Established => {
                (self.mode == Mode::Tcp || self.txn.tunnel)
                    && self.srv.eof
                    && !self.srv.err
                    && !self.cli.eof
                    && self.srv.rx.is_empty()
            }
            _ => false,
        }
    }

    /// Raw forwarding both ways with half-close propagation.
    pub(super) fn tunnel(&mut self, ctx: &mut Ctx) -> bool {
        let mut p = false;
        if !self.cli.rx.is_empty() {
            move_all(&mut self.cli.rx, &mut self.srv.tx);
            p = true;
        }
        if !self.srv.rx.is_empty() {
            move_all(&mut self.srv.rx, &mut self.cli.tx);
            p = true;
        }
        if self.cli.err {
            // a client reset resets the server too (1.4)
            self.set_term(Cause::CliClose, Fin::Data);
            self.close_now(ctx, true);
            return true;
        }
        if self.srv.err && self.cli.tx.is_empty() {
            self.set_term(Cause::SrvClose, Fin::Data);
            self.close_now(ctx, false);
            return true;
        }
        // Half-close each way; when that side has closed too, the close()
        // that follows sends the same FIN, so the syscall is skipped.
        if self.cli.eof && self.srv.tx.is_empty() && !self.srv.shut {
            if !self.srv.eof {
                self.shut_srv_write();
            }
            self.srv.shut = true;
            p = true;
        }
        if self.srv.eof && self.cli.tx.is_empty() && !self.cli.shut {
            if !self.cli.eof {
                self.shut_cli_write();
            }
            self.cli.shut = true;
            p = true;
        }
        if self.cli.shut && self.srv.shut && self.cli.eof && self.srv.eof {
            self.enter(St::Closed);
            return true;
        }
        if self.cli.shut && self.srv.eof && self.cli.eof {
            self.enter(St::Closed);
            return true;
        }
        p
    }
}

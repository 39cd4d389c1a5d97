//! Health checks over TLS (`server ... ssl` or `check-ssl`, HAProxy 1.5
//! syntax): once the TCP connection is up the handshake runs, still under
//! the connect deadline; a TCP check then passes (1.5: connected means
//! the handshake is done), any other check sends its probe encrypted and
//! judges the decrypted answer. A handshake that fails is 1.5's
//! "Layer6 invalid response" with "SSL handshake failure"; one that
//! times out is a Layer6 timeout.

use super::{verdict, Checks, Close, Phase, Verdict};
use crate::config::model::CheckType;
use crate::state::{CheckStatus, Runtime};
use crate::tls::conn::{Flags, Hs};
use crate::tls::TlsConn;
use std::time::{Duration, Instant};

impl Checks {
    /// The TCP connection of check `i` is up: starts the handshake when
    /// its server's checks are encrypted. None when they are not (the
    /// plain probe goes), else what `handshake` says.
    pub(super) fn tls_start(
        &mut self,
        i: usize,
        rt: &Runtime,
        now: Instant,
    ) -> Option<Option<(Verdict, Close)>> {
        let c = &mut self.list[i];
        let s = &rt.cfg.proxies[c.px].servers[c.srv];
        let cfg = s.check_tls_ctx()?;
        let name = crate::tls::client::server_name(s.check_addr.unwrap_or(s.addr));
        let Some(t) = TlsConn::new_client(cfg, name) else {
            return Some(Some((hs_failed(), Close::Abort)));
        };
        c.tls = Some(Box::new(t));
        c.phase = Phase::Handshake;
        Some(self.handshake(i, rt, now))
    }

    /// One step of check `i`'s handshake; once done, the TCP check's
    /// verdict or the probe sent.
    pub(super) fn handshake(
        &mut self,
        i: usize,
        rt: &Runtime,
        now: Instant,
    ) -> Option<(Verdict, Close)> {
        let px = &rt.cfg.proxies[self.list[i].px];
        let c = &mut self.list[i];
        let (Some(t), Some(sock)) = (c.tls.as_mut(), c.sock.as_mut()) else {
            return Some((hs_failed(), Close::Abort));
        };
        let mut f = Flags {
            eof: false,
            err: false,
            ready: true,
            hup: false,
        };
        let mut writable = true;
        match t.handshake(sock, &mut f, &mut writable) {
            Hs::Wait => return None,
            Hs::Failed => return Some((hs_failed(), Close::Abort)),
            Hs::Done => {}
        }
        if px.check.kind == CheckType::Tcp {
            return Some((verdict(CheckStatus::L4Ok, b""), Close::Abort));
        }
        let mut err = false;
        t.write(sock, &mut c.to_send, &mut writable, &mut err);
        if err {
            return Some((verdict(CheckStatus::SockErr, b""), Close::Abort));
        }
        c.phase = Phase::Reading;
        if let Some(to) = px.timeouts.check {
            c.deadline = now + Duration::from_millis(to);
        }
        None
    }

    /// The decrypted answer of check `i` into its buffer, up to `room`;
    /// (end of data, failed). What is left of the probe goes first.
    pub(super) fn tls_read(&mut self, i: usize, room: usize) -> Option<(bool, bool)> {
        let c = &mut self.list[i];
        let (Some(t), Some(sock)) = (c.tls.as_mut(), c.sock.as_mut()) else {
            return None;
        };
        let (mut w, mut err) = (true, false);
        if !c.to_send.is_empty() || t.pending() {
            t.write(sock, &mut c.to_send, &mut w, &mut err);
        }
        let mut f = Flags {
            eof: false,
            err,
            ready: !err,
            hup: false,
        };
        t.read(sock, &mut c.buf, room, &mut f);
        Some((f.eof && !f.err, f.err))
    }
}

/// 1.5's verdict on a handshake that failed.
fn hs_failed() -> Verdict {
    verdict(CheckStatus::L6Rsp, b"SSL handshake failure")
}

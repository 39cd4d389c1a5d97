//! What a session shows of itself: `-d` trace lines, a `show sess` line,
//! and the copy of an invalid message kept for `show errors`.

use super::{Ctx, Session};
use std::time::Instant;

impl Session {
    /// The fds for `-d` traces (0xffff when absent, as 1.4's -1).
    pub fn trace_fds(&self) -> (u16, u16) {
        use std::os::unix::io::AsRawFd;
        let c = self.cli.sock.as_raw_fd() as u16;
        let s = self
            .srv
            .sock
            .as_ref()
            .map(|s| s.as_raw_fd() as u16)
            .unwrap_or(0xffff);
        (c, s)
    }

    pub fn trace_head(&self, ctx: &Ctx, first: &str, next: &str, h: &crate::http::head::Head) {
        if !crate::log::msg::debug() {
            return;
        }
        let (c, s) = self.trace_fds();
        let be = &ctx.rt.cfg.proxies[self.be].name;
        let pre = |d: &str| format!("{:08x}:{}.{}[{:04x}:{:04x}]: ", self.uniq, be, d, c, s);
        crate::log::msg::trace(&format!(
            "{}{}",
            pre(first),
            String::from_utf8_lossy(h.start())
        ));
        for hd in h.hdrs() {
            crate::log::msg::trace(&format!(
                "{}{}",
                pre(next),
                String::from_utf8_lossy(hd.line)
            ));
        }
    }

    /// A `-d` trace line without a header: `srvcls`, `clicls`, `closed`.
    pub(super) fn trace_event(&self, ctx: &Ctx, what: &str) {
        if crate::log::msg::debug() {
            let (c, s) = self.trace_fds();
            let be = &ctx.rt.cfg.proxies[self.be].name;
            crate::log::msg::trace(&format!(
                "{:08x}:{}.{}[{:04x}:{:04x}]",
                self.uniq, be, what, c, s
            ));
        }
    }

    /// One `show sess` line.
    pub fn summary(&self, key: usize, cfg: &crate::config::model::Config, now: Instant) -> String {
        let (c, s) = self.trace_fds();
        let srv = self
            .srv_idx()
            .map(|i| cfg.proxies[self.be].servers[i].name.as_str())
            .unwrap_or("<none>");
        let proto = if self.cli_addr.is_ipv4() {
            "tcpv4"
        } else {
            "tcpv6"
        };
        let age = now.saturating_duration_since(self.t_accept).as_secs();
        format!(
            "0x{:08x}: proto={} src={}:{} fe={} be={} srv={} age={} rq[l={}] rp[l={}] s0=[fd={}] s1=[fd={}] exp={}\n",
            key,
            proto,
            self.cli_addr.ip(),
            self.cli_addr.port(),
            cfg.proxies[self.fe].name,
            cfg.proxies[self.be].name,
            srv,
            crate::log::format::human_time(age),
            self.cli.rx.len() + self.srv.tx.len(),
            self.srv.rx.len() + self.cli.tx.len(),
            c as i16,
            s as i16,
            self.armed
                .map(|e| format!("{}ms", e.saturating_duration_since(now).as_millis()))
                .unwrap_or_else(|| "<NEVER>".into())
        )
    }

    /// Keeps a copy of an invalid request (`rsp` false) or response for the
    /// stats socket's `show errors`, as 1.4's error snapshots.
    pub(super) fn capture_error(&self, ctx: &mut Ctx, rsp: bool) {
        let buf = if rsp { &self.srv.rx } else { &self.cli.rx };
        let max = ctx.rt.cfg.global.bufsize;
        let buf = buf[..buf.len().min(max)].to_vec();
        // events are numbered from 0, the total counts them (1.4's
        // error_snapshot_id)
        let ev_id = ctx.rt.error_snapshots;
        ctx.rt.error_snapshots = ev_id.wrapping_add(1);
        let snap = crate::state::ErrSnapshot {
            when: crate::log::now_ms(),
            src: self.cli_addr,
            sid: self.uniq,
            other: if rsp { self.fe } else { self.be },
            srv: if rsp { self.srv_idx() } else { None },
            pos: crate::http::errpos::error_position(&buf, rsp),
            buf,
            ev_id,
        };
        if rsp {
            ctx.rt.px[self.be].invalid_rsp = Some(snap);
        } else {
            ctx.rt.px[self.fe].invalid_req = Some(snap);
        }
    }
}

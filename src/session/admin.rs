//! The stats page's admin form (`stats admin`): a POST of
//! `b=<backend>&s=<server>...&action=<verb>` read as 1.4 reads it (from the
//! end backwards, so the last `b` and `action` win and the servers are
//! handled in reverse order), applied through `server_state::apply`, and
//! answered with a 303 to `<uri>;st=<result>`.

use super::{Cause, Ctx, Fin, Session};
use crate::server_state::{apply, Change};

/// What the form asks for each listed server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Disable,
    Enable,
    Stop,
    Start,
}

/// 1.4's url_decode: `+` is a space, `%XX` a byte; a bad escape fails.
fn url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(h).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

/// 1.4's findproxy for a backend: a unique name, or `#id`.
fn find_backend(ctx: &Ctx, v: &[u8]) -> Option<usize> {
    let cfg = ctx.rt.cfg;
    let id = v.strip_prefix(b"#").map(|n| {
        n.iter()
            .take_while(|c| c.is_ascii_digit())
            .fold(0u32, |a, &d| {
                a.saturating_mul(10).saturating_add((d - b'0') as u32)
            })
    });
    let mut found = cfg.proxies.iter().enumerate().filter(|(_, p)| {
        p.is_be()
            && match id {
                Some(n) if n != 0 => p.id == n,
                _ => p.name.as_bytes() == v,
            }
    });
    let first = found.next()?.0;
    // an ambiguous name designates nothing
    found.next().is_none().then_some(first)
}

/// 1.4's findserver: a unique server name in the backend.
fn find_server(ctx: &Ctx, be: usize, v: &[u8]) -> Option<usize> {
    let servers = &ctx.rt.cfg.proxies[be].servers;
    let mut found = servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.name.as_bytes() == v);
    let first = found.next()?.0;
    found.next().is_none().then_some(first)
}

/// Applies an action to one server. Returns whether the server counts as
/// altered; None when it does not count at all (nothing to do).
fn act(ctx: &mut Ctx, be: usize, si: usize, action: Action) -> Option<bool> {
    let stopped = ctx.rt.px[be].stopped;
    let maint = ctx.rt.srv[be][si].maint;
    match action {
        Action::Disable if !stopped && !maint => Some(apply(ctx, be, si, Change::Maint)),
        Action::Enable if !stopped && maint => Some(apply(ctx, be, si, Change::Ready)),
        Action::Stop => Some(apply(ctx, be, si, Change::Weight(0))),
        Action::Start => {
            let w = ctx.rt.cfg.proxies[be].servers[si].weight;
            Some(apply(ctx, be, si, Change::Weight(w)))
        }
        _ => None,
    }
}

/// Runs the form's actions; the `st=` result code.
fn process_form(ctx: &mut Ctx, body: &[u8]) -> &'static str {
    let params: Vec<&[u8]> = if body.is_empty() {
        Vec::new()
    } else {
        body.split(|&c| c == b'&').collect()
    };
    let (mut be, mut action) = (None, None);
    // the last `s` met before the backend and the action were known
    let mut reprocess: Option<usize> = None;
    let (mut total, mut altered) = (0u32, 0u32);
    let mut i = params.len();
    while i > 0 {
        i -= 1;
        let p = params[i];
        let (k, v) = match p.iter().position(|&c| c == b'=') {
            Some(e) => (&p[..e], &p[e + 1..]),
            None => (p, &b""[..]),
        };
        let (Some(k), Some(v)) = (url_decode(k), url_decode(v)) else {
            break;
        };
        if be.is_none() && k == b"b" {
            match find_backend(ctx, &v) {
                Some(b) => be = Some(b),
                None => return "ERRP",
            }
        } else if action.is_none() && k == b"action" {
            action = Some(match &v[..] {
                b"disable" => Action::Disable,
                b"enable" => Action::Enable,
                b"stop" => Action::Stop,
                b"start" => Action::Start,
                _ => return "ERRP",
            });
        } else if k == b"s" {
            match (be, action) {
                (Some(b), Some(a)) => {
                    total += 1;
                    match find_server(ctx, b, &v).map(|si| act(ctx, b, si, a)) {
                        Some(Some(true)) => altered += 1,
                        Some(Some(false)) | None => {}
                        // nothing to do: not counted at all
                        Some(None) => total -= 1,
                    }
                }
                _ => {
                    reprocess.get_or_insert(i);
                }
            }
        }
        if let (Some(r), Some(_), Some(_)) = (reprocess, be, action) {
            reprocess = None;
            i = r + 1;
        }
    }
    match (total, altered) {
        (0, _) => "NONE",
        (_, 0) => "ERRP",
        (t, a) if t == a => "DONE",
        _ => "PART",
    }
}

impl Session {
    /// The admin form's POST: waits for the whole body, applies it, and
    /// answers 303 (after a 100 Continue when the client asked for one).
    pub(super) fn stats_post(&mut self, ctx: &mut Ctx) -> bool {
        let req = self.txn.req.as_ref();
        let header = |n: &str| {
            req.and_then(|h| h.get(n))
                .and_then(|v| std::str::from_utf8(v).ok())
        };
        let cl = header("Content-Length")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0)
            .min(ctx.rt.cfg.global.bufsize);
        let continue_100 = self.txn.req_11
            && header("Expect").is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
        if self.cli.rx.len() < cl && !self.cli.eof {
            return false;
        }
        let body: Vec<u8> = self.cli.rx.drain(..cl.min(self.cli.rx.len())).collect();
        let st = if self.txn.stats_admin {
            process_form(ctx, &body)
        } else {
            "DENY"
        };
        let uri = &ctx.rt.cfg.proxies[self.be].stats.uri;
        let msg = format!(
            "HTTP/1.0 303 See Other\r\nCache-Control: no-cache\r\nContent-Type: text/plain\r\nConnection: close\r\nLocation: {};st={}\r\n\r\n",
            uri, st
        );
        self.reply(ctx, 303, msg.as_bytes(), Cause::PrxCond, Fin::Request);
        if continue_100 && self.txn.stats_admin {
            const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
            self.cli.tx.splice(0..0, CONTINUE.iter().copied());
            self.bytes_out += CONTINUE.len() as u64;
        }
        true
    }
}

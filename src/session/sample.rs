//! What ACLs see of a session (`ReqSample`, the `acl::Sample` of a
//! request, its response and the runtime counters), and the criteria
//! that need more than a field: basic auth and passwords, 1.4's
//! `avg_queue` and `connslots`.

use super::{Ctx, Session};
use crate::acl::{Fetch, Sample};
use crate::http::head::Head;
use std::net::IpAddr;

/// What ACLs see of a session: the request and the runtime counters.
pub struct ReqSample<'a> {
    pub s: &'a Session,
    pub h: Option<&'a Head>,
    pub rsp: Option<&'a Head>,
    pub ctx: &'a Ctx<'a>,
    /// the proxy whose rule is evaluated: 1.4's default for the
    /// criteria that take an optional proxy name
    pub px: usize,
    /// `tcp-request content` before the inspect delay ran out: criteria
    /// that may still change give 1.4's "miss" (wait) instead of a verdict
    pub partial: bool,
}

impl Sample for ReqSample<'_> {
    fn ssl(&self, fetch: Fetch) -> Option<&str> {
        let t = self.s.tls.as_deref()?;
        match fetch {
            Fetch::SslFcSni => t.sni(),
            Fetch::SslFcProtocol => t.protocol(),
            Fetch::SslFcCipher => t.cipher(),
            _ => Some(""),
        }
    }
    fn src(&self) -> Option<IpAddr> {
        Some(self.s.cli_addr.ip())
    }
    fn src_port(&self) -> i64 {
        self.s.cli_addr.port() as i64
    }
    fn dst(&self) -> Option<IpAddr> {
        Some(self.s.dst_addr().ip())
    }
    fn dst_port(&self) -> i64 {
        self.s.dst_addr().port() as i64
    }
    fn method(&self) -> Option<&[u8]> {
        self.h.map(|h| h.method())
    }
    fn url(&self) -> Option<&[u8]> {
        self.h.map(|h| h.uri())
    }
    fn req_ver(&self) -> Option<&[u8]> {
        self.h.map(|h| h.req_version())
    }
    fn req_hdr_any(
        &self,
        name: Option<&str>,
        split: bool,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool {
        hdr_any(self.h, name, split, f)
    }
    fn rsp_hdr_any(
        &self,
        name: Option<&str>,
        split: bool,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool {
        hdr_any(self.rsp, name, split, f)
    }
    fn status(&self) -> Option<i64> {
        self.rsp.map(|h| h.status() as i64)
    }
    fn rsp_ver(&self) -> Option<&[u8]> {
        self.rsp.map(|h| h.rsp_version())
    }
    /// 1.4's request buffer length: while the request rules run, the
    /// head is still in it (ours is parsed out of `cli.rx` already).
    fn req_len(&self) -> i64 {
        let head = match (self.h, self.rsp) {
            (Some(h), None) => h.len,
            _ => 0,
        };
        (head + self.s.cli.rx.len()) as i64
    }
    fn req_payload(&self) -> &[u8] {
        &self.s.cli.rx
    }
    fn is_http(&self) -> bool {
        self.h.is_some()
    }
    fn first_req(&self) -> bool {
        !self.s.not_first
    }
    fn partial(&self) -> bool {
        self.partial
    }
    fn counter(&self, f: Fetch, arg: Option<&str>) -> Option<i64> {
        let rt = &self.ctx.rt;
        let cfg = rt.cfg;
        // 1.4 looks a named proxy up by capability; an unknown name fails
        // the fetch (no match), the rule's own proxy is the default
        let named = |cap_fe: bool| -> Option<usize> {
            match arg {
                Some(n) => cfg
                    .proxies
                    .iter()
                    .position(|p| p.name == n && if cap_fe { p.is_fe() } else { p.is_be() }),
                None => Some(self.px),
            }
        };
        Some(match f {
            Fetch::NbSrv => {
                let (a, b) = rt.srv_counts(named(false)?);
                if a > 0 {
                    a as i64
                } else {
                    b as i64
                }
            }
            Fetch::BeConn => rt.px[named(false)?].beconn as i64,
            Fetch::FeConn => rt.px[named(true)?].feconn as i64,
            Fetch::DstConn => rt
                .li
                .get(self.s.fe)
                .and_then(|v| v.get(self.s.bind as usize))
                .map_or(0, |c| c.cur as i64),
            Fetch::Queue => rt.totpend(named(false)?) as i64,
            Fetch::AvgQueue => avg_queue(rt, named(false)?),
            Fetch::ConnSlots => conn_slots(rt, named(false)?),
            Fetch::SoId => cfg.proxies[self.s.fe]
                .binds
                .get(self.s.bind as usize)
                .and_then(|b| b.id)
                .map_or(0, i64::from),
            Fetch::FeId => cfg.proxies[self.s.fe].id as i64,
            Fetch::BeId => cfg.proxies[self.s.be].id as i64,
            Fetch::SrvId => self
                .s
                .srv_idx()
                .map(|i| cfg.proxies[self.s.be].servers[i].id as i64)?,
            Fetch::SrvIsUp => {
                let a = arg?;
                let (pn, sn) = a.split_once('/').unwrap_or(("", a));
                let pi = if pn.is_empty() {
                    self.s.be
                } else {
                    cfg.proxies.iter().position(|p| p.name == pn)?
                };
                let si = cfg.proxies[pi].servers.iter().position(|s| s.name == sn)?;
                rt.srv[pi][si].usable() as i64
            }
            Fetch::FeSessRate => rt.px[named(true)?].fe_sess_per_sec.read() as i64,
            Fetch::BeSessRate => rt.px[named(false)?].be_sess_per_sec.read() as i64,
            _ => return None,
        })
    }
    fn auth_ok(&self, userlist: Option<&str>, groups: Option<&[Vec<u8>]>) -> bool {
        let proxy = self.s.txn.use_px_conn;
        let Some((u, p)) = self.h.and_then(|h| basic_auth(h, proxy)) else {
            return false;
        };
        let cfg = self.ctx.rt.cfg;
        let Some(ul) = cfg
            .userlists
            .iter()
            .find(|l| Some(l.name.as_str()) == userlist)
        else {
            return false;
        };
        let Some(user) = ul.users.iter().find(|x| x.name.as_bytes() == u.as_slice()) else {
            return false;
        };
        if !password_matches(&user.password, user.insecure, &p) {
            return false;
        }
        match groups {
            None => true,
            Some(gs) => gs.iter().any(|g| {
                user.groups.iter().any(|x| x.as_bytes() == g.as_slice())
                    || ul
                        .groups
                        .iter()
                        .any(|(n, us)| n.as_bytes() == g.as_slice() && us.contains(&user.name))
            }),
        }
    }
}

/// The values of header `name` (every header's with None), split on
/// commas and trimmed as 1.4's http_find_header does when `split` is set,
/// handed to `f` in place until it returns true.
fn hdr_any(
    h: Option<&Head>,
    name: Option<&str>,
    split: bool,
    f: &mut dyn FnMut(&[u8]) -> bool,
) -> bool {
    let Some(h) = h else { return false };
    match name {
        Some(n) if split => h.hdrs().filter(|x| x.is(n)).any(|x| {
            x.value()
                .split(|&c| c == b',')
                .any(|v| f(crate::http::head::trim(v)))
        }),
        Some(n) => h.hdrs().filter(|x| x.is(n)).any(|x| f(x.value())),
        None => h.hdrs().any(|x| f(x.value())),
    }
}

fn b64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// user and password of a Basic Authorization header.
pub fn basic_auth(h: &Head, proxy: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let v = h.get(if proxy {
        "Proxy-Authorization"
    } else {
        "Authorization"
    })?;
    let rest = v
        .strip_prefix(b"Basic ")
        .or_else(|| v.strip_prefix(b"basic "))?;
    let d = b64_decode(crate::http::head::trim(rest))?;
    let c = d.iter().position(|&c| c == b':')?;
    Some((d[..c].to_vec(), d[c + 1..].to_vec()))
}

/// A userlist password check: `insecure-password` compares the text,
/// `password` is a crypt(3) hash (DES, MD5, bcrypt, SHA-256/512), as 1.4
/// built with crypt support checks it.
pub fn password_matches(stored: &str, insecure: bool, given: &[u8]) -> bool {
    if insecure {
        return stored.as_bytes() == given;
    }
    match std::str::from_utf8(given) {
        Ok(g) => pwhash::unix::verify(g, stored),
        Err(_) => false,
    }
}

/// 1.4's avg_queue: the backend's pending sessions (its own queue and its
/// servers') per running server, rounded up; with the first backup server
/// alone in use that is one server, and with none twice the total.
fn avg_queue(rt: &crate::state::Runtime, be: usize) -> i64 {
    let (act, bck) = rt.srv_counts(be);
    let n = if act > 0 {
        act
    } else if bck > 0 && !rt.cfg.proxies[be].flags.allbackups {
        1
    } else {
        bck
    };
    let pend = rt.totpend(be) as i64;
    if n > 0 {
        (pend + n as i64 - 1) / n as i64
    } else {
        pend * 2
    }
}

/// 1.4's connslots: free connection and queue slots over the running
/// servers; -1 (unlimited) as soon as one of them has no maxconn or no
/// maxqueue.
fn conn_slots(rt: &crate::state::Runtime, be: usize) -> i64 {
    let mut free = 0i64;
    for (c, s) in rt.cfg.proxies[be].servers.iter().zip(&rt.srv[be]) {
        if !s.usable() {
            continue;
        }
        if c.maxconn == 0 || c.maxqueue == 0 {
            return -1;
        }
        free += (c.maxconn as i64 - s.cur_sess as i64) + (c.maxqueue as i64 - s.queue.len() as i64);
    }
    free
}

#[cfg(test)]
mod password_tests {
    use super::password_matches;

    #[test]
    fn crypt_hashes_and_plain_passwords() {
        // made with `openssl passwd -1/-5/-6 -salt ...`
        let md5 = "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1";
        let sha256 = "$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA";
        let sha512 = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
        for h in [md5, sha256, sha512] {
            assert!(password_matches(h, false, b"secret"), "{h}");
            assert!(!password_matches(h, false, b"secret2"), "{h}");
        }
        assert!(!password_matches(md5, false, b"Secret"));
        assert!(password_matches("plain", true, b"plain"));
        assert!(!password_matches("plain", false, b"plain"));
        assert!(!password_matches(md5, true, b"secret"));
        assert!(!password_matches(md5, false, &[0xff, 0xfe]));
    }
}

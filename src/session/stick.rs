//! Stick tables and appsession: persistence learned from traffic.

use super::{Ctx, Session};
use crate::config::model::{StickAction, StickFetch, StickRule, StickType};
use crate::http::head::{trim, Head};
use std::net::IpAddr;
use std::time::{Duration, Instant};

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The configured limits of the table in proxy `t`.
fn limits(cfg: &crate::config::model::Config, t: usize) -> crate::stick_table::Limits {
    let st = cfg.proxies.get(t).and_then(|p| p.stick_table.as_ref());
    crate::stick_table::Limits {
        size: st.map_or(0, |s| s.size),
        expire: st.and_then(|s| s.expire).map(Duration::from_millis),
        nopurge: st.is_some_and(|s| s.nopurge),
    }
}

fn live(e: &(u32, Option<Instant>), now: Instant) -> bool {
    e.1.is_none_or(|t| t > now)
}

/// The appsession id carried by a request: its cookie, or in the URI as a
/// path parameter (`;NAME=v`) or in the query string.
fn app_id(h: &Head, a: &crate::config::model::AppSession) -> Option<Vec<u8>> {
    for hd in h.hdrs().filter(|x| x.is("Cookie")) {
        for part in hd.value().split(|&c| c == b';') {
            let t = trim(part);
            let Some(eq) = t.iter().position(|&c| c == b'=') else {
                continue;
            };
            let name = &t[..eq];
            if name == a.cookie.as_bytes() || (a.prefix && name.starts_with(a.cookie.as_bytes())) {
                let v = &t[eq + 1..];
                return Some(v[..v.len().min(a.len)].to_vec());
            }
        }
    }
    let uri = h.uri();
    let mut pat = Vec::new();
    pat.push(if a.query_string { b'?' } else { b';' });
    pat.extend_from_slice(a.cookie.as_bytes());
    pat.push(b'=');
    let pos = uri
        .windows(pat.len())
        .position(|w| w == pat.as_slice())
        .or_else(|| {
            if a.query_string {
                let mut p2 = pat.clone();
                p2[0] = b'&';
                uri.windows(p2.len()).position(|w| w == p2.as_slice())
            } else {
                None
            }
        })?;
    let v = &uri[pos + pat.len()..];
    let end = v
        .iter()
        .position(|&c| c == b'&' || c == b';' || c == b'?' || c == b'/')
        .unwrap_or(v.len());
    Some(v[..end.min(a.len)].to_vec())
}

impl Session {
    fn stick_key(&self, ctx: &Ctx, r: &StickRule) -> Option<Vec<u8>> {
        let table = ctx.rt.cfg.proxies[r.table_idx].stick_table.as_ref()?;
        let req = self.txn.req.as_ref();
        let raw: Vec<u8> = match &r.fetch {
            StickFetch::Src => ip_bytes(self.cli_addr.ip()),
            StickFetch::Dst => ip_bytes(self.dst_addr().ip()),
            StickFetch::DstPort => self.dst_addr().port().to_string().into_bytes(),
            // 1.4's `hdr` pattern is an IPv4 address read from the last
            // occurrence (pattern_fetch_hdr_ip); 0 means no key
            StickFetch::Hdr(n) => {
                let ip = inetaddr_host_lim(req?.last_value(n)?);
                if ip == 0 {
                    return None;
                }
                ip.to_be_bytes().to_vec()
            }
        };
        let mut k = raw;
        for c in &r.conv {
            match c.as_str() {
                "lower" => k.make_ascii_lowercase(),
                "upper" => k.make_ascii_uppercase(),
                m => {
                    let mask = m.trim_start_matches("ipmask(").trim_end_matches(')');
                    if let (Ok(m), 4) = (mask.parse::<std::net::Ipv4Addr>(), k.len()) {
                        for (b, mb) in k.iter_mut().zip(m.octets()) {
                            *b &= mb;
                        }
                    }
                }
            }
        }
        match table.kind {
            StickType::Ip => {
                if k.len() != 4 && k.len() != 16 {
                    let s = String::from_utf8_lossy(&k).into_owned();
                    k = ip_bytes(s.trim().parse().ok()?);
                }
            }
            StickType::Integer => {
                if k.len() == 4
                    && matches!(
                        r.fetch,
                        StickFetch::Src | StickFetch::Dst | StickFetch::Hdr(_)
                    )
                {
                    k = u32::from_be_bytes([k[0], k[1], k[2], k[3]])
                        .to_string()
                        .into_bytes();
                }
            }
            StickType::String(len) => k.truncate(len),
        }
        Some(k)
    }

    fn rule_ok(&self, ctx: &Ctx, r: &StickRule) -> bool {
        let be = &ctx.rt.cfg.proxies[self.be];
        let s = super::sample::ReqSample {
            s: self,
            h: self.txn.req.as_ref(),
            rsp: None,
            ctx,
            px: self.be,
            partial: false,
        };
        crate::acl::opt_cond_match(&r.cond, &be.acls, &s)
    }

    /// Before server choice: `stick match`/`stick on`, then appsession.
    pub(super) fn persist_lookup(&mut self, ctx: &mut Ctx) -> Option<usize> {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        let now = ctx.now;
        // persist rdp-cookie runs before the stick rules, as in 1.4
        if let Some(name) = &be.persist_rdp {
            if let crate::payload::Fetched::Found(v) =
                crate::payload::rdp_cookie(&self.cli.rx, Some(name))
            {
                if let Some((ip, port)) = crate::payload::rdp_persist_target(v) {
                    let found = be
                        .servers
                        .iter()
                        .position(|s| s.addr == std::net::IpAddr::V4(ip) && s.port == port);
                    if let Some(si) = found {
                        if ctx.rt.srv[self.be][si].usable()
                            || be.flags.persist
                            || self.txn.force_persist
                        {
                            return Some(si);
                        }
                    }
                }
            }
        }
        let mut assigned = None;
        for r in be
            .stick_rules
            .iter()
            .filter(|r| matches!(r.action, StickAction::Match | StickAction::On))
        {
            if !self.rule_ok(ctx, r) {
                continue;
            }
            let Some(k) = self.stick_key(ctx, r) else {
                continue;
            };
            let lim = limits(cfg, r.table_idx);
            let tab = &mut ctx.rt.tables[r.table_idx];
            let Some(id) = tab.get(&k, now, &lim) else {
                continue;
            };
            // 1.4 restarts the entry's expiry on every match, and goes on
            // with the next rules once a server is assigned
            tab.touch(&k, now, &lim);
            if assigned.is_some() {
                continue;
            }
            if let Some(si) = be.servers.iter().position(|s| s.id == id) {
                if ctx.rt.srv[self.be][si].usable() || be.flags.persist || self.txn.force_persist {
                    assigned = Some(si);
                }
            }
        }
        if assigned.is_some() {
            return assigned;
        }
        if self.txn.ignore_persist {
            return None;
        }
        if let (Some(a), Some(h)) = (&be.appsession, self.txn.req.as_ref()) {
            if let Some(id) = app_id(h, a) {
                if let Some(e) = ctx.rt.apps[self.be].get(&id) {
                    if live(e, now) {
                        let sid = e.0;
                        if let Some(si) = be.servers.iter().position(|s| s.id == sid) {
                            let usable = ctx.rt.srv[self.be][si].usable();
                            if usable || be.flags.persist || self.txn.force_persist {
                                return Some(si);
                            }
                        }
                    }
                }
            }
        }
        None
    }

    /// Once the server is known: `stick store-request`/`stick on`, and
    /// appsession's request-learn.
    pub(super) fn persist_store(&mut self, ctx: &mut Ctx, si: usize) {
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        let id = be.servers[si].id;
        let now = ctx.now;
        for r in be
            .stick_rules
            .iter()
            .filter(|r| matches!(r.action, StickAction::Store | StickAction::On))
        {
            if !self.rule_ok(ctx, r) {
                continue;
            }
            let Some(k) = self.stick_key(ctx, r) else {
                continue;
            };
            if cfg.proxies[r.table_idx].stick_table.is_none() {
                continue;
            }
            let lim = limits(cfg, r.table_idx);
            ctx.rt.tables[r.table_idx].store(&k, id, now, &lim);
        }
        if let (Some(a), Some(h), false) = (
            &be.appsession,
            self.txn.req.as_ref(),
            self.txn.ignore_persist,
        ) {
            if a.request_learn {
                if let Some(v) = app_id(h, a) {
                    let exp = Some(now + Duration::from_millis(a.timeout));
                    ctx.rt.apps[self.be].insert(v, (id, exp));
                }
            }
        }
    }

    /// appsession: the id a server sets in its Set-Cookie belongs to it.
    pub(super) fn appsession_learn(&mut self, ctx: &mut Ctx, h: &Head, si: usize) {
        if self.txn.ignore_persist {
            return;
        }
        let cfg = ctx.rt.cfg;
        let be = &cfg.proxies[self.be];
        let Some(a) = &be.appsession else { return };
        for hd in h.hdrs().filter(|x| x.is("Set-Cookie")) {
            let v = hd.value();
            let Some(eq) = v.iter().position(|&c| c == b'=') else {
                continue;
            };
            let name = &v[..eq];
            if name != a.cookie.as_bytes() && !(a.prefix && name.starts_with(a.cookie.as_bytes())) {
                continue;
            }
            let val = &v[eq + 1..];
            let end = val.iter().position(|&c| c == b';').unwrap_or(val.len());
            let id = val[..end.min(a.len)].to_vec();
            let exp = Some(ctx.now + Duration::from_millis(a.timeout));
            let tab = &mut ctx.rt.apps[self.be];
            if tab.len() > 100_000 {
                let now = ctx.now;
                tab.retain(|_, e| live(e, now));
            }
            tab.insert(id, (be.servers[si].id, exp));
        }
    }
}

/// 1.4's inetaddr_host_lim(): a dotted quad read the lenient way 1.4 reads
/// the `hdr` pattern: each group's last three digits, groups after the
/// first non-digit non-dot left at 0, and a group above 255 carrying into
/// the one before it (1.4 adds the byte lanes as one 32-bit word).
fn inetaddr_host_lim(t: &[u8]) -> u32 {
    let mut out = 0u32;
    let mut shift = 24u32;
    let mut start = 0;
    let mut p = 0;
    loop {
        while p < t.len() && t[p].is_ascii_digit() {
            p += 1;
        }
        let group = &t[start..p];
        let v = group[group.len().saturating_sub(3)..]
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
        out = out.wrapping_add(v.wrapping_shl(shift));
        if shift == 0 || p == t.len() || t[p] != b'.' {
            break;
        }
        shift -= 8;
        p += 1;
        start = p;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::inetaddr_host_lim;

    #[test]
    fn lenient_dotted_quads_as_1_4() {
        assert_eq!(inetaddr_host_lim(b"10.1.2.3"), 0x0a01_0203);
        assert_eq!(inetaddr_host_lim(b"10.1"), 0x0a01_0000);
        assert_eq!(inetaddr_host_lim(b"10.1.2.3, 4.5.6.7"), 0x0a01_0203);
        assert_eq!(inetaddr_host_lim(b"1234.0.0.1"), (234 << 24) | 1);
        assert_eq!(inetaddr_host_lim(b"0.0.300.0"), (1 << 16) | (44 << 8));
        assert_eq!(inetaddr_host_lim(b"abc"), 0);
    }
}

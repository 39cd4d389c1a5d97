//! Evaluation of ACL expressions and conditions against a session's
//! `Sample`: the fetches, 1.4's three-valued verdicts during content
//! inspection, and the URI helpers the fetches share.

use super::patset::find;
use super::*;

/// The path part of a request URI: after scheme://host of an absolute URI,
/// up to the '?'.
pub fn uri_path(url: &[u8]) -> &[u8] {
    let mut p = url;
    if let Some(pos) = find(p, b"://") {
        if !p.starts_with(b"/") {
            let rest = &p[pos + 3..];
            p = match rest.iter().position(|&c| c == b'/') {
                Some(s) => &rest[s..],
                None => &rest[rest.len()..],
            };
        }
    }
    match p.iter().position(|&c| c == b'?') {
        Some(q) => &p[..q],
        None => p,
    }
}

/// The path and query of a request URI (absolute URIs lose scheme://host).
pub fn uri_path_and_query(url: &[u8]) -> &[u8] {
    if url.starts_with(b"/") {
        return url;
    }
    match find(url, b"://") {
        Some(pos) => {
            let rest = &url[pos + 3..];
            match rest.iter().position(|&c| c == b'/') {
                Some(s) => &rest[s..],
                None => b"/",
            }
        }
        None => url,
    }
}

/// "HTTP/1.1" -> "1.1": what follows the first '/', as 1.4's version
/// fetches skip it.
fn after_slash(v: &[u8]) -> &[u8] {
    match v.iter().position(|&c| c == b'/') {
        Some(p) => &v[p + 1..],
        None => &v[v.len()..],
    }
}

/// A header fetch's values against the patterns, read as the match kind
/// wants them (integers and addresses are parsed from the text).
/// One header value against the expression's patterns.
fn match_value(e: &AclExpr, v: &[u8]) -> bool {
    match e.kind {
        MatchKind::Int => e
            .pats
            .match_int(crate::units::atoi(&String::from_utf8_lossy(v))),
        MatchKind::Ip => {
            let t = String::from_utf8_lossy(v);
            e.pats.match_ip(t.trim().parse().ok())
        }
        _ => e.pats.match_str(v),
    }
}

/// How many values a `*_hdr_any` walk visits (`hdr_cnt`, `shdr_cnt`).
fn count(walk: impl FnOnce(&mut dyn FnMut(&[u8]) -> bool) -> bool) -> i64 {
    let mut n = 0;
    walk(&mut |_| {
        n += 1;
        false
    });
    n
}

/// url_ip / url_port: the host and port of an absolute `http://` URI
/// (port 80 when none is given).
fn url_ip_port(e: &AclExpr, u: &[u8]) -> bool {
    let Some(rest) = u.strip_prefix(b"http://") else {
        return false;
    };
    let end = rest
        .iter()
        .position(|&c| c == b'/' || c == b'?')
        .unwrap_or(rest.len());
    let hp = String::from_utf8_lossy(&rest[..end]).into_owned();
    let (h, p) = match hp.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse::<i64>().unwrap_or(80)),
        None => (hp.clone(), 80),
    };
    if e.fetch == Fetch::UrlIp {
        e.pats.match_ip(h.parse().ok())
    } else {
        e.pats.match_int(p)
    }
}

/// http_auth_group: the credentials must be valid and the user in one of
/// the pattern groups.
fn auth_group(e: &AclExpr, s: &dyn Sample) -> bool {
    let groups: Vec<Vec<u8>> = e
        .pats
        .linear()
        .iter()
        .filter_map(|p| {
            if let Pattern::Str(v) | Pattern::StrI(v) = p {
                Some(v.clone())
            } else {
                None
            }
        })
        .collect();
    s.auth_ok(e.arg.as_deref(), Some(&groups))
}

/// The fetches that read the request payload during content inspection.
fn payload_match(e: &AclExpr, s: &dyn Sample) -> bool {
    use crate::payload::{rdp_cookie, ssl_hello_version, Fetched};
    match e.fetch {
        Fetch::ReqSslVer => match ssl_hello_version(s.req_payload(), 16384) {
            Fetched::Found(v) => e.pats.match_int(v),
            _ => false,
        },
        Fetch::ReqRdpCookie => match rdp_cookie(s.req_payload(), e.arg.as_deref()) {
            Fetched::Found(v) => e.pats.match_str(v),
            _ => false,
        },
        _ => {
            let found = matches!(
                rdp_cookie(s.req_payload(), e.arg.as_deref()),
                Fetched::Found(_)
            );
            e.pats.match_int(found as i64)
        }
    }
}

fn expr_match(e: &AclExpr, s: &dyn Sample) -> bool {
    use Fetch::*;
    match e.fetch {
        Src => e.pats.match_ip(s.src()),
        Dst => e.pats.match_ip(s.dst()),
        SrcPort => e.pats.match_int(s.src_port()),
        DstPort => e.pats.match_int(s.dst_port()),
        AlwaysTrue => true,
        // true once the inspect delay is over (or outside inspection)
        WaitEnd => !s.partial(),
        AlwaysFalse => false,
        ReqProtoHttp => s.is_http() || payload_is_http(s.req_payload()) == Some(true),
        HttpFirstReq => s.first_req(),
        ReqLen => e.pats.match_int(s.req_len()),
        Path => s.url().is_some_and(|u| e.pats.match_str(uri_path(u))),
        Url => s.url().is_some_and(|u| e.pats.match_str(u)),
        UrlIp | UrlPort => s.url().is_some_and(|u| url_ip_port(e, u)),
        Method => s.method().is_some_and(|m| e.pats.match_str(m)),
        ReqVer => s
            .req_ver()
            .is_some_and(|v| e.pats.match_str(after_slash(v))),
        RespVer => s
            .rsp_ver()
            .is_some_and(|v| e.pats.match_str(after_slash(v))),
        Hdr => s.req_hdr_any(e.arg.as_deref(), true, &mut |v| match_value(e, v)),
        Shdr => s.rsp_hdr_any(e.arg.as_deref(), true, &mut |v| match_value(e, v)),
        HdrCnt => e
            .pats
            .match_int(count(|f| s.req_hdr_any(e.arg.as_deref(), true, f))),
        ShdrCnt => e
            .pats
            .match_int(count(|f| s.rsp_hdr_any(e.arg.as_deref(), true, f))),
        Status => s.status().is_some_and(|v| e.pats.match_int(v)),
        HttpAuth => s.auth_ok(e.arg.as_deref(), None),
        HttpAuthGroup => auth_group(e, s),
        SrvIsUp => s.counter(SrvIsUp, e.arg.as_deref()).unwrap_or(0) != 0,
        SslFc => s.ssl(SslFc).is_some(),
        SslFcHasCrt => false, // no client certificates are asked for
        SslFcSni | SslFcProtocol | SslFcCipher => s
            .ssl(e.fetch)
            .is_some_and(|v| e.pats.match_str(v.as_bytes())),
        ReqSslVer | ReqRdpCookie | ReqRdpCookieCnt => payload_match(e, s),
        f => s
            .counter(f, e.arg.as_deref())
            .is_some_and(|v| e.pats.match_int(v)),
    }
}

pub fn acl_match(acl: &Acl, s: &dyn Sample) -> bool {
    acl.exprs.iter().any(|e| expr_match(e, s))
}

/// 1.4's three ACL results: a condition on data still arriving may be
/// neither true nor false yet ("miss": wait for more). Ordered so that
/// AND is `min` and OR is `max`, as 1.4's bit masks combine them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Fail,
    Miss,
    Pass,
}

/// Whether a criterion's answer may differ once more request data came
/// in, during content inspection.
fn may_change(f: Fetch, s: &dyn Sample) -> bool {
    use crate::payload::{rdp_cookie, ssl_hello_version, Fetched};
    match f {
        Fetch::ReqLen | Fetch::WaitEnd => true,
        Fetch::ReqProtoHttp => !s.is_http() && payload_is_http(s.req_payload()).is_none(),
        Fetch::ReqSslVer => ssl_hello_version(s.req_payload(), 16384) == Fetched::TooShort,
        Fetch::ReqRdpCookie | Fetch::ReqRdpCookieCnt => {
            rdp_cookie(s.req_payload(), None) == Fetched::TooShort
        }
        _ => false,
    }
}

/// `req_proto_http` on raw bytes (content inspection): a complete, valid
/// request head (Some(true)), an invalid one (Some(false)), or not yet
/// known (None), as 1.4 runs its HTTP parser over the buffer.
fn payload_is_http(buf: &[u8]) -> Option<bool> {
    use crate::http::head::{parse_request, Parse};
    if buf.is_empty() {
        return None;
    }
    match parse_request(buf, buf.len().max(16384)) {
        Parse::Done(_) => Some(true),
        Parse::Invalid => Some(false),
        Parse::Partial => None,
    }
}

/// One ACL as 1.4's acl_exec_cond sees it: pass on the first matching
/// expression, else miss when one of them may still change.
fn acl_verdict(acl: &Acl, s: &dyn Sample) -> Verdict {
    let mut miss = false;
    for e in &acl.exprs {
        if expr_match(e, s) {
            return Verdict::Pass;
        }
        miss |= s.partial() && may_change(e.fetch, s);
    }
    if miss {
        Verdict::Miss
    } else {
        Verdict::Fail
    }
}

/// A condition's three-valued result before its `if`/`unless` polarity:
/// AND within a group (a miss stays a miss unless a term fails), OR
/// between groups; negation keeps a miss.
pub fn cond_verdict(c: &Cond, acls: &[Acl], s: &dyn Sample) -> Verdict {
    let mut cond = Verdict::Fail;
    for g in &c.groups {
        let mut suite = Verdict::Pass;
        for t in g {
            let v = match &t.acl {
                AclRef::Named(i) => acls.get(*i).map_or(Verdict::Fail, |a| acl_verdict(a, s)),
                AclRef::Builtin(a) => acl_verdict(a, s),
            };
            let v = match (v, t.neg) {
                (Verdict::Pass, true) => Verdict::Fail,
                (Verdict::Fail, true) => Verdict::Pass,
                (v, _) => v,
            };
            suite = suite.min(v);
            if suite == Verdict::Fail {
                break;
            }
        }
        cond = cond.max(suite);
        if cond == Verdict::Pass {
            break;
        }
    }
    cond
}

/// Evaluates a condition; `acls` is the declaring proxy's ACL list.
pub fn cond_match(c: &Cond, acls: &[Acl], s: &dyn Sample) -> bool {
    let r = c.groups.iter().any(|g| {
        g.iter().all(|t| {
            let m = match &t.acl {
                AclRef::Named(i) => acls.get(*i).is_some_and(|a| acl_match(a, s)),
                AclRef::Builtin(a) => acl_match(a, s),
            };
            m != t.neg
        })
    });
    r != c.unless
}

/// `None` condition means "always".
pub fn opt_cond_match(c: &Option<Cond>, acls: &[Acl], s: &dyn Sample) -> bool {
    match c {
        None => true,
        Some(c) => cond_match(c, acls, s),
    }
}

/// Does the condition use layer-7 request criteria (for tcp-mode warnings)?
pub fn cond_uses(c: &Cond, acls: &[Acl], pred: impl Fn(Fetch) -> bool) -> bool {
    c.groups.iter().flatten().any(|t| match &t.acl {
        AclRef::Named(i) => acls
            .get(*i)
            .is_some_and(|a| a.exprs.iter().any(|e| pred(e.fetch))),
        AclRef::Builtin(a) => a.exprs.iter().any(|e| pred(e.fetch)),
    })
}

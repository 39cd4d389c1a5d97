//! ACLs and conditions: parsing of `acl` lines and `if`/`unless` conditions
//! as 1.4 reads them, and matching against what a session can fetch.

use regex::bytes::{Regex, RegexBuilder};
use std::net::{IpAddr, Ipv4Addr};

/// What an ACL criterion looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    Src,
    SrcPort,
    Dst,
    DstPort,
    DstConn,
    SoId,
    FeId,
    BeId,
    SrvId,
    AlwaysTrue,
    AlwaysFalse,
    WaitEnd,
    NbSrv,
    BeConn,
    FeConn,
    Queue,
    AvgQueue,
    ConnSlots,
    BeSessRate,
    FeSessRate,
    SrvIsUp,
    Path,
    Url,
    UrlIp,
    UrlPort,
    Hdr,
    HdrCnt,
    Method,
    ReqVer,
    HttpAuth,
    HttpAuthGroup,
    HttpFirstReq,
    ReqLen,
    ReqSslVer,
    ReqRdpCookie,
    ReqRdpCookieCnt,
    ReqProtoHttp,
    Status,
    RespVer,
    Shdr,
    ShdrCnt,
    /// 1.5's TLS criteria (an extension): the client connection is TLS,
    /// its SNI, protocol and cipher, and whether it sent a certificate
    SslFc,
    SslFcSni,
    SslFcProtocol,
    SslFcCipher,
    SslFcHasCrt,
}

/// How the fetched sample is compared with the patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Str,
    Beg,
    End,
    Sub,
    Dir,
    Dom,
    Reg,
    Len,
    Int,
    Ip,
    Nothing,
    Ver,
}

#[derive(Debug, Clone)]
pub enum Pattern {
    Str(Vec<u8>),
    Reg(Regex),
    Int(i64, i64),
    Net(Ipv4Addr, Ipv4Addr),
}

#[derive(Debug, Clone)]
pub struct AclExpr {
    pub fetch: Fetch,
    pub kind: MatchKind,
    pub arg: Option<String>,
    pub icase: bool,
    pub patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
pub struct Acl {
    pub name: String,
    /// Several `acl` lines with one name are ORed.
    pub exprs: Vec<AclExpr>,
}

#[derive(Debug, Clone)]
pub enum AclRef {
    Named(usize),
    Builtin(Box<Acl>),
}

#[derive(Debug, Clone)]
pub struct Term {
    pub neg: bool,
    pub acl: AclRef,
}

/// `if`/`unless` followed by ORed groups of ANDed terms.
#[derive(Debug, Clone)]
pub struct Cond {
    pub unless: bool,
    pub groups: Vec<Vec<Term>>,
}

thread_local! {
    /// Whether this config has a `bind ... ssl` (see `enable_tls_criteria`).
    static TLS_CRITERIA: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The `ssl_fc*` criteria (1.5's, an extension) exist only in a config
/// that has a `bind ... ssl` line: in a 1.4 config they get 1.4's refusal,
/// as every criterion 1.4 does not know.
pub fn enable_tls_criteria(on: bool) {
    TLS_CRITERIA.with(|c| c.set(on));
}

fn criterion(name: &str) -> Option<(Fetch, MatchKind)> {
    if name.starts_with("ssl_fc") && !TLS_CRITERIA.with(|c| c.get()) {
        return None;
    }
    use Fetch::*;
    use MatchKind::*;
    let r = match name {
        "src" => (Src, Ip),
        "dst" => (Dst, Ip),
        "src_port" => (SrcPort, Int),
        "dst_port" => (DstPort, Int),
        "dst_conn" => (DstConn, Int),
        "so_id" => (SoId, Int),
        "fe_id" => (FeId, Int),
        "be_id" => (BeId, Int),
        "srv_id" => (SrvId, Int),
        "always_true" => (AlwaysTrue, Nothing),
        "always_false" => (AlwaysFalse, Nothing),
        "wait_end" => (WaitEnd, Nothing),
        "nbsrv" => (NbSrv, Int),
        "be_conn" => (BeConn, Int),
        "fe_conn" => (FeConn, Int),
        "queue" => (Queue, Int),
        "avg_queue" => (AvgQueue, Int),
        "connslots" => (ConnSlots, Int),
        "be_sess_rate" => (BeSessRate, Int),
        "fe_sess_rate" => (FeSessRate, Int),
        "srv_is_up" => (SrvIsUp, Nothing),
        "path" => (Path, Str),
        "path_beg" => (Path, Beg),
        "path_end" => (Path, End),
        "path_sub" => (Path, Sub),
        "path_dir" => (Path, Dir),
        "path_dom" => (Path, Dom),
        "path_reg" => (Path, Reg),
        "path_len" => (Path, Len),
        "url" => (Url, Str),
        "url_beg" => (Url, Beg),
        "url_end" => (Url, End),
        "url_sub" => (Url, Sub),
        "url_dir" => (Url, Dir),
        "url_dom" => (Url, Dom),
        "url_reg" => (Url, Reg),
        "url_len" => (Url, Len),
        "url_ip" => (UrlIp, Ip),
        "url_port" => (UrlPort, Int),
        "hdr" => (Hdr, Str),
        "hdr_beg" => (Hdr, Beg),
        "hdr_end" => (Hdr, End),
        "hdr_sub" => (Hdr, Sub),
        "hdr_dir" => (Hdr, Dir),
        "hdr_dom" => (Hdr, Dom),
        "hdr_reg" => (Hdr, Reg),
        "hdr_len" => (Hdr, Len),
        "hdr_cnt" => (HdrCnt, Int),
        "hdr_val" => (Hdr, Int),
        "hdr_ip" => (Hdr, Ip),
        "method" => (Method, Str),
        // 1.4 compares the version text after "HTTP/" as a string
        "req_ver" => (ReqVer, Str),
        "http_auth" => (HttpAuth, Nothing),
        "http_auth_group" => (HttpAuthGroup, Str),
        "http_first_req" => (HttpFirstReq, Nothing),
        "req_len" => (ReqLen, Int),
        "req_ssl_ver" => (ReqSslVer, Ver),
        "req_rdp_cookie" => (ReqRdpCookie, Str),
        "req_rdp_cookie_cnt" => (ReqRdpCookieCnt, Int),
        "req_proto_http" => (ReqProtoHttp, Nothing),
        "status" => (Status, Int),
        "resp_ver" => (RespVer, Str),
        "shdr" => (Shdr, Str),
        "shdr_beg" => (Shdr, Beg),
        "shdr_end" => (Shdr, End),
        "shdr_sub" => (Shdr, Sub),
        "shdr_dir" => (Shdr, Dir),
        "shdr_dom" => (Shdr, Dom),
        "shdr_reg" => (Shdr, Reg),
        "shdr_len" => (Shdr, Len),
        "shdr_cnt" => (ShdrCnt, Int),
        "shdr_val" => (Shdr, Int),
        "shdr_ip" => (Shdr, Ip),
        "ssl_fc" => (SslFc, Nothing),
        "ssl_fc_has_crt" => (SslFcHasCrt, Nothing),
        "ssl_fc_sni" => (SslFcSni, Str),
        "ssl_fc_sni_end" => (SslFcSni, End),
        "ssl_fc_sni_reg" => (SslFcSni, Reg),
        "ssl_fc_protocol" => (SslFcProtocol, Str),
        "ssl_fc_cipher" => (SslFcCipher, Str),
        _ => return None,
    };
    Some(r)
}

/// Whether a criterion inspects layer 7 request contents.
pub fn needs_http(f: Fetch) -> bool {
    use Fetch::*;
    matches!(
        f,
        Path | Url
            | UrlIp
            | UrlPort
            | Hdr
            | HdrCnt
            | Method
            | ReqVer
            | HttpAuth
            | HttpAuthGroup
            | HttpFirstReq
    )
}

/// Whether a criterion only makes sense on responses.
pub fn is_response(f: Fetch) -> bool {
    matches!(
        f,
        Fetch::Status | Fetch::RespVer | Fetch::Shdr | Fetch::ShdrCnt
    )
}

/// An integer (or dotted version) pattern: `N`, a range `A:B` with either
/// end open, or an operator `eq|ge|gt|le|lt N`.
/// 1.4's acl_parse_int() / acl_parse_dotted_ver() on words[*i..]: leading
/// operator words (eq gt ge lt le) set `op`, which stays in force for the
/// next patterns; then digits, where the first '-' or ':' starts the upper
/// bound and any other character ends the number (`80x` is 80, `1-2-3` is
/// 1..2). A range with gt/ge/lt/le is refused. On success *i is left on
/// the number's word.
fn parse_num_pattern(words: &[String], i: &mut usize, op: &mut u8, ver: bool) -> Option<Pattern> {
    loop {
        let w = words.get(*i).map_or("", |s| s.as_str());
        if w.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
            break;
        }
        *op = match w {
            "eq" => 0,
            "gt" => 1,
            "ge" => 2,
            "lt" => 3,
            "le" => 4,
            _ => return None,
        };
        *i += 1;
    }
    let (min, max, range) = scan_number(words.get(*i)?.as_bytes(), ver)?;
    if range && *op != 0 {
        return None;
    }
    Some(match *op {
        0 => Pattern::Int(min, max),
        1 => Pattern::Int(min.saturating_add(1), i64::MAX),
        2 => Pattern::Int(min, i64::MAX),
        3 => Pattern::Int(i64::MIN, max.saturating_sub(1)),
        _ => Pattern::Int(i64::MIN, max),
    })
}

/// The digits of one integer (or major.minor version, as major<<16|minor)
/// pattern: (min, max, whether it was a range).
fn scan_number(w: &[u8], ver: bool) -> Option<(i64, i64, bool)> {
    // a version with only its major part counts as major.0
    let whole = |v: i64| if ver && v < 65536 { v << 16 } else { v };
    let (mut cur, mut min, mut range) = (0i64, 0i64, false);
    for &c in w {
        if ver && c == b'.' {
            if cur >= 65536 {
                return None;
            }
            cur <<= 16;
            continue;
        }
        if (c == b'-' || c == b':') && !range {
            range = true;
            min = whole(cur);
            cur = 0;
            continue;
        }
        if !c.is_ascii_digit() {
            break;
        }
        let d = i64::from(c - b'0');
        cur = if ver {
            (cur & !0xFFFF) + (cur & 0xFFFF) * 10 + d
        } else {
            cur.saturating_mul(10).saturating_add(d)
        };
    }
    let max = whole(cur);
    Some((if range { min } else { max }, max, range))
}

fn make_pattern(kind: MatchKind, w: &str, icase: bool) -> Option<Pattern> {
    match kind {
        MatchKind::Reg => crate::posix_re::translate(w)
            .ok()
            .and_then(|r| RegexBuilder::new(&r).case_insensitive(icase).build().ok())
            .map(Pattern::Reg),
        MatchKind::Ip => crate::units::parse_net(w).map(|(a, m)| Pattern::Net(a, m)),
        _ => Some(Pattern::Str(if icase {
            w.to_ascii_lowercase().into_bytes()
        } else {
            w.as_bytes().to_vec()
        })),
    }
}

/// Parses `CRITERION[(ARG)] [-i] [-f FILE] [--] VALUE...` (the words after
/// the ACL name). Err carries nothing: 1.4 prints one generic line.
pub fn parse_expr(words: &[String]) -> Result<AclExpr, ()> {
    let crit = words.first().ok_or(())?;
    // 1.4 wants the ')' of "criterion(arg)"; what follows it is ignored
    let (cname, arg) = match crit.split_once('(') {
        Some((name, rest)) => {
            let (inner, _) = rest.split_once(')').ok_or(())?;
            (name, Some(inner.to_string()))
        }
        None => (crit.as_str(), None),
    };
    let (fetch, kind) = criterion(cname).ok_or(())?;
    let mut expr = AclExpr {
        fetch,
        kind,
        arg,
        icase: false,
        patterns: Vec::new(),
    };
    let mut i = 1;
    let mut files: Vec<String> = Vec::new();
    // options: 1.4 looks at the second character only
    while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
        match w.as_bytes().get(1) {
            Some(b'i') => expr.icase = true,
            Some(b'f') => {
                i += 1;
                files.push(words.get(i).ok_or(())?.clone());
            }
            Some(b'-') => {
                i += 1;
                break;
            }
            _ => break,
        }
        i += 1;
    }
    // the operator of integer patterns carries over from one to the next
    let mut op = 0u8;
    for f in files {
        // pattern files are read whole, but never more than 64 MiB
        let raw = crate::units::read_bounded(&f, 64 << 20).map_err(|_| ())?;
        let text = String::from_utf8_lossy(&raw);
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let p = pattern_at(kind, &[l.to_string()], &mut 0, &mut op, expr.icase);
            expr.patterns.push(p.ok_or(())?);
        }
    }
    while i < words.len() {
        if kind != MatchKind::Nothing {
            // (1.4 ignores extra words on boolean criteria)
            let p = pattern_at(kind, words, &mut i, &mut op, expr.icase);
            expr.patterns.push(p.ok_or(())?);
        }
        i += 1;
    }
    Ok(expr)
}

/// The pattern at words[*i] (numbers may first take operator words).
fn pattern_at(
    kind: MatchKind,
    words: &[String],
    i: &mut usize,
    op: &mut u8,
    icase: bool,
) -> Option<Pattern> {
    match kind {
        MatchKind::Int | MatchKind::Len => parse_num_pattern(words, i, op, false),
        MatchKind::Ver => parse_num_pattern(words, i, op, true),
        _ => make_pattern(kind, words.get(*i)?, icase),
    }
}

fn builtin(name: &str) -> Option<Acl> {
    let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let words = match name {
        "TRUE" => w(&["always_true"]),
        "FALSE" => w(&["always_false"]),
        "LOCALHOST" => w(&["src", "127.0.0.1/8"]),
        "HTTP" => w(&["req_proto_http"]),
        "HTTP_1.0" => w(&["req_ver", "1.0"]),
        "HTTP_1.1" => w(&["req_ver", "1.1"]),
        "HTTP_CONTENT" => w(&["hdr_val(content-length)", "gt", "0"]),
        "HTTP_URL_ABS" => w(&["url_reg", "^[^/:]*://"]),
        "HTTP_URL_SLASH" => w(&["url_beg", "/"]),
        "HTTP_URL_STAR" => w(&["url", "*"]),
        "METH_CONNECT" => w(&["method", "CONNECT"]),
        "METH_GET" => w(&["method", "GET", "HEAD"]),
        "METH_HEAD" => w(&["method", "HEAD"]),
        "METH_OPTIONS" => w(&["method", "OPTIONS"]),
        "METH_POST" => w(&["method", "POST"]),
        "METH_TRACE" => w(&["method", "TRACE"]),
        "RDP_COOKIE" => w(&["req_rdp_cookie_cnt", "gt", "0"]),
        "REQ_CONTENT" => w(&["req_len", "gt", "0"]),
        "WAIT_END" => w(&["wait_end"]),
        _ => return None,
    };
    let expr = parse_expr(&words).ok()?;
    Some(Acl {
        name: name.to_string(),
        exprs: vec![expr],
    })
}

/// Parses the words after `if`/`unless` against the proxy's known ACLs,
/// as 1.4's parse_acl_cond(): `!` marks (also as words of their own)
/// toggle the next term's negation, `or`/`||` start a new group, and a
/// group only exists once it has a term. No terms at all is allowed: the
/// condition then never matches (so `unless` always applies).
pub fn parse_cond(unless: bool, words: &[String], acls: &[Acl]) -> Result<Cond, ()> {
    let mut groups: Vec<Vec<Term>> = Vec::new();
    let mut in_group = false;
    let mut neg = false;
    let mut i = 0;
    while i < words.len() {
        let mut w = words[i].as_str();
        i += 1;
        while let Some(rest) = w.strip_prefix('!') {
            neg = !neg;
            w = rest;
        }
        if w.is_empty() {
            continue;
        }
        if w.eq_ignore_ascii_case("or") || w == "||" {
            in_group = false;
            neg = false;
            continue;
        }
        let acl = if w == "{" {
            // anonymous ACL: the words up to the closing brace
            let start = i;
            while i < words.len() && words[i] != "}" {
                i += 1;
            }
            if i >= words.len() {
                return Err(());
            }
            let expr = parse_expr(&words[start..i])?;
            paren_warning("", &words[start..i]);
            i += 1;
            AclRef::Builtin(Box::new(Acl {
                name: String::new(),
                exprs: vec![expr],
            }))
        } else {
            match acls.iter().position(|a| a.name == w) {
                Some(k) => AclRef::Named(k),
                None => AclRef::Builtin(Box::new(builtin(w).ok_or(())?)),
            }
        };
        if !in_group {
            groups.push(Vec::new());
            in_group = true;
        }
        if let Some(g) = groups.last_mut() {
            g.push(Term { neg, acl });
        }
        neg = false;
    }
    Ok(Cond { unless, groups })
}

/// 1.4's warning for `criterion (value)`: a criterion without '(' followed
/// by a pattern starting with '(' is most likely a misplaced argument.
/// `words` are the criterion and its patterns.
pub fn paren_warning(name: &str, words: &[String]) {
    let (Some(crit), Some(first)) = (words.first(), words.get(1)) else {
        return;
    };
    if crit.contains('(') || !first.starts_with('(') {
        return;
    }
    crate::log::msg::warning(&format!(
        "parsing acl '{}' :\n  matching '{}' for pattern '{}' is likely a mistake and probably\n  not what you want. Maybe you need to remove the extraneous space before '('.\n  If you are really sure this is not an error, please insert '--' between the\n  match and the pattern to make this warning message disappear.",
        name, crit, first
    ));
}

/// Everything a session exposes to ACLs. Absent data reads as no match.
pub trait Sample {
    fn src(&self) -> Option<IpAddr>;
    fn src_port(&self) -> i64;
    fn dst(&self) -> Option<IpAddr>;
    fn dst_port(&self) -> i64;
    fn method(&self) -> Option<&[u8]>;
    fn url(&self) -> Option<&[u8]>;
    fn req_ver(&self) -> Option<&[u8]>;
    /// Values of a request header (or all headers' values with None),
    /// comma-split when `split` is set.
    fn req_hdr(&self, name: Option<&str>, split: bool) -> Vec<Vec<u8>>;
    fn rsp_hdr(&self, name: Option<&str>, split: bool) -> Vec<Vec<u8>>;
    fn status(&self) -> Option<i64>;
    fn rsp_ver(&self) -> Option<&[u8]>;
    fn req_len(&self) -> i64;
    /// The request bytes received so far, for layer-4 content criteria.
    fn req_payload(&self) -> &[u8] {
        &[]
    }
    fn is_http(&self) -> bool;
    fn first_req(&self) -> bool;
    /// Content inspection still waiting for data (1.4's ACL_PARTIAL).
    fn partial(&self) -> bool {
        false
    }
    /// Integer counters by criterion (nbsrv, be_conn, ...), with an
    /// optional backend/frontend name argument.
    fn counter(&self, fetch: Fetch, arg: Option<&str>) -> Option<i64>;
    fn auth_ok(&self, userlist: Option<&str>, groups: Option<&[Vec<u8>]>) -> bool;
    /// The client connection's TLS facts (`ssl_fc*`): None without TLS;
    /// for `SslFc` an empty value, for the others their text if known.
    fn ssl(&self, _fetch: Fetch) -> Option<&str> {
        None
    }
}

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

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

fn delim_match(s: &[u8], pat: &[u8], delims: &[u8]) -> bool {
    // 1.4's match_word (path_dir, *_dom): the pattern, without delimiters
    // at its ends, found starting at the beginning or just after a
    // delimiter, and ending at the end or just before one; the pattern may
    // hold delimiters itself ("example.com" in a host)
    let is_d = |c: u8| delims.contains(&c);
    let start = pat.iter().position(|&c| !is_d(c)).unwrap_or(pat.len());
    let end = pat.iter().rposition(|&c| !is_d(c)).map_or(start, |e| e + 1);
    let p = &pat[start..end.max(start)];
    if p.is_empty() || p.len() > s.len() {
        return false;
    }
    let last = s.len() - p.len();
    let mut may_match = true;
    for i in 0..=last {
        if is_d(s[i]) {
            may_match = true;
            continue;
        }
        if !may_match {
            continue;
        }
        if s[i..].starts_with(p) && (i == last || is_d(s[i + p.len()])) {
            return true;
        }
        may_match = false;
    }
    false
}

fn str_match(kind: MatchKind, s: &[u8], pats: &[Pattern], icase: bool) -> bool {
    let low;
    let s = if icase {
        low = s.to_ascii_lowercase();
        &low[..]
    } else {
        s
    };
    pats.iter().any(|p| match p {
        Pattern::Str(p) => match kind {
            MatchKind::Str => s == &p[..],
            MatchKind::Beg => s.starts_with(p),
            MatchKind::End => s.ends_with(p),
            MatchKind::Sub => find(s, p).is_some() || p.is_empty(),
            MatchKind::Dir => delim_match(s, p, b"/?"),
            MatchKind::Dom => delim_match(s, p, b"/?.:"),
            _ => false,
        },
        Pattern::Reg(r) => r.is_match(s),
        Pattern::Int(lo, hi) if kind == MatchKind::Len => (*lo..=*hi).contains(&(s.len() as i64)),
        _ => false,
    })
}

fn int_match(v: i64, pats: &[Pattern]) -> bool {
    pats.iter()
        .any(|p| matches!(p, Pattern::Int(lo, hi) if (*lo..=*hi).contains(&v)))
}

fn ip_match(ip: Option<IpAddr>, pats: &[Pattern]) -> bool {
    let Some(IpAddr::V4(v4)) = ip else {
        return false;
    };
    let a = u32::from(v4);
    pats.iter().any(|p| match p {
        Pattern::Net(n, m) => a & u32::from(*m) == u32::from(*n) & u32::from(*m),
        _ => false,
    })
}

/// "HTTP/1.1" -> "1.1": what follows the first '/', as 1.4's version
/// fetches skip it.
fn after_slash(v: &[u8]) -> &[u8] {
    match v.iter().position(|&c| c == b'/') {
        Some(p) => &v[p + 1..],
        None => &v[v.len()..],
    }
}

fn expr_match(e: &AclExpr, s: &dyn Sample) -> bool {
    use Fetch::*;
    let strs = |vals: Vec<Vec<u8>>| -> bool {
        match e.kind {
            MatchKind::Int => vals
                .iter()
                .any(|v| int_match(crate::units::atoi(&String::from_utf8_lossy(v)), &e.patterns)),
            MatchKind::Ip => vals.iter().any(|v| {
                let t = String::from_utf8_lossy(v);
                ip_match(t.trim().parse().ok(), &e.patterns)
            }),
            _ => vals
                .iter()
                .any(|v| str_match(e.kind, v, &e.patterns, e.icase)),
        }
    };
    match e.fetch {
        Src => ip_match(s.src(), &e.patterns),
        Dst => ip_match(s.dst(), &e.patterns),
        SrcPort => int_match(s.src_port(), &e.patterns),
        DstPort => int_match(s.dst_port(), &e.patterns),
        AlwaysTrue => true,
        // true once the inspect delay is over (or outside inspection)
        WaitEnd => !s.partial(),
        AlwaysFalse => false,
        ReqProtoHttp => s.is_http() || payload_is_http(s.req_payload()) == Some(true),
        HttpFirstReq => s.first_req(),
        ReqLen => int_match(s.req_len(), &e.patterns),
        Path => s
            .url()
            .is_some_and(|u| str_match(e.kind, uri_path(u), &e.patterns, e.icase)),
        Url => s
            .url()
            .is_some_and(|u| str_match(e.kind, u, &e.patterns, e.icase)),
        UrlIp | UrlPort => s.url().is_some_and(|u| {
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
            if e.fetch == UrlIp {
                ip_match(h.parse().ok(), &e.patterns)
            } else {
                int_match(p, &e.patterns)
            }
        }),
        Method => s
            .method()
            .is_some_and(|m| str_match(MatchKind::Str, m, &e.patterns, e.icase)),
        ReqVer => s
            .req_ver()
            .is_some_and(|v| str_match(MatchKind::Str, after_slash(v), &e.patterns, e.icase)),
        RespVer => s
            .rsp_ver()
            .is_some_and(|v| str_match(MatchKind::Str, after_slash(v), &e.patterns, e.icase)),
        Hdr => strs(s.req_hdr(e.arg.as_deref(), true)),
        Shdr => strs(s.rsp_hdr(e.arg.as_deref(), true)),
        HdrCnt => int_match(s.req_hdr(e.arg.as_deref(), true).len() as i64, &e.patterns),
        ShdrCnt => int_match(s.rsp_hdr(e.arg.as_deref(), true).len() as i64, &e.patterns),
        Status => s.status().is_some_and(|v| int_match(v, &e.patterns)),
        HttpAuth => s.auth_ok(e.arg.as_deref(), None),
        HttpAuthGroup => {
            let groups: Vec<Vec<u8>> = e
                .patterns
                .iter()
                .filter_map(|p| {
                    if let Pattern::Str(v) = p {
                        Some(v.clone())
                    } else {
                        None
                    }
                })
                .collect();
            s.auth_ok(e.arg.as_deref(), Some(&groups))
        }
        SrvIsUp => s.counter(SrvIsUp, e.arg.as_deref()).unwrap_or(0) != 0,
        SslFc => s.ssl(SslFc).is_some(),
        SslFcHasCrt => false, // no client certificates are asked for
        SslFcSni | SslFcProtocol | SslFcCipher => s
            .ssl(e.fetch)
            .is_some_and(|v| str_match(e.kind, v.as_bytes(), &e.patterns, e.icase)),
        ReqSslVer => match crate::payload::ssl_hello_version(s.req_payload(), 16384) {
            crate::payload::Fetched::Found(v) => int_match(v, &e.patterns),
            _ => false,
        },
        ReqRdpCookie => match crate::payload::rdp_cookie(s.req_payload(), e.arg.as_deref()) {
            crate::payload::Fetched::Found(v) => str_match(e.kind, v, &e.patterns, e.icase),
            _ => false,
        },
        ReqRdpCookieCnt => {
            let found = matches!(
                crate::payload::rdp_cookie(s.req_payload(), e.arg.as_deref()),
                crate::payload::Fetched::Found(_)
            );
            int_match(found as i64, &e.patterns)
        }
        f => s
            .counter(f, e.arg.as_deref())
            .is_some_and(|v| int_match(v, &e.patterns)),
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Req<'a> {
        url: &'a [u8],
        host: &'a [u8],
    }
    impl Sample for Req<'_> {
        fn src(&self) -> Option<IpAddr> {
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
        }
        fn src_port(&self) -> i64 {
            1234
        }
        fn dst(&self) -> Option<IpAddr> {
            None
        }
        fn dst_port(&self) -> i64 {
            80
        }
        fn method(&self) -> Option<&[u8]> {
            Some(b"GET")
        }
        fn url(&self) -> Option<&[u8]> {
            Some(self.url)
        }
        fn req_ver(&self) -> Option<&[u8]> {
            Some(b"HTTP/1.1")
        }
        fn req_hdr(&self, name: Option<&str>, _split: bool) -> Vec<Vec<u8>> {
            if name.is_some_and(|n| n.eq_ignore_ascii_case("host")) {
                vec![self.host.to_vec()]
            } else {
                vec![]
            }
        }
        fn rsp_hdr(&self, _: Option<&str>, _: bool) -> Vec<Vec<u8>> {
            vec![]
        }
        fn status(&self) -> Option<i64> {
            None
        }
        fn rsp_ver(&self) -> Option<&[u8]> {
            None
        }
        fn req_len(&self) -> i64 {
            0
        }
        fn is_http(&self) -> bool {
            true
        }
        fn first_req(&self) -> bool {
            true
        }
        fn counter(&self, _: Fetch, _: Option<&str>) -> Option<i64> {
            None
        }
        fn auth_ok(&self, _: Option<&str>, _: Option<&[Vec<u8>]>) -> bool {
            false
        }
    }

    fn ws(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn path_beg_and_host() {
        let acls = vec![
            Acl {
                name: "api".into(),
                exprs: vec![parse_expr(&ws("path_beg /api")).unwrap_or_else(|_| panic!())],
            },
            Acl {
                name: "h".into(),
                exprs: vec![
                    parse_expr(&ws("hdr(host) -i api.example.com")).unwrap_or_else(|_| panic!())
                ],
            },
        ];
        let c = parse_cond(false, &ws("api"), &acls).unwrap_or_else(|_| panic!());
        assert!(cond_match(
            &c,
            &acls,
            &Req {
                url: b"/api/v1",
                host: b"x"
            }
        ));
        assert!(cond_match(
            &c,
            &acls,
            &Req {
                url: b"/apix",
                host: b"x"
            }
        ));
        assert!(!cond_match(
            &c,
            &acls,
            &Req {
                url: b"/API",
                host: b"x"
            }
        ));
        let c = parse_cond(false, &ws("h"), &acls).unwrap_or_else(|_| panic!());
        assert!(cond_match(
            &c,
            &acls,
            &Req {
                url: b"/",
                host: b"API.Example.COM"
            }
        ));
        assert!(!cond_match(
            &c,
            &acls,
            &Req {
                url: b"/",
                host: b"api.example.com:80"
            }
        ));
        let c = parse_cond(true, &ws("!api or METH_POST"), &acls).unwrap_or_else(|_| panic!());
        assert!(!cond_match(
            &c,
            &acls,
            &Req {
                url: b"/x",
                host: b""
            }
        ));
    }

    #[test]
    fn integer_patterns_as_1_4_reads_them() {
        let pats = |s: &str| parse_expr(&ws(s)).map(|e| e.patterns);
        let int = |p: &Pattern| match p {
            Pattern::Int(a, b) => (*a, *b),
            _ => (0, -1),
        };
        // junk ends the number, the first '-' or ':' starts the upper bound
        let p = pats("dst_port 80x 10:abc 1-2-3").unwrap_or_default();
        let got: Vec<_> = p.iter().map(int).collect();
        assert_eq!(got, vec![(80, 80), (10, 0), (1, 2)]);
        // the operator stays for the next patterns; ranges refuse it
        let p = pats("dst_port gt 5 10").unwrap_or_default();
        assert_eq!(
            p.iter().map(int).collect::<Vec<_>>(),
            vec![(6, i64::MAX), (11, i64::MAX)]
        );
        assert!(pats("dst_port ge 1:5").is_err());
        assert!(pats("dst_port -5").is_err());
        assert!(pats("hdr_beg(host www.").is_err());
    }

    #[test]
    fn empty_conditions_and_lone_bangs() {
        let acls = vec![Acl {
            name: "api".into(),
            exprs: vec![parse_expr(&ws("path_beg /api")).unwrap_or_else(|_| panic!())],
        }];
        let req = Req {
            url: b"/api",
            host: b"",
        };
        // no terms: `if` never matches, `unless` always does
        let c = parse_cond(false, &[], &acls).unwrap_or_else(|_| panic!());
        assert!(!cond_match(&c, &acls, &req));
        let c = parse_cond(true, &[], &acls).unwrap_or_else(|_| panic!());
        assert!(cond_match(&c, &acls, &req));
        // a `!` word negates the next term; `OR` is case-insensitive
        let c = parse_cond(false, &ws("! api OR FALSE"), &acls).unwrap_or_else(|_| panic!());
        assert!(!cond_match(&c, &acls, &req));
    }

    #[test]
    fn unknown_criterion_and_acl() {
        assert!(parse_expr(&ws("path_begins /a")).is_err());
        assert!(parse_cond(false, &ws("nosuch"), &[]).is_err());
        assert_eq!(uri_path(b"http://h/a/b?x"), b"/a/b");
    }
}

//! Parsing of `acl` lines (criterion, flags, patterns, pattern files) and
//! of `if`/`unless` conditions, as 1.4's parse_acl_expr() and
//! parse_acl_cond() read them.

use super::*;
use regex::bytes::RegexBuilder;

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

/// The criteria 1.4 knows (and 1.5's ssl_fc* ones): name, fetch, and how
/// its patterns are read and matched.
#[rustfmt::skip]
const CRITERIA: &[(&str, Fetch, MatchKind)] = {
    use Fetch::*;
    use MatchKind::*;
    &[
        ("src", Src, Ip),
        ("dst", Dst, Ip),
        ("src_port", SrcPort, Int),
        ("dst_port", DstPort, Int),
        ("dst_conn", DstConn, Int),
        ("so_id", SoId, Int),
        ("fe_id", FeId, Int),
        ("be_id", BeId, Int),
        ("srv_id", SrvId, Int),
        ("always_true", AlwaysTrue, Nothing),
        ("always_false", AlwaysFalse, Nothing),
        ("wait_end", WaitEnd, Nothing),
        ("nbsrv", NbSrv, Int),
        ("be_conn", BeConn, Int),
        ("fe_conn", FeConn, Int),
        ("queue", Queue, Int),
        ("avg_queue", AvgQueue, Int),
        ("connslots", ConnSlots, Int),
        ("be_sess_rate", BeSessRate, Int),
        ("fe_sess_rate", FeSessRate, Int),
        ("srv_is_up", SrvIsUp, Nothing),
        ("path", Path, Str),
        ("path_beg", Path, Beg),
        ("path_end", Path, End),
        ("path_sub", Path, Sub),
        ("path_dir", Path, Dir),
        ("path_dom", Path, Dom),
        ("path_reg", Path, Reg),
        ("path_len", Path, Len),
        ("url", Url, Str),
        ("url_beg", Url, Beg),
        ("url_end", Url, End),
        ("url_sub", Url, Sub),
        ("url_dir", Url, Dir),
        ("url_dom", Url, Dom),
        ("url_reg", Url, Reg),
        ("url_len", Url, Len),
        ("url_ip", UrlIp, Ip),
        ("url_port", UrlPort, Int),
        ("hdr", Hdr, Str),
        ("hdr_beg", Hdr, Beg),
        ("hdr_end", Hdr, End),
        ("hdr_sub", Hdr, Sub),
        ("hdr_dir", Hdr, Dir),
        ("hdr_dom", Hdr, Dom),
        ("hdr_reg", Hdr, Reg),
        ("hdr_len", Hdr, Len),
        ("hdr_cnt", HdrCnt, Int),
        ("hdr_val", Hdr, Int),
        ("hdr_ip", Hdr, Ip),
        ("method", Method, Str),
        // 1.4 compares the version text after "HTTP/" as a string
        ("req_ver", ReqVer, Str),
        ("http_auth", HttpAuth, Nothing),
        ("http_auth_group", HttpAuthGroup, Str),
        ("http_first_req", HttpFirstReq, Nothing),
        ("req_len", ReqLen, Int),
        ("req_ssl_ver", ReqSslVer, Ver),
        ("req_rdp_cookie", ReqRdpCookie, Str),
        ("req_rdp_cookie_cnt", ReqRdpCookieCnt, Int),
        ("req_proto_http", ReqProtoHttp, Nothing),
        ("status", Status, Int),
        ("resp_ver", RespVer, Str),
        ("shdr", Shdr, Str),
        ("shdr_beg", Shdr, Beg),
        ("shdr_end", Shdr, End),
        ("shdr_sub", Shdr, Sub),
        ("shdr_dir", Shdr, Dir),
        ("shdr_dom", Shdr, Dom),
        ("shdr_reg", Shdr, Reg),
        ("shdr_len", Shdr, Len),
        ("shdr_cnt", ShdrCnt, Int),
        ("shdr_val", Shdr, Int),
        ("shdr_ip", Shdr, Ip),
        ("ssl_fc", SslFc, Nothing),
        ("ssl_fc_has_crt", SslFcHasCrt, Nothing),
        ("ssl_fc_sni", SslFcSni, Str),
        ("ssl_fc_sni_end", SslFcSni, End),
        ("ssl_fc_sni_reg", SslFcSni, Reg),
        ("ssl_fc_protocol", SslFcProtocol, Str),
        ("ssl_fc_cipher", SslFcCipher, Str),
    ]
};

fn criterion(name: &str) -> Option<(Fetch, MatchKind)> {
    if name.starts_with("ssl_fc") && !TLS_CRITERIA.with(|c| c.get()) {
        return None;
    }
    CRITERIA
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, f, k)| (f, k))
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
        _ if icase => Some(Pattern::StrI(w.to_ascii_lowercase().into_bytes())),
        _ => Some(Pattern::Str(w.as_bytes().to_vec())),
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
    // http_auth_group's names are read back as a list by the validation
    let mut pats = PatSet::new(kind, fetch != Fetch::HttpAuthGroup);
    let mut i = 1;
    let mut icase = false;
    // options: 1.4 looks at the second character only, and reads a file
    // where its -f stands, so a later -i does not apply to it
    while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
        match w.as_bytes().get(1) {
            Some(b'i') => icase = true,
            Some(b'f') => {
                i += 1;
                read_file(words.get(i).ok_or(())?, kind, icase, &mut pats)?;
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
    while i < words.len() {
        if kind != MatchKind::Nothing {
            // (1.4 ignores extra words on boolean criteria)
            let p = pattern_at(kind, words, &mut i, &mut op, icase);
            pats.push(p.ok_or(())?);
        }
        i += 1;
    }
    pats.finish();
    Ok(AclExpr {
        fetch,
        kind,
        arg,
        pats,
    })
}

/// A pattern file as 1.4's acl_read_patterns_from_file() reads it: one
/// pattern per line, up to the first CR or LF; a line starting with '#'
/// is a comment (not one indented), leading blanks and tabs are dropped
/// (trailing ones are part of the pattern), empty lines are skipped.
fn read_file(path: &str, kind: MatchKind, icase: bool, pats: &mut PatSet) -> Result<(), ()> {
    // pattern files are read whole, but never more than 64 MiB
    let raw = crate::units::read_bounded(path, 64 << 20).map_err(|_| ())?;
    // each file starts with no integer operator in force
    let mut op = 0u8;
    for line in raw.split(|&c| c == b'\n') {
        if line.first() == Some(&b'#') {
            continue;
        }
        let start = line
            .iter()
            .position(|&c| c != b' ' && c != b'\t')
            .unwrap_or(line.len());
        let line = &line[start..];
        let end = line.iter().position(|&c| c == b'\r').unwrap_or(line.len());
        let line = &line[..end];
        if line.is_empty() {
            continue;
        }
        let p = if is_text_kind(kind) {
            // strings keep their bytes, UTF-8 or not
            Some(if icase {
                Pattern::StrI(line.to_ascii_lowercase())
            } else {
                Pattern::Str(line.to_vec())
            })
        } else {
            let w = [String::from_utf8_lossy(line).into_owned()];
            pattern_at(kind, &w, &mut 0, &mut op, icase)
        };
        pats.push(p.ok_or(())?);
    }
    Ok(())
}

fn is_text_kind(kind: MatchKind) -> bool {
    use MatchKind::*;
    matches!(kind, Str | Beg | End | Sub | Dir | Dom)
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
/// condition then never matches (so `unless` always applies). `named`
/// gives the index of a declared ACL by name.
pub fn parse_cond(
    unless: bool,
    words: &[String],
    named: &dyn Fn(&str) -> Option<usize>,
) -> Result<Cond, ()> {
    parse_cond_warn(unless, words, named, &mut |m| crate::log::msg::warning(&m))
}

/// parse_cond() handing its warnings to `warn` instead of printing them
/// (the config front end collects its messages as values).
pub fn parse_cond_warn(
    unless: bool,
    words: &[String],
    named: &dyn Fn(&str) -> Option<usize>,
    warn: &mut dyn FnMut(String),
) -> Result<Cond, ()> {
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
            if let Some(m) = paren_warning_text("", &words[start..i]) {
                warn(m);
            }
            i += 1;
            AclRef::Builtin(Box::new(Acl {
                name: String::new(),
                exprs: vec![expr],
            }))
        } else {
            match named(w) {
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
pub fn paren_warning_text(name: &str, words: &[String]) -> Option<String> {
    let (Some(crit), Some(first)) = (words.first(), words.get(1)) else {
        return None;
    };
    if crit.contains('(') || !first.starts_with('(') {
        return None;
    }
    Some(format!(
        "parsing acl '{}' :\n  matching '{}' for pattern '{}' is likely a mistake and probably\n  not what you want. Maybe you need to remove the extraneous space before '('.\n  If you are really sure this is not an error, please insert '--' between the\n  match and the pattern to make this warning message disappear.",
        name, crit, first
    ))
}

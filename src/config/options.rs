//! `option`, `timeout`, `balance`, `hash-type`, `cookie`, `persist`,
//! `appsession` and `http-check` (the `cookie` line in cookie.rs, the
//! option names in option_kw.rs).

use super::kw::{kw, Caps, Kw, ANY, DEF_OK};
use super::model::{Balance, ExpectKind, HttpExpect};
use super::option_kw::parse_option;
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE, CAP_FE};
use super::units::{atoi, parse_time_ms};

/// The keywords of this family: (keyword, `defaults` allowed, capability,
/// handler).
#[rustfmt::skip]
pub static KEYWORDS: &[Kw] = &[
    kw("option", DEF_OK, ANY, parse_option),
    kw("timeout", DEF_OK, ANY, parse_timeout),
    kw("clitimeout", DEF_OK, ANY, parse_timeout),
    kw("contimeout", DEF_OK, ANY, parse_timeout),
    kw("srvtimeout", DEF_OK, ANY, parse_timeout),
    kw("balance", DEF_OK, ANY, parse_balance),
    kw("http-reuse", DEF_OK, ANY, super::reuse_kw::parse),
    kw("hash-type", DEF_OK, Caps::First(CAP_BE, ""), kw_hash_type),
    kw("cookie", DEF_OK, ANY, super::cookie::parse_cookie),
    kw("persist", DEF_OK, ANY, kw_persist),
    kw("appsession", DEF_OK, ANY, parse_appsession),
    kw("http-check", DEF_OK, ANY, parse_http_check),
];

/// `hash-type`
fn kw_hash_type(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let c = match l.arg(1) {
        "consistent" => true,
        "map-based" => false,
        _ => {
            p.alert(&format!(
                "{} : '{}' only supports 'consistent' and 'map-based'.",
                l.at(),
                kw
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.hash_consistent = c;
    }
    0
}

/// `persist`
fn kw_persist(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    if l.arg(1).is_empty() {
        p.alert(&format!("{} : missing persist method.", at));
        return ERR_ALERT | ERR_FATAL;
    }
    let a = l.arg(1);
    if let Some(rest) = a.strip_prefix("rdp-cookie") {
        if !(rest.is_empty() || (rest.starts_with('(') && rest.len() > 2 && rest.ends_with(')'))) {
            p.alert(&format!(
                "{} : persist rdp-cookie(name)' requires an rdp cookie name.",
                at
            ));
            return ERR_ALERT | ERR_FATAL;
        }
        let name = rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or("msts")
            .to_string();
        if let Some(px) = p.cur_proxy() {
            px.persist_rdp = Some(name);
        }
        return 0;
    }
    p.alert(&format!("{} : unknown persist method.", at));
    ERR_ALERT | ERR_FATAL
}

fn parse_timeout(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    // `timeout <name> <value>`, or 1.3's `clitimeout <value>` and friends
    let first = if l.arg(0) == "timeout" { 1 } else { 0 };
    let (word, val) = (l.arg(first), l.arg(first + 1));
    let Some((name, cap)) = timeout_kind(word) else {
        p.alert(&format!(
            "{} : timeout '{}': must be 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request' or 'tarpit'",
            at, word
        ));
        return ERR_ALERT | ERR_FATAL;
    };
    if val.is_empty() {
        p.alert(&format!(
            "{} : {} timeout expects an integer value (in milliseconds)",
            at, name
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    match parse_time_ms(val, 1) {
        Ok(v) => store_timeout(p, &at, name, cap, v),
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in {} timeout",
                at, c, name
            ));
            ERR_ALERT | ERR_FATAL
        }
    }
}

/// A timeout's name as 1.4 reports it and the capability it needs.
fn timeout_kind(word: &str) -> Option<(&'static str, u8)> {
    Some(match word {
        "client" | "clitimeout" => ("client", CAP_FE),
        "tarpit" => ("tarpit", CAP_FE | CAP_BE),
        "http-keep-alive" => ("http-keep-alive", CAP_FE | CAP_BE),
        "http-request" => ("http-request", CAP_FE | CAP_BE),
        "server" | "srvtimeout" => ("server", CAP_BE),
        "connect" | "contimeout" => ("connect", CAP_BE),
        "check" => ("check", CAP_BE),
        "queue" => ("queue", CAP_BE),
        _ => return None,
    })
}

/// Stores timeout `name` (0: unset), with 1.4's warning for a proxy
/// without the capability or for overwriting a value not inherited.
fn store_timeout(p: &mut Parser, at: &str, name: &str, cap: u8, v: u64) -> u32 {
    let defaults = p.defaults.timeouts;
    let in_defaults = p.is_defaults();
    let Some(px) = p.cur_proxy() else { return 0 };
    let (kind, pname) = (px.kind, px.name.clone());
    let t = &mut px.timeouts;
    let (slot, dslot) = match name {
        "client" => (&mut t.client, defaults.client),
        "tarpit" => (&mut t.tarpit, defaults.tarpit),
        "http-keep-alive" => (&mut t.http_keep_alive, defaults.http_keep_alive),
        "http-request" => (&mut t.http_request, defaults.http_request),
        "server" => (&mut t.server, defaults.server),
        "connect" => (&mut t.connect, defaults.connect),
        "check" => (&mut t.check, defaults.check),
        _ => (&mut t.queue, defaults.queue),
    };
    let mut warn = None;
    if super::proxy::caps(kind) & cap == 0 {
        warn = Some(format!(
            "{} : {} timeout will be ignored because {} '{}' has no {} capability",
            at,
            name,
            super::proxy::type_str(kind),
            pname,
            if cap & CAP_BE != 0 {
                "backend"
            } else {
                "frontend"
            }
        ));
    } else if !in_defaults && *slot != dslot {
        warn = Some(format!(
            "{} : overwriting {} timeout which was already specified",
            at, name
        ));
    }
    // 0 means "unset" to 1.4
    *slot = if v == 0 { None } else { Some(v) };
    match warn {
        Some(w) => p.warn(&w),
        None => 0,
    }
}

fn parse_balance(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "balance", "") {
        err |= ERR_WARN;
    }
    let b = match l.arg(1) {
        "" | "roundrobin" => Ok(Balance::RoundRobin),
        "static-rr" => Ok(Balance::StaticRr),
        "leastconn" => Ok(Balance::LeastConn),
        "source" => Ok(Balance::Source),
        "uri" => balance_uri(l),
        "url_param" => balance_url_param(l),
        a if a.starts_with("hdr(") => balance_hdr(l, &a[4..]),
        a if a.starts_with("rdp-cookie") => balance_rdp_cookie(&a[10..]),
        _ => Err("'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.".to_string()),
    };
    let b = match b {
        Ok(b) => b,
        Err(m) => {
            p.alert(&format!("{} : {}", l.at(), m));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.balance = b;
        px.balance_set = true;
    }
    err
}

/// `balance uri [len N] [depth N] [whole]`; Err holds the alert's text.
fn balance_uri(l: &Line) -> Result<Balance, String> {
    let (mut len, mut depth, mut whole) = (0usize, 0usize, false);
    let mut i = 2;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "len" | "depth" => {
                let v = atoi(l.arg(i + 1));
                if l.arg(i + 1).is_empty() || v <= 0 {
                    return Err(format!(
                        "'balance uri {}' expects a positive integer (got '{}').",
                        l.arg(i),
                        l.arg(i + 1)
                    ));
                }
                if l.arg(i) == "len" {
                    len = v as usize;
                } else {
                    depth = v as usize;
                }
                i += 2;
            }
            "whole" => {
                whole = true;
                i += 1;
            }
            // 1.4's text says 'while' for the 'whole' it accepts
            o => {
                return Err(format!(
                    "'balance uri' only accepts parameters 'len', 'depth', and 'while' (got '{}').",
                    o
                ))
            }
        }
    }
    Ok(Balance::Uri { len, depth, whole })
}

/// `balance url_param <name> [check_post [max_wait]]`.
fn balance_url_param(l: &Line) -> Result<Balance, String> {
    if l.arg(2).is_empty() {
        return Err("'balance url_param' requires an URL parameter name.".into());
    }
    let mut check_post = None;
    if !l.arg(3).is_empty() {
        if l.arg(3) != "check_post" {
            return Err("'balance url_param' only accepts check_post modifier.".into());
        }
        let mut lim = atoi(l.arg(4)).max(0) as usize;
        if lim == 0 {
            lim = 48;
        } else if lim < 3 {
            lim = 3;
        }
        check_post = Some(lim);
    }
    Ok(Balance::UrlParam {
        name: l.arg(2).to_string(),
        check_post,
    })
}

/// `balance hdr(<name>) [use_domain_only]`; `inner` follows "hdr(".
fn balance_hdr(l: &Line, inner: &str) -> Result<Balance, String> {
    let Some(end) = inner.find(')').filter(|&e| e > 0) else {
        return Err("'balance hdr(name)' requires an http header field name.".into());
    };
    let mut domain_only = false;
    if !l.arg(2).is_empty() {
        if l.arg(2) != "use_domain_only" {
            return Err("'balance hdr(name)' only accepts 'use_domain_only' modifier.".into());
        }
        domain_only = true;
    }
    Ok(Balance::Hdr {
        name: inner[..end].to_string(),
        domain_only,
    })
}

/// `balance rdp-cookie[(<name>)]`; `rest` follows "rdp-cookie".
fn balance_rdp_cookie(rest: &str) -> Result<Balance, String> {
    let name = if rest.is_empty() {
        "mstshash".to_string()
    } else if let Some(inner) = rest.strip_prefix('(') {
        match inner.find(')').filter(|&e| e > 0) {
            Some(e) => inner[..e].to_string(),
            None => return Err("'balance rdp-cookie(name)' requires an rdp cookie name.".into()),
        }
    } else {
        return Err("rdp-cookie : missing cookie name.".into());
    };
    Ok(Balance::RdpCookie { name })
}

fn parse_appsession(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    if p.is_defaults() {
        p.alert(&format!(
            "{} : '{}' not allowed in 'defaults' section.",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "appsession", "") {
        err |= ERR_WARN;
    }
    if l.arg(5).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects 'appsession' <cookie_name> 'len' <len> 'timeout' <timeout> [options*].",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let t = match parse_time_ms(l.arg(5), 1) {
        Ok(t) => t,
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in {} timeout.",
                at,
                c,
                l.arg(0)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    let mut a = crate::config::model::AppSession {
        cookie: l.arg(1).to_string(),
        len: atoi(l.arg(3)).max(0) as usize,
        timeout: t,
        request_learn: false,
        prefix: false,
        query_string: false,
    };
    let mut i = 6;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "request-learn" => a.request_learn = true,
            "prefix" => a.prefix = true,
            "mode" => {
                if l.arg(i + 1).is_empty() {
                    p.alert(&format!(
                        "{} : '{}': missing argument for '{}'.",
                        at,
                        l.arg(0),
                        l.arg(i)
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                i += 1;
                if l.arg(i) != "query-string" && l.arg(i) != "path-parameters" {
                    p.alert(&format!("{} : unknown mode '{}'", at, l.arg(i)));
                    return ERR_ALERT | ERR_FATAL;
                }
                a.query_string = l.arg(i) == "query-string";
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(px) = p.cur_proxy() {
        px.appsession = Some(a);
    }
    err
}

fn parse_http_check(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "http-check", "") {
        err |= ERR_WARN;
    }
    match l.arg(1) {
        "disable-on-404" => {
            if let Some(px) = p.cur_proxy() {
                px.check.disable_on_404 = true;
            }
        }
        "send-state" => {
            if let Some(px) = p.cur_proxy() {
                px.check.send_state = true;
            }
        }
        "expect" => return err | parse_http_expect(p, l),
        _ => {
            p.alert(&format!(
                "{} : '{}' only supports 'disable-on-404', 'send-state', 'expect'.",
                at,
                l.arg(0)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    err
}

/// `http-check expect [!] <type> <value>`, with 1.4's state: the `!`
/// words toggle the inversion bit as they are read, and the type counts
/// as specified before its regex is compiled.
fn parse_http_expect(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let head = format!("{} {}", l.arg(0), l.arg(1));
    if p.cur_proxy().is_some_and(|px| px.check.expect_typed) {
        p.alert(&format!("{} : '{}' already specified.", at, head));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut i = 2;
    let mut word = "";
    let mut toggles = 0;
    while !l.arg(i).is_empty() {
        let w = l.arg(i);
        let stripped = w.trim_start_matches('!');
        toggles += w.len() - stripped.len();
        if !stripped.is_empty() {
            word = stripped;
            break;
        }
        i += 1;
    }
    if let Some(px) = p.cur_proxy() {
        px.check.expect_inv ^= toggles % 2 == 1;
    }
    let val = l.arg(i + 1);
    if !matches!(word, "status" | "string" | "rstatus" | "rstring") {
        p.alert(&format!(
            "{} : '{}' only supports [!] 'status', 'string', 'rstatus', 'rstring', found '{}'.",
            at, head, word
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    if val.is_empty() {
        let what = if word.starts_with('r') {
            "<regex>"
        } else {
            "<string>"
        };
        p.alert(&format!(
            "{} : '{} {}' expects {} as an argument.",
            at, head, word, what
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut inverse = false;
    if let Some(px) = p.cur_proxy() {
        px.check.expect_typed = true;
        inverse = px.check.expect_inv;
    }
    let kind = match word {
        "status" => ExpectKind::Status(val.to_string()),
        "string" => ExpectKind::String(val.to_string()),
        _ => {
            let Ok(re) = regex::bytes::Regex::new(val) else {
                p.alert(&format!(
                    "{} : '{} {}' : bad regular expression '{}'.",
                    at, head, word, val
                ));
                return ERR_ALERT | ERR_FATAL;
            };
            if word == "rstatus" {
                ExpectKind::Rstatus(re)
            } else {
                ExpectKind::Rstring(re)
            }
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.check.expect = Some(HttpExpect { inverse, kind });
    }
    0
}

//! Stick tables (`stick-table`, `stick on|match|store-request`) and
//! `tcp-request inspect-delay|content` rules.

use super::model::{Kind, StickTable, StickType};
use super::parse::{Line, Parser, ERR_WARN};
use super::proxy::{caps, type_str, warn_if_not_cap, CAP_BE, CAP_FE};
use super::rules::{build_cond, not_in_defaults, ERR};
use super::units::{atoi, parse_size, parse_time_ms};

/// `stick-table`: as in 1.4, size, expire and nopurge go straight into
/// the proxy's table as they are read and stay there even when the line
/// (or a later one) fails; only the type starts unset on each line.
pub(super) fn parse_stick_table(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let mut i = 1;
    let mut kind: Option<StickType> = None;
    while !l.arg(i).is_empty() {
        match stick_table_word(p, l, i, &mut kind) {
            Ok(next) => i = next,
            Err(e) => return e,
        }
    }
    let Some(px) = p.cur_proxy() else {
        return 0;
    };
    let params = px.stick_params.clone();
    if params.size == 0 {
        p.alert(&format!("{} : stick-table: missing size.", at));
        return ERR;
    }
    let Some(kind) = kind else {
        p.alert(&format!("{} : stick-table: missing type.", at));
        return ERR;
    };
    px.stick_table = Some(StickTable { kind, ..params });
    0
}

/// One `stick-table` argument at word i; Ok(index of the next one).
fn stick_table_word(
    p: &mut Parser,
    l: &Line,
    i: usize,
    kind: &mut Option<StickType>,
) -> Result<usize, u32> {
    let at = l.at();
    let w = l.arg(i);
    let v = l.arg(i + 1);
    let bad_char = |p: &Parser, c: char| {
        p.alert(&format!(
            "{} : stick-table: unexpected character '{}' in argument of '{}'.",
            at, c, w
        ));
        Err(ERR)
    };
    match w {
        "size" | "expire" => {
            if v.is_empty() {
                p.alert(&format!(
                    "{} : stick-table: missing argument after '{}'.",
                    at, w
                ));
                return Err(ERR);
            }
            let r = if w == "size" {
                parse_size(v).map(|s| (Some(s), None))
            } else {
                parse_time_ms(v, 1).map(|t| (None, Some(t)))
            };
            let (size, expire) = match r {
                Ok(x) => x,
                Err(c) => return bad_char(p, c),
            };
            if let Some(px) = p.cur_proxy() {
                if let Some(s) = size {
                    px.stick_params.size = s;
                }
                if expire.is_some() {
                    px.stick_params.expire = expire;
                }
            }
            Ok(i + 2)
        }
        "nopurge" => {
            if let Some(px) = p.cur_proxy() {
                px.stick_params.nopurge = true;
            }
            Ok(i + 1)
        }
        "type" => match stick_type(l, i + 1) {
            Ok((t, next)) => {
                *kind = Some(t);
                Ok(next)
            }
            Err(word) => {
                p.alert(&format!("{} : stick-table: unknown type '{}'.", at, word));
                Err(ERR)
            }
        },
        a => {
            p.alert(&format!("{} : stick-table: unknown argument '{}'.", at, a));
            Err(ERR)
        }
    }
}

/// 1.4's stktable_parse_type() at word i: the type and the next index, or
/// the word to blame (for `string len N`, a zero or missing N).
fn stick_type(l: &Line, i: usize) -> Result<(StickType, usize), String> {
    match l.arg(i) {
        "ip" => Ok((StickType::Ip, i + 1)),
        "integer" => Ok((StickType::Integer, i + 1)),
        "string" if l.arg(i + 1) == "len" => {
            let len = atoi(l.arg(i + 2));
            if len == 0 {
                return Err(l.arg(i + 2).to_string());
            }
            Ok((StickType::String(len.max(1) as usize), i + 3))
        }
        "string" => Ok((StickType::String(32), i + 1)),
        t => Err(t.to_string()),
    }
}

pub(super) fn parse_stick(p: &mut Parser, l: &Line) -> u32 {
    use crate::config::model::{StickAction, StickRule};
    let at = l.at();
    let kw = l.arg(0);
    if let Some(e) = not_in_defaults(p, l, " :", kw) {
        return e;
    }
    if warn_if_not_cap(p, l, CAP_BE, kw, "") {
        return ERR_WARN;
    }
    let action = match l.arg(1) {
        "store" | "store-request" => StickAction::Store,
        "match" => StickAction::Match,
        "on" => StickAction::On,
        "store-response" => StickAction::StoreResponse,
        _ => {
            p.alert(&format!(
                "{} : '{}' expects 'on', 'match', or 'store'.",
                at, kw
            ));
            return ERR;
        }
    };
    let mut i = 2;
    if l.arg(i).is_empty() {
        p.alert(&format!("{} : '{}' expects a fetch method.", at, kw));
        return ERR;
    }
    let (fetch, conv) = match parse_pattern_expr(l, &mut i) {
        Some(x) => x,
        None => {
            p.alert(&format!(
                "{} : '{}': unknown fetch method '{}'.",
                at,
                kw,
                l.arg(i)
            ));
            return ERR;
        }
    };
    if action == StickAction::StoreResponse {
        // every fetch of 1.4.25 (src, dst, dst_port, hdr) is request-only
        let base = l.arg(2).split('(').next().unwrap_or("");
        p.alert(&format!(
            "{} : '{}': fetch method '{}' can not be used on response.",
            at, kw, base
        ));
        return ERR;
    }
    let mut table = None;
    if l.arg(i) == "table" {
        table = Some(l.arg(i + 1).to_string());
        i += 2;
    }
    let cond = match stick_cond(p, l, i) {
        Ok(c) => c,
        Err(e) => return e,
    };
    if let Some(px) = p.cur_proxy() {
        px.stick_rules.push(StickRule {
            action,
            fetch,
            conv,
            table,
            table_idx: 0,
            cond,
        });
    }
    0
}

/// A sticking rule's optional `if|unless <cond>` at word i.
fn stick_cond(p: &mut Parser, l: &Line, i: usize) -> Result<Option<crate::acl::Cond>, u32> {
    let (at, kw) = (l.at(), l.arg(0));
    match l.arg(i) {
        "if" | "unless" => match build_cond(p, l, i) {
            Some(c) => Ok(Some(c)),
            None => {
                p.alert(&format!(
                    "{} : '{}': error detected while parsing sticking condition.",
                    at, kw
                ));
                Err(ERR)
            }
        },
        "" => Ok(None),
        o => {
            p.alert(&format!("{} : '{}': unknown keyword '{}'.", at, kw, o));
            Err(ERR)
        }
    }
}

/// 1.4's tcp_parse_tcp_req() (proto_tcp.c). Its messages name the proxy
/// by capability ("proxy" for a listen), and its "unknown argument" text
/// takes the type of the last proxy declared, as 1.4 reads the list head.
pub(super) fn parse_tcp_request(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let (cur_ts, pname) = match p.cur_proxy() {
        Some(px) if px.kind != Kind::Defaults => (type_str(px.kind), px.name.clone()),
        _ => ("proxy", "(null)".to_string()),
    };
    let head_ts = p.cfg.proxies.last().map_or(cur_ts, |x| type_str(x.kind));
    let in_px = format!("{} '{}'", cur_ts, pname);
    let (kw, sub) = (l.arg(0), l.arg(1));
    if sub.is_empty() {
        p.alert(&format!(
            "{} : missing argument for '{}' in {}",
            at, kw, in_px
        ));
        return ERR;
    }
    if sub != "inspect-delay" && sub != "content" {
        p.alert(&format!(
            "{} : unknown argument '{}' after '{}' in {} '{}'",
            at, sub, kw, head_ts, pname
        ));
        return ERR;
    }
    if p.is_defaults() {
        p.alert(&format!(
            "{} : {} {} is not allowed in 'defaults' sections",
            at, kw, sub
        ));
        return ERR;
    }
    if sub == "inspect-delay" {
        tcp_inspect_delay(p, l, &in_px)
    } else {
        tcp_content_rule(p, l, &in_px)
    }
}

/// `tcp-request inspect-delay <time>`: frontends only, set once.
fn tcp_inspect_delay(p: &mut Parser, l: &Line, in_px: &str) -> u32 {
    let at = l.at();
    let (kw, sub) = (l.arg(0), l.arg(1));
    let Some((kind, prev)) = p.cur_proxy().map(|px| (px.kind, px.tcp_inspect_delay)) else {
        return 0;
    };
    if caps(kind) & CAP_FE == 0 {
        return p.warn(&format!(
            "{} : {} {} will be ignored because {} has no frontend capability",
            at, kw, sub, in_px
        ));
    }
    let t = match parse_time_ms(l.arg(2), 1) {
        Ok(t) if !l.arg(2).is_empty() => t,
        r => {
            let bad = match r {
                Err(c) => format!(" (unexpected character '{}')", c),
                Ok(_) => String::new(),
            };
            p.alert(&format!(
                "{} : '{} {}' expects a positive delay in milliseconds, in {}{}",
                at, kw, sub, in_px, bad
            ));
            return ERR;
        }
    };
    if prev.is_some_and(|d| d != 0) {
        return p.warn(&format!(
            "{} : ignoring {} {} (was already defined) in {}",
            at, kw, sub, in_px
        ));
    }
    if let Some(px) = p.cur_proxy() {
        px.tcp_inspect_delay = Some(t);
    }
    0
}

/// `tcp-request content accept|reject [if|unless cond]`; no capability
/// check in 1.4, but a warning for response-only criteria.
fn tcp_content_rule(p: &mut Parser, l: &Line, in_px: &str) -> u32 {
    let at = l.at();
    let (kw, sub) = (l.arg(0), l.arg(1));
    let accept = match l.arg(2) {
        "accept" => true,
        "reject" => false,
        o => {
            p.alert(&format!(
                "{} : '{} {}' expects 'accept' or 'reject', in {} (was '{}')",
                at, kw, sub, in_px, o
            ));
            return ERR;
        }
    };
    let mut cond = None;
    match l.arg(3) {
        "if" | "unless" => match build_cond(p, l, 3) {
            Some(c) => cond = Some(c),
            None => {
                p.alert(&format!(
                    "{} : error detected in {} while parsing '{}' condition",
                    at,
                    in_px,
                    l.arg(3)
                ));
                return ERR;
            }
        },
        "" => {}
        o => {
            p.alert(&format!(
                "{} : '{} {} {}' only accepts 'if' or 'unless', in {} (was '{}')",
                at,
                kw,
                sub,
                l.arg(2),
                in_px,
                o
            ));
            return ERR;
        }
    }
    let err = super::rules::warn_resp_only(p, l, &cond);
    if let Some(px) = p.cur_proxy() {
        px.tcp_content_rules.push((accept, cond));
    }
    err
}

/// 1.4's pattern_parse_expr() (pattern.c) from word *i: a fetch among the
/// four 1.4.25 has (src, dst, dst_port, hdr), `(arg)` allowed on any of
/// them, then converters as the following words (lower, upper,
/// ipmask(mask)) up to the first word that is not one. A word with an
/// opening parenthesis must end with ')' even when it is not a converter.
/// On error, *i is the word 1.4's alert names; on success, the word after
/// the expression. ipmask's mask is kept in dotted form (the CIDR length
/// converted, no argument meaning 0.0.0.0 as 1.4's zeroed argument).
fn parse_pattern_expr(
    l: &Line,
    i: &mut usize,
) -> Option<(crate::config::model::StickFetch, Vec<String>)> {
    use crate::config::model::StickFetch;
    let (name, arg) = split_call(l.arg(*i))?;
    let fetch = match name {
        "src" => StickFetch::Src,
        "dst" => StickFetch::Dst,
        "dst_port" => StickFetch::DstPort,
        "hdr" => StickFetch::Hdr(arg.unwrap_or("").to_string()),
        _ => return None,
    };
    let mut conv = Vec::new();
    *i += 1;
    while !l.arg(*i).is_empty() {
        let (name, arg) = split_call(l.arg(*i))?;
        match name {
            "lower" | "upper" => conv.push(name.to_string()),
            "ipmask" => {
                let mask = match arg {
                    Some(a) => str2mask(a)?,
                    None => std::net::Ipv4Addr::UNSPECIFIED,
                };
                conv.push(format!("ipmask({})", mask));
            }
            _ => break,
        }
        *i += 1;
    }
    Some((fetch, conv))
}

/// `name` or `name(arg)`; None when a '(' is not closed by the last byte.
fn split_call(w: &str) -> Option<(&str, Option<&str>)> {
    match w.find('(') {
        None => Some((w, None)),
        Some(p) if w.ends_with(')') => Some((&w[..p], Some(&w[p + 1..w.len() - 1]))),
        Some(_) => None,
    }
}

/// 1.4's str2mask(): a dotted mask, or a length 0..32 read by strtol.
fn str2mask(s: &str) -> Option<std::net::Ipv4Addr> {
    if s.contains('.') {
        return s.parse().ok();
    }
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u32 = digits.parse().ok().filter(|&n| n <= 32)?;
    let bits = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(std::net::Ipv4Addr::from(bits))
}

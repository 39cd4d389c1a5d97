//! Stick tables (`stick-table`, `stick on|match|store-request`) and
//! `tcp-request inspect-delay|content` rules.

use super::parse::{Line, Parser, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE, CAP_FE};
use super::rules::{build_cond, not_in_defaults, ERR};
use super::units::{atoi, parse_size, parse_time_ms};

pub(super) fn parse_stick_table(p: &mut Parser, l: &Line) -> u32 {
    use crate::config::model::{StickTable, StickType};
    let at = l.at();
    let mut i = 1;
    let mut size = 0u64;
    let mut kind: Option<StickType> = None;
    let mut expire: Option<u64> = None;
    let mut nopurge = false;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "size" | "expire" => {
                let w = l.arg(i);
                i += 1;
                if l.arg(i).is_empty() {
                    p.alert(&format!(
                        "{} : stick-table: missing argument after '{}'.",
                        at, w
                    ));
                    return ERR;
                }
                if w == "size" {
                    match parse_size(l.arg(i)) {
                        Some(s) => size = s,
                        None => {
                            let c = l
                                .arg(i)
                                .chars()
                                .find(|c| !c.is_ascii_digit())
                                .unwrap_or('?');
                            p.alert(&format!(
                                "{} : stick-table: unexpected character '{}' in argument of '{}'.",
                                at, c, w
                            ));
                            return ERR;
                        }
                    }
                } else {
                    match parse_time_ms(l.arg(i), 1) {
                        Ok(t) => expire = Some(t),
                        Err(c) => {
                            p.alert(&format!(
                                "{} : stick-table: unexpected character '{}' in argument of '{}'.",
                                at, c, w
                            ));
                            return ERR;
                        }
                    }
                }
                i += 1;
            }
            "nopurge" => {
                nopurge = true;
                i += 1;
            }
            "type" => {
                i += 1;
                kind = Some(match l.arg(i) {
                    "ip" => {
                        i += 1;
                        StickType::Ip
                    }
                    "integer" => {
                        i += 1;
                        StickType::Integer
                    }
                    "string" => {
                        i += 1;
                        let mut len = 32;
                        if l.arg(i) == "len" {
                            len = atoi(l.arg(i + 1)).max(1) as usize;
                            i += 2;
                        }
                        StickType::String(len)
                    }
                    t => {
                        p.alert(&format!("{} : stick-table: unknown type '{}'.", at, t));
                        return ERR;
                    }
                });
            }
            a => {
                p.alert(&format!("{} : stick-table: unknown argument '{}'.", at, a));
                return ERR;
            }
        }
    }
    if size == 0 {
        p.alert(&format!("{} : stick-table: missing size.", at));
        return ERR;
    }
    let Some(kind) = kind else {
        p.alert(&format!("{} : stick-table: missing type.", at));
        return ERR;
    };
    if let Some(px) = p.cur_proxy() {
        px.stick_table = Some(StickTable {
            kind,
            size,
            expire,
            nopurge,
        });
    }
    0
}

pub(super) fn parse_stick(p: &mut Parser, l: &Line) -> u32 {
    use crate::config::model::{StickAction, StickFetch, StickRule};
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
    // FETCH[(arg)][,conv[,conv...]]
    let mut parts = l.arg(i).split(',');
    let f = parts.next().unwrap_or("");
    let conv: Vec<String> = parts.map(String::from).collect();
    let (base, arg) = match f.split_once('(') {
        Some((b, a)) => (b, Some(a.trim_end_matches(')').to_string())),
        None => (f, None),
    };
    let fetch = match (base, arg) {
        ("src", _) => StickFetch::Src,
        ("dst", _) => StickFetch::Dst,
        ("dst_port", _) => StickFetch::DstPort,
        ("hdr", Some(a)) => StickFetch::Hdr(a),
        ("url_param", Some(a)) => StickFetch::UrlParam(a),
        ("rdp_cookie", a) => StickFetch::RdpCookie(a.unwrap_or_default()),
        _ => {
            p.alert(&format!("{} : '{}': unknown fetch method '{}'.", at, kw, f));
            return ERR;
        }
    };
    if action == StickAction::StoreResponse {
        p.alert(&format!(
            "{} : '{}': fetch method '{}' can not be used on response.",
            at, kw, base
        ));
        return ERR;
    }
    if conv
        .iter()
        .any(|c| !(c == "lower" || c == "upper" || c.starts_with("ipmask(")))
    {
        p.alert(&format!(
            "{} : '{}': unknown fetch method '{}'.",
            at,
            kw,
            l.arg(i)
        ));
        return ERR;
    }
    i += 1;
    let mut table = None;
    if l.arg(i) == "table" {
        table = Some(l.arg(i + 1).to_string());
        i += 2;
    }
    let mut cond = None;
    match l.arg(i) {
        "if" | "unless" => match build_cond(p, l, i) {
            Some(c) => cond = Some(c),
            None => {
                p.alert(&format!(
                    "{} : '{}': error detected while parsing sticking condition.",
                    at, kw
                ));
                return ERR;
            }
        },
        "" => {}
        o => {
            p.alert(&format!("{} : '{}': unknown keyword '{}'.", at, kw, o));
            return ERR;
        }
    }
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

pub(super) fn parse_tcp_request(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let pname = p.cur_proxy().map(|x| x.name.clone()).unwrap_or_default();
    let sect = p.cursection.clone();
    if let Some(e) = not_in_defaults(p, l, " :", kw) {
        return e;
    }
    match l.arg(1) {
        "inspect-delay" => {
            if warn_if_not_cap(p, l, CAP_FE, "tcp-request inspect-delay", "") {
                return ERR_WARN;
            }
            match parse_time_ms(l.arg(2), 1) {
                Ok(t) if !l.arg(2).is_empty() => {
                    if let Some(px) = p.cur_proxy() {
                        px.tcp_inspect_delay = Some(t);
                    }
                    0
                }
                _ => {
                    p.alert(&format!(
                        "{} : '{} {}' expects a positive delay in milliseconds",
                        at,
                        kw,
                        l.arg(1)
                    ));
                    ERR
                }
            }
        }
        "content" => {
            if warn_if_not_cap(p, l, CAP_FE, "tcp-request content", "") {
                return ERR_WARN;
            }
            let accept = match l.arg(2) {
                "accept" => true,
                "reject" => false,
                o => {
                    p.alert(&format!(
                        "{} : '{} {}' expects 'accept' or 'reject', in {} '{}' (was '{}')",
                        at,
                        kw,
                        l.arg(1),
                        sect,
                        pname,
                        o
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
                            "{} : error detected in {} '{}' while parsing '{}' condition",
                            at,
                            sect,
                            pname,
                            l.arg(3)
                        ));
                        return ERR;
                    }
                },
                "" => {}
                o => {
                    p.alert(&format!(
                        "{} : '{} {} {}' only accepts 'if' or 'unless', in {} '{}' (was '{}')",
                        at,
                        kw,
                        l.arg(1),
                        l.arg(2),
                        sect,
                        pname,
                        o
                    ));
                    return ERR;
                }
            }
            if let Some(px) = p.cur_proxy() {
                px.tcp_content_rules.push((accept, cond));
            }
            0
        }
        o => {
            p.alert(&format!(
                "{} : '{}' expects 'inspect-delay' or 'content' in {} '{}' (was '{}')",
                at, kw, sect, pname, o
            ));
            ERR
        }
    }
}

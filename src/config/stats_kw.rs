//! The `stats` keyword family of a proxy: enable, uri, realm, auth,
//! scope, refresh, hide-version, admin, http-request; one handler per
//! sub-keyword (or family sharing its checks) in STATS_KW.

use super::parse::{Line, Parser, ERR_ALERT, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE};
use super::rules::{build_cond, parse_http_req, ERR};
use super::units::parse_time_ms;

/// A `stats` sub-keyword's handler: `err` holds the bits of the
/// capability check; returns 1.4's ERR_* bits for the line (a refused
/// line returns its own bits alone, as 1.4 does).
type StatsHandler = fn(&mut Parser, &Line, u32) -> u32;

const STATS_KW: &[(&str, StatsHandler)] = &[
    ("admin", stats_admin),
    ("uri", stats_value),
    ("realm", stats_value),
    ("auth", stats_value),
    ("scope", stats_value),
    ("refresh", stats_refresh),
    ("http-request", stats_http_req),
    ("enable", stats_flag),
    ("hide-version", stats_flag),
    ("show-legends", stats_flag),
    ("show-node", stats_show_node),
    ("show-desc", stats_show_desc),
];

pub(super) fn parse_stats(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "stats", "") {
        err |= ERR_WARN;
    }
    if !p.is_defaults() {
        if let Some(px) = p.cur_proxy().filter(|px| px.stats.inherited) {
            px.stats = Default::default();
        }
    }
    let sub = l.arg(1);
    match STATS_KW.iter().find(|(k, _)| *k == sub) {
        Some((_, run)) => run(p, l, err),
        None => stats_unknown(p, l),
    }
}

fn stats_admin(p: &mut Parser, l: &Line, err: u32) -> u32 {
    let (at, sub) = (l.at(), l.arg(1));
    if p.is_defaults() {
        p.alert(&format!(
            "{}: '{} {}' not allowed in 'defaults' section.",
            at,
            l.arg(0),
            sub
        ));
        return ERR;
    }
    if l.arg(2) != "if" && l.arg(2) != "unless" {
        p.alert(&format!(
            "{} : '{} {}' requires either 'if' or 'unless' followed by a condition.",
            at,
            l.arg(0),
            sub
        ));
        return ERR;
    }
    let Some(c) = build_cond(p, l, 2) else {
        p.alert(&format!(
            "{} : error detected while parsing a '{} {}' rule.",
            at,
            l.arg(0),
            sub
        ));
        return ERR;
    };
    if let Some(px) = p.cur_proxy() {
        px.stats.enabled = true;
        px.stats.admin.push(c);
    }
    err
}

/// uri, realm, auth and scope: one word each.
fn stats_value(p: &mut Parser, l: &Line, err: u32) -> u32 {
    let sub = l.arg(1);
    let v = l.arg(2).to_string();
    if v.is_empty() {
        let m = match sub {
            "uri" => "'uri' needs an URI prefix.",
            "realm" => "'realm' needs an realm name.",
            "auth" => "'auth' needs a user:password account.",
            _ => "'scope' needs a proxy name.",
        };
        p.alert(&format!("{} : {}", l.at(), m));
        return ERR;
    }
    let Some(px) = p.cur_proxy() else { return err };
    px.stats.enabled = true;
    match sub {
        "uri" => px.stats.uri = v,
        "realm" => px.stats.realm = v,
        "auth" => {
            let (u, pw) = v.split_once(':').unwrap_or((&v, ""));
            if px.stats.auths.iter().any(|(x, _)| x == u) {
                // a warning that 1.4 does not count as one
                let m = format!("uri auth: ignoring duplicated user '{}'.", u);
                p.warn_uncounted(&m);
            } else {
                px.stats.auths.push((u.to_string(), pw.to_string()));
            }
        }
        _ => px.stats.scopes.push(v),
    }
    err
}

fn stats_refresh(p: &mut Parser, l: &Line, err: u32) -> u32 {
    match parse_time_ms(l.arg(2), 1000) {
        Ok(t) => {
            if let Some(px) = p.cur_proxy() {
                px.stats.enabled = true;
                px.stats.refresh = t.div_ceil(1000);
            }
            err
        }
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in stats refresh interval.",
                l.at(),
                c
            ));
            ERR
        }
    }
}

fn stats_http_req(p: &mut Parser, l: &Line, _: u32) -> u32 {
    let at = l.at();
    if p.is_defaults() {
        p.alert(&format!(
            "{}: '{}' not allowed in 'defaults' section.",
            at,
            l.arg(0)
        ));
        return ERR;
    }
    stats_http_request(p, l, &at)
}

/// enable, hide-version and show-legends.
fn stats_flag(p: &mut Parser, l: &Line, err: u32) -> u32 {
    if let Some(px) = p.cur_proxy() {
        px.stats.enabled = true;
        match l.arg(1) {
            "hide-version" => px.stats.hide_version = true,
            "show-legends" => px.stats.show_legends = true,
            _ => {}
        }
    }
    err
}

fn stats_show_node(p: &mut Parser, l: &Line, err: u32) -> u32 {
    let n = l.arg(2);
    if !n.is_empty()
        && n.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
    {
        p.alert(&format!(
            "{}: '{} {}' invalid node name - should be a stringwith digits(0-9), letters(A-Z, a-z), hyphen(-) or underscode(_).",
            l.at(),
            l.arg(0),
            l.arg(1)
        ));
        return ERR;
    }
    let node = if n.is_empty() {
        p.cfg.global.node.clone()
    } else {
        n.to_string()
    };
    if let Some(px) = p.cur_proxy() {
        px.stats.enabled = true;
        px.stats.show_node = Some(node);
    }
    err
}

fn stats_show_desc(p: &mut Parser, l: &Line, mut err: u32) -> u32 {
    let d = if l.arg(2).is_empty() {
        None
    } else {
        Some(l.args[2..].join(" "))
    };
    if d.is_none() && p.cfg.global.description.is_none() {
        err |= p.warn(&format!(
            "{}: '{}' requires a parameter or 'desc' to be set in the global section.",
            l.at(),
            l.arg(1)
        ));
    } else {
        let d = d.or_else(|| p.cfg.global.description.clone());
        if let Some(px) = p.cur_proxy() {
            px.stats.enabled = true;
            px.stats.show_desc = d;
        }
    }
    err
}

fn stats_unknown(p: &mut Parser, l: &Line) -> u32 {
    let sub = l.arg(1);
    let (what, w) = if sub.is_empty() {
        ("missing keyword in", l.arg(0))
    } else {
        ("unknown stats parameter", sub)
    };
    p.alert(&format!(
        "{}: {} '{}', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.",
        l.at(), what, w
    ));
    ERR
}

/// `stats http-request`: the rule joins the stats page's own list (1.4's
/// uri_auth->req_acl), with the same NOOP warning as `http-request`.
fn stats_http_request(p: &mut Parser, l: &Line, pre: &str) -> u32 {
    let mut err = 0;
    // any stats keyword enables the stats page, as 1.4's uri_auth does
    let unconditional = match p.cur_proxy() {
        Some(px) => {
            px.stats.enabled = true;
            px.stats
                .http_req_rules
                .last()
                .is_some_and(|r| r.cond.is_none())
        }
        None => false,
    };
    if unconditional {
        err |= p.warn(&format!(
            "{}: previous '{}' action has no condition attached, further entries are NOOP.",
            pre,
            l.arg(0)
        ));
    }
    let Some(r) = parse_http_req(p, l, 2) else {
        return err | ERR_ALERT | super::parse::ERR_ABORT;
    };
    err |= super::rules::warn_resp_only(p, l, &r.cond);
    if let Some(px) = p.cur_proxy() {
        px.stats.http_req_rules.push(r);
    }
    err
}

//! The rule keywords of a proxy section (acl, use_backend, block,
//! redirect, http-request, monitor, persist rules, the header regex rules
//! and the families of other files) as a keyword table: one small handler
//! per keyword or family, run by `kw::dispatch`.

use super::kw::{kw, Caps, Defaults, Kw, ANY, DEF_OK};
use super::model::{HdrAction, SwitchRule};
use super::parse::{invalid_char, Line, Parser, ERR_ALERT};
use super::proxy::{CAP_BE, CAP_FE};
use super::rules::*;
use super::{captures, stats_kw, sticking};
use crate::acl;

/// (keyword, `defaults` allowed, capability, handler), in 1.4's order.
#[rustfmt::skip]
pub static RULE_KEYWORDS: &[Kw] = &[
    kw("acl", Defaults::Refused(" :"), ANY, kw_acl),
    kw("use_backend", Defaults::Refused(" :"), Caps::First(CAP_FE, ""), kw_use_backend),
    kw("block", Defaults::Refused(" :"), ANY, kw_block),
    kw("redirect", DEF_OK, ANY, parse_redirect),
    kw("http-request", Defaults::Refused(":"), ANY, kw_http_request),
    kw("stats", DEF_OK, ANY, stats_kw::parse_stats),
    kw("capture", DEF_OK, ANY, captures::parse_capture),
    kw("errorfile", DEF_OK, ANY, captures::parse_errorfile),
    kw("errorloc", DEF_OK, ANY, captures::parse_errorfile),
    kw("errorloc302", DEF_OK, ANY, captures::parse_errorfile),
    kw("errorloc303", DEF_OK, ANY, captures::parse_errorfile),
    kw("monitor", Defaults::Refused(" :"), Caps::First(CAP_FE, ""), kw_monitor),
    kw("force-persist", Defaults::Refused(" :"), Caps::First(CAP_FE | CAP_BE, ""), kw_force_persist),
    kw("ignore-persist", Defaults::Refused(" :"), Caps::First(CAP_FE | CAP_BE, ""), kw_force_persist),
    kw("stick-table", DEF_OK, ANY, sticking::parse_stick_table),
    kw("stick", DEF_OK, ANY, sticking::parse_stick),
    kw("tcp-request", DEF_OK, ANY, sticking::parse_tcp_request),
    kw("reqrep", DEF_OK, ANY, kw_reqrep),
    kw("cliexp", DEF_OK, ANY, kw_reqrep),
    kw("reqirep", DEF_OK, ANY, kw_reqirep),
    kw("rsprep", DEF_OK, ANY, kw_rsprep),
    kw("srvexp", DEF_OK, ANY, kw_rsprep),
    kw("rspirep", DEF_OK, ANY, kw_rspirep),
    kw("reqdel", DEF_OK, ANY, kw_reqdel),
    kw("reqidel", DEF_OK, ANY, kw_reqdel),
    kw("reqdeny", DEF_OK, ANY, kw_reqdeny),
    kw("reqideny", DEF_OK, ANY, kw_reqdeny),
    kw("reqpass", DEF_OK, ANY, kw_reqpass),
    kw("reqipass", DEF_OK, ANY, kw_reqpass),
    kw("reqallow", DEF_OK, ANY, kw_reqallow),
    kw("reqiallow", DEF_OK, ANY, kw_reqallow),
    kw("reqtarpit", DEF_OK, ANY, kw_reqtarpit),
    kw("reqitarpit", DEF_OK, ANY, kw_reqtarpit),
    kw("reqsetbe", DEF_OK, ANY, kw_reqsetbe),
    kw("reqisetbe", DEF_OK, ANY, kw_reqsetbe),
    kw("rspdel", DEF_OK, ANY, kw_rspdel),
    kw("rspidel", DEF_OK, ANY, kw_rspdel),
    kw("rspdeny", DEF_OK, ANY, kw_rspdeny),
    kw("rspideny", DEF_OK, ANY, kw_rspdeny),
    kw("reqadd", DEF_OK, ANY, kw_reqadd),
    kw("rspadd", DEF_OK, ANY, kw_rspadd),
];

/// `acl`
fn kw_acl(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let mut err = 0;
    let bad_name = invalid_char(l.arg(1));
    if let Some(c) = bad_name {
        p.alert(&format!(
            "{} : character '{}' is not permitted in acl name '{}'.",
            at,
            c,
            l.arg(1)
        ));
        err |= ERR;
    }
    // 1.4's parse_acl() refuses the bad name too (second alert)
    let expr = if l.arg(1).is_empty() || bad_name.is_some() {
        Err(())
    } else {
        acl::parse_expr(&l.args[2..])
    };
    if expr.is_ok() {
        if let Some(m) = acl::paren_warning_text(l.arg(1), &l.args[2..]) {
            p.warn_uncounted(&m);
        }
    }
    match expr {
        Ok(e) => {
            if let Some(px) = p.cur_proxy() {
                px.acls.add_expr(l.arg(1), e);
            }
            err
        }
        Err(()) => {
            p.alert(&format!(
                "{} : error detected while parsing ACL '{}'.",
                at,
                l.arg(1)
            ));
            ERR
        }
    }
}

/// `use_backend`
fn kw_use_backend(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let mut err = 0;
    if l.arg(1).is_empty() {
        p.alert(&format!("{} : '{}' expects a backend name.", at, kw));
        return ERR;
    }
    if l.arg(2) != "if" && l.arg(2) != "unless" {
        p.alert(&format!(
            "{} : '{}' requires either 'if' or 'unless' followed by a condition.",
            at, kw
        ));
        return ERR;
    }
    let Some(cond) = build_cond(p, l, 2) else {
        p.alert(&format!(
            "{} : error detected while parsing switching rule.",
            at
        ));
        return ERR;
    };
    let c = Some(cond);
    err |= warn_resp_only(p, l, &c);
    let be = l.arg(1).to_string();
    if let (Some(px), Some(cond)) = (p.cur_proxy(), c) {
        px.switching_rules.push(SwitchRule {
            backend: be,
            be_idx: 0,
            cond,
        });
    }
    err
}

/// `block`
fn kw_block(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1) != "if" && l.arg(1) != "unless" {
        p.alert(&format!(
            "{} : '{}' requires either 'if' or 'unless' followed by a condition.",
            at, kw
        ));
        return ERR;
    }
    let Some(cond) = build_cond(p, l, 1) else {
        p.alert(&format!(
            "{} : error detected while parsing blocking condition.",
            at
        ));
        return ERR;
    };
    let mut err = 0;
    let Some(px) = p.cur_proxy() else {
        return 0;
    };
    let which = if !px.req_exps.is_empty() {
        Some("reqxxx")
    } else if !px.req_adds.is_empty() {
        Some("reqadd")
    } else if !px.redirects.is_empty() {
        Some("redirect")
    } else if !px.switching_rules.is_empty() {
        Some("use_backend")
    } else {
        None
    };
    px.block_rules.push(cond);
    if let Some(w) = which {
        err |= p.warn(&format!(
            "{} : a '{}' rule placed after a '{}' rule will still be processed before.",
            at, kw, w
        ));
    }
    err
}

/// `http-request`
fn kw_http_request(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let mut err = 0;
    if p.cur_proxy()
        .is_some_and(|px| px.http_req_rules.last().is_some_and(|r| r.cond.is_none()))
    {
        err |= p.warn(&format!(
            "parsing [{}:{}]: previous '{}' action has no condition attached, further entries are NOOP.",
            l.file, l.num, kw
        ));
    }
    match parse_http_req(p, l, 1) {
        Some(r) => {
            let c = r.cond.clone();
            err |= warn_resp_only(p, l, &c);
            if let Some(px) = p.cur_proxy() {
                px.http_req_rules.push(r);
            }
            err
        }
        None => ERR_ALERT | super::parse::ERR_ABORT,
    }
}

/// `monitor`
fn kw_monitor(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let err = 0;
    if l.arg(1) != "fail" {
        p.alert(&format!("{} : '{}' only supports 'fail'.", at, kw));
        return ERR;
    }
    if l.arg(2) != "if" && l.arg(2) != "unless" {
        p.alert(&format!(
            "{} : '{} {}' requires either 'if' or 'unless' followed by a condition.",
            at,
            kw,
            l.arg(1)
        ));
        return ERR;
    }
    let Some(cond) = build_cond(p, l, 2) else {
        p.alert(&format!(
            "{} : error detected while parsing a '{} {}' condition.",
            at,
            kw,
            l.arg(1)
        ));
        return ERR;
    };
    if let Some(px) = p.cur_proxy() {
        px.monitor_fail.push(cond);
    }
    err
}

/// `force-persist`, `ignore-persist`
fn kw_force_persist(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let err = 0;
    if l.arg(1) != "if" && l.arg(1) != "unless" {
        p.alert(&format!(
            "{} : '{}' requires either 'if' or 'unless' followed by a condition.",
            at, kw
        ));
        return ERR;
    }
    let Some(cond) = build_cond(p, l, 1) else {
        p.alert(&format!(
            "{} : error detected while parsing a '{}' rule.",
            at, kw
        ));
        return ERR;
    };
    if let Some(px) = p.cur_proxy() {
        px.persist_rules.push((kw == "force-persist", cond));
    }
    err
}

/// `reqrep`, `cliexp`
fn kw_reqrep(p: &mut Parser, l: &Line) -> u32 {
    regex_rule_checked(p, l, true, HdrAction::Replace(vec![]), false, true)
}

/// `reqirep`
fn kw_reqirep(p: &mut Parser, l: &Line) -> u32 {
    regex_rule_checked(p, l, true, HdrAction::Replace(vec![]), true, true)
}

/// `rsprep`, `srvexp`
fn kw_rsprep(p: &mut Parser, l: &Line) -> u32 {
    regex_rule_checked(p, l, false, HdrAction::Replace(vec![]), false, true)
}

/// `rspirep`
fn kw_rspirep(p: &mut Parser, l: &Line) -> u32 {
    regex_rule_checked(p, l, false, HdrAction::Replace(vec![]), true, true)
}

/// `reqdel`, `reqidel`
fn kw_reqdel(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, true, HdrAction::Delete, kw == "reqidel", false)
}

/// `reqdeny`, `reqideny`
fn kw_reqdeny(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, true, HdrAction::Deny, kw == "reqideny", false)
}

/// `reqpass`, `reqipass`
fn kw_reqpass(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, true, HdrAction::Pass, kw == "reqipass", false)
}

/// `reqallow`, `reqiallow`
fn kw_reqallow(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, true, HdrAction::Allow, kw == "reqiallow", false)
}

/// `reqtarpit`, `reqitarpit`
fn kw_reqtarpit(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, true, HdrAction::Tarpit, kw == "reqitarpit", false)
}

/// `reqsetbe`, `reqisetbe`
fn kw_reqsetbe(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(
        p,
        l,
        true,
        HdrAction::SetBe(String::new(), None),
        kw == "reqisetbe",
        true,
    )
}

/// `rspdel`, `rspidel`
fn kw_rspdel(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, false, HdrAction::Delete, kw == "rspidel", false)
}

/// `rspdeny`, `rspideny`
fn kw_rspdeny(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    regex_rule(p, l, false, HdrAction::Deny, kw == "rspideny", false)
}

/// `reqadd`
fn kw_reqadd(p: &mut Parser, l: &Line) -> u32 {
    hdr_add(p, l, true)
}

/// `rspadd`
fn kw_rspadd(p: &mut Parser, l: &Line) -> u32 {
    hdr_add(p, l, false)
}

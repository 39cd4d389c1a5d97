//! ACLs and the rules that use them: switching, blocking, header
//! rewriting, redirects, http-request and monitor lines. The stats,
//! capture/error-page and stick/tcp-request families live in their own
//! modules; rules_kw.rs holds the keyword table.

use super::model::{HdrAction, HdrAdd, HdrExp, HttpReqAction, HttpReqRule, Redirect, RedirectKind};
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_RS};
use super::units::atoi;
use crate::acl::{self, Cond};
use regex::bytes::RegexBuilder;

pub(super) const ERR: u32 = ERR_ALERT | ERR_FATAL;

pub(super) use super::kw::not_in_defaults;

/// build_acl_cond(): `if|unless` at args[from]. ACL names resolve
/// through the proxy's name index, without copying its ACLs.
pub(super) fn build_cond(p: &mut Parser, l: &Line, from: usize) -> Option<Cond> {
    let unless = l.arg(from) == "unless";
    let words = l.args.get(from + 1..).unwrap_or(&[]);
    let cond = {
        let px = p.cur_proxy_ref();
        let named = |w: &str| px.and_then(|px| px.acls.position(w));
        let mut warns = Vec::new();
        let c = acl::parse_cond_warn(unless, words, &named, &mut |m| warns.push(m));
        for m in &warns {
            p.warn_uncounted(m);
        }
        c.ok()?
    };
    if let Some(px) = p.cur_proxy() {
        let named = px.acls.len();
        for t in cond.groups.iter().flatten() {
            if let acl::AclRef::Builtin(a) = &t.acl {
                if a.name.is_empty() {
                    px.anon_acls.push((named, (**a).clone()));
                }
            }
        }
    }
    Some(cond)
}

/// The name of the first ACL of `c` using a criterion `pred` accepts.
fn acl_using(p: &Parser, c: &Cond, pred: impl Fn(acl::Fetch) -> bool) -> Option<String> {
    let acls: &[acl::Acl] = p.cur_proxy_ref().map_or(&[], |px| &px.acls);
    if acl::cond_uses(c, acls, &pred) {
        Some(first_acl_name(c, acls, pred))
    } else {
        None
    }
}

pub(super) fn warn_resp_only(p: &mut Parser, l: &Line, c: &Option<Cond>) -> u32 {
    let Some(c) = c else { return 0 };
    if let Some(name) = acl_using(p, c, acl::is_response) {
        return p.warn(&format!(
            "{} : acl '{}' involves some response-only criteria which will be ignored.",
            l.at(),
            name
        ));
    }
    0
}

pub(super) fn warn_req_only(p: &mut Parser, l: &Line, c: &Option<Cond>) -> u32 {
    let Some(c) = c else { return 0 };
    let volatile = |f: acl::Fetch| acl::needs_http(f) && !acl::is_response(f);
    if let Some(name) = acl_using(p, c, volatile) {
        return p.warn(&format!(
            "{} : acl '{}' involves some volatile request-only criteria which will be ignored.",
            l.at(),
            name
        ));
    }
    0
}

fn first_acl_name(c: &Cond, acls: &[acl::Acl], pred: impl Fn(acl::Fetch) -> bool) -> String {
    for t in c.groups.iter().flatten() {
        let a = match &t.acl {
            acl::AclRef::Named(i) => acls.get(*i),
            acl::AclRef::Builtin(a) => Some(a.as_ref()),
        };
        if let Some(a) = a {
            if a.exprs.iter().any(|e| pred(e.fetch)) {
                return a.name.clone();
            }
        }
    }
    "(unknown)".into()
}

/// 1.4's check_replace_string(): `\N` back-references and `\xHH` are
/// the escapes; a backslash before anything else (itself included) is
/// accepted with a warning (the character is then copied as is), and a
/// trailing backslash or a bad `\x` is the error, always reported at the
/// backslash.
fn check_replacement(p: &Parser, s: &str) -> Result<Vec<u8>, ()> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                None => return Err(()),
                Some(c) if c.is_ascii_digit() => i += 1,
                Some(b'x') => {
                    let hex = |k: usize| b.get(k).is_some_and(|c| c.is_ascii_hexdigit());
                    if !hex(i + 2) || !hex(i + 3) {
                        return Err(());
                    }
                    i += 3;
                }
                Some(&c) => {
                    p.warn_uncounted(&format!(
                        "'\\{}' : deprecated use of a backslash before something not '\\','x' or a digit.",
                        c as char
                    ));
                    i += 1;
                }
            }
        }
        i += 1;
    }
    Ok(b.to_vec())
}

pub(super) fn regex_rule(
    p: &mut Parser,
    l: &Line,
    dir_req: bool,
    action: HdrAction,
    icase: bool,
    repl: bool,
) -> u32 {
    let cmd = l.arg(0);
    let at = l.at();
    if let Some(e) = not_in_defaults(p, l, " :", cmd) {
        return e;
    }
    let reg = l.arg(1);
    if reg.is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <regex> as an argument.",
            at, cmd
        ));
        return ERR;
    }
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_RS, cmd, "") {
        err |= ERR_WARN;
    }
    let cond = match optional_cond(p, l, if repl { 3 } else { 2 }) {
        Ok(c) => c,
        Err(e) => return e,
    };
    err |= if dir_req {
        warn_resp_only(p, l, &cond)
    } else {
        warn_req_only(p, l, &cond)
    };
    let built = super::posix_re::translate(reg)
        .ok()
        .and_then(|r| RegexBuilder::new(&r).case_insensitive(icase).build().ok());
    let Some(re) = built else {
        p.alert(&format!(
            "{} : '{}' : bad regular expression '{}'.",
            at, cmd, reg
        ));
        return ERR;
    };
    let action = match regex_action(p, l, action) {
        Ok(a) => a,
        Err(e) => return e,
    };
    err | push_regex(p, l, dir_req, HdrExp { re, action, cond })
}

/// 1.4's chain_regex() checks any second word as a replacement string,
/// a reqsetbe backend name included.
fn regex_action(p: &Parser, l: &Line, action: HdrAction) -> Result<HdrAction, u32> {
    Ok(match action {
        HdrAction::Replace(_) | HdrAction::SetBe(..) => match check_replacement(p, l.arg(2)) {
            Ok(r) if matches!(action, HdrAction::Replace(_)) => HdrAction::Replace(r),
            Ok(_) => HdrAction::SetBe(l.arg(2).to_string(), None),
            Err(()) => {
                p.alert(&format!(
                    "{} : '{}' : invalid character or unterminated sequence in replacement string near '\\'.",
                    l.at(),
                    l.arg(0)
                ));
                return Err(ERR);
            }
        },
        a => a,
    })
}

/// Appends a request or response regex rule, warning as 1.4 does when a
/// request one follows rules that run before it anyway.
fn push_regex(p: &mut Parser, l: &Line, dir_req: bool, e: HdrExp) -> u32 {
    let Some(px) = p.cur_proxy() else { return 0 };
    let misplaced = dir_req
        && (!px.req_adds.is_empty() || !px.redirects.is_empty() || !px.switching_rules.is_empty());
    let which = if !px.req_adds.is_empty() {
        "reqadd"
    } else if !px.redirects.is_empty() {
        "redirect"
    } else {
        "use_backend"
    };
    if dir_req {
        px.req_exps.push(e);
    } else {
        px.rsp_exps.push(e);
    }
    if !misplaced {
        return 0;
    }
    p.warn(&format!(
        "{} : a '{}' rule placed after a '{}' rule will still be processed before.",
        l.at(),
        l.arg(0),
        which
    ))
}

/// An optional `if|unless <cond>` at word i: nothing else may follow the
/// rule's arguments.
fn optional_cond(p: &mut Parser, l: &Line, i: usize) -> Result<Option<Cond>, u32> {
    match l.arg(i) {
        "if" | "unless" => match build_cond(p, l, i) {
            Some(c) => Ok(Some(c)),
            None => {
                p.alert(&format!(
                    "{} : error detected while parsing a '{}' condition.",
                    l.at(),
                    l.arg(0)
                ));
                Err(ERR)
            }
        },
        "" => Ok(None),
        o => {
            p.alert(&format!(
                "{} : '{}' : Expecting nothing, 'if', or 'unless', got '{}'.",
                l.at(),
                l.arg(0),
                o
            ));
            Err(ERR)
        }
    }
}

pub(super) fn hdr_add(p: &mut Parser, l: &Line, req: bool) -> u32 {
    let cmd = l.arg(0);
    let at = l.at();
    if let Some(e) = not_in_defaults(p, l, " :", cmd) {
        return e;
    }
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_RS, cmd, "") {
        err |= ERR_WARN;
    }
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <header> as an argument.",
            at, cmd
        ));
        return ERR;
    }
    let cond = match optional_cond(p, l, 2) {
        Ok(c) => c,
        Err(e) => return e,
    };
    err |= if req {
        warn_resp_only(p, l, &cond)
    } else {
        warn_req_only(p, l, &cond)
    };
    let add = HdrAdd {
        line: l.arg(1).as_bytes().to_vec(),
        cond,
    };
    let Some(px) = p.cur_proxy() else { return err };
    if req {
        px.req_adds.push(add);
        let which = if !px.redirects.is_empty() {
            Some("redirect")
        } else if !px.switching_rules.is_empty() {
            Some("use_backend")
        } else {
            None
        };
        if let Some(w) = which {
            err |= p.warn(&format!(
                "{} : a '{}' rule placed after a '{}' rule will still be processed before.",
                at, cmd, w
            ));
        }
    } else {
        px.rsp_adds.push(add);
    }
    err
}

pub(super) fn regex_rule_checked(
    p: &mut Parser,
    l: &Line,
    req: bool,
    a: HdrAction,
    icase: bool,
    repl: bool,
) -> u32 {
    if l.arg(2).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <search> and <replace> as arguments.",
            l.at(),
            l.arg(0)
        ));
        return ERR;
    }
    regex_rule(p, l, req, a, icase, repl)
}

pub(super) fn parse_redirect(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if let Some(e) = not_in_defaults(p, l, " :", kw) {
        return e;
    }
    let mut r = Redirect {
        kind: RedirectKind::Location,
        target: String::new(),
        code: 302,
        drop_query: false,
        append_slash: false,
        set_cookie: None,
        clear_cookie: None,
        cond: None,
    };
    let (typed, scheme) = match redirect_words(p, l, &mut r) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if !typed {
        p.alert(&format!(
            "{} : '{}' expects a redirection type ('prefix' or 'location').",
            at, kw
        ));
        return ERR;
    }
    let mut err = 0;
    if scheme {
        r.kind = RedirectKind::Scheme;
    }
    let Some(px) = p.cur_proxy() else { return err };
    let after_ub = !px.switching_rules.is_empty();
    px.redirects.push(r);
    if after_ub {
        err |= p.warn(&format!(
            "{} : a '{}' rule placed after a 'use_backend' rule will still be processed before.",
            at, kw
        ));
    }
    err
}

/// The words of a redirect rule into `r`; returns whether a type word
/// (location, prefix, scheme) came, and whether `scheme` did.
fn redirect_words(p: &mut Parser, l: &Line, r: &mut Redirect) -> Result<(bool, bool), u32> {
    let (at, kw) = (l.at(), l.arg(0));
    let (mut typed, mut scheme) = (false, false);
    let mut i = 1;
    while !l.arg(i).is_empty() {
        let a = l.arg(i);
        match a {
            "location" | "prefix" | "scheme" | "set-cookie" | "clear-cookie" => {
                if l.arg(i + 1).is_empty() {
                    p.alert(&format!("{} : '{}': missing argument for '{}'.", at, kw, a));
                    return Err(ERR);
                }
                i += 1;
                let v = l.arg(i).to_string();
                match a {
                    "location" => (r.kind, r.target, typed) = (RedirectKind::Location, v, true),
                    "prefix" => (r.kind, r.target, typed) = (RedirectKind::Prefix, v, true),
                    "scheme" => (scheme, r.target, typed) = (true, v, true),
                    "set-cookie" => (r.set_cookie, r.clear_cookie) = (Some(v), None),
                    _ => (r.clear_cookie, r.set_cookie) = (Some(v), None),
                }
            }
            "code" => {
                if l.arg(i + 1).is_empty() {
                    p.alert(&format!("{} : '{}': missing HTTP code.", at, kw));
                    return Err(ERR);
                }
                i += 1;
                r.code = redirect_code(p, l, i)?;
            }
            "drop-query" => r.drop_query = true,
            "append-slash" => r.append_slash = true,
            "if" | "unless" => {
                let Some(c) = build_cond(p, l, i) else {
                    p.alert(&format!(
                        "{} : '{}': error detected while parsing redirect condition.",
                        at, kw
                    ));
                    return Err(ERR);
                };
                r.cond = Some(c);
                break;
            }
            _ => {
                p.alert(&format!(
                    "{} : '{}' expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query' or 'append-slash' (was '{}').",
                    at, kw, a
                ));
                return Err(ERR);
            }
        }
        i += 1;
    }
    Ok((typed, scheme))
}

/// `code <n>` (word i holds n): one of the redirect codes 1.4 knows.
fn redirect_code(p: &Parser, l: &Line, i: usize) -> Result<u16, u32> {
    let c = atoi(l.arg(i));
    if !(301..=308).contains(&c) || (c > 303 && c < 307) {
        p.alert(&format!(
            "{} : '{}': unsupported HTTP code '{}' (must be one of 301, 302, 303, 307 or 308).",
            l.at(),
            l.arg(0),
            l.arg(i)
        ));
        return Err(ERR);
    }
    Ok(c as u16)
}

/// parse_auth_cond(): `allow|deny|auth [realm R] [if|unless cond]`
/// starting at args[from].
pub(super) fn parse_http_req(p: &mut Parser, l: &Line, from: usize) -> Option<HttpReqRule> {
    let pre = format!("parsing [{}:{}]", l.file, l.num);
    let mut i = from + 1;
    let action = match l.arg(from) {
        "allow" => HttpReqAction::Allow,
        "deny" => HttpReqAction::Deny,
        "auth" => {
            let mut realm = None;
            while l.arg(i) == "realm" {
                realm = Some(l.arg(i + 1).to_string());
                i += 2;
            }
            HttpReqAction::Auth { realm }
        }
        a => {
            let (what, w) = if !l.arg(from + 1).is_empty() {
                ("unknown parameter", l.arg(from + 1))
            } else {
                ("missing keyword in", a)
            };
            p.alert(&format!(
                "{}: {} '{}', expects 'allow', 'deny', 'auth'.",
                pre, what, w
            ));
            return None;
        }
    };
    let mut rule = HttpReqRule { action, cond: None };
    match l.arg(i) {
        "if" | "unless" => match build_cond(p, l, i) {
            Some(c) => rule.cond = Some(c),
            None => {
                p.alert(&format!(
                    "{} : error detected while parsing an 'http-request {}' condition.",
                    pre,
                    l.arg(from)
                ));
                return None;
            }
        },
        "" => {}
        o => {
            p.alert(&format!(
                "{}: 'http-request {}' expects 'realm' for 'auth' or either 'if' or 'unless' followed by a condition but found '{}'.",
                pre,
                l.arg(from),
                o
            ));
            return None;
        }
    }
    Some(rule)
}

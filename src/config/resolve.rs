//! Name resolution for check_config_validity(): the backends named by
//! default_backend, reqsetbe and use_backend, the stick tables of sticking
//! rules, the servers tracked with `track`, the servers and userlists named
//! inside ACLs, and the users and groups of userlists. Each name becomes an
//! index into the model once, here, so nothing is looked up per request; a
//! name that does not resolve gives 1.4's alert, word for word.

use super::model::{HdrAction, Mode, Proxy, Userlist};
use super::parse::Parser;
use super::proxy::{caps, type_str, CAP_BE};
use super::validate::{Cur, Tally};
use crate::acl::{Acl, AclExpr, Fetch, Pattern};

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Tcp => "tcp",
        Mode::Http => "http",
        Mode::Health => "health",
    }
}

/// findproxy_mode(): a backend by name usable from a proxy in `mode`
/// (the parser's name index gives the candidates, in declaration order).
fn find_backend(p: &Parser, name: &str, mode: Mode) -> Result<usize, ()> {
    let mut target = None;
    for &i in p.proxy_names.get(name).map_or(&[][..], |v| &v[..]) {
        let px = &p.cfg.proxies[i];
        if caps(px.kind) & CAP_BE == 0 {
            continue;
        }
        if px.mode != mode && !(px.mode == Mode::Http && mode == Mode::Tcp) {
            p.alert(&format!(
                "Unable to use proxy '{}' with wrong mode, required: {}, has: {}.",
                name,
                mode_str(mode),
                mode_str(px.mode)
            ));
            p.alert(&format!("You may want to use 'mode {}'.", mode_str(mode)));
            return Err(());
        }
        if let Some(t) = target {
            let t: &Proxy = &p.cfg.proxies[t];
            p.alert(&format!(
                "Refusing to use duplicated proxy '{}' with overlapping capabilities: {}/{}!",
                name,
                type_str(px.kind),
                type_str(t.kind)
            ));
            return Err(());
        }
        target = Some(i);
    }
    target.ok_or(())
}

/// 1.4's findproxy(): the one proxy named `name` (or `#id`) with the
/// capabilities `cap`; none when two match.
pub(super) fn findproxy(p: &Parser, name: &str, cap: u8) -> Option<usize> {
    let id = name.strip_prefix('#').map(super::units::atoi).unwrap_or(0);
    let has_cap = |k: &usize| {
        p.cfg
            .proxies
            .get(*k)
            .is_some_and(|x| caps(x.kind) & cap == cap)
    };
    let found: Vec<usize> = if id != 0 {
        (0..p.cfg.proxies.len())
            .filter(|&k| has_cap(&k) && i64::from(p.cfg.proxies[k].id) == id)
            .take(2)
            .collect()
    } else {
        let same = p.proxy_names.get(name).map_or(&[][..], |v| &v[..]);
        same.iter().copied().filter(has_cap).take(2).collect()
    };
    match found[..] {
        [k] => Some(k),
        _ => None,
    }
}

/// One backend reference of proxy `cx` (`what` is the keyword naming it):
/// the backend's index, or None after the loop or not-found alert.
fn backend_ref(
    p: &Parser,
    cx: &Cur,
    t: &mut Tally,
    what: &str,
    b: &str,
    mode: Mode,
) -> Option<usize> {
    match find_backend(p, b, mode) {
        Ok(k) if k == cx.i => {
            t.fail(
                p,
                &format!("Proxy '{}': loop detected for {}: '{}'.", cx.name, what, b),
            );
            None
        }
        Ok(k) => Some(k),
        Err(()) => {
            t.fail(
                p,
                &format!(
                    "Proxy '{}': unable to find required {}: '{}'.",
                    cx.name, what, b
                ),
            );
            None
        }
    }
}

/// default_backend, then reqsetbe (HTTP only), then use_backend rules, in
/// 1.4's order; the switching plan is built once the rules are final.
pub(super) fn resolve_backends(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let i = cx.i;
    if let Some(db) = p.cfg.proxies[i].default_backend.clone() {
        if let Some(k) = backend_ref(p, cx, t, "default_backend", &db, cx.mode) {
            p.cfg.proxies[i].default_be_idx = Some(k);
        }
    }
    if cx.mode == Mode::Http {
        for r in 0..p.cfg.proxies[i].req_exps.len() {
            let HdrAction::SetBe(b, _) = &p.cfg.proxies[i].req_exps[r].action else {
                continue;
            };
            let k = backend_ref(p, cx, t, "setbe", &b.clone(), Mode::Http);
            if let HdrAction::SetBe(_, be) = &mut p.cfg.proxies[i].req_exps[r].action {
                *be = k;
            }
        }
    }
    for r in 0..p.cfg.proxies[i].switching_rules.len() {
        let b = p.cfg.proxies[i].switching_rules[r].backend.clone();
        if let Some(k) = backend_ref(p, cx, t, "use_backend", &b, cx.mode) {
            p.cfg.proxies[i].switching_rules[r].be_idx = k;
        }
    }
    // built once the rules are final: the lookups stand for them
    let px = &p.cfg.proxies[i];
    let plan = crate::acl::RulePlan::build(px.switching_rules.iter().map(|r| &r.cond), &px.acls);
    p.cfg.proxies[i].switch_plan = plan;
}

/// Each sticking rule's table: the named backend's, or the proxy's own;
/// it must exist and have a size.
pub(super) fn resolve_stick_tables(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let (i, name) = (cx.i, &cx.name);
    for r in 0..p.cfg.proxies[i].stick_rules.len() {
        let tname = p.cfg.proxies[i].stick_rules[r].table.clone();
        let target = match &tname {
            Some(tn) => findproxy(p, tn, CAP_BE),
            None => Some(i),
        };
        match target {
            None => {
                t.fail(
                    p,
                    &format!(
                        "Proxy '{}': unable to find stick-table '{}'.",
                        name,
                        tname.unwrap_or_default()
                    ),
                );
            }
            Some(k) if p.cfg.proxies[k].stick_params.size == 0 => {
                let tn = tname.unwrap_or_else(|| name.clone());
                t.fail(
                    p,
                    &format!(
                        "Proxy '{}': stick-table '{}' used but not configured.",
                        name, tn
                    ),
                );
            }
            Some(k) => p.cfg.proxies[i].stick_rules[r].table_idx = k,
        }
    }
}

/// `track [proxy/]server` of server `si`: the tracked server must exist,
/// have checks, and agree with this proxy on disable-on-404.
pub(super) fn resolve_track(p: &Parser, cx: &Cur, t: &mut Tally, si: usize) {
    let (i, ts, name) = (cx.i, cx.ts, &cx.name);
    let s = &p.cfg.proxies[i].servers[si];
    let Some(track) = &s.track else {
        return;
    };
    let sname = &s.name;
    let (pname, tsrv) = match track.rsplit_once('/') {
        Some((a, b)) => (Some(a), b),
        None => (None, track.as_str()),
    };
    let tp = match pname {
        Some(pn) => findproxy(p, pn, CAP_BE),
        None => Some(i),
    };
    let Some(tp) = tp else {
        t.fail(
            p,
            &format!(
                "config : {} '{}', server '{}': unable to find required proxy '{}' for tracking.",
                ts,
                name,
                sname,
                pname.unwrap_or_default()
            ),
        );
        return;
    };
    match p.cfg.proxies[tp].servers.iter().find(|s| s.name == tsrv) {
        None => t.fail(
            p,
            &format!(
                "config : {} '{}', server '{}': unable to find required server '{}' for tracking.",
                ts, name, sname, tsrv
            ),
        ),
        Some(ts2) if !ts2.check => t.fail(
            p,
            &format!(
                "config : {} '{}', server '{}': unable to use {}/{} for tracking as it does not have checks enabled.",
                ts, name, sname, p.cfg.proxies[tp].name, tsrv
            ),
        ),
        Some(_)
            if tp != i
                && p.cfg.proxies[tp].check.disable_on_404
                    != p.cfg.proxies[i].check.disable_on_404 =>
        {
            // (sic) 1.4's text has no space in "fortracking"
            t.fail(
                p,
                &format!(
                    "config : {} '{}', server '{}': unable to use {}/{} fortracking: disable-on-404 option inconsistency.",
                    ts, name, sname, p.cfg.proxies[tp].name, tsrv
                ),
            );
        }
        Some(_) => {}
    }
}

/// Every user's groups and every group's users must exist; the first
/// miss is fatal at once (Err). 1.4 links userlists and users newest
/// first: the first error it reports is the one of the last declared.
pub(super) fn check_userlists(p: &Parser) -> Result<(), ()> {
    for ul in p.cfg.userlists.iter().rev() {
        for u in ul.users.iter().rev() {
            for g in &u.groups {
                if !ul.groups.iter().any(|(n, _)| n == g) {
                    p.alert(&format!(
                        "userlist '{}': no such group '{}' specified in user '{}'",
                        ul.name, g, u.name
                    ));
                    return Err(());
                }
            }
        }
        for (g, users) in &ul.groups {
            for u in users {
                if !ul.users.iter().any(|x| &x.name == u) {
                    p.alert(&format!(
                        "userlist '{}': no such user '{}' specified in group '{}'",
                        ul.name, u, g
                    ));
                    return Err(());
                }
            }
        }
    }
    Ok(())
}

/// The proxy's ACLs in 1.4's list order: named ones where first declared,
/// anonymous ones where the condition holding them was parsed.
fn acls_in_order(px: &Proxy) -> Vec<&Acl> {
    // anon_acls are pushed with their named count, so they come sorted:
    // one merge, not one scan of them per named ACL
    let mut out = Vec::new();
    let mut anon = px.anon_acls.iter().peekable();
    for k in 0..=px.acls.len() {
        while let Some((_, a)) = anon.next_if(|(n, _)| *n <= k) {
            out.push(a);
        }
        out.extend(px.acls.get(k));
    }
    out.extend(anon.map(|(_, a)| a));
    out
}

/// 1.4's acl_find_targets(): srv_is_up() must name a known server, and
/// http_auth*() a known userlist (and http_auth_group known groups).
/// Returns the number of errors.
pub(super) fn acl_find_targets(p: &Parser, i: usize) -> u32 {
    let px = &p.cfg.proxies[i];
    let mut cfgerr = 0;
    for acl in acls_in_order(px) {
        for e in &acl.exprs {
            let ok = match e.fetch {
                Fetch::SrvIsUp => srv_is_up_target(p, i, &acl.name, e),
                Fetch::HttpAuth | Fetch::HttpAuthGroup => auth_target(p, i, &acl.name, e),
                _ => 0,
            };
            cfgerr += ok;
        }
    }
    cfgerr
}

fn srv_is_up_target(p: &Parser, i: usize, acl: &str, e: &AclExpr) -> u32 {
    let id = &p.cfg.proxies[i].name;
    let kw = "srv_is_up";
    let arg = e.arg.as_deref().unwrap_or("");
    if arg.is_empty() {
        p.alert(&format!(
            "proxy {}: acl {} {}(): missing server name.",
            id, acl, kw
        ));
        return 1;
    }
    let (px, sname) = match arg.rsplit_once('/') {
        Some((pname, s)) => {
            let found = p
                .cfg
                .proxies
                .iter()
                .find(|x| x.name == pname && caps(x.kind) & CAP_BE != 0);
            let Some(px) = found else {
                p.alert(&format!(
                    "proxy {}: acl {} {}(): unable to find proxy '{}'.",
                    id, acl, kw, pname
                ));
                return 1;
            };
            (px, s)
        }
        None => (&p.cfg.proxies[i], arg),
    };
    if !px.servers.iter().any(|s| s.name == sname) {
        p.alert(&format!(
            "proxy {}: acl {} {}(): unable to find server '{}'.",
            id, acl, kw, sname
        ));
        return 1;
    }
    0
}

fn auth_target(p: &Parser, i: usize, acl: &str, e: &AclExpr) -> u32 {
    let id = &p.cfg.proxies[i].name;
    let kw = if e.fetch == Fetch::HttpAuth {
        "http_auth"
    } else {
        "http_auth_group"
    };
    let arg = e.arg.as_deref().unwrap_or("");
    if arg.is_empty() {
        p.alert(&format!(
            "proxy {}: acl {} {}(): missing userlist name.",
            id, acl, kw
        ));
        return 1;
    }
    let Some(ul) = p.cfg.userlists.iter().find(|u| u.name == arg) else {
        p.alert(&format!(
            "proxy {}: acl {} {}({}): unable to find userlist.",
            id, acl, kw, arg
        ));
        return 1;
    };
    if e.fetch != Fetch::HttpAuthGroup {
        return 0;
    }
    if e.pats.is_empty() {
        p.alert(&format!(
            "proxy {}: acl {} {}(): no groups specified.",
            id, acl, kw
        ));
        return 1;
    }
    // 1.4 reads all the group words as one pattern (acl_parse_strcat) and
    // resolves it at once: one alert for the first unknown group
    let text = e
        .pats
        .linear()
        .iter()
        .map(|pat| match pat {
            Pattern::Str(s) | Pattern::StrI(s) => String::from_utf8_lossy(s).into_owned(),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    if !groups_resolve(p, ul, &text) {
        p.alert(&format!(
            "proxy {}: acl {} {}(): invalid group(s).",
            id, acl, kw
        ));
        return 1;
    }
    0
}

/// 1.4's auth_resolve_groups(): every space-separated name must be a
/// group of the userlist; the first unknown one is reported.
fn groups_resolve(p: &Parser, ul: &Userlist, groups: &str) -> bool {
    let mut any = false;
    for g in groups.split(' ').filter(|g| !g.is_empty()) {
        if !ul.groups.iter().any(|(n, _)| n == g) {
            p.alert(&format!("No such group '{}' in userlist '{}'.", g, ul.name));
            return false;
        }
        any = true;
    }
    any
}

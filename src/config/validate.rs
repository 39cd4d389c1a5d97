//! check_config_validity(): cross references, inherited timeouts and the
//! end-of-parse warnings, in 1.4's order.

use super::model::{Balance, CheckType, LogFormat, Mode, Proxy, Userlist};
use super::option_kw::FLAG_OPTIONS;
use super::parse::{Parser, ERR_ALERT, ERR_FATAL};
use super::proxy::{caps, type_str, CAP_BE, CAP_FE};
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
            let t: &super::model::Proxy = &p.cfg.proxies[t];
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

fn ensure_no_http(p: &mut Parser, i: usize) {
    let px = &p.cfg.proxies[i];
    let (ts, name) = (type_str(px.kind), px.name.clone());
    let mut warns = Vec::new();
    if px.cookie.is_some() {
        warns.push(format!(
            "config : cookie will be ignored for {} '{}' (needs 'mode http').",
            ts, name
        ));
    }
    if !px.rsp_exps.is_empty() {
        warns.push(format!(
            "config : server regular expressions will be ignored for {} '{}' (needs 'mode http').",
            ts, name
        ));
    }
    if !px.req_exps.is_empty() {
        warns.push(format!(
            "config : client regular expressions will be ignored for {} '{}' (needs 'mode http').",
            ts, name
        ));
    }
    if px.monitor_uri.is_some() {
        warns.push(format!(
            "config : monitor-uri will be ignored for {} '{}' (needs 'mode http').",
            ts, name
        ));
    }
    let l7 = matches!(
        px.balance,
        Balance::Uri { .. } | Balance::UrlParam { .. } | Balance::Hdr { .. }
    );
    if l7 {
        warns.push(format!(
            "config : Layer 7 hash not possible for {} '{}' (needs 'mode http'). Falling back to round robin.",
            ts, name
        ));
    }
    let httplog = matches!(px.log_format, LogFormat::Http | LogFormat::HttpClf);
    if httplog {
        warns.push(format!(
            "config : 'option httplog' not usable with {} '{}' (needs 'mode http'). Falling back to 'option tcplog'.",
            ts, name
        ));
    }
    let px = &mut p.cfg.proxies[i];
    if l7 {
        px.balance = Balance::RoundRobin;
    }
    if httplog {
        px.log_format = LogFormat::Tcp;
    }
    px.cookie = None;
    px.req_exps.clear();
    px.rsp_exps.clear();
    px.monitor_uri = None;
    for w in warns {
        p.warn(&w);
    }
}

/// A balance algorithm excludes transparent mode and overrides dispatch;
/// without one, transparent, dispatch and HTTP proxy modes turn load
/// balancing off (1.4 only defaults to roundrobin otherwise).
/// Returns the error bits and the number of fatal errors.
fn check_balance_mode(p: &mut Parser, i: usize) -> (u32, u32) {
    let px = &p.cfg.proxies[i];
    let ts = type_str(px.kind);
    let name = px.name.clone();
    let dispatch = px.dispatch.is_some_and(|a| !a.ip().is_unspecified());
    if !px.balance_set {
        let off = px.flags.transparent || px.flags.http_proxy || dispatch;
        p.cfg.proxies[i].lb_off = off;
        return (0, 0);
    }
    if px.flags.transparent {
        p.alert(&format!(
            "config : {} '{}' cannot use both transparent and balance mode.",
            ts, name
        ));
        return (0, 1);
    }
    if dispatch {
        let e = p.warn(&format!(
            "config : dispatch address of {} '{}' will be ignored in balance mode.",
            ts, name
        ));
        return (e, 0);
    }
    (0, 0)
}

pub fn check_config_validity(p: &mut Parser) -> u32 {
    let mut err = 0u32;
    let mut cfgerr = 0u32;
    if p.cfg.proxies.is_empty() {
        p.alert("config : no <listen> line. Nothing to do !");
        return ERR_ALERT | ERR_FATAL;
    }
    // automatic proxy ids, skipping the ones given with `id`
    let mut ids: Vec<u32> = p.cfg.proxies.iter().map(|x| x.id).collect();
    assign_ids(&mut ids);
    for (i, (px, id)) in p.cfg.proxies.iter_mut().zip(ids).enumerate() {
        px.id = id;
        px.idx = i;
    }
    let defaults_to = p.defaults.timeouts;
    let nbproc = p.cfg.global.nbproc;
    for i in 0..p.cfg.proxies.len() {
        if p.cfg.proxies[i].disabled {
            continue;
        }
        let (kind, name, mode) = {
            let px = &p.cfg.proxies[i];
            (px.kind, px.name.clone(), px.mode)
        };
        let ts = type_str(kind);
        let c = caps(kind);
        match mode {
            Mode::Health => {
                ensure_no_http(p, i);
                if c & CAP_FE == 0 {
                    p.alert(&format!("config : {} '{}' cannot be in health mode as it has no frontend capability.", ts, name));
                    cfgerr += 1;
                }
                if !p.cfg.proxies[i].servers.is_empty() {
                    p.warn(&format!(
                        "config : servers will be ignored for {} '{}'.",
                        ts, name
                    ));
                }
            }
            Mode::Tcp => ensure_no_http(p, i),
            Mode::Http => {}
        }
        if c & CAP_FE != 0 && p.cfg.proxies[i].binds.is_empty() {
            p.alert(&format!(
                "config : {} '{}' has no listen address. Please either specify a valid address on the <listen> line, or use the <bind> keyword.",
                ts, name
            ));
            cfgerr += 1;
        }
        if c & CAP_BE != 0 && mode != Mode::Health {
            let (e, n) = check_balance_mode(p, i);
            err |= e;
            cfgerr += n;
        }
        let (dis404, sendstate, httpchk) = {
            let ck = &p.cfg.proxies[i].check;
            (ck.disable_on_404, ck.send_state, ck.kind == CheckType::Http)
        };
        if dis404 && !httpchk {
            p.cfg.proxies[i].check.disable_on_404 = false;
            err |= p.warn(&format!(
                "config : 'disable-on-404' will be ignored for {} '{}' (requires 'option httpchk').",
                ts, name
            ));
        }
        if sendstate && !httpchk {
            p.cfg.proxies[i].check.send_state = false;
            err |= p.warn(&format!(
                "config : 'send-state' will be ignored for {} '{}' (requires 'option httpchk').",
                ts, name
            ));
        }
        if let Some(db) = p.cfg.proxies[i].default_backend.clone() {
            match find_backend(p, &db, mode) {
                Ok(t) if t == i => {
                    p.alert(&format!(
                        "Proxy '{}': loop detected for default_backend: '{}'.",
                        name, db
                    ));
                    cfgerr += 1;
                }
                Ok(t) => p.cfg.proxies[i].default_be_idx = Some(t),
                Err(()) => {
                    p.alert(&format!(
                        "Proxy '{}': unable to find required default_backend: '{}'.",
                        name, db
                    ));
                    cfgerr += 1;
                }
            }
        }
        if mode == Mode::Http {
            let setbes: Vec<String> = p.cfg.proxies[i]
                .req_exps
                .iter()
                .filter_map(|e| {
                    if let super::model::HdrAction::SetBe(b) = &e.action {
                        Some(b.clone())
                    } else {
                        None
                    }
                })
                .collect();
            for b in setbes {
                match find_backend(p, &b, Mode::Http) {
                    Ok(t) if t == i => {
                        p.alert(&format!(
                            "Proxy '{}': loop detected for setbe: '{}'.",
                            name, b
                        ));
                        cfgerr += 1;
                    }
                    Ok(_) => {}
                    Err(()) => {
                        p.alert(&format!(
                            "Proxy '{}': unable to find required setbe: '{}'.",
                            name, b
                        ));
                        cfgerr += 1;
                    }
                }
            }
        }
        for r in 0..p.cfg.proxies[i].switching_rules.len() {
            let b = p.cfg.proxies[i].switching_rules[r].backend.clone();
            match find_backend(p, &b, mode) {
                Ok(t) if t == i => {
                    p.alert(&format!(
                        "Proxy '{}': loop detected for use_backend: '{}'.",
                        name, b
                    ));
                    cfgerr += 1;
                }
                Ok(t) => p.cfg.proxies[i].switching_rules[r].be_idx = t,
                Err(()) => {
                    p.alert(&format!(
                        "Proxy '{}': unable to find required use_backend: '{}'.",
                        name, b
                    ));
                    cfgerr += 1;
                }
            }
        }
        {
            // built once the rules are final: the lookups stand for them
            let px = &p.cfg.proxies[i];
            let plan =
                crate::acl::RulePlan::build(px.switching_rules.iter().map(|r| &r.cond), &px.acls);
            p.cfg.proxies[i].switch_plan = plan;
        }
        for r in 0..p.cfg.proxies[i].stick_rules.len() {
            let tname = p.cfg.proxies[i].stick_rules[r].table.clone();
            let target = match &tname {
                Some(t) => findproxy(p, t, CAP_BE),
                None => Some(i),
            };
            match target {
                None => {
                    p.alert(&format!(
                        "Proxy '{}': unable to find stick-table '{}'.",
                        name,
                        tname.unwrap_or_default()
                    ));
                    cfgerr += 1;
                }
                Some(t) if p.cfg.proxies[t].stick_params.size == 0 => {
                    let tn = tname.unwrap_or_else(|| name.clone());
                    p.alert(&format!(
                        "Proxy '{}': stick-table '{}' used but not configured.",
                        name, tn
                    ));
                    cfgerr += 1;
                }
                Some(t) => p.cfg.proxies[i].stick_rules[r].table_idx = t,
            }
        }
        cfgerr += check_stats_rules(p, i);
        cfgerr += acl_find_targets(p, i);
        {
            let px = &p.cfg.proxies[i];
            let t = px.timeouts;
            if (mode == Mode::Tcp || mode == Mode::Http)
                && ((c & CAP_FE != 0 && t.client.is_none())
                    || (c & CAP_BE != 0
                        && !px.servers.is_empty()
                        && (t.connect.is_none() || t.server.is_none())))
            {
                err |= p.warn(&format!(
                    "config : missing timeouts for {} '{}'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
                    ts, name
                ));
            }
        }
        {
            let px = &mut p.cfg.proxies[i];
            let t = &mut px.timeouts;
            if t.tarpit.is_none() || t.tarpit == defaults_to.tarpit {
                t.tarpit = defaults_to.tarpit.or(t.connect).or(defaults_to.connect);
            }
            if c & CAP_BE != 0 && (t.queue.is_none() || t.queue == defaults_to.queue) {
                t.queue = defaults_to.queue.or(t.connect).or(defaults_to.connect);
            }
            if px.check.kind == CheckType::SslHello {
                px.check.send = crate::payload::ssl_hello_packet();
            }
        }
        // captures count as log data (1.4's to_log bits); ignoring them in
        // tcp mode clears only LW_REQHDR, for both directions (a 1.4 bug),
        // so response headers and the cookie still count
        let cap_logged = {
            let px = &p.cfg.proxies[i];
            px.capture_cookie.is_some()
                || !px.rsp_captures.is_empty()
                || (mode == Mode::Http && !px.req_captures.is_empty())
        };
        if !p.cfg.proxies[i].req_captures.is_empty() && mode != Mode::Http {
            err |= p.warn(&format!(
                "config : 'capture request header' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ));
            p.cfg.proxies[i].req_captures.clear();
        }
        if !p.cfg.proxies[i].rsp_captures.is_empty() && mode != Mode::Http {
            err |= p.warn(&format!(
                "config : 'capture response header' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ));
            p.cfg.proxies[i].rsp_captures.clear();
        }
        {
            let px = &mut p.cfg.proxies[i];
            if px.fullconn == 0 {
                px.fullconn = px.maxconn;
            }
            let mut ids: Vec<u32> = px.servers.iter().map(|s| s.id).collect();
            assign_ids(&mut ids);
            for (s, id) in px.servers.iter_mut().zip(ids) {
                s.id = id;
            }
            // listeners: `so_id` and the socket-stats rows read these
            let mut ids: Vec<u32> = px.binds.iter().map(|b| b.id.unwrap_or(0)).collect();
            assign_ids(&mut ids);
            for (b, id) in px.binds.iter_mut().zip(ids) {
                b.id = Some(id);
            }
        }
        let nsrv = p.cfg.proxies[i].servers.len();
        for si in 0..nsrv {
            let fullconn = p.cfg.proxies[i].fullconn;
            let s = &mut p.cfg.proxies[i].servers[si];
            if s.minconn > s.maxconn {
                s.maxconn = s.minconn;
            } else if s.maxconn != 0 && s.minconn == 0 {
                s.minconn = s.maxconn;
            } else if s.minconn != s.maxconn && fullconn == 0 {
                p.alert(&format!(
                    "config : {} '{}' : fullconn is mandatory when minconn is set on a server.",
                    ts, name
                ));
                cfgerr += 1;
            }
            let (sname, track) = {
                let s = &p.cfg.proxies[i].servers[si];
                (s.name.clone(), s.track.clone())
            };
            if let Some(t) = track {
                let (pname, tsrv) = match t.rsplit_once('/') {
                    Some((a, b)) => (Some(a.to_string()), b.to_string()),
                    None => (None, t.clone()),
                };
                let tp = match &pname {
                    Some(pn) => findproxy(p, pn, CAP_BE),
                    None => Some(i),
                };
                let Some(tp) = tp else {
                    p.alert(&format!(
                        "config : {} '{}', server '{}': unable to find required proxy '{}' for tracking.",
                        ts,
                        name,
                        sname,
                        pname.unwrap_or_default()
                    ));
                    cfgerr += 1;
                    continue;
                };
                match p.cfg.proxies[tp].servers.iter().find(|s| s.name == tsrv) {
                    None => {
                        p.alert(&format!(
                            "config : {} '{}', server '{}': unable to find required server '{}' for tracking.",
                            ts, name, sname, tsrv
                        ));
                        cfgerr += 1;
                    }
                    Some(ts2) if !ts2.check => {
                        p.alert(&format!(
                            "config : {} '{}', server '{}': unable to use {}/{} for tracking as it does not have checks enabled.",
                            ts, name, sname, p.cfg.proxies[tp].name, tsrv
                        ));
                        cfgerr += 1;
                    }
                    Some(_)
                        if tp != i
                            && p.cfg.proxies[tp].check.disable_on_404
                                != p.cfg.proxies[i].check.disable_on_404 =>
                    {
                        // (sic) 1.4's text has no space in "fortracking"
                        p.alert(&format!(
                            "config : {} '{}', server '{}': unable to use {}/{} fortracking: disable-on-404 option inconsistency.",
                            ts, name, sname, p.cfg.proxies[tp].name, tsrv
                        ));
                        cfgerr += 1;
                    }
                    Some(_) => {}
                }
            }
        }
        let logless = {
            let px = &p.cfg.proxies[i];
            (mode == Mode::Tcp || mode == Mode::Http)
                && c & CAP_FE != 0
                && (px.log_format != LogFormat::Default || cap_logged)
                && px.logs.is_empty()
        };
        if logless {
            err |= p.warn(&format!(
                "config : log format ignored for {} '{}' since it has no log address.",
                ts, name
            ));
        }
        if mode != Mode::Http {
            if p.cfg.proxies[i].stats.enabled {
                err |= p.warn(&format!(
                    "config : 'stats' statement ignored for {} '{}' as it requires HTTP mode.",
                    ts, name
                ));
                p.cfg.proxies[i].stats = Default::default();
            }
            if p.cfg.proxies[i].forwardfor.is_some() {
                err |= p.warn(&format!(
                    "config : 'option forwardfor' ignored for {} '{}' as it requires HTTP mode.",
                    ts, name
                ));
                p.cfg.proxies[i].forwardfor = None;
            }
            if p.cfg.proxies[i].originalto.is_some() {
                err |= p.warn(&format!(
                    "config : 'option originalto' ignored for {} '{}' as it requires HTTP mode.",
                    ts, name
                ));
                p.cfg.proxies[i].originalto = None;
            }
            for &(oname, ocap, http, field) in FLAG_OPTIONS {
                if http && ocap & c != 0 && *field(&mut p.cfg.proxies[i].flags) {
                    *field(&mut p.cfg.proxies[i].flags) = false;
                    err |= p.warn(&format!(
                        "config : 'option {}' ignored for {} '{}' as it requires HTTP mode.",
                        oname, ts, name
                    ));
                }
            }
        }
        for si in 0..nsrv {
            let s = &p.cfg.proxies[i].servers[si];
            if mode != Mode::Http && s.redir.is_some() {
                p.alert(&format!("config : {} '{}' : server cannot have cookie or redirect prefix in non-HTTP mode.", ts, name));
                cfgerr += 1;
            }
            if mode != Mode::Http && s.cookie.is_some() {
                let sn = s.name.clone();
                err |= p.warn(&format!(
                    "config : {} '{}' : ignoring cookie for server '{}' as HTTP mode is disabled.",
                    ts, name, sn
                ));
            }
            let s = &p.cfg.proxies[i].servers[si];
            if s.port_relative && p.cfg.proxies[i].persist_rdp.is_some() {
                let sn = s.name.clone();
                err |= p.warn(&format!(
                    "config : {} '{}' : RDP cookie persistence will not work for server '{}' because it lacks an explicit port number.",
                    ts, name, sn
                ));
            }
        }
        if proxy_procs(&p.cfg.proxies[i], nbproc) > 1 {
            if p.cfg.proxies[i].stats.enabled {
                err |= p.warn(&format!(
                    "Proxy '{}': in multi-process mode, stats will be limited to process assigned to the current request.",
                    name
                ));
                if !p.cfg.proxies[i].stats.admin.is_empty() {
                    err |= p.warn(&format!(
                        "Proxy '{}': stats admin will not work correctly in multi-process mode.",
                        name
                    ));
                }
            }
            if p.cfg.proxies[i].appsession.is_some() {
                err |= p.warn(&format!(
                    "Proxy '{}': appsession will not work correctly in multi-process mode.",
                    name
                ));
            }
            if !p.cfg.proxies[i].stick_rules.is_empty() {
                err |= p.warn(&format!(
                    "Proxy '{}': sticking rules will not work correctly in multi-process mode.",
                    name
                ));
            }
        }
        // stats defaults once everything is known
        let px = &mut p.cfg.proxies[i];
        if px.stats.enabled {
            if px.stats.uri.is_empty() {
                px.stats.uri = "/haproxy?stats".into();
            }
            if px.stats.realm.is_empty() {
                px.stats.realm = super::model::DEFAULT_REALM.into();
            }
        }
    }
    if nbproc > 1 && p.cfg.global.stats_fe {
        err |= p.warn("stats socket will not work correctly in multi-process mode (nbproc > 1).");
    }
    let uls = p.cfg.userlists.clone();
    // 1.4 links userlists and users newest first: the first error it
    // reports is the one of the last declared
    for ul in uls.iter().rev() {
        for u in ul.users.iter().rev() {
            for g in &u.groups {
                if !ul.groups.iter().any(|(n, _)| n == g) {
                    p.alert(&format!(
                        "userlist '{}': no such group '{}' specified in user '{}'",
                        ul.name, g, u.name
                    ));
                    return err | ERR_ALERT | ERR_FATAL;
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
                    return err | ERR_ALERT | ERR_FATAL;
                }
            }
        }
    }
    if cfgerr > 0 {
        err |= ERR_ALERT | ERR_FATAL;
    }
    err
}

/// 1.4's findproxy(): the one proxy named `name` (or `#id`) with the
/// capabilities `cap`; none when two match.
fn findproxy(p: &Parser, name: &str, cap: u8) -> Option<usize> {
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

/// The proxy's ACLs in 1.4's list order: named ones where first declared,
/// anonymous ones where the condition holding them was parsed.
/// 1.4's automatic numbering (get_next_id): each 0 in `ids` becomes the
/// first number not given explicitly, counting on from the previous
/// item's position, in declaration order.
fn assign_ids(ids: &mut [u32]) {
    let used: std::collections::HashSet<u32> = ids.iter().copied().filter(|&i| i != 0).collect();
    let mut next = 1u32;
    for id in ids.iter_mut() {
        if *id == 0 {
            while used.contains(&next) {
                next += 1;
            }
            *id = next;
        }
        next += 1;
    }
}

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
fn acl_find_targets(p: &Parser, i: usize) -> u32 {
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

/// `stats http-request` replaces the stats page's own authentication: both
/// at once is an error in 1.4.
fn check_stats_rules(p: &Parser, i: usize) -> u32 {
    let st = &p.cfg.proxies[i].stats;
    if st.http_req_rules.is_empty() || (st.auths.is_empty() && st.realm.is_empty()) {
        return 0;
    }
    p.alert(&format!(
        "proxy '{}': stats 'auth'/'realm' and 'http-request' can't be used at the same time.",
        p.cfg.proxies[i].name
    ));
    1
}

/// How many of the nbproc processes run the proxy (its bind-process set,
/// or all of them).
fn proxy_procs(px: &Proxy, nbproc: u32) -> u32 {
    if nbproc <= 1 {
        return nbproc;
    }
    if px.bind_proc == 0 {
        return nbproc;
    }
    (0..nbproc.min(32))
        .filter(|&n| px.bind_proc & (1 << n) != 0)
        .count() as u32
}

//! check_config_validity(): cross references, inherited timeouts and the
//! end-of-parse warnings, in 1.4's order. Each proxy goes through the same
//! passes one after the other (mode, listeners and balancing, health-check
//! options, name resolution in config/resolve.rs, timeouts, captures,
//! numbering, servers, HTTP-only settings, multi-process warnings, stats
//! defaults), so the messages come out per proxy in 1.4's order.

use super::model::{Balance, CheckType, LogFormat, Mode, Proxy, Timeouts};
use super::option_kw::FLAG_OPTIONS;
use super::parse::{Parser, ERR_ALERT, ERR_FATAL};
use super::proxy::{caps, type_str, CAP_BE, CAP_FE};
use super::resolve;

/// What the checks add up to: the warning/alert bits and the number of
/// fatal errors (1.4's `err_code` and `cfgerr`).
#[derive(Default)]
pub(super) struct Tally {
    pub err: u32,
    pub cfgerr: u32,
}

impl Tally {
    /// A counted warning whose bit joins the result.
    fn warn(&mut self, p: &mut Parser, text: &str) {
        self.err |= p.warn(text);
    }

    /// An alert that makes the configuration invalid.
    pub(super) fn fail(&mut self, p: &Parser, text: &str) {
        p.alert(text);
        self.cfgerr += 1;
    }
}

/// The proxy under check, as its messages name it.
pub(super) struct Cur {
    pub i: usize,
    pub name: String,
    /// "frontend", "backend", "listen" … (proxy_type_str)
    pub ts: &'static str,
    pub caps: u8,
    pub mode: Mode,
}

pub fn check_config_validity(p: &mut Parser) -> u32 {
    if p.cfg.proxies.is_empty() {
        p.alert("config : no <listen> line. Nothing to do !");
        return ERR_ALERT | ERR_FATAL;
    }
    number_proxies(p);
    let defaults_to = p.defaults.timeouts;
    let nbproc = p.cfg.global.nbproc;
    let mut t = Tally::default();
    for i in 0..p.cfg.proxies.len() {
        let px = &p.cfg.proxies[i];
        if px.disabled {
            continue;
        }
        let cx = Cur {
            i,
            name: px.name.clone(),
            ts: type_str(px.kind),
            caps: caps(px.kind),
            mode: px.mode,
        };
        check_proxy(p, &cx, &mut t, &defaults_to, nbproc);
    }
    if nbproc > 1 && p.cfg.global.stats_fe {
        t.warn(
            p,
            "stats socket will not work correctly in multi-process mode (nbproc > 1).",
        );
    }
    if resolve::check_userlists(p).is_err() {
        return t.err | ERR_ALERT | ERR_FATAL;
    }
    if t.cfgerr > 0 {
        t.err |= ERR_ALERT | ERR_FATAL;
    }
    t.err
}

/// Automatic proxy ids, skipping the ones given with `id`.
fn number_proxies(p: &mut Parser) {
    let mut ids: Vec<u32> = p.cfg.proxies.iter().map(|x| x.id).collect();
    assign_ids(&mut ids);
    for (i, (px, id)) in p.cfg.proxies.iter_mut().zip(ids).enumerate() {
        px.id = id;
        px.idx = i;
    }
}

/// The passes over one proxy, in 1.4's order.
fn check_proxy(p: &mut Parser, cx: &Cur, t: &mut Tally, defaults_to: &Timeouts, nbproc: u32) {
    let i = cx.i;
    check_mode(p, cx, t);
    check_check_options(p, cx, t);
    resolve::resolve_backends(p, cx, t);
    resolve::resolve_stick_tables(p, cx, t);
    t.cfgerr += check_stats_rules(p, i);
    t.cfgerr += resolve::acl_find_targets(p, i);
    check_timeouts(p, cx, t, defaults_to);
    let cap_logged = check_captures(p, cx, t);
    number_members(p, i);
    for si in 0..p.cfg.proxies[i].servers.len() {
        check_server_conns(p, cx, t, si);
        resolve::resolve_track(p, cx, t, si);
        super::server_ssl::prepare(p, cx, t, si);
    }
    warn_logless(p, cx, t, cap_logged);
    if cx.mode != Mode::Http {
        drop_http_only(p, cx, t);
    }
    for si in 0..p.cfg.proxies[i].servers.len() {
        check_server_http(p, cx, t, si);
    }
    if proxy_procs(&p.cfg.proxies[i], nbproc) > 1 {
        warn_multiprocess(p, cx, t);
    }
    stats_defaults(&mut p.cfg.proxies[i]);
}

/// Health and TCP modes drop the HTTP settings; a frontend needs a listen
/// address; a backend's balance setting is checked against its mode.
fn check_mode(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let (i, ts, name, c) = (cx.i, cx.ts, &cx.name, cx.caps);
    match cx.mode {
        Mode::Health => {
            ensure_no_http(p, i);
            if c & CAP_FE == 0 {
                t.fail(p, &format!("config : {} '{}' cannot be in health mode as it has no frontend capability.", ts, name));
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
        t.fail(p, &format!(
            "config : {} '{}' has no listen address. Please either specify a valid address on the <listen> line, or use the <bind> keyword.",
            ts, name
        ));
    }
    if c & CAP_BE != 0 && cx.mode != Mode::Health {
        let (e, n) = check_balance_mode(p, i);
        t.err |= e;
        t.cfgerr += n;
    }
}

/// disable-on-404 and send-state only mean something with `option httpchk`.
fn check_check_options(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let (i, ts, name) = (cx.i, cx.ts, &cx.name);
    let (dis404, sendstate, httpchk) = {
        let ck = &p.cfg.proxies[i].check;
        (ck.disable_on_404, ck.send_state, ck.kind == CheckType::Http)
    };
    if dis404 && !httpchk {
        p.cfg.proxies[i].check.disable_on_404 = false;
        t.warn(
            p,
            &format!(
            "config : 'disable-on-404' will be ignored for {} '{}' (requires 'option httpchk').",
            ts, name
        ),
        );
    }
    if sendstate && !httpchk {
        p.cfg.proxies[i].check.send_state = false;
        t.warn(
            p,
            &format!(
                "config : 'send-state' will be ignored for {} '{}' (requires 'option httpchk').",
                ts, name
            ),
        );
    }
}

/// The missing-timeouts warning, then the timeouts 1.4 derives: tarpit
/// and queue fall back to connect; SSL hello checks get their packet.
fn check_timeouts(p: &mut Parser, cx: &Cur, t: &mut Tally, defaults_to: &Timeouts) {
    let (i, c, mode) = (cx.i, cx.caps, cx.mode);
    let px = &p.cfg.proxies[i];
    let to = px.timeouts;
    if (mode == Mode::Tcp || mode == Mode::Http)
        && ((c & CAP_FE != 0 && to.client.is_none())
            || (c & CAP_BE != 0
                && !px.servers.is_empty()
                && (to.connect.is_none() || to.server.is_none())))
    {
        t.warn(p, &format!(
            "config : missing timeouts for {} '{}'.\n   | While not properly invalid, you will certainly encounter various problems\n   | with such a configuration. To fix this, please ensure that all following\n   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
            cx.ts, cx.name
        ));
    }
    let px = &mut p.cfg.proxies[i];
    let to = &mut px.timeouts;
    if to.tarpit.is_none() || to.tarpit == defaults_to.tarpit {
        to.tarpit = defaults_to.tarpit.or(to.connect).or(defaults_to.connect);
    }
    if c & CAP_BE != 0 && (to.queue.is_none() || to.queue == defaults_to.queue) {
        to.queue = defaults_to.queue.or(to.connect).or(defaults_to.connect);
    }
    if px.check.kind == CheckType::SslHello {
        px.check.send = crate::payload::ssl_hello_packet();
    }
}

/// Header captures need HTTP mode. Returns whether captures count as log
/// data (1.4's to_log bits): ignoring them in tcp mode clears only
/// LW_REQHDR, for both directions (a 1.4 bug), so response headers and the
/// cookie still count.
fn check_captures(p: &mut Parser, cx: &Cur, t: &mut Tally) -> bool {
    let (i, ts, name, mode) = (cx.i, cx.ts, &cx.name, cx.mode);
    let cap_logged = {
        let px = &p.cfg.proxies[i];
        px.capture_cookie.is_some()
            || !px.rsp_captures.is_empty()
            || (mode == Mode::Http && !px.req_captures.is_empty())
    };
    if !p.cfg.proxies[i].req_captures.is_empty() && mode != Mode::Http {
        t.warn(
            p,
            &format!(
                "config : 'capture request header' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ),
        );
        p.cfg.proxies[i].req_captures.clear();
    }
    if !p.cfg.proxies[i].rsp_captures.is_empty() && mode != Mode::Http {
        t.warn(
            p,
            &format!(
                "config : 'capture response header' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ),
        );
        p.cfg.proxies[i].rsp_captures.clear();
    }
    cap_logged
}

/// fullconn defaults to maxconn; servers and listeners get their
/// automatic ids (`so_id` and the socket-stats rows read the latter).
fn number_members(p: &mut Parser, i: usize) {
    let px = &mut p.cfg.proxies[i];
    if px.fullconn == 0 {
        px.fullconn = px.maxconn;
    }
    let mut ids: Vec<u32> = px.servers.iter().map(|s| s.id).collect();
    assign_ids(&mut ids);
    for (s, id) in px.servers.iter_mut().zip(ids) {
        s.id = id;
    }
    let mut ids: Vec<u32> = px.binds.iter().map(|b| b.id.unwrap_or(0)).collect();
    assign_ids(&mut ids);
    for (b, id) in px.binds.iter_mut().zip(ids) {
        b.id = Some(id);
    }
}

/// minconn/maxconn of server `si`: one completes the other, and a dynamic
/// range needs fullconn.
fn check_server_conns(p: &mut Parser, cx: &Cur, t: &mut Tally, si: usize) {
    let fullconn = p.cfg.proxies[cx.i].fullconn;
    let s = &mut p.cfg.proxies[cx.i].servers[si];
    if s.minconn > s.maxconn {
        s.maxconn = s.minconn;
    } else if s.maxconn != 0 && s.minconn == 0 {
        s.minconn = s.maxconn;
    } else if s.minconn != s.maxconn && fullconn == 0 {
        t.fail(
            p,
            &format!(
                "config : {} '{}' : fullconn is mandatory when minconn is set on a server.",
                cx.ts, cx.name
            ),
        );
    }
}

/// A log format (or logged captures) on a frontend without a log address.
fn warn_logless(p: &mut Parser, cx: &Cur, t: &mut Tally, cap_logged: bool) {
    let px = &p.cfg.proxies[cx.i];
    let logless = (cx.mode == Mode::Tcp || cx.mode == Mode::Http)
        && cx.caps & CAP_FE != 0
        && (px.log_format != LogFormat::Default || cap_logged)
        && px.logs.is_empty();
    if logless {
        t.warn(
            p,
            &format!(
                "config : log format ignored for {} '{}' since it has no log address.",
                cx.ts, cx.name
            ),
        );
    }
}

/// Outside HTTP mode: stats, forwardfor, originalto and the HTTP flag
/// options are dropped with a warning each.
fn drop_http_only(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let (i, ts, name, c) = (cx.i, cx.ts, &cx.name, cx.caps);
    if p.cfg.proxies[i].stats.enabled {
        t.warn(
            p,
            &format!(
                "config : 'stats' statement ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ),
        );
        p.cfg.proxies[i].stats = Default::default();
    }
    if p.cfg.proxies[i].forwardfor.is_some() {
        t.warn(
            p,
            &format!(
                "config : 'option forwardfor' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ),
        );
        p.cfg.proxies[i].forwardfor = None;
    }
    if p.cfg.proxies[i].originalto.is_some() {
        t.warn(
            p,
            &format!(
                "config : 'option originalto' ignored for {} '{}' as it requires HTTP mode.",
                ts, name
            ),
        );
        p.cfg.proxies[i].originalto = None;
    }
    for &(oname, ocap, http, field) in FLAG_OPTIONS {
        if http && ocap & c != 0 && *field(&mut p.cfg.proxies[i].flags) {
            *field(&mut p.cfg.proxies[i].flags) = false;
            t.warn(
                p,
                &format!(
                    "config : 'option {}' ignored for {} '{}' as it requires HTTP mode.",
                    oname, ts, name
                ),
            );
        }
    }
}

/// Server `si`'s cookie and redirect prefix need HTTP mode; RDP cookie
/// persistence needs its explicit port.
fn check_server_http(p: &mut Parser, cx: &Cur, t: &mut Tally, si: usize) {
    let (i, ts, name) = (cx.i, cx.ts, &cx.name);
    let s = &p.cfg.proxies[i].servers[si];
    if cx.mode != Mode::Http && s.redir.is_some() {
        t.fail(
            p,
            &format!(
                "config : {} '{}' : server cannot have cookie or redirect prefix in non-HTTP mode.",
                ts, name
            ),
        );
    }
    let s = &p.cfg.proxies[i].servers[si];
    if cx.mode != Mode::Http && s.cookie.is_some() {
        let sn = s.name.clone();
        t.warn(
            p,
            &format!(
                "config : {} '{}' : ignoring cookie for server '{}' as HTTP mode is disabled.",
                ts, name, sn
            ),
        );
    }
    let s = &p.cfg.proxies[i].servers[si];
    if s.port_relative && p.cfg.proxies[i].persist_rdp.is_some() {
        let sn = s.name.clone();
        t.warn(p, &format!(
            "config : {} '{}' : RDP cookie persistence will not work for server '{}' because it lacks an explicit port number.",
            ts, name, sn
        ));
    }
}

/// Features that keep per-process state, on a proxy run by several
/// processes.
fn warn_multiprocess(p: &mut Parser, cx: &Cur, t: &mut Tally) {
    let (i, name) = (cx.i, &cx.name);
    if p.cfg.proxies[i].stats.enabled {
        t.warn(p, &format!(
            "Proxy '{}': in multi-process mode, stats will be limited to process assigned to the current request.",
            name
        ));
        if !p.cfg.proxies[i].stats.admin.is_empty() {
            t.warn(
                p,
                &format!(
                    "Proxy '{}': stats admin will not work correctly in multi-process mode.",
                    name
                ),
            );
        }
    }
    if p.cfg.proxies[i].appsession.is_some() {
        t.warn(
            p,
            &format!(
                "Proxy '{}': appsession will not work correctly in multi-process mode.",
                name
            ),
        );
    }
    if !p.cfg.proxies[i].stick_rules.is_empty() {
        t.warn(
            p,
            &format!(
                "Proxy '{}': sticking rules will not work correctly in multi-process mode.",
                name
            ),
        );
    }
}

/// Stats defaults once everything is known.
fn stats_defaults(px: &mut Proxy) {
    if px.stats.enabled {
        if px.stats.uri.is_empty() {
            px.stats.uri = "/haproxy?stats".into();
        }
        if px.stats.realm.is_empty() {
            px.stats.realm = super::model::DEFAULT_REALM.into();
        }
    }
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

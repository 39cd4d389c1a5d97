//! The header line of a `listen`, `frontend`, `backend` or `ruleset`
//! section: the name's checks, the new proxy inheriting from `defaults`
//! by capability (1.4's init_new_proxy() and the copy that follows), and
//! the listeners an address on the line declares.

use super::model::{Kind, LogAddr, LogFormat, LogTarget, Proxy};
use super::parse::{invalid_char, Cur, Line, Parser, ERR_ABORT, ERR_ALERT, ERR_FATAL};
use super::proxy::{caps, new_bind, str2listener, type_str, CAP_BE, CAP_FE};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub(super) fn new_proxy(p: &mut Parser, l: &Line, kind: Kind) -> u32 {
    let mut err = match check_name(p, l, kind) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let px = inherit_defaults(&p.defaults, l, kind);
    let cap_fe = caps(kind) & CAP_FE != 0;
    let idx = p.cfg.proxies.len();
    p.proxy_names.entry(px.name.clone()).or_default().push(idx);
    p.cfg.proxies.push(px);
    p.cur = Cur::Proxy(idx);
    if cap_fe && !l.arg(2).is_empty() {
        err |= header_listeners(p, l, kind, idx);
    }
    err
}

/// The proxy's name: present (else the section is aborted), made of
/// permitted characters, and warned about when another proxy of
/// overlapping kind has it. Ok holds the bits of the line so far.
fn check_name(p: &mut Parser, l: &Line, kind: Kind) -> Result<u32, u32> {
    let mut err = 0;
    let name = l.arg(1);
    if name.is_empty() {
        p.alert(&format!(
            "{} : '{}' expects an <id> argument and\n  optionnally supports [addr1]:port1[-end1]{{,[addr]:port[-end]}}...",
            l.at(),
            l.arg(0)
        ));
        return Err(ERR_ALERT | ERR_ABORT);
    }
    if let Some(c) = invalid_char(name) {
        p.alert(&format!(
            "{} : character '{}' is not permitted in '{}' name '{}'.",
            l.at(),
            c,
            l.arg(0),
            name
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    // 1.4 walks its proxy list newest first
    let same_name = p.proxy_names.get(name).map_or(&[][..], |v| &v[..]);
    let dups: Vec<(Kind, String, usize)> = same_name
        .iter()
        .rev()
        .filter_map(|&i| p.cfg.proxies.get(i))
        // a frontend and a backend may share a name
        .filter(|o| {
            !matches!(
                (kind, o.kind),
                (Kind::Frontend, Kind::Backend) | (Kind::Backend, Kind::Frontend)
            )
        })
        .map(|o| (o.kind, o.file.clone(), o.line))
        .collect();
    for (k, f, ln) in dups {
        err |= p.warn(&format!(
            "Parsing [{}:{}]: {} '{}' has same name as another {} (declared at {}:{}).",
            l.file,
            l.num,
            type_str(kind),
            name,
            type_str(k),
            f,
            ln
        ));
    }
    Ok(err)
}

/// The new proxy: the defaults section's settings, without its lists,
/// and without what the proxy's capabilities do not take (1.4 copies
/// field families by capability).
fn inherit_defaults(d: &Proxy, l: &Line, kind: Kind) -> Proxy {
    let mut px = d.clone();
    px.name = l.arg(1).to_string();
    px.kind = kind;
    px.file = l.file.to_string();
    px.line = l.num;
    px.id = 0;
    px.binds.clear();
    px.servers.clear();
    px.acls.clear();
    px.anon_acls.clear();
    px.block_rules.clear();
    px.switching_rules.clear();
    px.http_req_rules.clear();
    px.req_exps.clear();
    px.rsp_exps.clear();
    px.req_adds.clear();
    px.rsp_adds.clear();
    px.redirects.clear();
    px.req_captures.clear();
    px.rsp_captures.clear();
    px.monitor_fail.clear();
    px.description = None;
    px.tcp_content_rules.clear();
    px.tcp_inspect_delay = None;
    px.appsession = None;
    px.stick_table = None;
    px.stick_params = Proxy::new("", kind, "", 0).stick_params;
    px.stick_rules.clear();
    px.persist_rules.clear();
    px.stats.admin.clear();
    px.stats.inherited = true;
    px.default_server.unnamed = false;
    let c = caps(kind);
    if c & CAP_FE == 0 {
        px.errorfiles.clear();
        px.timeouts.client = None;
        px.monitor_uri = None;
        px.monitor_nets.clear();
        px.default_backend = None;
        px.capture_cookie = None;
        px.log_format = LogFormat::Default;
        px.stats = Default::default();
        // 1.4 copies maxconn from the defaults only into FE-capable proxies:
        // a backend keeps 0, so its fullconn defaults to 0 (stats `slim`)
        px.maxconn = 0;
    }
    if c & CAP_BE == 0 {
        px.cookie = None;
        // option bits are copied whatever the capability; the request is not
        px.check.send.clear();
        px.check.expect = None;
        px.timeouts.connect = None;
        px.timeouts.server = None;
        px.timeouts.check = None;
        px.timeouts.queue = None;
        px.retries = 3;
        px.fullconn = 0;
    }
    px
}

/// The listener list of the header line (proxy `idx`, just added).
fn header_listeners(p: &mut Parser, l: &Line, kind: Kind, idx: usize) -> u32 {
    let mut addrs = Vec::new();
    let who = format!(
        "parsing [{}:{}] : '{} {}'",
        l.file,
        l.num,
        l.arg(0),
        l.arg(1)
    );
    if str2listener(p, l.arg(2), &who, &mut addrs) {
        if let Some(px) = p.cfg.proxies.get_mut(idx) {
            px.binds.extend(addrs.into_iter().map(|a| new_bind(l, a)));
        }
        return 0;
    }
    // 1.4 parses the address before copying anything from defaults: on
    // failure the proxy stays as init_new_proxy() left it, and the rest of
    // the section still fills it
    let mut blank = Proxy::new(l.arg(1), kind, l.file, l.num);
    blank.maxconn = 0;
    // init_new_proxy() leaves both log slots zeroed, not "unset" (-1): 1.4
    // then sees two targets (facility 0, address 0), so no "log format
    // ignored" warning and a `log` line in the section is "too many"; the
    // config is refused anyway
    let zeroed = LogTarget {
        addr: LogAddr::Udp(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)),
        facility: 0,
        level: 0,
        minlevel: 0,
    };
    blank.logs = vec![zeroed.clone(), zeroed];
    blank.default_server.unnamed = true;
    // the listeners of the list before the failing one stay
    blank.binds = addrs.into_iter().map(|a| new_bind(l, a)).collect();
    if let Some(px) = p.cfg.proxies.get_mut(idx) {
        *px = blank;
    }
    ERR_FATAL
}

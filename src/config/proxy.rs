//! `listen`/`frontend`/`backend`/`defaults` headers and the plain proxy
//! keywords; options, servers and rules live in their own modules, and a
//! new proxy's header line in proxy_header.rs.

use super::model::{Bind, Kind, Proxy};
use super::parse::{Cur, Line, Parser, ERR_ALERT, ERR_FATAL};
use super::units::{atoi, resolve_host};
use std::net::{IpAddr, SocketAddr};

pub const CAP_FE: u8 = 1;
pub const CAP_BE: u8 = 2;
pub const CAP_RS: u8 = 4;

pub fn caps(k: Kind) -> u8 {
    match k {
        Kind::Listen | Kind::Defaults => CAP_FE | CAP_BE | CAP_RS,
        Kind::Frontend => CAP_FE | CAP_RS,
        Kind::Backend => CAP_BE | CAP_RS,
        Kind::Ruleset => CAP_RS,
    }
}

pub fn type_str(k: Kind) -> &'static str {
    match k {
        Kind::Listen | Kind::Defaults => "proxy",
        Kind::Frontend => "frontend",
        Kind::Backend => "backend",
        Kind::Ruleset => "ruleset",
    }
}

/// 1.4's warnifnotcap(): warns and returns true when the proxy lacks `cap`.
pub fn warn_if_not_cap(p: &mut Parser, l: &Line, cap: u8, arg: &str, hint: &str) -> bool {
    let (kind, name) = match p.cur_proxy() {
        Some(px) => (px.kind, px.name.clone()),
        None => return false,
    };
    if caps(kind) & cap != 0 {
        return false;
    }
    let msg = match cap {
        CAP_BE => "no backend",
        CAP_FE => "no frontend",
        CAP_RS => "no ruleset",
        c if c == CAP_FE | CAP_BE => "neither frontend nor backend",
        _ => "not enough",
    };
    p.warn(&format!(
        "{} : '{}' ignored because {} '{}' has {} capability.{}",
        l.at(),
        arg,
        type_str(kind),
        name,
        msg,
        hint
    ));
    true
}

/// Parses a listener list `[addr]:port[-end][,...]` into `out`; errors are
/// printed as 1.4 prints them (without file:line). False on an error, with
/// `out` holding the listeners read before it (1.4 keeps them). An
/// `fd@<n>` entry (1.5's syntax, src/fd_listen.rs) comes with its
/// descriptor; its errors are printed as 1.5 prints them, after `who`
/// ("parsing [file:line] : 'bind'").
pub fn str2listener(
    p: &Parser,
    s: &str,
    who: &str,
    out: &mut Vec<(SocketAddr, Option<i32>)>,
) -> bool {
    // 1.4 stops at the end of the string: a trailing comma ends the list,
    // an empty entry before another one is an entry without a port
    let mut parts: Vec<&str> = s.split(',').collect();
    if parts.last() == Some(&"") {
        parts.pop();
    }
    for part in parts {
        if crate::fd_listen::is_fd_entry(part) {
            match fd_entry(p, part, out) {
                Ok(a) => out.push(a),
                Err(m) => {
                    p.alert(&format!("{} : {}", who, m));
                    return false;
                }
            }
            continue;
        }
        let Some(colon) = part.rfind(':') else {
            p.alert(&format!("Missing port number: '{}'", part));
            return false;
        };
        let (host, range) = (&part[..colon], &part[colon + 1..]);
        // 1.4 gives an IPv6 host to inet_pton() as it is: no brackets
        let ip: IpAddr = if host.contains(':') {
            match host.parse::<std::net::Ipv6Addr>().map(IpAddr::V6) {
                Ok(ip) => ip,
                Err(_) => {
                    p.alert(&format!("Invalid server address: '{}'", host));
                    return false;
                }
            }
        } else if host.starts_with('*') {
            // 1.4 looks at the first character only
            IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        } else {
            match resolve_host(host) {
                Some(ip) => ip,
                None => {
                    p.alert(&format!("Invalid server name: '{}'", host));
                    return false;
                }
            }
        };
        // atol() stored into an int: out-of-range values wrap as in 1.4
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (atoi(a) as i32 as i64, atoi(b) as i32 as i64),
            None => (atoi(range) as i32 as i64, atoi(range) as i32 as i64),
        };
        for v in [a, b] {
            if !(1..=65535).contains(&v) {
                p.alert(&format!(
                    "Invalid port '{}' specified for address '{}'.",
                    v, host
                ));
                return false;
            }
        }
        for port in a..=b {
            out.push((SocketAddr::new(ip, port as u16), None));
        }
    }
    true
}

/// One `fd@<n>` entry (src/fd_listen.rs), checked against the listeners
/// read so far.
fn fd_entry(
    p: &Parser,
    part: &str,
    out: &[(SocketAddr, Option<i32>)],
) -> Result<(SocketAddr, Option<i32>), String> {
    let before = p
        .cfg
        .proxies
        .iter()
        .flat_map(|px| px.binds.iter().map(|b| b.fd));
    let used = out.iter().map(|(_, f)| *f).chain(before).flatten();
    let (fd, addr) = crate::fd_listen::parse_unused(part, used)?;
    Ok((addr, Some(fd)))
}

pub fn parse_listen(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0).to_string();
    match kw.as_str() {
        "listen" => return super::proxy_header::new_proxy(p, l, Kind::Listen),
        "frontend" => return super::proxy_header::new_proxy(p, l, Kind::Frontend),
        "backend" => return super::proxy_header::new_proxy(p, l, Kind::Backend),
        "ruleset" => return super::proxy_header::new_proxy(p, l, Kind::Ruleset),
        "defaults" => {
            let mut d = Proxy::new("", Kind::Defaults, l.file, l.num);
            d.maxconn = p.default_maxconn;
            p.defaults = d;
            p.cur = Cur::Defaults;
            return 0;
        }
        _ => {}
    }
    if p.cur == Cur::None {
        p.alert(&format!("{} : 'listen' or 'defaults' expected.", l.at()));
        return ERR_ALERT | ERR_FATAL;
    }
    if let Some(e) = super::kw::dispatch(p, l, super::proxy_kw::PROXY_KEYWORDS, 0) {
        return e;
    }
    if let Some(e) = super::kw::dispatch(p, l, super::options::KEYWORDS, 0) {
        return e;
    }
    if let Some(e) = super::server::parse(p, l, &kw) {
        return e;
    }
    if let Some(e) = super::kw::dispatch(p, l, super::rules_kw::RULE_KEYWORDS, 0) {
        return e;
    }
    let sect = p.cursection.clone();
    p.alert(&format!(
        "{} : unknown keyword '{}' in '{}' section",
        l.at(),
        kw,
        sect
    ));
    ERR_ALERT | ERR_FATAL
}

/// A listener for `addr`, declared at this line.
pub(super) fn new_bind(l: &Line, (addr, fd): (SocketAddr, Option<i32>)) -> Bind {
    Bind {
        addr,
        fd,
        interface: None,
        mss: None,
        defer_accept: false,
        tls: None,
        name: None,
        id: None,
        file: l.file.to_string(),
        line: l.num,
    }
}

/// `bind`: as in 1.4 the listeners join the proxy as soon as the address
/// parses, and each option then applies to them at once, so a failing
/// option leaves the listeners (and the options before it) in place.
/// (Refused in `defaults` and warned without frontend capability by the
/// dispatcher, see proxy_kw.rs.)
pub(super) fn parse_bind(p: &mut Parser, l: &Line) -> u32 {
    let err = 0;
    // an `fd@<n>` entry has no colon (1.5's syntax, an extension here)
    let has_fd = l.arg(1).split(',').any(crate::fd_listen::is_fd_entry);
    if !l.arg(1).contains(':') && !has_fd {
        p.alert(&format!(
            "{} : 'bind' expects [addr1]:port1[-end1]{{,[addr]:port[-end]}}... as arguments.",
            l.at()
        ));
        return err | ERR_ALERT | ERR_FATAL;
    }
    let mut addrs = Vec::new();
    let who = format!("parsing [{}:{}] : '{}'", l.file, l.num, l.arg(0));
    let ok = str2listener(p, l.arg(1), &who, &mut addrs);
    let Some(px) = p.cur_proxy() else {
        return err;
    };
    if !ok {
        // 1.4 keeps the listeners of the list before the failing one
        px.binds.extend(addrs.into_iter().map(|a| new_bind(l, a)));
        return err | ERR_ALERT | ERR_FATAL;
    }
    let start = px.binds.len();
    px.binds.extend(addrs.into_iter().map(|a| new_bind(l, a)));
    if !ok {
        // the listeners before the bad entry stay, without the options
        return err | ERR_ALERT | ERR_FATAL;
    }
    let mut i = 2;
    while !l.arg(i).is_empty() {
        match bind_option(p, l, i, start) {
            Ok(used) => i += used,
            Err(e) => return err | e,
        }
    }
    err | super::ssl::finish_bind(p, l, start)
}

/// Applies `f` to the listeners the current `bind` line added.
fn for_new_binds(p: &mut Parser, start: usize, f: impl Fn(&mut Bind)) {
    if let Some(px) = p.cur_proxy() {
        px.binds.iter_mut().skip(start).for_each(f);
    }
}

/// One `bind` option at word i; Ok(words used) or the error bits.
fn bind_option(p: &mut Parser, l: &Line, i: usize, start: usize) -> Result<usize, u32> {
    let at = l.at();
    let val = l.arg(i + 1).to_string();
    match l.arg(i) {
        "interface" => {
            if val.is_empty() {
                p.alert(&format!("{} : 'bind' : missing interface name.", at));
                return Err(ERR_ALERT | ERR_FATAL);
            }
            for_new_binds(p, start, |b| b.interface = Some(val.clone()));
            Ok(2)
        }
        "mss" => {
            if val.is_empty() {
                p.alert(&format!("{} : 'bind' : missing MSS value.", at));
                return Err(ERR_ALERT | ERR_FATAL);
            }
            let m = atoi(&val);
            if !(1..=65535).contains(&m.abs()) {
                p.alert(&format!(
                    "parsing [{}:{}]: bind expects an MSS value between 1 and 65535.",
                    l.file, l.num
                ));
                return Err(ERR_ALERT | ERR_FATAL);
            }
            for_new_binds(p, start, |b| b.mss = Some(m as i32));
            Ok(2)
        }
        "defer-accept" => {
            for_new_binds(p, start, |b| b.defer_accept = true);
            Ok(1)
        }
        "transparent" => {
            // 1.4 built without CONFIG_HAP_LINUX_TPROXY refuses it the same way
            p.alert(&format!(
                "{} : 'bind' : 'transparent' option not implemented.",
                at
            ));
            Err(ERR_ALERT | ERR_FATAL)
        }
        "name" => {
            for_new_binds(p, start, |b| b.name = Some(val.clone()));
            Ok(2)
        }
        "id" => bind_id(p, l, &val, start).map(|_| 2),
        _ => super::ssl::bind_option(p, l, i, start).unwrap_or_else(|| {
            p.alert(&format!(
                "{} : 'bind' only supports the 'transparent', 'defer-accept', 'name', 'id', 'mss' and 'interface' options.",
                at
            ));
            Err(ERR_ALERT | ERR_FATAL)
        }),
    }
}

/// `bind ... id N`: one socket only, N > 0, and N not taken by another
/// listener of this proxy.
fn bind_id(p: &mut Parser, l: &Line, val: &str, start: usize) -> Result<(), u32> {
    let fail = |p: &Parser, m: String| {
        p.alert(&format!("parsing [{}:{}]: {}", l.file, l.num, m));
        Err(ERR_ALERT | ERR_FATAL)
    };
    let Some(px) = p.cur_proxy() else {
        return Ok(());
    };
    if px.binds.len() - start != 1 {
        return fail(p, "'id' can be only used with a single socket.".into());
    }
    if val.is_empty() {
        return fail(p, "'id' expects an integer argument.".into());
    }
    let v = atoi(val);
    if v <= 0 {
        return fail(p, "custom id has to be > 0".into());
    }
    let prev = px.binds[..start]
        .iter()
        .find(|b| b.id == Some(v as u32))
        .map(|b| (b.file.clone(), b.line));
    if let Some((f, ln)) = prev {
        return fail(
            p,
            format!(
                "custom id {} for socket '{}' already used at {}:{}.",
                v,
                l.arg(1),
                f,
                ln
            ),
        );
    }
    for_new_binds(p, start, |b| b.id = Some(v as u32));
    Ok(())
}

/// 1.4's proxy_parse_rate_limit(): the type, the value (strtoul, any
/// base), then a warning for a proxy without frontend capability or for
/// overwriting a non-default value; the value is stored in every case.
pub(super) fn parse_rate_limit(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    if l.arg(1) != "sessions" {
        p.alert(&format!(
            "{} : rate-limit '{}': must be 'sessions'",
            at,
            l.arg(1)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let word = l.arg(2);
    if word.is_empty() {
        p.alert(&format!(
            "{} : rate-limit sessions expects expects an integer value (in sessions/second)",
            at
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let (v, rest) = super::units::strtoul0(word);
    if let Some(c) = rest.chars().next() {
        p.alert(&format!(
            "{} : rate-limit sessions: unexpected character '{}' in integer value '{}'",
            at, c, word
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let in_defaults = p.is_defaults();
    let def = p.defaults.rate_limit;
    let Some(px) = p.cur_proxy() else {
        return 0;
    };
    let (kind, name, old) = (px.kind, px.name.clone(), px.rate_limit);
    px.rate_limit = v;
    let warning = if caps(kind) & CAP_FE == 0 {
        format!(
            "rate-limit sessions will be ignored because {} '{}' has no frontend capability",
            type_str(kind),
            name
        )
    } else if !in_defaults && old != def {
        "overwriting rate-limit sessions which was already specified".to_string()
    } else {
        return 0;
    };
    p.warn(&format!("{} : {}", at, warning))
}

/// `bind-process all|odd|even|N...`: the set of processes (1 to 32) that
/// run the proxy; `all` (or nothing) clears it.
pub(super) fn parse_bind_process(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    let mut set = 0u32;
    let mut i = 1;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "all" => {
                set = 0;
                break;
            }
            "odd" => set |= 0x5555_5555,
            "even" => set |= 0xAAAA_AAAA,
            a => {
                let u = atoi(a);
                if !(1..=32).contains(&u) {
                    p.alert(&format!(
                        "parsing [{}:{}]: bind-process expects 'all', 'odd', 'even', or process numbers from 1 to 32.",
                        l.file, l.num
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                // 1.4 compares with nbproc as parsed so far: 0 when unset
                let nbproc = if p.nbproc_set { p.cfg.global.nbproc } else { 0 };
                if u as u32 > nbproc {
                    err |= p.warn(&format!(
                        "parsing [{}:{}]: bind-process references process number higher than global.nbproc.",
                        l.file, l.num
                    ));
                }
                set |= 1 << (u - 1);
            }
        }
        i += 1;
    }
    if let Some(px) = p.cur_proxy() {
        px.bind_proc = set;
    }
    err
}

//! `server` and `default-server` lines.

use super::model::{Mode, Server};
use super::parse::{invalid_char, Line, Parser, ERR_ALERT, ERR_FATAL};
use super::proxy::{warn_if_not_cap, CAP_BE};
use super::units::{atoi, parse_time_ms, resolve_host, split_host_port};
use std::net::SocketAddr;

/// 1.4's atol() stored into an int: a value out of its range wraps
/// (`weight 4294967296` is a weight of 0).
fn atol_int(s: &str) -> i64 {
    atoi(s) as i32 as i64
}

pub fn parse(p: &mut Parser, l: &Line, kw: &str) -> Option<u32> {
    if kw != "server" && kw != "default-server" {
        return None;
    }
    Some(parse_server(p, l, kw == "default-server"))
}

fn parse_server(p: &mut Parser, l: &Line, defsrv: bool) -> u32 {
    let at = l.at();
    let mut err = 0;
    if !defsrv && p.is_defaults() {
        p.alert(&format!(
            "{} : '{}' not allowed in 'defaults' section.",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    } else if warn_if_not_cap(p, l, CAP_BE, l.arg(0), "") {
        err |= ERR_ALERT | ERR_FATAL;
    }
    // default-server too needs two words, and its first is checked as a
    // server name (1.4 shares the code)
    if l.arg(2).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <name> and <addr>[:<port>] as arguments.",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    {
        if let Some(c) = invalid_char(l.arg(1)) {
            p.alert(&format!(
                "{} : character '{}' is not permitted in server name '{}'.",
                at,
                c,
                l.arg(1)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    let Some(px) = p.cur_proxy() else { return err };
    let ds = px.default_server.clone();
    let first_bind_port = px.binds.first().map(|b| b.addr.port());
    let used_ids: Vec<(u32, String, usize)> = px
        .servers
        .iter()
        .filter(|s| s.id != 0)
        .map(|s| (s.id, s.name.clone(), s.line))
        .collect();
    let mut s = Server {
        // 1.4's default-server is a server named so in its messages
        name: match (defsrv, ds.unnamed) {
            (false, _) => l.arg(1),
            (true, false) => "default-server",
            (true, true) => "(null)",
        }
        .to_string(),
        id: 0,
        line: l.num,
        addr: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        port: 0,
        port_relative: true,
        cookie: None,
        check: false,
        check_addr: None,
        check_port: ds.port,
        inter: ds.inter,
        fastinter: ds.fastinter,
        downinter: ds.downinter,
        rise: ds.rise,
        fall: ds.fall,
        weight: ds.weight,
        backup: false,
        disabled: false,
        maxconn: ds.maxconn,
        minconn: ds.minconn,
        maxqueue: ds.maxqueue,
        slowstart: ds.slowstart,
        redir: None,
        source: None,
        track: None,
        error_limit: ds.error_limit,
        observe: 0,
        on_error: ds.on_error,
        pool_max_conn: -1,
    };
    let r = server_words(p, l, &mut s, defsrv, err, first_bind_port, &used_ids);
    if !defsrv {
        // 1.4 links the server into its proxy before reading its address
        // and options: one whose line fails stays, as read so far (and
        // without checks, enabled only once the whole line is read), for
        // the checks of the end of the parsing (missing timeouts,
        // fullconn, cookies in TCP mode...)
        if r & ERR_FATAL != 0 {
            s.check = false;
        }
        if let Some(px) = p.cur_proxy() {
            px.servers.push(s);
        }
    }
    r
}

/// The address and the options of a server line (all of a default-server
/// line) into `s`; `err` is what the line collected before.
fn server_words(
    p: &mut Parser,
    l: &Line,
    s: &mut Server,
    defsrv: bool,
    mut err: u32,
    first_bind_port: Option<u16>,
    used_ids: &[(u32, String, usize)],
) -> u32 {
    let at = l.at();
    let pre = format!("parsing [{}:{}]", l.file, l.num);
    let mut realport = 0u16;
    let mut mapports = true;
    let mut i = 1;
    if !defsrv {
        let a = l.arg(2);
        let (host, port) = match a.find(':') {
            Some(c) => (&a[..c], Some(&a[c + 1..])),
            None => (a, None),
        };
        if let Some(pt) = port {
            realport = atoi(pt) as u16;
            mapports = !pt.as_bytes().first().is_some_and(|c| c.is_ascii_digit());
        }
        // the port is read before the address, which may fail
        s.port = realport;
        s.port_relative = mapports;
        // 1.4's str2sa() takes any address starting with '*' as INADDR_ANY
        let any = host
            .starts_with('*')
            .then_some(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let Some(ip) = any.or_else(|| resolve_host(host)) else {
            p.alert(&format!("{} : Unknown host in '{}'", at, a));
            return ERR_ALERT | ERR_FATAL;
        };
        s.addr = ip;
        i = 3;
    }
    let name = s.name.clone();
    let bad_time = |p: &Parser, c: char, what: &str, sep: &str| {
        p.alert(&format!(
            "{}{} unexpected character '{}' in '{}' argument of server {}.",
            pre, sep, c, what, name
        ));
        ERR_ALERT | ERR_FATAL
    };
    while !l.arg(i).is_empty() {
        let o = l.arg(i);
        let v = l.arg(i + 1);
        match o {
            "id" if !defsrv => {
                if v.is_empty() {
                    p.alert(&format!("{}: '{}' expects an integer argument.", pre, o));
                    return ERR_ALERT | ERR_FATAL;
                }
                let id = atol_int(v);
                if id <= 0 {
                    p.alert(&format!("{}: custom id has to be > 0.", pre));
                    return ERR_ALERT | ERR_FATAL;
                }
                if let Some((_, other, ln)) = used_ids.iter().find(|(x, _, _)| *x == id as u32) {
                    p.alert(&format!(
                        "{}: server {} reuses same custom id as server {} (declared at {}:{}).",
                        pre, name, other, l.file, ln
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                s.id = id as u32;
                i += 2;
            }
            "cookie" if !defsrv => {
                s.cookie = Some(v.to_string());
                i += 2;
            }
            "redir" if !defsrv => {
                s.redir = Some(v.to_string());
                i += 2;
            }
            "rise" | "fall" | "error-limit" => {
                if v.is_empty() {
                    p.alert(&format!("{}: '{}' expects an integer argument.", pre, o));
                    return ERR_ALERT | ERR_FATAL;
                }
                let n = atol_int(v);
                if n <= 0 {
                    if o == "error-limit" {
                        p.alert(&format!("{}: {} has to be > 0.", pre, o));
                    } else {
                        p.alert(&format!("{}: '{}' has to be > 0.", pre, o));
                    }
                    return ERR_ALERT | ERR_FATAL;
                }
                match o {
                    "rise" => s.rise = n as u32,
                    "fall" => s.fall = n as u32,
                    _ => s.error_limit = n as u32,
                }
                i += 2;
            }
            "inter" | "fastinter" | "downinter" => {
                let sep = if o == "inter" { " :" } else { ":" };
                let t = match parse_time_ms(v, 1) {
                    Ok(t) => t,
                    Err(c) => return bad_time(p, c, o, sep),
                };
                if t == 0 {
                    p.alert(&format!(
                        "{}: invalid value {} for argument '{}' of server {}.",
                        pre, t, o, name
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                match o {
                    "inter" => s.inter = t,
                    "fastinter" => s.fastinter = t,
                    _ => s.downinter = t,
                }
                i += 2;
            }
            "addr" if !defsrv => {
                let (h, _) = split_host_port(v);
                let Some(ip) = resolve_host(h) else {
                    p.alert(&format!("{} : Unknown host in '{}'", at, v));
                    return ERR_ALERT | ERR_FATAL;
                };
                s.check_addr = Some(ip);
                i += 2;
            }
            "port" => {
                s.check_port = Some(atoi(v) as u16);
                i += 2;
            }
            "backup" if !defsrv => {
                s.backup = true;
                i += 1;
            }
            "weight" => {
                let w = atol_int(v);
                if !(0..=256).contains(&w) {
                    p.alert(&format!(
                        "{} : weight of server {} is not within 0 and 256 ({}).",
                        at, name, w
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                s.weight = w as u32;
                i += 2;
            }
            "minconn" | "maxconn" | "maxqueue" => {
                let n = atol_int(v).max(0) as u32;
                match o {
                    "minconn" => s.minconn = n,
                    "maxconn" => s.maxconn = n,
                    _ => s.maxqueue = n,
                }
                i += 2;
            }
            "slowstart" => {
                match parse_time_ms(v, 1) {
                    Ok(t) => s.slowstart = t.div_ceil(1000) * 1000,
                    Err(c) => return bad_time(p, c, o, " :"),
                }
                i += 2;
            }
            "track" if !defsrv => {
                if v.is_empty() {
                    p.alert(&format!(
                        "{}: 'track' expects [<proxy>/]<server> as argument.",
                        pre
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                s.track = Some(v.to_string());
                i += 2;
            }
            "check" if !defsrv => {
                s.check = true;
                i += 1;
            }
            "disabled" if !defsrv => {
                s.disabled = true;
                i += 1;
            }
            "observe" if !defsrv => {
                match v {
                    "none" => s.observe = 0,
                    "layer4" => s.observe = 1,
                    "layer7" => {
                        // an alert that leaves the config valid, as in 1.4
                        if p.cur_proxy().is_some_and(|px| px.mode != Mode::Http) {
                            p.alert(&format!(
                                "{}: '{}' can only be used in http proxies.",
                                pre, v
                            ));
                            err |= ERR_ALERT;
                        }
                        s.observe = 2;
                    }
                    _ => {
                        p.alert(&format!(
                            "{}: '{}' expects one of 'none', 'layer4', 'layer7' but got '{}'",
                            pre, o, v
                        ));
                        return ERR_ALERT | ERR_FATAL;
                    }
                }
                i += 2;
            }
            "on-error" => {
                s.on_error = match v {
                    "fastinter" => 0,
                    "fail-check" => 1,
                    "sudden-death" => 2,
                    "mark-down" => 3,
                    _ => {
                        p.alert(&format!(
                            "{}: '{}' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '{}'",
                            pre, o, v
                        ));
                        return ERR_ALERT | ERR_FATAL;
                    }
                };
                i += 2;
            }
            "source" if !defsrv => {
                if v.is_empty() {
                    p.alert(&format!(
                        "{} : 'source' expects <addr>[:<port>[-<port>]] as argument.",
                        at
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                match server_source(p, l, i) {
                    Ok((src, used)) => {
                        s.source = Some(src);
                        i += used;
                    }
                    Err(e) => return e,
                }
            }
            "pool-max-conn" if !defsrv => {
                // 1.6's keyword (an extension): -1 unlimited, 0 no pool
                match v.parse::<i32>() {
                    Ok(n) if n >= -1 => s.pool_max_conn = n,
                    _ => {
                        p.alert(&format!(
                            "{} : '{}' expects -1 or a positive integer as argument.",
                            at, o
                        ));
                        return ERR_ALERT | ERR_FATAL;
                    }
                }
                i += 2;
            }
            "usesrc" if !defsrv => {
                p.alert(&format!(
                    "{} : 'usesrc' only allowed after a 'source' statement.",
                    at
                ));
                return ERR_ALERT | ERR_FATAL;
            }
            _ => {
                if !defsrv {
                    p.alert(&format!("{} : server {} only supports options 'backup', 'cookie', 'redir', 'observer', 'on-error', 'error-limit', 'check', 'disabled', 'track', 'id', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'addr', 'port', 'source', 'minconn', 'maxconn', 'maxqueue', 'slowstart' and 'weight'.", at, name));
                } else {
                    p.alert(&format!("{}: default-server only supports options 'on-error', 'error-limit', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'port', 'minconn', 'maxconn', 'maxqueue', 'slowstart' and 'weight'.", pre));
                }
                return ERR_ALERT | ERR_FATAL;
            }
        }
    }
    if defsrv {
        if let Some(px) = p.cur_proxy() {
            let d = &mut px.default_server;
            d.inter = s.inter;
            d.fastinter = s.fastinter;
            d.downinter = s.downinter;
            d.rise = s.rise;
            d.fall = s.fall;
            d.weight = s.weight;
            d.maxconn = s.maxconn;
            d.minconn = s.minconn;
            d.maxqueue = s.maxqueue;
            d.slowstart = s.slowstart;
            d.port = s.check_port;
            d.error_limit = s.error_limit;
            d.on_error = s.on_error;
        }
        return err;
    }
    if s.check {
        if s.track.is_some() {
            p.alert(&format!(
                "{}: unable to enable checks and tracking at the same time!",
                pre
            ));
            return ERR_ALERT | ERR_FATAL;
        }
        if s.check_port.unwrap_or(0) == 0 && !mapports {
            s.check_port = Some(realport);
        }
        if s.check_port.unwrap_or(0) == 0 {
            s.check_port = first_bind_port;
        }
        if s.check_port.unwrap_or(0) == 0 {
            p.alert(&format!(
                "{} : server {} has neither service port nor check port. Check has been disabled.",
                at, name
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    err
}

/// A server's `source addr[:port[-port]] [usesrc ...] [interface name]`
/// starting at word i (the keyword); returns the binding and the number
/// of words used. As 1.4's str2sa_range: low and high ports that differ
/// make a range, which must lie within 1..65535.
fn server_source(p: &Parser, l: &Line, i: usize) -> Result<(crate::sys::BindSrc, usize), u32> {
    let at = l.at();
    let v = l.arg(i + 1);
    let (h, port) = split_host_port(v);
    let Some(ip) = resolve_host(h) else {
        p.alert(&format!("{} : Unknown host in '{}'", at, v));
        return Err(ERR_ALERT | ERR_FATAL);
    };
    let (low, high) = match port {
        Some(pt) => match pt.split_once('-') {
            Some((a, b)) => (atoi(a), atoi(b)),
            None => (atoi(pt), atoi(pt)),
        },
        None => (0, 0),
    };
    let mut ports = None;
    if low != high {
        let ok = |x: i64| (1..=65535).contains(&x);
        if !ok(low) || !ok(high) || low > high {
            p.alert(&format!(
                "{} : invalid source port range {}-{}.",
                at, low as i32, high as i32
            ));
            return Err(ERR_ALERT | ERR_FATAL);
        }
        ports = Some((low as u16, high as u16));
    }
    let mut src = crate::sys::BindSrc {
        addr: SocketAddr::new(ip, low as u16),
        ports,
        iface: None,
    };
    let mut j = i + 2;
    while !l.arg(j).is_empty() {
        match l.arg(j) {
            "usesrc" => {
                p.alert(&format!(
                    "{} : 'usesrc' not allowed here because support for TPROXY was not compiled in.",
                    at
                ));
                return Err(ERR_ALERT | ERR_FATAL);
            }
            "interface" => {
                if l.arg(j + 1).is_empty() {
                    p.alert(&format!(
                        "{} : '{}' : missing interface name.",
                        at,
                        l.arg(0)
                    ));
                    return Err(ERR_ALERT | ERR_FATAL);
                }
                src.iface = Some(l.arg(j + 1).to_string());
                j += 2;
            }
            // not a `source` option: the server's own loop takes it
            _ => break,
        }
    }
    Ok((src, j - i))
}

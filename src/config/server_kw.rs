//! The options of `server` and `default-server` lines (1.4's
//! cfg_parse_listen "server" branch): one small handler per keyword (or
//! family sharing one message), registered in SERVER_KW with whether a
//! `default-server` line may hold it. A word no entry takes gets 1.4's
//! "only supports options" alert, which differs between the two lines.

use super::model::{Mode, Server};
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL};
use super::units::{atoi, parse_time_ms, resolve_host, split_host_port};
use std::net::SocketAddr;

/// The line being read and the place of the option in it.
pub struct SrvLine<'a, 'l> {
    pub l: &'a Line<'l>,
    /// the option's word index (its value, if any, is the next word)
    pub i: usize,
    /// "parsing [file:line]"
    pub at: String,
    /// the server's name as its messages give it
    pub name: String,
    /// the ids already given in the proxy: (id, server, line)
    pub used_ids: &'a [(u32, String, usize)],
    /// bits of alerts that leave the line valid (`observe layer7`)
    pub err: u32,
}

impl SrvLine<'_, '_> {
    fn kw(&self) -> &str {
        self.l.arg(self.i)
    }
    fn val(&self) -> &str {
        self.l.arg(self.i + 1)
    }
}

/// An option's handler: reads it into the server and returns the number
/// of words used, or the ERR_* bits that end the line.
type SrvHandler = fn(&mut Parser, &mut SrvLine, &mut Server) -> Result<usize, u32>;

pub struct SrvKw {
    pub name: &'static str,
    /// whether `default-server` takes it too
    pub defsrv: bool,
    run: SrvHandler,
}

const fn skw(name: &'static str, defsrv: bool, run: SrvHandler) -> SrvKw {
    SrvKw { name, defsrv, run }
}

const BOTH: bool = true;
const SRV: bool = false;

pub const SERVER_KW: &[SrvKw] = &[
    skw("id", SRV, srv_id),
    skw("cookie", SRV, srv_cookie),
    skw("redir", SRV, srv_redir),
    skw("rise", BOTH, srv_count),
    skw("fall", BOTH, srv_count),
    skw("error-limit", BOTH, srv_count),
    skw("inter", BOTH, srv_inter),
    skw("fastinter", BOTH, srv_inter),
    skw("downinter", BOTH, srv_inter),
    skw("addr", SRV, srv_addr),
    skw("port", BOTH, srv_port),
    skw("backup", SRV, srv_backup),
    skw("weight", BOTH, srv_weight),
    skw("minconn", BOTH, srv_conns),
    skw("maxconn", BOTH, srv_conns),
    skw("maxqueue", BOTH, srv_conns),
    skw("slowstart", BOTH, srv_slowstart),
    skw("track", SRV, srv_track),
    skw("check", SRV, srv_check),
    skw("disabled", SRV, srv_disabled),
    skw("observe", SRV, srv_observe),
    skw("on-error", BOTH, srv_on_error),
    skw("source", SRV, srv_source),
    skw("pool-max-conn", SRV, srv_pool_max_conn),
    skw("usesrc", SRV, srv_usesrc),
];

/// Runs the option at word `w.i`; `defsrv` for a default-server line.
pub fn server_option(
    p: &mut Parser,
    w: &mut SrvLine,
    s: &mut Server,
    defsrv: bool,
) -> Result<usize, u32> {
    let o = w.kw();
    match SERVER_KW
        .iter()
        .find(|k| k.name == o && (k.defsrv || !defsrv))
    {
        Some(k) => (k.run)(p, w, s),
        None if super::server_ssl::is_ssl_kw(o) => {
            super::server_ssl::server_option(p, w, s, defsrv)
        }
        None => {
            if !defsrv {
                p.alert(&format!("{} : server {} only supports options 'backup', 'cookie', 'redir', 'observer', 'on-error', 'error-limit', 'check', 'disabled', 'track', 'id', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'addr', 'port', 'source', 'minconn', 'maxconn', 'maxqueue', 'slowstart' and 'weight'.", w.at, w.name));
            } else {
                p.alert(&format!("{}: default-server only supports options 'on-error', 'error-limit', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'port', 'minconn', 'maxconn', 'maxqueue', 'slowstart' and 'weight'.", w.at));
            }
            Err(ERR_ALERT | ERR_FATAL)
        }
    }
}

/// 1.4's atol() stored into an int: a value out of its range wraps
/// (`weight 4294967296` is a weight of 0).
fn atol_int(s: &str) -> i64 {
    atoi(s) as i32 as i64
}

fn fatal(p: &Parser, text: &str) -> Result<usize, u32> {
    p.alert(text);
    Err(ERR_ALERT | ERR_FATAL)
}

/// A time value with a character its unit parser refused.
fn bad_time(p: &Parser, w: &SrvLine, c: char, sep: &str) -> Result<usize, u32> {
    fatal(
        p,
        &format!(
            "{}{} unexpected character '{}' in '{}' argument of server {}.",
            w.at,
            sep,
            c,
            w.kw(),
            w.name
        ),
    )
}

fn srv_id(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let (at, v) = (&w.at, w.val());
    if v.is_empty() {
        return fatal(
            p,
            &format!("{}: '{}' expects an integer argument.", at, w.kw()),
        );
    }
    let id = atol_int(v);
    if id <= 0 {
        return fatal(p, &format!("{}: custom id has to be > 0.", at));
    }
    if let Some((_, other, ln)) = w.used_ids.iter().find(|(x, _, _)| *x == id as u32) {
        return fatal(
            p,
            &format!(
                "{}: server {} reuses same custom id as server {} (declared at {}:{}).",
                at, w.name, other, w.l.file, ln
            ),
        );
    }
    s.id = id as u32;
    Ok(2)
}

fn srv_cookie(_: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.cookie = Some(w.val().to_string());
    Ok(2)
}

fn srv_redir(_: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.redir = Some(w.val().to_string());
    Ok(2)
}

/// rise, fall and error-limit: a count above 0.
fn srv_count(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let (o, v) = (w.kw(), w.val());
    if v.is_empty() {
        return fatal(
            p,
            &format!("{}: '{}' expects an integer argument.", w.at, o),
        );
    }
    let n = atol_int(v);
    if n <= 0 {
        return if o == "error-limit" {
            fatal(p, &format!("{}: {} has to be > 0.", w.at, o))
        } else {
            fatal(p, &format!("{}: '{}' has to be > 0.", w.at, o))
        };
    }
    match o {
        "rise" => s.rise = n as u32,
        "fall" => s.fall = n as u32,
        _ => s.error_limit = n as u32,
    }
    Ok(2)
}

/// inter, fastinter and downinter: a time above 0.
fn srv_inter(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let o = w.kw();
    let sep = if o == "inter" { " :" } else { ":" };
    let t = match parse_time_ms(w.val(), 1) {
        Ok(t) => t,
        Err(c) => return bad_time(p, w, c, sep),
    };
    if t == 0 {
        return fatal(
            p,
            &format!(
                "{}: invalid value {} for argument '{}' of server {}.",
                w.at, t, o, w.name
            ),
        );
    }
    match o {
        "inter" => s.inter = t,
        "fastinter" => s.fastinter = t,
        _ => s.downinter = t,
    }
    Ok(2)
}

fn srv_addr(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let v = w.val();
    let (h, _) = split_host_port(v);
    let Some(ip) = resolve_host(h) else {
        return fatal(p, &format!("{} : Unknown host in '{}'", w.at, v));
    };
    s.check_addr = Some(ip);
    Ok(2)
}

fn srv_port(_: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.check_port = Some(atoi(w.val()) as u16);
    Ok(2)
}

fn srv_backup(_: &mut Parser, _: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.backup = true;
    Ok(1)
}

fn srv_weight(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let n = atol_int(w.val());
    if !(0..=256).contains(&n) {
        return fatal(
            p,
            &format!(
                "{} : weight of server {} is not within 0 and 256 ({}).",
                w.at, w.name, n
            ),
        );
    }
    s.weight = n as u32;
    Ok(2)
}

/// minconn, maxconn and maxqueue: a negative count is 0.
fn srv_conns(_: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let n = atol_int(w.val()).max(0) as u32;
    match w.kw() {
        "minconn" => s.minconn = n,
        "maxconn" => s.maxconn = n,
        _ => s.maxqueue = n,
    }
    Ok(2)
}

fn srv_slowstart(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    match parse_time_ms(w.val(), 1) {
        Ok(t) => s.slowstart = t.div_ceil(1000) * 1000,
        Err(c) => return bad_time(p, w, c, " :"),
    }
    Ok(2)
}

fn srv_track(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let v = w.val();
    if v.is_empty() {
        return fatal(
            p,
            &format!("{}: 'track' expects [<proxy>/]<server> as argument.", w.at),
        );
    }
    s.track = Some(v.to_string());
    Ok(2)
}

fn srv_check(_: &mut Parser, _: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.check = true;
    Ok(1)
}

fn srv_disabled(_: &mut Parser, _: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    s.disabled = true;
    Ok(1)
}

fn srv_observe(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let v = w.val();
    match v {
        "none" => s.observe = 0,
        "layer4" => s.observe = 1,
        "layer7" => {
            // an alert that leaves the config valid, as in 1.4
            if p.cur_proxy().is_some_and(|px| px.mode != Mode::Http) {
                p.alert(&format!(
                    "{}: '{}' can only be used in http proxies.",
                    w.at, v
                ));
                w.err |= ERR_ALERT;
            }
            s.observe = 2;
        }
        _ => {
            return fatal(
                p,
                &format!(
                    "{}: '{}' expects one of 'none', 'layer4', 'layer7' but got '{}'",
                    w.at,
                    w.kw(),
                    v
                ),
            );
        }
    }
    Ok(2)
}

fn srv_on_error(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    let v = w.val();
    s.on_error = match v {
        "fastinter" => 0,
        "fail-check" => 1,
        "sudden-death" => 2,
        "mark-down" => 3,
        _ => {
            return fatal(p, &format!(
                "{}: '{}' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '{}'",
                w.at, w.kw(), v
            ));
        }
    };
    Ok(2)
}

fn srv_source(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    if w.val().is_empty() {
        return fatal(
            p,
            &format!(
                "{} : 'source' expects <addr>[:<port>[-<port>]] as argument.",
                w.at
            ),
        );
    }
    let (src, used) = server_source(p, w.l, w.i)?;
    s.source = Some(src);
    Ok(used)
}

/// 1.6's keyword (an extension): -1 unlimited, 0 no pool.
fn srv_pool_max_conn(p: &mut Parser, w: &mut SrvLine, s: &mut Server) -> Result<usize, u32> {
    match w.val().parse::<i32>() {
        Ok(n) if n >= -1 => s.pool_max_conn = n,
        _ => {
            return fatal(
                p,
                &format!(
                    "{} : '{}' expects -1 or a positive integer as argument.",
                    w.at,
                    w.kw()
                ),
            );
        }
    }
    Ok(2)
}

fn srv_usesrc(p: &mut Parser, w: &mut SrvLine, _: &mut Server) -> Result<usize, u32> {
    fatal(
        p,
        &format!(
            "{} : 'usesrc' only allowed after a 'source' statement.",
            w.at
        ),
    )
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

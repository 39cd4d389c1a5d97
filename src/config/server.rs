//! `server` and `default-server` lines: the name and address, then each
//! option through the table of config/server_kw.rs, then what the whole
//! line decides (a default-server's values become the proxy's defaults; a
//! server's check needs a port and excludes tracking).

use super::model::{DefaultServer, Server};
use super::parse::{invalid_char, Line, Parser, ERR_ALERT, ERR_FATAL};
use super::proxy::{warn_if_not_cap, CAP_BE};
use super::server_kw::{server_option, SrvLine};
use super::units::{atoi, resolve_host};

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
    if let Some(c) = invalid_char(l.arg(1)) {
        p.alert(&format!(
            "{} : character '{}' is not permitted in server name '{}'.",
            at,
            c,
            l.arg(1)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let Some(px) = p.cur_proxy() else { return err };
    let first_bind_port = px.binds.first().map(|b| b.addr.port());
    let used_ids: Vec<(u32, String, usize)> = px
        .servers
        .iter()
        .filter(|s| s.id != 0)
        .map(|s| (s.id, s.name.clone(), s.line))
        .collect();
    // 1.4's default-server is a server named so in its messages
    let name = match (defsrv, px.default_server.unnamed) {
        (false, _) => l.arg(1),
        (true, false) => "default-server",
        (true, true) => "(null)",
    };
    let mut s = new_server(name, l.num, &px.default_server);
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

/// A server as its line starts it: the proxy's default-server values.
fn new_server(name: &str, line: usize, ds: &DefaultServer) -> Server {
    Server {
        name: name.to_string(),
        id: 0,
        line,
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
        ssl: None,
    }
}

/// The address and the options of a server line (all of a default-server
/// line) into `s`; `err` is what the line collected before.
fn server_words(
    p: &mut Parser,
    l: &Line,
    s: &mut Server,
    defsrv: bool,
    err: u32,
    first_bind_port: Option<u16>,
    used_ids: &[(u32, String, usize)],
) -> u32 {
    let mut port = (0, true);
    let mut i = 1;
    if !defsrv {
        match server_addr(p, l, s) {
            Ok(pt) => port = pt,
            Err(e) => return e,
        }
        i = 3;
    }
    let mut w = SrvLine {
        l,
        i,
        at: l.at(),
        name: s.name.clone(),
        used_ids,
        err,
    };
    while !l.arg(w.i).is_empty() {
        match server_option(p, &mut w, s, defsrv) {
            Ok(used) => w.i += used,
            Err(e) => return e,
        }
    }
    if defsrv {
        if let Some(px) = p.cur_proxy() {
            store_default_server(&mut px.default_server, s);
        }
        return w.err;
    }
    super::server_ssl::settle_check(s);
    if s.check {
        if let Err(e) = enable_check(p, l, s, port, first_bind_port) {
            return e;
        }
    }
    w.err
}

/// `<addr>[:<port>]` of a server line into `s`; returns the port and
/// whether it is relative (no port, or one not starting with a digit).
fn server_addr(p: &Parser, l: &Line, s: &mut Server) -> Result<(u16, bool), u32> {
    let mut realport = 0u16;
    let mut mapports = true;
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
        p.alert(&format!("{} : Unknown host in '{}'", l.at(), a));
        return Err(ERR_ALERT | ERR_FATAL);
    };
    s.addr = ip;
    Ok((realport, mapports))
}

/// A default-server line's values become the proxy's defaults.
fn store_default_server(d: &mut DefaultServer, s: &Server) {
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

/// `check` once the whole line is read: not with `track`, and with a
/// port: the check port, else the server's fixed port, else the proxy's
/// first listening port.
fn enable_check(
    p: &Parser,
    l: &Line,
    s: &mut Server,
    (realport, mapports): (u16, bool),
    first_bind_port: Option<u16>,
) -> Result<(), u32> {
    if s.track.is_some() {
        p.alert(&format!(
            "{}: unable to enable checks and tracking at the same time!",
            l.at()
        ));
        return Err(ERR_ALERT | ERR_FATAL);
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
            l.at(),
            s.name
        ));
        return Err(ERR_ALERT | ERR_FATAL);
    }
    Ok(())
}

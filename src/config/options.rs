//! `option`, `timeout`, `balance`, `hash-type`, `cookie`, `persist`,
//! `appsession` and `http-check`.

use super::model::{
    Balance, CheckType, CookieCfg, CookieMode, ExpectKind, Flags, ForwardFor, HttpExpect, LogFormat,
};
use super::parse::{Kwm, Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE, CAP_FE};
use super::units::{atoi, parse_net, parse_time_ms};

type FlagRef = fn(&mut Flags) -> &mut bool;

/// The plain flag options: name, capability, requires HTTP mode, field.
pub const FLAG_OPTIONS: &[(&str, u8, bool, FlagRef)] = &[
    ("abortonclose", CAP_BE, false, |f| &mut f.abortonclose),
    ("allbackups", CAP_BE, false, |f| &mut f.allbackups),
    ("checkcache", CAP_BE, true, |f| &mut f.checkcache),
    ("clitcpka", CAP_FE, false, |f| &mut f.clitcpka),
    ("contstats", CAP_FE, false, |f| &mut f.contstats),
    ("dontlognull", CAP_FE, false, |f| &mut f.dontlognull),
    ("forceclose", CAP_FE | CAP_BE, true, |f| &mut f.forceclose),
    ("http_proxy", CAP_FE | CAP_BE, true, |f| &mut f.http_proxy),
    ("httpclose", CAP_FE | CAP_BE, true, |f| &mut f.httpclose),
    ("keepalive", 0, true, |f| &mut f.httpclose),
    ("http-server-close", CAP_FE | CAP_BE, true, |f| {
        &mut f.http_server_close
    }),
    ("logasap", CAP_FE, false, |f| &mut f.logasap),
    ("nolinger", CAP_FE | CAP_BE, false, |f| &mut f.nolinger),
    ("persist", CAP_BE, false, |f| &mut f.persist),
    ("redispatch", CAP_BE, false, |f| &mut f.redispatch),
    ("srvtcpka", CAP_BE, false, |f| &mut f.srvtcpka),
    ("accept-invalid-http-request", CAP_FE, true, |f| {
        &mut f.accept_invalid_req
    }),
    ("accept-invalid-http-response", CAP_BE, true, |f| {
        &mut f.accept_invalid_rsp
    }),
    ("dontlog-normal", CAP_FE, false, |f| &mut f.dontlog_normal),
    ("log-separate-errors", CAP_FE, false, |f| {
        &mut f.log_separate_errors
    }),
    ("log-health-checks", CAP_BE, false, |f| {
        &mut f.log_health_checks
    }),
    ("socket-stats", CAP_FE, false, |f| &mut f.socket_stats),
    ("tcp-smart-accept", CAP_FE, false, |f| {
        &mut f.tcp_smart_accept
    }),
    ("tcp-smart-connect", CAP_BE, false, |f| {
        &mut f.tcp_smart_connect
    }),
    ("independant-streams", CAP_FE | CAP_BE, false, |f| {
        &mut f.independant_streams
    }),
    ("http-use-proxy-header", CAP_FE, true, |f| {
        &mut f.http_use_proxy_header
    }),
    ("http-pretend-keepalive", CAP_FE | CAP_BE, true, |f| {
        &mut f.pretend_keepalive
    }),
    ("http-no-delay", CAP_FE | CAP_BE, true, |f| {
        &mut f.http_no_delay
    }),
    // 1.5's keep-alive to servers (extensions, see docs/compatibility.md)
    ("http-keep-alive", CAP_FE | CAP_BE, true, |f| {
        &mut f.http_keep_alive
    }),
    ("prefer-last-server", CAP_BE, true, |f| {
        &mut f.prefer_last_server
    }),
    // 1.4's linux26 build has TPROXY (USE_TPROXY=implicit)
    ("transparent", CAP_BE, false, |f| &mut f.transparent),
];

pub fn parse(p: &mut Parser, l: &Line, kw: &str) -> Option<u32> {
    match kw {
        "option" => Some(parse_option(p, l)),
        "timeout" | "clitimeout" | "contimeout" | "srvtimeout" => Some(parse_timeout(p, l)),
        "balance" => Some(parse_balance(p, l)),
        "http-reuse" => Some(super::reuse_kw::parse(p, l)),
        "hash-type" => {
            let mut err = 0;
            if warn_if_not_cap(p, l, CAP_BE, kw, "") {
                err |= ERR_WARN;
            }
            let c = match l.arg(1) {
                "consistent" => true,
                "map-based" => false,
                _ => {
                    p.alert(&format!(
                        "{} : '{}' only supports 'consistent' and 'map-based'.",
                        l.at(),
                        kw
                    ));
                    return Some(ERR_ALERT | ERR_FATAL);
                }
            };
            if let Some(px) = p.cur_proxy() {
                px.hash_consistent = c;
            }
            Some(err)
        }
        "cookie" => Some(parse_cookie(p, l)),
        "persist" => {
            let at = l.at();
            if l.arg(1).is_empty() {
                p.alert(&format!("{} : missing persist method.", at));
                return Some(ERR_ALERT | ERR_FATAL);
            }
            let a = l.arg(1);
            if let Some(rest) = a.strip_prefix("rdp-cookie") {
                if !(rest.is_empty()
                    || (rest.starts_with('(') && rest.len() > 2 && rest.ends_with(')')))
                {
                    p.alert(&format!(
                        "{} : persist rdp-cookie(name)' requires an rdp cookie name.",
                        at
                    ));
                    return Some(ERR_ALERT | ERR_FATAL);
                }
                let name = rest
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .unwrap_or("msts")
                    .to_string();
                if let Some(px) = p.cur_proxy() {
                    px.persist_rdp = Some(name);
                }
                return Some(0);
            }
            p.alert(&format!("{} : unknown persist method.", at));
            Some(ERR_ALERT | ERR_FATAL)
        }
        "appsession" => Some(parse_appsession(p, l)),
        "http-check" => Some(parse_http_check(p, l)),
        _ => None,
    }
}

fn parse_option(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let name = l.arg(1);
    if name.is_empty() {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' expects an option name.",
            l.file,
            l.num,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    if let Some(&(_, cap, _, field)) = FLAG_OPTIONS.iter().find(|o| o.0 == name) {
        if warn_if_not_cap(p, l, cap, name, "") {
            return ERR_WARN;
        }
        let on = l.kwm == Kwm::Std;
        if let Some(px) = p.cur_proxy() {
            *field(&mut px.flags) = on;
            match name {
                "tcp-smart-accept" => px.flags.no_tcp_smart_accept = l.kwm == Kwm::No,
                "tcp-smart-connect" => px.flags.no_tcp_smart_connect = l.kwm == Kwm::No,
                // 1.5: http-keep-alive and the close modes replace each
                // other, the last one set wins (1.4's own close options
                // still combine among themselves, as in 1.4)
                "http-keep-alive" if on => {
                    px.flags.httpclose = false;
                    px.flags.http_server_close = false;
                    px.flags.forceclose = false;
                }
                "httpclose" | "keepalive" | "http-server-close" | "forceclose" if on => {
                    px.flags.http_keep_alive = false;
                }
                _ => {}
            }
        }
        return 0;
    }
    if l.kwm != Kwm::Std {
        p.alert(&format!(
            "parsing [{}:{}]: negation/default is not supported for option '{}'.",
            l.file, l.num, name
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut err = 0;
    match name {
        "httplog" => {
            let clf = match l.arg(2) {
                "" => false,
                "clf" => true,
                o => {
                    p.alert(&format!(
                        "{} : keyword '{}' only supports option 'clf'.",
                        at, o
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
            };
            if let Some(px) = p.cur_proxy() {
                px.log_format = if clf {
                    LogFormat::HttpClf
                } else {
                    LogFormat::Http
                };
            }
        }
        "tcplog" => {
            if let Some(px) = p.cur_proxy() {
                if px.log_format == LogFormat::Default {
                    px.log_format = LogFormat::Tcp;
                }
            }
        }
        "tcpka" => {
            if warn_if_not_cap(p, l, CAP_FE | CAP_BE, name, "") {
                err |= ERR_WARN;
            }
            if let Some(px) = p.cur_proxy() {
                let c = super::proxy::caps(px.kind);
                if c & CAP_FE != 0 {
                    px.flags.clitcpka = true;
                }
                if c & CAP_BE != 0 {
                    px.flags.srvtcpka = true;
                }
            }
        }
        "httpchk" => {
            if warn_if_not_cap(p, l, CAP_BE, name, "") {
                err |= ERR_WARN;
            }
            let req = if l.arg(2).is_empty() {
                "OPTIONS / HTTP/1.0\r\n".to_string()
            } else if l.arg(3).is_empty() {
                format!("OPTIONS {} HTTP/1.0\r\n", l.arg(2))
            } else {
                let v = if l.arg(4).is_empty() {
                    "HTTP/1.0"
                } else {
                    l.arg(4)
                };
                format!("{} {} {}\r\n", l.arg(2), l.arg(3), v)
            };
            if let Some(px) = p.cur_proxy() {
                px.check.kind = CheckType::Http;
                px.check.send = req.into_bytes();
            }
        }
        "ssl-hello-chk" | "ldap-check" => {
            if name == "ssl-hello-chk" && warn_if_not_cap(p, l, CAP_BE, name, "") {
                err |= ERR_WARN;
            }
            if let Some(px) = p.cur_proxy() {
                px.check.kind = if name == "ldap-check" {
                    CheckType::Ldap
                } else {
                    CheckType::SslHello
                };
                px.check.send = Vec::new();
            }
        }
        "smtpchk" => {
            let req = if !l.arg(2).is_empty()
                && !l.arg(3).is_empty()
                && (l.arg(2) == "EHLO" || l.arg(2) == "HELO")
            {
                format!("{} {}\r\n", l.arg(2), l.arg(3))
            } else {
                "HELO localhost\r\n".to_string()
            };
            if let Some(px) = p.cur_proxy() {
                px.check.kind = CheckType::Smtp;
                px.check.send = req.into_bytes();
            }
        }
        "mysql-check" => {
            if warn_if_not_cap(p, l, CAP_BE, name, "") {
                err |= ERR_WARN;
            }
            let mut send = Vec::new();
            let mut i = 2;
            while !l.arg(i).is_empty() {
                if l.arg(i) == "user" {
                    if l.arg(i + 1).is_empty() {
                        p.alert(&format!(
                            "{} : '{} {} {}' expects <username> as argument.",
                            at,
                            l.arg(0),
                            name,
                            l.arg(i)
                        ));
                        return ERR_ALERT | ERR_FATAL;
                    }
                    send = crate::payload::mysql_packet(l.arg(i + 1));
                    i += 2;
                } else {
                    p.alert(&format!(
                        "{} : '{} {}' only supports optional values: 'user'.",
                        at,
                        l.arg(0),
                        name
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
            }
            if let Some(px) = p.cur_proxy() {
                px.check.kind = CheckType::Mysql;
                px.check.send = send;
            }
        }
        "forwardfor" | "originalto" => {
            let ff = name == "forwardfor";
            let mut cfg = ForwardFor {
                header: if ff {
                    "X-Forwarded-For".into()
                } else {
                    "X-Original-To".into()
                },
                except: None,
                if_none: false,
            };
            let mut i = 2;
            while !l.arg(i).is_empty() {
                match l.arg(i) {
                    "except" => {
                        let Some(n) = (if l.arg(i + 1).is_empty() {
                            None
                        } else {
                            parse_net(l.arg(i + 1))
                        }) else {
                            p.alert(&format!(
                                "{} : '{} {} {}' expects <address>[/mask] as argument.",
                                at,
                                l.arg(0),
                                name,
                                l.arg(i)
                            ));
                            return ERR_ALERT | ERR_FATAL;
                        };
                        cfg.except = Some(n);
                        i += 2;
                    }
                    "header" => {
                        if l.arg(i + 1).is_empty() {
                            p.alert(&format!(
                                "{} : '{} {} {}' expects <header_name> as argument.",
                                at,
                                l.arg(0),
                                name,
                                l.arg(i)
                            ));
                            return ERR_ALERT | ERR_FATAL;
                        }
                        cfg.header = l.arg(i + 1).to_string();
                        i += 2;
                    }
                    "if-none" if ff => {
                        cfg.if_none = true;
                        i += 1;
                    }
                    _ => {
                        let opts = if ff {
                            "'except', 'header' and 'if-none'"
                        } else {
                            "'except' and 'header'"
                        };
                        p.alert(&format!(
                            "{} : '{} {}' only supports optional values: {}.",
                            at,
                            l.arg(0),
                            name,
                            opts
                        ));
                        return ERR_ALERT | ERR_FATAL;
                    }
                }
            }
            if let Some(px) = p.cur_proxy() {
                if ff {
                    px.forwardfor = Some(cfg);
                } else {
                    px.originalto = Some(cfg);
                }
            }
        }
        _ => {
            p.alert(&format!("{} : unknown option '{}'.", at, name));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    err
}

fn parse_timeout(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let args: Vec<&str> = if l.arg(0) == "timeout" {
        (1..4).map(|i| l.arg(i)).collect()
    } else {
        (0..3).map(|i| l.arg(i)).collect()
    };
    let (name, cap): (&str, u8) = match args[0] {
        "client" | "clitimeout" => ("client", CAP_FE),
        "tarpit" => ("tarpit", CAP_FE | CAP_BE),
        "http-keep-alive" => ("http-keep-alive", CAP_FE | CAP_BE),
        "http-request" => ("http-request", CAP_FE | CAP_BE),
        "server" | "srvtimeout" => ("server", CAP_BE),
        "connect" | "contimeout" => ("connect", CAP_BE),
        "check" => ("check", CAP_BE),
        "queue" => ("queue", CAP_BE),
        o => {
            p.alert(&format!(
                "{} : timeout '{}': must be 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request' or 'tarpit'",
                at, o
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    if args[1].is_empty() {
        p.alert(&format!(
            "{} : {} timeout expects an integer value (in milliseconds)",
            at, name
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let v = match parse_time_ms(args[1], 1) {
        Ok(v) => v,
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in {} timeout",
                at, c, name
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    let defaults = p.defaults.timeouts;
    let in_defaults = p.is_defaults();
    let Some(px) = p.cur_proxy() else { return 0 };
    let (kind, pname) = (px.kind, px.name.clone());
    let t = &mut px.timeouts;
    let (slot, dslot) = match name {
        "client" => (&mut t.client, defaults.client),
        "tarpit" => (&mut t.tarpit, defaults.tarpit),
        "http-keep-alive" => (&mut t.http_keep_alive, defaults.http_keep_alive),
        "http-request" => (&mut t.http_request, defaults.http_request),
        "server" => (&mut t.server, defaults.server),
        "connect" => (&mut t.connect, defaults.connect),
        "check" => (&mut t.check, defaults.check),
        _ => (&mut t.queue, defaults.queue),
    };
    let mut warn = None;
    if super::proxy::caps(kind) & cap == 0 {
        warn = Some(format!(
            "{} : {} timeout will be ignored because {} '{}' has no {} capability",
            at,
            name,
            super::proxy::type_str(kind),
            pname,
            if cap & CAP_BE != 0 {
                "backend"
            } else {
                "frontend"
            }
        ));
    } else if !in_defaults && *slot != dslot {
        warn = Some(format!(
            "{} : overwriting {} timeout which was already specified",
            at, name
        ));
    }
    // 0 means "unset" to 1.4
    *slot = if v == 0 { None } else { Some(v) };
    match warn {
        Some(w) => p.warn(&w),
        None => 0,
    }
}

fn parse_balance(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "balance", "") {
        err |= ERR_WARN;
    }
    let fail = |p: &Parser, m: &str| {
        p.alert(&format!("{} : {}", l.at(), m));
        ERR_ALERT | ERR_FATAL
    };
    let a0 = l.arg(1);
    let b = match a0 {
        "" | "roundrobin" => Balance::RoundRobin,
        "static-rr" => Balance::StaticRr,
        "leastconn" => Balance::LeastConn,
        "source" => Balance::Source,
        "uri" => {
            let (mut len, mut depth, mut whole) = (0usize, 0usize, false);
            let mut i = 2;
            while !l.arg(i).is_empty() {
                match l.arg(i) {
                    "len" | "depth" => {
                        let v = atoi(l.arg(i + 1));
                        if l.arg(i + 1).is_empty() || v <= 0 {
                            return fail(p, &format!("'balance uri {}' expects a positive integer (got '{}').", l.arg(i), l.arg(i + 1)));
                        }
                        if l.arg(i) == "len" {
                            len = v as usize;
                        } else {
                            depth = v as usize;
                        }
                        i += 2;
                    }
                    "whole" => {
                        whole = true;
                        i += 1;
                    }
                    // 1.4's text says 'while' for the 'whole' it accepts
                    o => return fail(p, &format!("'balance uri' only accepts parameters 'len', 'depth', and 'while' (got '{}').", o)),
                }
            }
            Balance::Uri { len, depth, whole }
        }
        "url_param" => {
            if l.arg(2).is_empty() {
                return fail(p, "'balance url_param' requires an URL parameter name.");
            }
            let mut check_post = None;
            if !l.arg(3).is_empty() {
                if l.arg(3) != "check_post" {
                    return fail(p, "'balance url_param' only accepts check_post modifier.");
                }
                let mut lim = atoi(l.arg(4)).max(0) as usize;
                if lim == 0 {
                    lim = 48;
                } else if lim < 3 {
                    lim = 3;
                }
                check_post = Some(lim);
            }
            Balance::UrlParam { name: l.arg(2).to_string(), check_post }
        }
        a if a.starts_with("hdr(") => {
            let inner = &a[4..];
            let Some(end) = inner.find(')').filter(|&e| e > 0) else {
                return fail(p, "'balance hdr(name)' requires an http header field name.");
            };
            let mut domain_only = false;
            if !l.arg(2).is_empty() {
                if l.arg(2) != "use_domain_only" {
                    return fail(p, "'balance hdr(name)' only accepts 'use_domain_only' modifier.");
                }
                domain_only = true;
            }
            Balance::Hdr { name: inner[..end].to_string(), domain_only }
        }
        a if a.starts_with("rdp-cookie") => {
            let rest = &a[10..];
            let name = if rest.is_empty() {
                "mstshash".to_string()
            } else if let Some(inner) = rest.strip_prefix('(') {
                match inner.find(')').filter(|&e| e > 0) {
                    Some(e) => inner[..e].to_string(),
                    None => return fail(p, "'balance rdp-cookie(name)' requires an rdp cookie name."),
                }
            } else {
                return fail(p, "rdp-cookie : missing cookie name.");
            };
            Balance::RdpCookie { name }
        }
        _ => {
            return fail(
                p,
                "'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.",
            )
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.balance = b;
        px.balance_set = true;
    }
    err
}

fn parse_cookie(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let pre = format!("parsing [{}:{}]", l.file, l.num);
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "cookie", "") {
        err |= ERR_WARN;
    }
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <cookie_name> as argument.",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut c = CookieCfg {
        name: l.arg(1).to_string(),
        ..Default::default()
    };
    let (mut rw, mut ins, mut pfx) = (false, false, false);
    let mut i = 2;
    // 1.4 sets the cookie up word by word: a failing word leaves the
    // cookie as read so far (its end-of-parsing warnings still apply)
    let failed = 'words: {
        while !l.arg(i).is_empty() {
            match l.arg(i) {
                "rewrite" => rw = true,
                "indirect" => c.indirect = true,
                "insert" => ins = true,
                "nocache" => c.nocache = true,
                "postonly" => c.postonly = true,
                "preserve" => c.preserve = true,
                "prefix" => pfx = true,
                "httponly" => c.httponly = true,
                "secure" => c.secure = true,
                "domain" => {
                    let d = l.arg(i + 1);
                    if d.is_empty() {
                        p.alert(&format!(
                            "{}: '{}' expects <domain> as argument.",
                            pre,
                            l.arg(i)
                        ));
                        break 'words true;
                    }
                    if !d.starts_with('.') || !d[1..].contains('.') {
                        err |= p.warn(&format!(
                            "{}: domain '{}' contains no embedded dots nor does not start with a dot. RFC forbids it, this configuration may not work properly.",
                            pre, d
                        ));
                    }
                    // 1.4's invalid_domainchar(): alnum, '.', '_' and '-' only
                    let bad = d
                        .chars()
                        .find(|&ch| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')));
                    if let Some(ch) = bad {
                        p.alert(&format!(
                            "{}: character '{}' is not permitted in domain name '{}'.",
                            pre, ch, d
                        ));
                        break 'words true;
                    }
                    c.domains.push(d.to_string());
                    i += 1;
                }
                "maxidle" | "maxlife" => {
                    let v = l.arg(i + 1);
                    if v.is_empty() {
                        let what = if l.arg(i) == "maxidle" {
                            "<idletime>"
                        } else {
                            "<lifetime>"
                        };
                        p.alert(&format!(
                            "{}: '{}' expects {} in seconds as argument.",
                            pre,
                            l.arg(i),
                            what
                        ));
                        break 'words true;
                    }
                    match parse_time_ms(v, 1000) {
                        Ok(ms) => {
                            // seconds, rounded up as 1.4's TIME_UNIT_S does
                            if l.arg(i) == "maxidle" {
                                c.maxidle = ms.div_ceil(1000);
                            } else {
                                c.maxlife = ms.div_ceil(1000);
                            }
                        }
                        Err(ch) => {
                            p.alert(&format!(
                                "{}: unexpected character '{}' in argument to <{}>.",
                                pre,
                                ch,
                                l.arg(i)
                            ));
                            break 'words true;
                        }
                    }
                    i += 1;
                }
                _ => {
                    p.alert(&format!(
                        "{} : '{}' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle, and 'maxlife' options.",
                        at,
                        l.arg(0)
                    ));
                    break 'words true;
                }
            }
            i += 1;
        }
        false
    };
    c.mode = if ins {
        CookieMode::Insert
    } else if pfx {
        CookieMode::Prefix
    } else if rw {
        CookieMode::Rewrite
    } else {
        CookieMode::Passive
    };
    let preserve = c.preserve;
    let indirect = c.indirect;
    if let Some(px) = p.cur_proxy() {
        px.cookie = Some(c);
    }
    if failed {
        return ERR_ALERT | ERR_FATAL;
    }
    if rw && indirect {
        p.alert(&format!(
            "{} : cookie 'rewrite' and 'indirect' modes are incompatible.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    if [rw, ins, pfx].iter().filter(|&&b| b).count() > 1 {
        p.alert(&format!(
            "{} : cookie 'rewrite', 'insert' and 'prefix' modes are incompatible.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    if preserve && !ins && !indirect {
        p.alert(&format!(
            "{} : cookie 'preserve' requires at least 'insert' or 'indirect'.",
            at
        ));
        err |= ERR_ALERT | ERR_FATAL;
    }
    err
}

fn parse_appsession(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    if p.is_defaults() {
        p.alert(&format!(
            "{} : '{}' not allowed in 'defaults' section.",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "appsession", "") {
        err |= ERR_WARN;
    }
    if l.arg(5).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects 'appsession' <cookie_name> 'len' <len> 'timeout' <timeout> [options*].",
            at,
            l.arg(0)
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let t = match parse_time_ms(l.arg(5), 1) {
        Ok(t) => t,
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in {} timeout.",
                at,
                c,
                l.arg(0)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    let mut a = crate::config::model::AppSession {
        cookie: l.arg(1).to_string(),
        len: atoi(l.arg(3)).max(0) as usize,
        timeout: t,
        request_learn: false,
        prefix: false,
        query_string: false,
    };
    let mut i = 6;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "request-learn" => a.request_learn = true,
            "prefix" => a.prefix = true,
            "mode" => {
                if l.arg(i + 1).is_empty() {
                    p.alert(&format!(
                        "{} : '{}': missing argument for '{}'.",
                        at,
                        l.arg(0),
                        l.arg(i)
                    ));
                    return ERR_ALERT | ERR_FATAL;
                }
                i += 1;
                if l.arg(i) != "query-string" && l.arg(i) != "path-parameters" {
                    p.alert(&format!("{} : unknown mode '{}'", at, l.arg(i)));
                    return ERR_ALERT | ERR_FATAL;
                }
                a.query_string = l.arg(i) == "query-string";
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(px) = p.cur_proxy() {
        px.appsession = Some(a);
    }
    err
}

fn parse_http_check(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_BE, "http-check", "") {
        err |= ERR_WARN;
    }
    match l.arg(1) {
        "disable-on-404" => {
            if let Some(px) = p.cur_proxy() {
                px.check.disable_on_404 = true;
            }
        }
        "send-state" => {
            if let Some(px) = p.cur_proxy() {
                px.check.send_state = true;
            }
        }
        "expect" => return err | parse_http_expect(p, l),
        _ => {
            p.alert(&format!(
                "{} : '{}' only supports 'disable-on-404', 'send-state', 'expect'.",
                at,
                l.arg(0)
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    err
}

/// `http-check expect [!] <type> <value>`, with 1.4's state: the `!`
/// words toggle the inversion bit as they are read, and the type counts
/// as specified before its regex is compiled.
fn parse_http_expect(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let head = format!("{} {}", l.arg(0), l.arg(1));
    if p.cur_proxy().is_some_and(|px| px.check.expect_typed) {
        p.alert(&format!("{} : '{}' already specified.", at, head));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut i = 2;
    let mut word = "";
    let mut toggles = 0;
    while !l.arg(i).is_empty() {
        let w = l.arg(i);
        let stripped = w.trim_start_matches('!');
        toggles += w.len() - stripped.len();
        if !stripped.is_empty() {
            word = stripped;
            break;
        }
        i += 1;
    }
    if let Some(px) = p.cur_proxy() {
        px.check.expect_inv ^= toggles % 2 == 1;
    }
    let val = l.arg(i + 1);
    if !matches!(word, "status" | "string" | "rstatus" | "rstring") {
        p.alert(&format!(
            "{} : '{}' only supports [!] 'status', 'string', 'rstatus', 'rstring', found '{}'.",
            at, head, word
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    if val.is_empty() {
        let what = if word.starts_with('r') {
            "<regex>"
        } else {
            "<string>"
        };
        p.alert(&format!(
            "{} : '{} {}' expects {} as an argument.",
            at, head, word, what
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut inverse = false;
    if let Some(px) = p.cur_proxy() {
        px.check.expect_typed = true;
        inverse = px.check.expect_inv;
    }
    let kind = match word {
        "status" => ExpectKind::Status(val.to_string()),
        "string" => ExpectKind::String(val.to_string()),
        _ => {
            let Ok(re) = regex::bytes::Regex::new(val) else {
                p.alert(&format!(
                    "{} : '{} {}' : bad regular expression '{}'.",
                    at, head, word, val
                ));
                return ERR_ALERT | ERR_FATAL;
            };
            if word == "rstatus" {
                ExpectKind::Rstatus(re)
            } else {
                ExpectKind::Rstring(re)
            }
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.check.expect = Some(HttpExpect { inverse, kind });
    }
    0
}

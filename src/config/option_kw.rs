//! `option <name>`: the flag options (a table of fields) and the options
//! with arguments (a keyword table, one handler each), as 1.4's
//! cfg_parse_listen() reads them.

use super::kw::{dispatch, kw, Caps, Kw, ANY, DEF_OK};
use super::model::{CheckType, Flags, ForwardFor, LogFormat};
use super::parse::{Kwm, Line, Parser, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE, CAP_FE};
use super::units::parse_net;

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

pub(super) fn parse_option(p: &mut Parser, l: &Line) -> u32 {
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
    if let Some(e) = dispatch(p, l, OPTION_NAMES, 1) {
        return e;
    }
    p.alert(&format!("{} : unknown option '{}'.", l.at(), name));
    ERR_ALERT | ERR_FATAL
}

/// The options with arguments or effects beyond one flag (1.4's order).
#[rustfmt::skip]
static OPTION_NAMES: &[Kw] = &[
    kw("httplog", DEF_OK, ANY, opt_httplog),
    kw("tcplog", DEF_OK, ANY, opt_tcplog),
    kw("tcpka", DEF_OK, Caps::First(CAP_FE | CAP_BE, ""), opt_tcpka),
    kw("httpchk", DEF_OK, Caps::First(CAP_BE, ""), opt_httpchk),
    kw("ssl-hello-chk", DEF_OK, Caps::Own(CAP_BE), opt_ssl_hello_chk),
    kw("ldap-check", DEF_OK, ANY, opt_ssl_hello_chk),
    kw("smtpchk", DEF_OK, ANY, opt_smtpchk),
    kw("mysql-check", DEF_OK, Caps::First(CAP_BE, ""), opt_mysql_check),
    kw("forwardfor", DEF_OK, ANY, opt_forwardfor),
    kw("originalto", DEF_OK, ANY, opt_forwardfor),
];

/// `httplog`
fn opt_httplog(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
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
    0
}

/// `tcplog`
fn opt_tcplog(p: &mut Parser, _: &Line) -> u32 {
    if let Some(px) = p.cur_proxy() {
        if px.log_format == LogFormat::Default {
            px.log_format = LogFormat::Tcp;
        }
    }
    0
}

/// `tcpka`
fn opt_tcpka(p: &mut Parser, _: &Line) -> u32 {
    if let Some(px) = p.cur_proxy() {
        let c = super::proxy::caps(px.kind);
        if c & CAP_FE != 0 {
            px.flags.clitcpka = true;
        }
        if c & CAP_BE != 0 {
            px.flags.srvtcpka = true;
        }
    }
    0
}

/// `httpchk`
fn opt_httpchk(p: &mut Parser, l: &Line) -> u32 {
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
    0
}

/// `ssl-hello-chk`, `ldap-check`
fn opt_ssl_hello_chk(p: &mut Parser, l: &Line) -> u32 {
    let name = l.arg(1);
    let mut err = 0;
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
    err
}

/// `smtpchk`
fn opt_smtpchk(p: &mut Parser, l: &Line) -> u32 {
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
    0
}

/// `mysql-check`
fn opt_mysql_check(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let name = l.arg(1);
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
    0
}

/// `forwardfor`, `originalto`
fn opt_forwardfor(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let name = l.arg(1);
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
    0
}

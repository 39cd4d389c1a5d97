//! The plain proxy keywords of `listen`/`frontend`/`backend`/`defaults`
//! (cfg_parse_listen()'s own ones in 1.4), as a keyword table: one small
//! handler per keyword, the `defaults` and capability checks done by
//! `kw::dispatch` from the table.

use super::kw::{kw, Caps, Defaults, Kw, ANY, DEF_OK};
use super::model::Mode;
use super::parse::{Cur, Line, Parser, ERR_ABORT, ERR_ALERT, ERR_FATAL, ERR_WARN};
use super::proxy::{parse_bind, parse_bind_process, parse_rate_limit, type_str, warn_if_not_cap};
use super::proxy::{CAP_BE, CAP_FE};
use super::units::{atoi, parse_time_ms, resolve_host, split_host_port};
use std::net::SocketAddr;

/// (keyword, `defaults` allowed, capability, handler), in 1.4's order.
#[rustfmt::skip]
pub static PROXY_KEYWORDS: &[Kw] = &[
    kw("bind", Defaults::Refused(" :"), Caps::First(CAP_FE, ""), parse_bind),
    kw("monitor-net", DEF_OK, Caps::Own(CAP_FE), kw_monitor_net),
    kw("monitor-uri", DEF_OK, Caps::First(CAP_FE, ""), kw_monitor_uri),
    kw("mode", DEF_OK, ANY, kw_mode),
    kw("id", Defaults::Refused(":"), ANY, kw_id),
    kw("description", Defaults::Refused(":"), ANY, kw_description),
    kw("disabled", DEF_OK, ANY, kw_disabled),
    kw("enabled", DEF_OK, ANY, kw_disabled),
    kw("bind-process", DEF_OK, ANY, parse_bind_process),
    kw("retries", DEF_OK, Caps::First(CAP_BE, ""), kw_retries),
    kw("maxconn", DEF_OK, Caps::First(CAP_FE, " Maybe you want 'fullconn' instead ?"), kw_maxconn),
    kw("backlog", DEF_OK, Caps::First(CAP_FE, ""), kw_maxconn),
    kw("fullconn", DEF_OK, Caps::First(CAP_BE, " Maybe you want 'maxconn' instead ?"), kw_maxconn),
    kw("grace", DEF_OK, ANY, kw_grace),
    kw("transparent", DEF_OK, ANY, kw_transparent),
    kw("dispatch", Defaults::Refused(" :"), Caps::First(CAP_BE, ""), kw_dispatch),
    kw("source", DEF_OK, Caps::First(CAP_BE, ""), kw_source),
    kw("usesrc", DEF_OK, ANY, kw_usesrc),
    kw("log", DEF_OK, ANY, kw_log),
    kw("default_backend", DEF_OK, Caps::First(CAP_FE, ""), kw_default_backend),
    kw("redispatch", DEF_OK, Caps::First(CAP_BE, ""), kw_redispatch),
    kw("redisp", DEF_OK, Caps::First(CAP_BE, ""), kw_redispatch),
    kw("http-send-name-header", DEF_OK, Caps::First(CAP_BE, ""), kw_http_send_name_header),
    kw("rate-limit", DEF_OK, ANY, parse_rate_limit),
];

fn int_arg(p: &Parser, l: &Line) -> Result<i64, u32> {
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects an integer argument.",
            l.at(),
            l.arg(0)
        ));
        return Err(ERR_ALERT | ERR_FATAL);
    }
    Ok(atoi(l.arg(1)))
}

/// `monitor-net`
fn kw_monitor_net(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let mut err = 0;
    let net = if l.arg(1).is_empty() {
        None
    } else {
        super::units::parse_net(l.arg(1))
    };
    let Some(n) = net else {
        p.alert(&format!("{} : '{}' expects address[/mask].", at, kw));
        return ERR_ALERT | ERR_FATAL;
    };
    if warn_if_not_cap(p, l, CAP_FE, kw, "") {
        err |= ERR_WARN;
    }
    if let Some(px) = p.cur_proxy() {
        px.monitor_nets = vec![n];
    }
    err
}

/// `monitor-uri`
fn kw_monitor_uri(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!("{} : '{}' expects an URI.", at, kw));
        return ERR_ALERT | ERR_FATAL;
    }
    let u = l.arg(1).to_string();
    if let Some(px) = p.cur_proxy() {
        px.monitor_uri = Some(u);
    }
    0
}

/// `mode`
fn kw_mode(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let m = match l.arg(1) {
        "http" => Mode::Http,
        "tcp" => Mode::Tcp,
        "health" => Mode::Health,
        o => {
            p.alert(&format!("{} : unknown proxy mode '{}'.", at, o));
            return ERR_ALERT | ERR_FATAL;
        }
    };
    if let Some(px) = p.cur_proxy() {
        px.mode = m;
    }
    0
}

/// `id`
fn kw_id(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' expects an integer argument.",
            l.file, l.num, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let v = atoi(l.arg(1));
    if v <= 0 {
        p.alert(&format!(
            "parsing [{}:{}]: custom id has to be > 0.",
            l.file, l.num
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let Cur::Proxy(me) = p.cur else {
        return 0;
    };
    // 1.4 rewrites the key of a proxy's id node in place before the
    // lookup: a proxy whose id is set again finds itself
    if let Some(e) = p.used_ids.iter_mut().find(|(_, px)| *px == me) {
        e.0 = v as u32;
    }
    if let Some(&(_, other)) = p.used_ids.iter().find(|(id, _)| *id == v as u32) {
        let (o, m) = (&p.cfg.proxies[other], &p.cfg.proxies[me]);
        p.alert(&format!(
            "parsing [{}:{}]: {} {} reuses same custom id as {} {} (declared at {}:{}).",
            l.file,
            l.num,
            type_str(m.kind),
            m.name,
            type_str(o.kind),
            o.name,
            o.file,
            o.line
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    p.used_ids.push((v as u32, me));
    if let Some(px) = p.cur_proxy() {
        px.id = v as u32;
    }
    0
}

/// `description`
fn kw_description(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' expects a string argument.",
            l.file, l.num, kw
        ));
        // 1.4 returns -1 here, which stops everything (see parse_files)
        p.minus_one = true;
        return ERR_ALERT | ERR_FATAL | ERR_ABORT;
    }
    let d = l.args[1..].join(" ");
    if let Some(px) = p.cur_proxy() {
        px.description = Some(d);
    }
    0
}

/// `disabled`, `enabled`
fn kw_disabled(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let dis = kw == "disabled";
    if let Some(px) = p.cur_proxy() {
        px.disabled = dis;
    }
    0
}

/// `retries`
fn kw_retries(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects an integer argument (dispatch counts for one).",
            at, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let v = atoi(l.arg(1)).max(0) as u32;
    if let Some(px) = p.cur_proxy() {
        px.retries = v;
    }
    0
}

/// `maxconn`, `backlog`, `fullconn`
fn kw_maxconn(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let v = match int_arg(p, l) {
        // 1.4 keeps a negative fullconn, which is set (not 0) and
        // always reached: 1 is the nearest we can hold
        Ok(v) if kw == "fullconn" && (v as i32) < 0 => 1,
        Ok(v) => v.max(0) as u32,
        Err(e) => return e,
    };
    if let Some(px) = p.cur_proxy() {
        match kw {
            "maxconn" => px.maxconn = v,
            "backlog" => px.backlog = v,
            _ => px.fullconn = v,
        }
    }
    0
}

/// `grace`
fn kw_grace(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects a time in milliseconds.",
            at, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    match parse_time_ms(l.arg(1), 1) {
        Ok(v) => {
            if let Some(px) = p.cur_proxy() {
                px.grace = v;
            }
        }
        Err(c) => {
            p.alert(&format!(
                "{} : unexpected character '{}' in grace time.",
                at, c
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    0
}

/// `transparent`
fn kw_transparent(p: &mut Parser, _: &Line) -> u32 {
    // the deprecated keyword form of `option transparent` (TPROXY
    // builds): no capability check in 1.4
    if let Some(px) = p.cur_proxy() {
        px.flags.transparent = true;
    }
    0
}

/// `dispatch`
fn kw_dispatch(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if !l.arg(1).contains(':') {
        p.alert(&format!(
            "{} : '{}' expects <addr:port> as argument.",
            at, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let (h, port) = split_host_port(l.arg(1));
    let Some(ip) = resolve_host(h) else {
        p.alert(&format!("{} : Unknown host in '{}'", at, l.arg(1)));
        return ERR_ALERT | ERR_FATAL;
    };
    let a = SocketAddr::new(ip, atoi(port.unwrap_or("0")) as u16);
    if let Some(px) = p.cur_proxy() {
        px.dispatch = Some(a);
    }
    0
}

/// `source`
fn kw_source(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : 'source' expects <addr>[:<port>], and optionally 'usesrc' <addr>, and 'interface' <name>.",
            at
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let (h, port) = split_host_port(l.arg(1));
    let Some(ip) = resolve_host(h) else {
        p.alert(&format!("{} : Unknown host in '{}'", at, l.arg(1)));
        return ERR_ALERT | ERR_FATAL;
    };
    let mut iface = None;
    let mut i = 2;
    while !l.arg(i).is_empty() {
        match l.arg(i) {
            "usesrc" => {
                p.alert(&format!(
                    "{} : 'usesrc' not allowed here because support for TPROXY was not compiled in.",
                    at
                ));
                return ERR_ALERT | ERR_FATAL;
            }
            "interface" => {
                if l.arg(i + 1).is_empty() {
                    p.alert(&format!("{} : 'source' : missing interface name.", at));
                    return ERR_ALERT | ERR_FATAL;
                }
                iface = Some(l.arg(i + 1).to_string());
                i += 2;
            }
            _ => {
                p.alert(&format!(
                    "{} : '{}' only supports optional keywords 'inteface' and 'usesrc'.",
                    at, kw
                ));
                return ERR_ALERT | ERR_FATAL;
            }
        }
    }
    let addr = SocketAddr::new(ip, atoi(port.unwrap_or("0")) as u16);
    if let Some(px) = p.cur_proxy() {
        px.source = Some(crate::sys::BindSrc {
            addr,
            ports: None,
            iface,
        });
    }
    0
}

/// `usesrc`
fn kw_usesrc(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    p.alert(&format!(
        "{} : 'usesrc' only allowed after a 'source' statement.",
        at
    ));
    ERR_ALERT | ERR_FATAL
}

/// `log`
fn kw_log(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let global_logs = p.cfg.global.logs.clone();
    if !l.arg(1).is_empty() && l.arg(2).is_empty() && l.arg(1) == "global" {
        if let Some(px) = p.cur_proxy() {
            px.logs = global_logs;
        }
    } else if !l.arg(1).is_empty() && !l.arg(2).is_empty() {
        let r = super::global::parse_log_target(l, true);
        for m in &r.alerts {
            p.alert(m);
        }
        if r.exit_now {
            // 1.4 exits on the spot for a bad facility or level
            p.exit_now = true;
            return ERR_ALERT | ERR_FATAL | ERR_ABORT;
        }
        let Some(t) = r.target else {
            return ERR_ALERT | ERR_FATAL;
        };
        let Some(px) = p.cur_proxy() else {
            return 0;
        };
        if px.logs.len() >= 2 {
            p.alert(&format!("{} : too many syslog servers", at));
            return ERR_ALERT | ERR_FATAL;
        }
        px.logs.push(t);
    } else {
        p.alert(&format!(
            "{} : 'log' expects either <address[:port]> and <facility> or 'global' as arguments.",
            at
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    0
}

/// `default_backend`
fn kw_default_backend(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!("{} : '{}' expects a backend name.", at, kw));
        return ERR_ALERT | ERR_FATAL;
    }
    let b = l.arg(1).to_string();
    if let Some(px) = p.cur_proxy() {
        px.default_backend = Some(b);
    }
    0
}

/// `redispatch`, `redisp`
fn kw_redispatch(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let mut err = 0;
    err |= p.warn(&format!(
        "parsing [{}:{}]: keyword '{}' is deprecated, please use 'option redispatch' instead.",
        l.file, l.num, kw
    ));
    if let Some(px) = p.cur_proxy() {
        px.flags.redispatch = true;
    }
    err
}

/// `http-send-name-header`
fn kw_http_send_name_header(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if l.arg(1).is_empty() {
        p.alert(&format!("{} : '{}' requires a header string.", at, kw));
        return ERR_ALERT | ERR_FATAL;
    }
    let h = l.arg(1).to_string();
    if let Some(px) = p.cur_proxy() {
        px.send_name_header = Some(h);
    }
    0
}

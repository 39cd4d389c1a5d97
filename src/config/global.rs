//! The `global` and `userlist` sections.

use super::model::{LogAddr, LogTarget, StatsSocket, User, Userlist};
use super::parse::{invalid_char, Line, Parser, ERR_ALERT, ERR_FATAL};
use super::units::{atoi, parse_time_ms, resolve_host, split_host_port};
use crate::log::{facility, level};

/// What a `log ADDR FACILITY [LEVEL [MINLEVEL]]` line gave: its alerts,
/// the target to register (None when the line registers none) and
/// whether 1.4 exits on the spot.
pub struct LogLine {
    pub alerts: Vec<String>,
    pub target: Option<LogTarget>,
    pub exit_now: bool,
}

/// Parses `log ADDR FACILITY [LEVEL [MINLEVEL]]`. In global (`in_proxy`
/// unset), 1.4 reports a bad facility or level and goes on with 0 in its
/// place, so the target is still registered unless its address fails. A
/// proxy's `log` line exits at once on a bad facility or level, and its
/// minimum level test looks at the wrong variable, so an unknown minimum
/// level passes as "none" (-1, which the MAX(level, minlvl) at send time
/// makes the same as 0).
pub fn parse_log_target(l: &Line, in_proxy: bool) -> LogLine {
    let at = l.at();
    let mut out = LogLine {
        alerts: Vec::new(),
        target: None,
        exit_now: false,
    };
    let Some(fac) = facility(l.arg(2)).or_else(|| {
        out.alerts
            .push(format!("{} : unknown log facility '{}'", at, l.arg(2)));
        (!in_proxy).then_some(0)
    }) else {
        out.exit_now = true;
        return out;
    };
    let mut lvl = 7;
    if !l.arg(3).is_empty() {
        let Some(v) = level(l.arg(3)).or_else(|| {
            out.alerts.push(format!(
                "{} : unknown optional log level '{}'",
                at,
                l.arg(3)
            ));
            (!in_proxy).then_some(0)
        }) else {
            out.exit_now = true;
            return out;
        };
        lvl = v;
    }
    let mut minlvl = 0;
    if !l.arg(4).is_empty() {
        minlvl = level(l.arg(4)).unwrap_or_else(|| {
            if !in_proxy {
                let m = format!("{} : unknown optional minimum log level '{}'", at, l.arg(4));
                out.alerts.push(m);
            }
            0
        });
    }
    let a = l.arg(1);
    let addr = if a.starts_with('/') {
        if a.len() > 107 {
            out.alerts
                .push(format!("{} : Socket path '{}' too long (max 107)", at, a));
            return out;
        }
        LogAddr::Unix(a.to_string())
    } else {
        let (h, p) = split_host_port(a);
        let Some(ip) = resolve_host(h) else {
            out.alerts.push(format!("{} : Unknown host in '{}'", at, a));
            return out;
        };
        let port = p.map(|p| atoi(p) as u16).filter(|&p| p != 0).unwrap_or(514);
        LogAddr::Udp(std::net::SocketAddr::new(ip, port))
    };
    out.target = Some(LogTarget {
        addr,
        facility: fac,
        level: lvl,
        minlevel: minlvl,
    });
    out
}

pub(super) fn int_arg(p: &Parser, l: &Line) -> Result<i64, u32> {
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

pub(super) fn already(p: &Parser, l: &Line) -> u32 {
    p.alert(&format!(
        "{} : '{}' already specified. Continuing.",
        l.at(),
        l.arg(0)
    ));
    ERR_ALERT
}

pub fn parse_global(p: &mut Parser, l: &Line) -> u32 {
    if let Some(e) = super::kw::dispatch(p, l, super::global_kw::GLOBAL_KEYWORDS, 0) {
        return e;
    }
    p.alert(&format!(
        "{} : unknown keyword '{}' in 'global' section",
        l.at(),
        l.arg(0)
    ));
    ERR_ALERT | ERR_FATAL
}

/// dumpstats.c stats_parse_global(): `stats socket|timeout|maxconn`.
pub(super) fn parse_global_stats(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let fail = |p: &Parser, m: &str| {
        p.alert(&format!("{} : {}", at, m));
        ERR_ALERT | ERR_FATAL
    };
    match l.arg(1) {
        "socket" => return parse_stats_socket(p, l),
        "timeout" => match parse_time_ms(l.arg(2), 1) {
            Ok(0) => {
                return fail(
                    p,
                    "a positive value is expected for 'stats timeout' in 'global section'",
                )
            }
            Ok(v) => {
                p.cfg.global.stats_timeout_ms = v;
                p.cfg.global.stats_fe = true;
            }
            Err(c) => {
                return fail(
                    p,
                    &format!(
                        "unexpected character '{}' in 'stats timeout' in 'global' section",
                        c
                    ),
                )
            }
        },
        "maxconn" => {
            let v = atoi(l.arg(2));
            if v <= 0 {
                return fail(
                    p,
                    "a positive value is expected for 'stats maxconn' in 'global section'",
                );
            }
            p.cfg.global.stats_maxconn = v as u32;
        }
        _ => {
            return fail(
                p,
                "'stats' only supports 'socket', 'maxconn' and 'timeout' in 'global' section",
            )
        }
    }
    0
}

/// `stats socket <path> [options]`: as in 1.4 the socket counts as
/// configured once its path is accepted, before its options are read, so
/// a line failing on an option still makes the next one "already
/// specified".
fn parse_stats_socket(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let fail = |p: &Parser, m: &str| {
        p.alert(&format!("{} : {}", at, m));
        ERR_ALERT | ERR_FATAL
    };
    let path = l.arg(2);
    if path.is_empty() {
        return fail(
            p,
            "'stats socket' in global section expects a path to a UNIX socket",
        );
    }
    if p.cfg.global.stats_socket.is_some() {
        return fail(p, "'stats socket' already specified in global section");
    }
    // sun_path holds 108 bytes with the NUL
    if path.len() >= 108 {
        return fail(p, "'stats socket' path would require truncation");
    }
    p.cfg.global.stats_fe = true;
    p.cfg.global.stats_socket = Some(StatsSocket {
        path: path.to_string(),
        level: 1,
        ..Default::default()
    });
    let mut i = 3;
    while !l.arg(i).is_empty() {
        if let Err(m) = stats_socket_option(p, l.arg(i), l.arg(i + 1)) {
            return fail(p, &m);
        }
        i += 2;
    }
    0
}

/// One `stats socket` option applied to the configured socket.
fn stats_socket_option(p: &mut Parser, opt: &str, v: &str) -> Result<(), String> {
    let Some(s) = p.cfg.global.stats_socket.as_mut() else {
        return Ok(());
    };
    match opt {
        "uid" => s.uid = Some(atoi(v) as u32),
        "gid" => s.gid = Some(atoi(v) as u32),
        "mode" => s.mode = u32::from_str_radix(v, 8).ok(),
        "user" => match crate::sys::user_id(v) {
            Some((u, _)) => s.uid = Some(u),
            None => {
                return Err(format!(
                    "unknown user '{}' in 'global' section ('stats user')",
                    v
                ))
            }
        },
        "group" => match crate::sys::group_id(v) {
            Some(g) => s.gid = Some(g),
            None => {
                return Err(format!(
                    "unknown group '{}' in 'global' section ('stats group')",
                    v
                ))
            }
        },
        "level" => {
            s.level = match v {
                "user" => 0,
                "operator" => 1,
                "admin" => 2,
                _ => {
                    return Err(
                        "'stats socket level' only supports 'user', 'operator', and 'admin'".into(),
                    )
                }
            }
        }
        _ => {
            return Err(
                "'stats socket' only supports 'user', 'uid', 'group', 'gid', 'level', and 'mode'"
                    .into(),
            )
        }
    }
    Ok(())
}

/// 1.4 keeps a bitmask of groups per userlist, hence this limit.
const MAX_AUTH_GROUPS: usize = 32;

/// `group <name> [users a,b]`: name checks, then a duplicate (a warning
/// that 1.4 flags as an alert, not fatal), then the 32-group limit.
fn parse_group(p: &mut Parser, l: &Line, pre: &str) -> u32 {
    let name = l.arg(1);
    if let Some(c) = invalid_char(name) {
        p.alert(&format!(
            "{}: character '{}' is not permitted in 'group' name '{}'.",
            pre, c, name
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let Some(ul) = p.cfg.userlists.last() else {
        return ERR_ALERT | ERR_FATAL;
    };
    let ulname = ul.name.clone();
    if ul.groups.iter().any(|(g, _)| g == name) {
        p.warn(&format!(
            "{}: ignoring duplicated group '{}' in userlist '{}'.",
            pre, name, ulname
        ));
        return ERR_ALERT;
    }
    if ul.groups.len() >= MAX_AUTH_GROUPS {
        p.alert(&format!(
            "{}: too many groups ({}) in in userlist '{}' while adding group '{}'.",
            pre, MAX_AUTH_GROUPS, ulname, name
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let mut users = Vec::new();
    let mut i = 2;
    while !l.arg(i).is_empty() {
        if l.arg(i) != "users" {
            p.alert(&format!("{}: 'group' only supports 'users' option.", pre));
            return ERR_ALERT | ERR_FATAL;
        }
        users = comma_list(l.arg(i + 1));
        i += 2;
    }
    if let Some(ul) = p.cur_userlist() {
        ul.groups.push((name.to_string(), users));
    }
    0
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `user <name> [password|insecure-password p] [groups a,b]`: 1.4 adds
/// the user before reading its options, so a failing option keeps it.
fn parse_user(p: &mut Parser, l: &Line, pre: &str) -> u32 {
    let name = l.arg(1);
    let Some(ul) = p.cur_userlist() else {
        return ERR_ALERT | ERR_FATAL;
    };
    if ul.users.iter().any(|u| u.name == name) {
        let ulname = ul.name.clone();
        p.warn(&format!(
            "{}: ignoring duplicated user '{}' in userlist '{}'.",
            pre, name, ulname
        ));
        return ERR_ALERT;
    }
    ul.users.push(User {
        name: name.to_string(),
        password: String::new(),
        insecure: false,
        groups: vec![],
    });
    let mut i = 2;
    while !l.arg(i).is_empty() {
        let v = l.arg(i + 1).to_string();
        let Some(u) = p.cur_userlist().and_then(|ul| ul.users.last_mut()) else {
            return 0;
        };
        match l.arg(i) {
            "password" => u.password = v,
            "insecure-password" => {
                u.password = v;
                u.insecure = true;
            }
            "groups" => u.groups = comma_list(&v),
            _ => {
                p.alert(&format!(
                    "{}: 'user' only supports 'password', 'insecure-password' and 'groups' options.",
                    pre
                ));
                return ERR_ALERT | ERR_FATAL;
            }
        }
        i += 2;
    }
    0
}

pub fn parse_users(p: &mut Parser, l: &Line) -> u32 {
    let pre = format!("parsing [{}:{}]", l.file, l.num);
    let kw = l.arg(0);
    match kw {
        "userlist" => {
            if l.arg(1).is_empty() {
                p.alert(&format!("{}: '{}' expects <name> as arguments.", pre, kw));
                return ERR_ALERT | ERR_FATAL;
            }
            if let Some(c) = invalid_char(l.arg(1)) {
                p.alert(&format!(
                    "{}: character '{}' is not permitted in '{}' name '{}'.",
                    pre,
                    c,
                    kw,
                    l.arg(1)
                ));
                return ERR_ALERT | ERR_FATAL;
            }
            if p.cfg.userlists.iter().any(|u| u.name == l.arg(1)) {
                return p.warn(&format!(
                    "{}: ignoring duplicated userlist '{}'.",
                    pre,
                    l.arg(1)
                ));
            }
            p.cfg.userlists.push(Userlist {
                name: l.arg(1).to_string(),
                users: Vec::new(),
                groups: Vec::new(),
            });
        }
        "group" | "user" => {
            if l.arg(1).is_empty() {
                p.alert(&format!("{}: '{}' expects <name> as arguments.", pre, kw));
                return ERR_ALERT | ERR_FATAL;
            }
            if kw == "group" {
                return parse_group(p, l, &pre);
            }
            return parse_user(p, l, &pre);
        }
        _ => {
            p.alert(&format!(
                "{}: unknown keyword '{}' in 'users' section",
                pre, kw
            ));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    0
}

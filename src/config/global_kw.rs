//! The `global` section's keywords (1.4's cfg_parse_global()) as a
//! keyword table: one small handler per keyword or family.

use super::global::{already, int_arg, parse_global_stats, parse_log_target};
use super::kw::{kw, Kw, ANY, DEF_OK};
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL};
use super::units::atoi;

/// (keyword, `defaults` allowed, capability, handler), in 1.4's order.
#[rustfmt::skip]
pub static GLOBAL_KEYWORDS: &[Kw] = &[
    kw("global", DEF_OK, ANY, g_nothing),
    kw("noepoll", DEF_OK, ANY, g_nothing),
    kw("nosepoll", DEF_OK, ANY, g_nothing),
    kw("nokqueue", DEF_OK, ANY, g_nothing),
    kw("nopoll", DEF_OK, ANY, g_nothing),
    kw("daemon", DEF_OK, ANY, g_daemon),
    kw("debug", DEF_OK, ANY, g_debug),
    kw("quiet", DEF_OK, ANY, g_quiet),
    kw("nosplice", DEF_OK, ANY, g_nosplice),
    kw("tune.maxpollevents", DEF_OK, ANY, g_tune_once),
    kw("tune.maxaccept", DEF_OK, ANY, g_tune_once),
    kw("tune.rcvbuf.client", DEF_OK, ANY, g_tune_once),
    kw("tune.rcvbuf.server", DEF_OK, ANY, g_tune_once),
    kw("tune.sndbuf.client", DEF_OK, ANY, g_tune_once),
    kw("tune.sndbuf.server", DEF_OK, ANY, g_tune_once),
    kw("maxpipes", DEF_OK, ANY, g_tune_once),
    kw("tune.chksize", DEF_OK, ANY, g_tune_sizes),
    kw("tune.bufsize", DEF_OK, ANY, g_tune_sizes),
    kw("tune.maxrewrite", DEF_OK, ANY, g_tune_sizes),
    kw("uid", DEF_OK, ANY, g_user),
    kw("user", DEF_OK, ANY, g_user),
    kw("gid", DEF_OK, ANY, g_group),
    kw("group", DEF_OK, ANY, g_group),
    kw("nbproc", DEF_OK, ANY, g_nbproc),
    kw("maxconn", DEF_OK, ANY, g_maxconn),
    kw("ulimit-n", DEF_OK, ANY, g_ulimit_n),
    kw("chroot", DEF_OK, ANY, g_path),
    kw("pidfile", DEF_OK, ANY, g_path),
    kw("description", DEF_OK, ANY, g_description),
    kw("node", DEF_OK, ANY, g_node),
    kw("log", DEF_OK, ANY, g_log),
    kw("log-send-hostname", DEF_OK, ANY, g_log_send_hostname),
    kw("log-tag", DEF_OK, ANY, g_log_tag),
    kw("spread-checks", DEF_OK, ANY, g_spread_checks),
    kw("stats", DEF_OK, ANY, parse_global_stats),
    // HAProxy 1.5 syntax (an extension): see config/server_ssl.rs
    kw("ssl-server-verify", DEF_OK, ANY, super::server_ssl::global_verify),
];

/// `global` itself, and the poller switches: the pollers are ours to
/// choose (the one loop uses epoll)
fn g_nothing(_: &mut Parser, _: &Line) -> u32 {
    0
}

/// `daemon`
fn g_daemon(p: &mut Parser, _: &Line) -> u32 {
    p.cfg.global.daemon = true;
    0
}

/// `debug`
fn g_debug(p: &mut Parser, _: &Line) -> u32 {
    p.cfg.global.debug = true;
    0
}

/// `quiet`
fn g_quiet(p: &mut Parser, _: &Line) -> u32 {
    let g = &mut p.cfg.global;
    // takes effect at once: later warnings are hidden, as in 1.4
    g.quiet = true;
    crate::log::msg::set_quiet(true);
    0
}

/// `nosplice`
fn g_nosplice(p: &mut Parser, _: &Line) -> u32 {
    p.cfg.global.nosplice = true;
    0
}

/// `tune.maxpollevents`, `tune.maxaccept`, `tune.rcvbuf.client`, `tune.rcvbuf.server`, `tune.sndbuf.client`, `tune.sndbuf.server`, `maxpipes`
fn g_tune_once(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    // 1.4 refuses a second non-zero setting, then wants a value
    if p.set_once.get(kw).is_some_and(|&v| v != 0) {
        p.alert(&format!("{} : '{}' already specified. Continuing.", at, kw));
        return ERR_ALERT;
    }
    let v = match int_arg(p, l) {
        Ok(v) => v,
        Err(e) => return e,
    };
    p.set_once.insert(kw.to_string(), v);
    let g = &mut p.cfg.global;
    match kw {
        "tune.maxpollevents" => g.maxpollevents = v.max(1) as u32,
        "tune.maxaccept" => g.maxaccept = v.max(1) as u32,
        "tune.rcvbuf.client" => g.rcvbuf_client = v.max(0) as u32,
        "tune.rcvbuf.server" => g.rcvbuf_server = v.max(0) as u32,
        "tune.sndbuf.client" => g.sndbuf_client = v.max(0) as u32,
        "tune.sndbuf.server" => g.sndbuf_server = v.max(0) as u32,
        _ => {}
    }
    0
}

/// `tune.chksize`, `tune.bufsize`, `tune.maxrewrite`
fn g_tune_sizes(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let v = match int_arg(p, l) {
        Ok(v) => v.max(0) as usize,
        Err(e) => return e,
    };
    let g = &mut p.cfg.global;
    match kw {
        "tune.chksize" => g.chksize = v,
        "tune.bufsize" => g.bufsize = v.max(1024),
        _ => g.maxrewrite = v,
    }
    if g.maxrewrite >= g.bufsize / 2 {
        g.maxrewrite = g.bufsize / 2;
    }
    0
}

/// `uid`, `user`
fn g_user(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if p.global_uid_set {
        p.alert(&format!("{} : user/uid already specified. Continuing.", at));
        return ERR_ALERT;
    }
    if kw == "uid" {
        match int_arg(p, l) {
            Ok(v) => p.cfg.global.uid = Some(v as u32),
            Err(e) => return e,
        }
    } else {
        match crate::sys::user_id(l.arg(1)) {
            Some((uid, _)) => p.cfg.global.uid = Some(uid),
            None => {
                p.alert(&format!(
                    "{} : cannot find user id for '{}' (0:Success)",
                    at,
                    l.arg(1)
                ));
                return ERR_ALERT | ERR_FATAL;
            }
        }
    }
    p.global_uid_set = p.cfg.global.uid != Some(0);
    0
}

/// `gid`, `group`
fn g_group(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    if p.global_gid_set {
        let m = if kw == "gid" {
            "group/gid already specified"
        } else {
            "gid/group was already specified"
        };
        p.alert(&format!("{} : {}. Continuing.", at, m));
        return ERR_ALERT;
    }
    if kw == "gid" {
        match int_arg(p, l) {
            Ok(v) => p.cfg.global.gid = Some(v as u32),
            Err(e) => return e,
        }
    } else {
        match crate::sys::group_id(l.arg(1)) {
            Some(gid) => p.cfg.global.gid = Some(gid),
            None => {
                p.alert(&format!(
                    "{} : cannot find group id for '{}' (0:Success)",
                    at,
                    l.arg(1)
                ));
                return ERR_ALERT | ERR_FATAL;
            }
        }
    }
    p.global_gid_set = p.cfg.global.gid != Some(0);
    0
}

/// `nbproc`
fn g_nbproc(p: &mut Parser, l: &Line) -> u32 {
    if p.nbproc_set {
        return already(p, l);
    }
    match int_arg(p, l) {
        Ok(v) => {
            // atol() into an int, as 1.4 stores it
            let v = v as i32 as i64;
            p.cfg.global.nbproc = v.max(0) as u32;
            p.nbproc_set = v != 0;
        }
        Err(e) => return e,
    }
    0
}

/// `maxconn`
fn g_maxconn(p: &mut Parser, l: &Line) -> u32 {
    if p.global_maxconn_set {
        return already(p, l);
    }
    match int_arg(p, l) {
        Ok(v) => {
            // atol() into an int, as 1.4 stores it
            let v = v as i32 as i64;
            p.cfg.global.maxconn = v.max(0) as u32;
            p.cfg.global.maxconn_set = true;
            p.global_maxconn_set = v != 0;
        }
        Err(e) => return e,
    }
    0
}

/// `ulimit-n`
fn g_ulimit_n(p: &mut Parser, l: &Line) -> u32 {
    if p.cfg.global.ulimit_n != 0 {
        return already(p, l);
    }
    match int_arg(p, l) {
        Ok(v) => p.cfg.global.ulimit_n = v.max(0) as u32,
        Err(e) => return e,
    }
    0
}

/// `chroot`, `pidfile`
fn g_path(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let g = &mut p.cfg.global;
    let set = if kw == "chroot" {
        g.chroot.is_some()
    } else {
        g.pidfile.is_some()
    };
    if set {
        return already(p, l);
    }
    if l.arg(1).is_empty() {
        let what = if kw == "chroot" {
            "a directory"
        } else {
            "a file name"
        };
        p.alert(&format!(
            "{} : '{}' expects {} as an argument.",
            at, kw, what
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    if kw == "chroot" {
        g.chroot = Some(l.arg(1).to_string());
    } else {
        g.pidfile = Some(l.arg(1).to_string());
    }
    0
}

/// `description`
fn g_description(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let g = &mut p.cfg.global;
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' expects a string argument.",
            l.file, l.num, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    g.description = Some(l.args[1..].join(" "));
    0
}

/// `node`
fn g_node(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    let g = &mut p.cfg.global;
    let n = l.arg(1);
    if n.is_empty()
        || n.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
    {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).",
            l.file, l.num, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    g.node = n.to_string();
    0
}

/// `log`
fn g_log(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let g = &mut p.cfg.global;
    if l.arg(1).is_empty() || l.arg(2).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects <address> and <facility> as arguments.",
            at, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    let r = parse_log_target(l, false);
    let too_many = r.target.is_some() && g.logs.len() >= 2;
    if let (Some(t), false) = (r.target, too_many) {
        g.logs.push(t);
    }
    for m in &r.alerts {
        p.alert(m);
    }
    if too_many {
        p.alert(&format!("{} : too many syslog servers", at));
    }
    if too_many || !r.alerts.is_empty() {
        return ERR_ALERT | ERR_FATAL;
    }
    0
}

/// `log-send-hostname`
fn g_log_send_hostname(p: &mut Parser, l: &Line) -> u32 {
    let g = &mut p.cfg.global;
    if g.log_send_hostname.is_some() {
        return already(p, l);
    }
    let name = if l.arg(1).is_empty() {
        crate::sys::hostname()
    } else {
        l.arg(1).to_string()
    };
    g.log_send_hostname = Some(name);
    0
}

/// `log-tag`
fn g_log_tag(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let g = &mut p.cfg.global;
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects a tag for use in syslog.",
            at, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    g.log_tag = Some(l.arg(1).to_string());
    0
}

/// `spread-checks`
fn g_spread_checks(p: &mut Parser, l: &Line) -> u32 {
    let kw = l.arg(0);
    if p.set_once.get(kw).is_some_and(|&v| v != 0) {
        p.alert(&format!(
            "parsing [{}:{}]: spread-checks already specified. Continuing.",
            l.file, l.num
        ));
        return ERR_ALERT;
    }
    if l.arg(1).is_empty() {
        p.alert(&format!(
            "parsing [{}:{}]: '{}' expects an integer argument (0..50).",
            l.file, l.num, kw
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    // stored before the range check: a rejected value still counts
    let v = atoi(l.arg(1));
    p.set_once.insert(kw.to_string(), v);
    if !(0..=50).contains(&v) {
        p.alert(&format!(
            "parsing [{}:{}]: 'spread-checks' needs a positive value in range 0..50.",
            l.file, l.num
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    p.cfg.global.spread_checks = v as u32;
    0
}

//! The stats socket (`stats socket PATH`): 1.4's line-based command
//! interface, served by the same event loop.

use crate::engine::CLI_BASE;
use crate::server_state::{apply, Change};
use crate::session::Ctx;
use crate::state::Runtime;
use mio::net::{UnixListener, UnixStream};
use mio::{Interest, Registry, Token};
use slab::Slab;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

const USAGE: &str = "Unknown command. Please enter one of the following commands only :\n  clear counters : clear max statistics counters (add 'all' for all counters)\n  help           : this message\n  prompt         : toggle interactive mode with prompt\n  quit           : disconnect\n  show info      : report information about the running process\n  show stat      : report counters for each proxy and server\n  show errors    : report last request and response errors for each proxy\n  show sess [id] : report the list of current sessions or dump this session\n  get weight     : report a server's current weight\n  set weight     : change a server's weight\n  set timeout    : change a timeout setting\n  disable server : set a server in maintenance mode\n  enable server  : re-enable a server that was previously in maintenance mode\n";

struct Conn {
    sock: UnixStream,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    interactive: bool,
    closing: bool,
    last: Instant,
    timeout: Duration,
}

pub struct CliSock {
    listener: Option<UnixListener>,
    conns: Slab<Conn>,
    level: u8,
    timeout: Duration,
    maxconn: usize,
}

/// 1.4's atoi: the leading digits (after an optional sign), 0 if none.
fn atoi(s: &str) -> i64 {
    let b = s.trim_start().as_bytes();
    let (neg, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let n = rest
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |n, &d| {
            n.saturating_mul(10).saturating_add((d - b'0') as i64)
        });
    if neg {
        -n
    } else {
        n
    }
}

/// Splits `backend/server` at its first '/': None when there is no server
/// part (1.4 answers "Require 'backend/server'.").
fn split_target(arg: Option<&&str>) -> Option<(String, String)> {
    let (b, s) = arg?.split_once('/')?;
    (!s.is_empty()).then(|| (b.to_string(), s.to_string()))
}

/// 1.4's get_backend_server: names, or `#id`s.
fn find_server(rt: &Runtime, b: &str, s: &str) -> Result<(usize, usize), &'static str> {
    let pid = b.strip_prefix('#').map(atoi).unwrap_or(0);
    let sid = s.strip_prefix('#').map(atoi).unwrap_or(0);
    let bi = rt
        .cfg
        .proxies
        .iter()
        .position(|p| {
            p.is_be()
                && if pid != 0 {
                    p.id as i64 == pid
                } else {
                    p.name == b
                }
        })
        .ok_or("No such backend.\n")?;
    let si = rt.cfg.proxies[bi]
        .servers
        .iter()
        .position(|x| {
            if sid != 0 {
                x.id as i64 == sid
            } else {
                x.name == s
            }
        })
        .ok_or("No such server.\n")?;
    Ok((bi, si))
}

const REQUIRE_SERVER: &str = "Require 'backend/server'.\n";

/// `get weight backend/server`.
fn get_weight(rt: &Runtime, args: &[&str]) -> String {
    let Some((b, s)) = split_target(args.first()) else {
        return REQUIRE_SERVER.into();
    };
    match find_server(rt, &b, &s) {
        Ok((b, s)) => format!(
            "{} (initial {})\n",
            rt.srv[b][s].weight, rt.cfg.proxies[b].servers[s].weight
        ),
        Err(e) => e.into(),
    }
}

/// Whether the backend's algorithm takes new weights at run time (1.4's
/// BE_LB_PROP_DYN): round robin, leastconn and consistent hashing.
fn dynamic_weights(px: &crate::config::model::Proxy) -> bool {
    use crate::config::model::Balance;
    match px.balance {
        Balance::RoundRobin | Balance::LeastConn => true,
        Balance::StaticRr => false,
        _ => px.hash_consistent,
    }
}

/// `set weight backend/server W|W%`.
fn set_weight(ctx: &mut Ctx, args: &[&str]) -> String {
    let target = split_target(args.first());
    let (Some((b, s)), Some(val)) = (target, args.get(1)) else {
        return "Require 'backend/server' and 'weight' or 'weight%'.\n".into();
    };
    let (b, s) = match find_server(ctx.rt, &b, &s) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    if ctx.rt.px[b].stopped {
        return "Proxy is disabled.\n".into();
    }
    let px = &ctx.rt.cfg.proxies[b];
    let init = px.servers[s].weight as i64;
    let mut w = atoi(val);
    if val.contains('%') {
        if !(0..=100).contains(&w) {
            return "Relative weight can only be set between 0 and 100% inclusive.\n".into();
        }
        w = init * w / 100;
    } else if !(0..=256).contains(&w) {
        return "Absolute weight can only be between 0 and 256 inclusive.\n".into();
    }
    if w != 0 && w != init && !dynamic_weights(px) {
        return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n"
            .into();
    }
    apply(ctx, b, s, Change::Weight(w as u32));
    String::new()
}

/// `disable server` / `enable server`: maintenance, through the same state
/// change as the checks and the stats page.
fn set_maint(ctx: &mut Ctx, args: &[&str], disable: bool) -> String {
    let target = args
        .first()
        .and_then(|a| a.split_once('/'))
        .filter(|(b, s)| !b.is_empty() && !s.is_empty());
    let Some((b, s)) = target else {
        return REQUIRE_SERVER.into();
    };
    let (b, s) = match find_server(ctx.rt, b, s) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    if ctx.rt.px[b].stopped {
        return "Proxy is disabled.\n".into();
    }
    apply(
        ctx,
        b,
        s,
        if disable {
            Change::Maint
        } else {
            Change::Ready
        },
    );
    String::new()
}

impl CliSock {
    pub fn bind(
        cfg: &crate::config::model::StatsSocket,
        timeout_ms: u64,
        maxconn: u32,
    ) -> std::io::Result<CliSock> {
        let _ = std::fs::remove_file(&cfg.path);
        let l = UnixListener::bind(&cfg.path)?;
        if cfg.uid.is_some() || cfg.gid.is_some() {
            crate::sys::chown(&cfg.path, cfg.uid, cfg.gid);
        }
        if let Some(m) = cfg.mode {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&cfg.path, std::fs::Permissions::from_mode(m));
        }
        Ok(CliSock {
            listener: Some(l),
            conns: Slab::new(),
            level: cfg.level,
            timeout: Duration::from_millis(timeout_ms),
            maxconn: maxconn as usize,
        })
    }

    pub fn register(&mut self, registry: &Registry) -> std::io::Result<()> {
        if let Some(l) = self.listener.as_mut() {
            registry.register(l, Token(CLI_BASE), Interest::READABLE)?;
        }
        Ok(())
    }

    pub fn close(&mut self, registry: &Registry) {
        if let Some(mut l) = self.listener.take() {
            let _ = registry.deregister(&mut l);
        }
    }

    pub fn on_timers(&mut self, registry: &Registry, now: Instant) {
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| now.saturating_duration_since(c.last) >= c.timeout)
            .map(|(k, _)| k)
            .collect();
        for k in expired {
            let mut c = self.conns.remove(k);
            let _ = registry.deregister(&mut c.sock);
        }
    }

    /// `sessions` lists the live sessions, for `show sess` only.
    pub fn on_event(&mut self, ctx: &mut Ctx, sub: usize, sessions: &dyn Fn() -> String) {
        let (registry, now) = (ctx.registry, ctx.now);
        if sub == 0 {
            while let Some(l) = self.listener.as_ref() {
                match l.accept() {
                    Ok((sock, _)) => {
                        if self.conns.len() >= self.maxconn {
                            continue;
                        }
                        let e = self.conns.vacant_entry();
                        let k = e.key();
                        let mut c = Conn {
                            sock,
                            inbuf: Vec::new(),
                            out: Vec::new(),
                            interactive: false,
                            closing: false,
                            last: now,
                            timeout: self.timeout,
                        };
                        if registry
                            .register(
                                &mut c.sock,
                                Token(CLI_BASE + 1 + k),
                                Interest::READABLE | Interest::WRITABLE,
                            )
                            .is_ok()
                        {
                            e.insert(c);
                        }
                    }
                    Err(_) => break,
                }
            }
            return;
        }
        let k = sub - 1;
        let level = self.level;
        let done = {
            let Some(c) = self.conns.get_mut(k) else {
                return;
            };
            c.last = now;
            let mut buf = [0u8; 4096];
            let mut eof = false;
            loop {
                match c.sock.read(&mut buf) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => c.inbuf.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        eof = true;
                        break;
                    }
                }
            }
            while let Some(p) = c.inbuf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = c.inbuf.drain(..=p).collect();
                let text = String::from_utf8_lossy(&line)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
                for cmd in text.split(';') {
                    let cmd = cmd.trim();
                    match cmd {
                        "prompt" => c.interactive = !c.interactive,
                        "quit" => c.closing = true,
                        "" if c.interactive => {}
                        _ => {
                            let r = execute(ctx, level, cmd, &mut c.timeout, sessions);
                            c.out.extend_from_slice(r.as_bytes());
                            c.out.push(b'\n');
                        }
                    }
                    if c.closing {
                        break;
                    }
                }
                if c.interactive && !c.closing {
                    c.out.extend_from_slice(b"> ");
                } else if !c.interactive {
                    c.closing = true;
                }
                if c.closing {
                    break;
                }
            }
            while !c.out.is_empty() {
                match c.sock.write(&c.out) {
                    Ok(n) if n > 0 => {
                        c.out.drain(..n);
                    }
                    _ => break,
                }
            }
            (c.closing && c.out.is_empty()) || eof
        };
        if done {
            let mut c = self.conns.remove(k);
            let _ = registry.deregister(&mut c.sock);
        }
    }
}

/// Runs one command; the answer without the trailing empty line.
/// `show errors [id]`: the last invalid request and response captured by
/// each proxy, with the bytes dumped line by line.
fn show_errors(rt: &Runtime, id: Option<&str>) -> String {
    use crate::log::format::date_ms;
    let cfg = rt.cfg;
    let (s, ms) = crate::log::now_ms();
    let mut out = format!(
        "Total events captured on {} : {}\n",
        date_ms(s, ms),
        rt.error_snapshots
    );
    let want = id.and_then(|i| i.parse::<u32>().ok());
    for (i, p) in cfg.proxies.iter().enumerate() {
        if want.is_some_and(|w| w != p.id) {
            continue;
        }
        for (rsp, snap) in [
            (false, &rt.px[i].invalid_req),
            (true, &rt.px[i].invalid_rsp),
        ] {
            let Some(e) = snap else { continue };
            let o = &cfg.proxies[e.other];
            let (srv, sid) = match e.srv {
                Some(si) => (
                    p.servers
                        .get(si)
                        .map(|x| x.name.as_str())
                        .unwrap_or("<NONE>"),
                    p.servers.get(si).map(|x| x.id as i64).unwrap_or(-1),
                ),
                None => ("<NONE>", -1),
            };
            let (oname, oid) = if o.is_be() || rsp {
                (o.name.as_str(), o.id as i64)
            } else {
                ("<NONE>", -1)
            };
            out.push_str(&format!(
                " \n{} {} {} (#{}): invalid {}\n  src {}, session #{}, {} {} (#{}), server {} (#{})\n  {} length {} bytes, error at position {}:\n \n",
                date_ms(e.when.0, e.when.1),
                if rsp { "backend" } else { "frontend" },
                p.name,
                p.id,
                if rsp { "response" } else { "request" },
                e.src.ip(),
                e.sid,
                if rsp { "frontend" } else { "backend" },
                oname,
                oid,
                srv,
                sid,
                if rsp { "response" } else { "request" },
                e.buf.len(),
                e.pos
            ));
            dump_bytes(&mut out, &e.buf);
        }
    }
    out.push('\n');
    out
}

/// The captured bytes, one input line per output line with its offset,
/// non-printable bytes escaped.
fn dump_bytes(out: &mut String, buf: &[u8]) {
    let mut off = 0;
    for line in buf.split_inclusive(|&c| c == b'\n') {
        out.push_str(&format!("  {:05}  ", off));
        for &c in line {
            match c {
                b'\r' => out.push_str("\\r"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                b'\\' => out.push_str("\\\\"),
                32..=126 => out.push(c as char),
                _ => out.push_str(&format!("\\x{:02x}", c)),
            }
        }
        out.push('\n');
        off += line.len();
    }
}

pub fn execute(
    ctx: &mut Ctx,
    level: u8,
    cmd: &str,
    timeout: &mut Duration,
    sessions: &dyn Fn() -> String,
) -> String {
    let w: Vec<&str> = cmd.split_whitespace().collect();
    let rt = &mut *ctx.rt;
    let denied = "Permission denied\n".to_string();
    match w.as_slice() {
        ["help"] => USAGE.into(),
        ["show", "info"] => crate::stats::info(rt),
        ["show", "stat", rest @ ..] => {
            let all = crate::stats::csv(rt, &[]);
            if rest.len() < 3 {
                return all;
            }
            let iid: i64 = rest[0].parse().unwrap_or(-1);
            let typ: i64 = rest[1].parse().unwrap_or(-1);
            let sid: i64 = rest[2].parse().unwrap_or(-1);
            let mut out = String::from(crate::stats::CSV_HEADER);
            for (i, p) in rt.cfg.proxies.iter().enumerate() {
                if iid != -1 && p.id as i64 != iid {
                    continue;
                }
                for r in crate::stats::proxy_rows(rt, i) {
                    let t = match r.sv.as_str() {
                        "FRONTEND" => 1,
                        "BACKEND" => 2,
                        _ => 4,
                    };
                    if typ != -1 && typ & t == 0 {
                        continue;
                    }
                    if t == 4
                        && sid != -1
                        && r.f.get(26).and_then(|v| v.parse::<i64>().ok()) != Some(sid)
                    {
                        continue;
                    }
                    out.push_str(&format!("{},{},", r.px, r.sv));
                    for v in &r.f {
                        out.push_str(v);
                        out.push(',');
                    }
                    out.push('\n');
                }
            }
            out
        }
        ["show", "errors", rest @ ..] => {
            if level < 1 {
                return denied;
            }
            show_errors(rt, rest.first().copied())
        }
        ["show", "sess", ..] => {
            if level < 1 {
                return denied;
            }
            let mut out = sessions();
            out.push('\n');
            out
        }
        ["clear", "counters", rest @ ..] => {
            let all = rest.first() == Some(&"all");
            if level < 1 || (all && level < 2) {
                return denied;
            }
            for p in rt.px.iter_mut() {
                if all {
                    p.fe = Default::default();
                    p.be = Default::default();
                } else {
                    p.fe.max_sess = 0;
                    p.be.max_sess = 0;
                    p.be.max_queue = 0;
                }
            }
            for v in rt.srv.iter_mut() {
                for s in v.iter_mut() {
                    if all {
                        s.c = Default::default();
                    } else {
                        s.c.max_sess = 0;
                        s.c.max_queue = 0;
                    }
                }
            }
            String::new()
        }
        ["get", "weight", args @ ..] => get_weight(rt, args),
        ["set", "weight", args @ ..] => {
            if level < 2 {
                return denied;
            }
            set_weight(ctx, args)
        }
        [verb @ ("disable" | "enable"), "server", args @ ..] => {
            if level < 2 {
                return denied;
            }
            set_maint(ctx, args, *verb == "disable")
        }
        ["set", "timeout", "cli", v] => match v.parse::<u64>() {
            Ok(s) if s > 0 => {
                *timeout = Duration::from_secs(s);
                String::new()
            }
            _ => "Expects an integer value.\n".into(),
        },
        _ => USAGE.into(),
    }
}

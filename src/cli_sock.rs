//! The stats socket (`stats socket PATH`): 1.4's line-based command
//! interface, served by the same event loop. A connection runs the commands
//! it finds complete in its input one after the other (a `;` also ends a
//! command), each answer followed by an empty line, or by the `> ` prompt in
//! interactive mode; a non-interactive connection closes once its input is
//! used up, and input without a line end closes it at once.

use crate::server_state::{apply, Change};
use crate::session::Ctx;
use crate::state::Runtime;
use mio::net::{UnixListener, UnixStream};
use mio::{Interest, Registry};
use slab::Slab;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

const DENIED: &str = "Permission denied\n";

const USAGE: &str = "Unknown command. Please enter one of the following commands only :\n  clear counters : clear max statistics counters (add 'all' for all counters)\n  help           : this message\n  prompt         : toggle interactive mode with prompt\n  quit           : disconnect\n  show info      : report information about the running process\n  show stat      : report counters for each proxy and server\n  show errors    : report last request and response errors for each proxy\n  show sess [id] : report the list of current sessions or dump this session\n  get weight     : report a server's current weight\n  set weight     : change a server's weight\n  set timeout    : change a timeout setting\n  disable server : set a server in maintenance mode\n  enable server  : re-enable a server that was previously in maintenance mode\n";

struct Conn {
    sock: UnixStream,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    interactive: bool,
    /// 1.4's STAT_CLI_END: close once the output is sent
    closing: bool,
    /// the client shut its side: close after the pending answers
    eof: bool,
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

/// Splits `backend/server` at its first `/`: None when there is no server
/// part (1.4 then answers with the command's "Require" message).
fn split_server(arg: &str) -> Option<(&str, &str)> {
    arg.split_once('/').filter(|(_, s)| !s.is_empty())
}

/// 1.4's `get_backend_server`: names, or `#id` numbers.
fn find_server(rt: &Runtime, b: &str, s: &str) -> Result<(usize, usize), &'static str> {
    use crate::units::atoi;
    let pid = b.strip_prefix('#').map(atoi).unwrap_or(0);
    let sid = s.strip_prefix('#').map(atoi).unwrap_or(0);
    let bi = rt
        .cfg
        .proxies
        .iter()
        .position(|p| {
            p.is_be()
                && if pid != 0 {
                    i64::from(p.id) == pid
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
                i64::from(x.id) == sid
            } else {
                x.name == s
            }
        })
        .ok_or("No such server.\n")?;
    Ok((bi, si))
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
            registry.register(l, crate::tokens::cli(0), Interest::READABLE)?;
        }
        Ok(())
    }

    pub fn close(&mut self, registry: &Registry) {
        if let Some(mut l) = self.listener.take() {
            let _ = registry.deregister(&mut l);
        }
    }

    /// When the next idle connection reaches its `stats timeout`: the
    /// event loop must wake up then even if nothing else happens.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns.iter().map(|(_, c)| c.last + c.timeout).min()
    }

    pub fn on_timers(&mut self, ctx: &mut Ctx) {
        let (registry, now) = (ctx.registry, ctx.now);
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| now.saturating_duration_since(c.last) >= c.timeout)
            .map(|(k, _)| k)
            .collect();
        for k in expired {
            self.drop_conn(registry, ctx.rt, k);
        }
    }

    fn drop_conn(&mut self, registry: &Registry, rt: &mut Runtime, k: usize) {
        if let Some(mut c) = self.conns.try_remove(k) {
            let _ = registry.deregister(&mut c.sock);
            rt.cli_conns = rt.cli_conns.saturating_sub(1);
            // a slot freed: take a client waiting in the backlog, if any
            if self.conns.len() + 1 == self.maxconn {
                self.accept(registry, rt, Instant::now());
            }
        }
    }

    fn accept(&mut self, registry: &Registry, rt: &mut Runtime, now: Instant) {
        // at `stats maxconn`, new clients wait in the backlog (as 1.4's
        // full listener) until a session ends
        while self.conns.len() < self.maxconn {
            let Some(l) = self.listener.as_ref() else {
                break;
            };
            let Ok((sock, _)) = l.accept() else { break };
            let e = self.conns.vacant_entry();
            let k = e.key();
            let mut c = Conn {
                sock,
                inbuf: Vec::new(),
                out: Vec::new(),
                interactive: false,
                closing: false,
                eof: false,
                last: now,
                timeout: self.timeout,
            };
            let token = crate::tokens::cli(1 + k);
            if registry
                .register(&mut c.sock, token, Interest::READABLE | Interest::WRITABLE)
                .is_ok()
            {
                e.insert(c);
                rt.cli_conns += 1;
            }
        }
    }

    /// `sessions` lists the live sessions, for `show sess` only.
    pub fn on_event(&mut self, ctx: &mut Ctx, sub: usize, sessions: &dyn Fn() -> String) {
        let (registry, now) = (ctx.registry, ctx.now);
        if sub == 0 {
            return self.accept(registry, ctx.rt, now);
        }
        let k = sub - 1;
        let level = self.level;
        let Some(c) = self.conns.get_mut(k) else {
            return;
        };
        c.last = now;
        c.read_input();
        process_input(c, ctx, level, sessions);
        if c.eof && !c.closing {
            // 1.4 forwards the client's close once nothing is left to run
            c.closing = true;
        }
        c.flush();
        if c.closing && c.out.is_empty() {
            self.drop_conn(registry, ctx.rt, k);
        }
    }
}

impl Conn {
    /// Takes in whatever the client sent; notes its close.
    fn read_input(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.sock.read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.inbuf.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    // nothing can be answered on a broken connection
                    self.eof = true;
                    self.closing = true;
                    self.out.clear();
                    break;
                }
            }
        }
    }

    /// Sends what the socket takes of the pending answers.
    fn flush(&mut self) {
        while !self.out.is_empty() {
            match self.sock.write(&self.out) {
                Ok(n) if n > 0 => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                _ => {
                    // the client is gone: drop the rest
                    self.out.clear();
                    self.closing = true;
                }
            }
        }
    }
}

/// The next command in `inbuf`: its text (without line end) and the bytes
/// it takes; a `;` before the line end also ends a command. None when the
/// pending input holds no line end (1.4 then closes).
fn next_command(inbuf: &[u8]) -> Option<(String, usize)> {
    let lf = inbuf.iter().position(|&b| b == b'\n')?;
    let end = inbuf[..lf].iter().position(|&b| b == b';').unwrap_or(lf);
    let line = &inbuf[..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((String::from_utf8_lossy(line).into_owned(), end + 1))
}

/// 1.4's `stats_io_handler` loop over the input received so far.
fn process_input(c: &mut Conn, ctx: &mut Ctx, level: u8, sessions: &dyn Fn() -> String) {
    while !c.closing && !c.inbuf.is_empty() {
        let Some((cmd, used)) = next_command(&c.inbuf) else {
            c.closing = true;
            break;
        };
        c.inbuf.drain(..used);
        match cmd.as_str() {
            "quit" => {
                c.closing = true;
                break;
            }
            "prompt" => c.interactive = !c.interactive,
            // an empty line shows the help unless the prompt is on
            "" if c.interactive => {}
            "" => c.out.extend_from_slice(USAGE.as_bytes()),
            _ => {
                let r = execute(ctx, level, &cmd, &mut c.timeout, sessions);
                c.out.extend_from_slice(r.as_bytes());
            }
        }
        c.out
            .extend_from_slice(if c.interactive { b"\n> " } else { b"\n" });
        if !c.interactive && c.inbuf.is_empty() {
            c.closing = true;
        }
    }
}

/// Runs one command; the answer without the empty line that follows it.
pub fn execute(
    ctx: &mut Ctx,
    level: u8,
    cmd: &str,
    timeout: &mut Duration,
    sessions: &dyn Fn() -> String,
) -> String {
    let w: Vec<&str> = cmd.split_whitespace().collect();
    let denied = DENIED.to_string();
    let rt = &mut *ctx.rt;
    match w.as_slice() {
        ["help"] => USAGE.into(),
        ["show", what, rest @ ..] => show(rt, level, what, rest, sessions),
        ["clear", "counters", rest @ ..] => {
            let all = rest.first() == Some(&"all");
            if level < 1 || (all && level < 2) {
                return denied;
            }
            clear_counters(rt, all);
            String::new()
        }
        ["get", "weight", rest @ ..] => get_weight(rt, rest.first().copied().unwrap_or("")),
        ["set", "weight", rest @ ..] => {
            if level < 2 {
                return denied;
            }
            set_weight(ctx, rest)
        }
        ["set", "timeout", rest @ ..] => set_timeout(rest, timeout),
        [verb @ ("disable" | "enable"), "server", rest @ ..] => {
            if level < 2 {
                return denied;
            }
            match server_arg(rt, rest.first().copied().unwrap_or("")) {
                // maintenance goes through the same state change as the
                // checks and the stats page: logged, counted, propagated
                Ok((b, s)) => {
                    let change = if *verb == "disable" {
                        Change::Maint
                    } else {
                        Change::Ready
                    };
                    apply(ctx, b, s, change);
                    String::new()
                }
                Err(e) => e.into(),
            }
        }
        _ => USAGE.into(),
    }
}

/// `disable/enable server <backend/server>`: the server, or the message
/// 1.4 answers for a malformed, unknown or stopped one.
fn server_arg(rt: &Runtime, arg: &str) -> Result<(usize, usize), &'static str> {
    let (b, s) = match split_server(arg) {
        Some((b, s)) if !b.is_empty() => (b, s),
        _ => return Err("Require 'backend/server'.\n"),
    };
    let (bi, si) = find_server(rt, b, s)?;
    if rt.px[bi].stopped {
        return Err("Proxy is disabled.\n");
    }
    Ok((bi, si))
}

/// `show stat|info|errors|sess`.
fn show(
    rt: &Runtime,
    level: u8,
    what: &str,
    args: &[&str],
    sessions: &dyn Fn() -> String,
) -> String {
    use crate::units::atoi;
    match what {
        "info" => crate::stats::info(rt),
        "stat" => {
            let mut o = crate::stats::DumpOpts {
                csv: true,
                ..Default::default()
            };
            // all three arguments bound the dump (1.4's STAT_BOUND)
            if let [iid, types, sid, ..] = args {
                o.bound = Some(crate::stats::Bound {
                    iid: atoi(iid),
                    types: atoi(types),
                    sid: atoi(sid),
                });
            }
            crate::stats::csv(rt, &o, None)
        }
        "errors" if level < 1 => DENIED.into(),
        "errors" => crate::stats::show_errors(rt, args.first().map(|a| atoi(a)).unwrap_or(-1)),
        "sess" if level < 1 => DENIED.into(),
        "sess" => {
            // idle pooled server connections follow (only with reuse)
            let mut s = sessions();
            s.push_str(&rt.idle.show_lines(rt.cfg));
            s
        }
        _ => USAGE.into(),
    }
}

/// `clear counters [all]`: the maxima, or every counter (1.4 zeroes the
/// whole counters of proxies, servers and listeners).
fn clear_counters(rt: &mut Runtime, all: bool) {
    for p in rt.px.iter_mut() {
        if all {
            p.fe = Default::default();
            p.be = Default::default();
        } else {
            for c in [&mut p.fe, &mut p.be] {
                c.max_sess = 0;
                c.max_queue = 0;
                c.sps_max = 0;
                c.rps_max = 0;
            }
        }
    }
    for s in rt.srv.iter_mut().flatten() {
        if all {
            s.c = Default::default();
            // 1.4 keeps the check counters among the server's counters
            s.chkfail = 0;
            s.chkdown = 0;
            s.hanafail = 0;
        } else {
            s.c.max_sess = 0;
            s.c.max_queue = 0;
            s.c.sps_max = 0;
        }
    }
    for l in rt.li.iter_mut().flatten() {
        if all {
            *l = Default::default();
        } else {
            l.max = 0;
        }
    }
}

/// `get weight <backend/server>`: current and initial weights.
fn get_weight(rt: &Runtime, arg: &str) -> String {
    let Some((b, s)) = split_server(arg) else {
        return "Require 'backend/server'.\n".into();
    };
    match find_server(rt, b, s) {
        Ok((b, s)) => format!(
            "{} (initial {})\n",
            rt.srv[b][s].weight, rt.cfg.proxies[b].servers[s].weight
        ),
        Err(e) => e.into(),
    }
}

/// Whether the backend's balancer takes any weight at run time (1.4's
/// BE_LB_PROP_DYN); static ones take only 0 and the initial weight.
fn dynamic_lb(p: &crate::config::model::Proxy) -> bool {
    use crate::config::model::Balance;
    match p.balance {
        Balance::RoundRobin | Balance::LeastConn => true,
        Balance::StaticRr => false,
        _ => p.hash_consistent,
    }
}

/// `set weight <backend/server> <weight>[%]`, validated as 1.4 does.
fn set_weight(ctx: &mut Ctx, args: &[&str]) -> String {
    let rt = &*ctx.rt;
    let arg = args.first().copied().unwrap_or("");
    let (Some((b, s)), Some(val)) = (split_server(arg), args.get(1)) else {
        return "Require 'backend/server' and 'weight' or 'weight%'.\n".into();
    };
    let (b, s) = match find_server(rt, b, s) {
        Ok(x) => x,
        Err(e) => return e.into(),
    };
    if rt.px[b].stopped {
        return "Proxy is disabled.\n".into();
    }
    let p = &rt.cfg.proxies[b];
    let init = i64::from(p.servers[s].weight);
    let mut w = crate::units::atoi(val);
    if val.contains('%') {
        if !(0..=100).contains(&w) {
            return "Relative weight can only be set between 0 and 100% inclusive.\n".into();
        }
        w = init * w / 100;
    } else if !(0..=256).contains(&w) {
        return "Absolute weight can only be between 0 and 256 inclusive.\n".into();
    }
    if w != 0 && w != init && !dynamic_lb(p) {
        return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n"
            .into();
    }
    apply(ctx, b, s, Change::Weight(w as u32));
    String::new()
}

/// `set timeout cli <delay>`: seconds by default, 1.4's time units.
fn set_timeout(args: &[&str], timeout: &mut Duration) -> String {
    match args {
        ["cli"] => "Expects an integer value.\n".into(),
        ["cli", v, ..] => match crate::units::parse_time_ms(v, 1000) {
            Ok(ms) if ms >= 1000 => {
                // 1.4 keeps whole seconds
                *timeout = Duration::from_secs(ms / 1000);
                String::new()
            }
            _ => "Invalid timeout value.\n".into(),
        },
        _ => "'set timeout' only supports 'cli'.\n".into(),
    }
}

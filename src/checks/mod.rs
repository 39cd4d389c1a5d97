//! Health checks: probe packets (pure) and the check state machines.

/// The SSLv3 CLIENT HELLO 1.4 sends for `option ssl-hello-chk`.
pub fn ssl_hello_packet() -> Vec<u8> {
    let mut p = vec![
        0x16, 0x03, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00, 0x75, 0x03, 0x00, 0, 0, 0, 0,
    ];
    p.extend_from_slice(b"HAPROXYSSLCHK\nHAPROXYSSLCHK\n");
    p.push(0x00);
    p.extend_from_slice(&[0x00, 0x4E]);
    let ciphers: Vec<u8> = (0x01..=0x1Bu8).chain(0x2F..=0x3Au8).collect();
    for c in ciphers {
        p.extend_from_slice(&[0x00, c]);
    }
    p.extend_from_slice(&[0x01, 0x00]);
    p
}

/// The MySQL client authentication packet of `option mysql-check user U`
/// followed by a COM_QUIT, laid out as 1.4 builds it.
pub fn mysql_packet(user: &str) -> Vec<u8> {
    let ulen = user.len();
    let packetlen = ulen + 7;
    let reqlen = packetlen + 9;
    let mut p = vec![0u8; reqlen];
    p[0] = (packetlen & 0xff) as u8;
    p[1] = ((packetlen >> 8) & 0xff) as u8;
    p[2] = ((packetlen >> 16) & 0xff) as u8;
    p[3] = 1;
    p[5] = 128;
    p[8] = 1;
    p[9..9 + ulen].copy_from_slice(user.as_bytes());
    p[9 + ulen + 2] = 1;
    p[9 + ulen + 2 + 4] = 1;
    p
}

use crate::config::model::CheckType;
use crate::log::msg;
use crate::log::syslog::Syslog;
use crate::state::Runtime;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

mod hana;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Reading,
}

/// One server's checker.
pub struct Check {
    px: usize,
    srv: usize,
    phase: Phase,
    sock: Option<TcpStream>,
    next: Instant,
    start: Instant,
    conn_deadline: Instant,
    read_deadline: Instant,
    buf: Vec<u8>,
    to_send: Vec<u8>,
    peer_closed: bool,
}

pub struct Checks {
    list: Vec<Check>,
    /// (tracked proxy, server) -> servers that follow its state
    trackers: Vec<((usize, usize), (usize, usize))>,
}

/// The result of one probe.
struct Verdict {
    ok: bool,
    /// 404 with disable-on-404: passes but stops load balancing
    nolb: bool,
    status: &'static str,
    desc: &'static str,
    code: Option<u16>,
    info: Option<String>,
}

fn verdict(ok: bool, status: &'static str, desc: &'static str) -> Verdict {
    Verdict {
        ok,
        nolb: false,
        status,
        desc,
        code: None,
        info: None,
    }
}

/// A server changed state: sessions waiting in the backend's queue may go.
fn serve_queue(
    rt: &mut Runtime,
    registry: &Registry,
    syslog: &Syslog,
    now: Instant,
    wake: &mut Vec<usize>,
    grants: &mut Vec<(usize, usize)>,
    pi: usize,
) {
    let mut ctx = crate::session::Ctx {
        rt,
        registry,
        syslog,
        now,
        wake,
        grants,
        stopping: false,
    };
    crate::session::process_queue(&mut ctx, pi, None);
}

fn getinter(c: &crate::config::model::Server, s: &crate::state::SrvState) -> u64 {
    let full = c.rise + c.fall - 1;
    if s.health >= full && s.up {
        return c.inter;
    }
    if !s.up && s.health == 0 {
        return if c.downinter > 0 {
            c.downinter
        } else {
            c.inter
        };
    }
    if c.fastinter > 0 {
        c.fastinter
    } else {
        c.inter
    }
}

impl Checks {
    pub fn new(rt: &Runtime) -> Checks {
        let now = Instant::now();
        let mut list = Vec::new();
        for (pi, p) in rt.cfg.proxies.iter().enumerate() {
            // stopped: disabled, or not bound to this process
            if rt.px[pi].stopped || !p.is_be() {
                continue;
            }
            for (si, s) in p.servers.iter().enumerate() {
                if s.check {
                    list.push(Check {
                        px: pi,
                        srv: si,
                        phase: Phase::Idle,
                        sock: None,
                        next: now,
                        start: now,
                        conn_deadline: now,
                        read_deadline: now,
                        buf: Vec::new(),
                        to_send: Vec::new(),
                        peer_closed: false,
                    });
                }
            }
        }
        let mut trackers = Vec::new();
        for (pi, p) in rt.cfg.proxies.iter().enumerate() {
            for (si, s) in p.servers.iter().enumerate() {
                let Some(t) = &s.track else { continue };
                let (tp, ts) = match t.rsplit_once('/') {
                    Some((a, b)) => (
                        rt.cfg.proxies.iter().position(|x| x.name == a && x.is_be()),
                        b,
                    ),
                    None => (Some(pi), t.as_str()),
                };
                if let Some(tp) = tp {
                    if let Some(tsi) = rt.cfg.proxies[tp].servers.iter().position(|x| x.name == ts)
                    {
                        trackers.push(((tp, tsi), (pi, si)));
                    }
                }
            }
        }
        Checks { list, trackers }
    }

    /// Servers with `track` follow the tracked server's state.
    fn propagate(
        &self,
        rt: &mut Runtime,
        syslog: &Syslog,
        from: (usize, usize),
        up: bool,
        now: Instant,
    ) {
        let cfg = rt.cfg;
        for &(t, (pi, si)) in &self.trackers {
            if t != from || rt.srv[pi][si].up == up {
                continue;
            }
            let c = &cfg.proxies[pi].servers[si];
            {
                let st = &mut rt.srv[pi][si];
                st.up = up;
                st.health = if up { c.rise + c.fall - 1 } else { 0 };
                st.last_change = now;
                if !up {
                    st.chkdown += 1;
                }
            }
            rt.lb_update(pi);
            let (a, b) = rt.srv_counts(pi);
            let (tp, ts) = (
                &cfg.proxies[from.0].name,
                &cfg.proxies[from.0].servers[from.1].name,
            );
            let m = if up {
                format!(
                    "{}Server {}/{} is UP via {}/{}. {} active and {} backup servers online. 0 sessions requeued, 0 total in queue.",
                    if c.backup { "Backup " } else { "" },
                    cfg.proxies[pi].name,
                    c.name,
                    tp,
                    ts,
                    a,
                    b
                )
            } else {
                format!(
                    "{}Server {}/{} is DOWN via {}/{}. {} active and {} backup servers left. {} sessions active, 0 requeued, 0 remaining in queue.",
                    if c.backup { "Backup " } else { "" },
                    cfg.proxies[pi].name,
                    c.name,
                    tp,
                    ts,
                    a,
                    b,
                    rt.srv[pi][si].cur_sess
                )
            };
            msg::warning(&m);
            syslog.send(
                &cfg.proxies[pi].logs,
                if up {
                    crate::log::NOTICE
                } else {
                    crate::log::ALERT
                },
                &m,
            );
        }
    }

    /// Staggers the first checks over the smallest interval, as 1.4 does.
    pub fn start(&mut self, rt: &mut Runtime, now: Instant) {
        let n = self.list.len() as u64;
        if n == 0 {
            return;
        }
        let mininter = self
            .list
            .iter()
            .map(|c| getinter(&rt.cfg.proxies[c.px].servers[c.srv], &rt.srv[c.px][c.srv]))
            .min()
            .unwrap_or(2000);
        let spread = rt.cfg.global.spread_checks as u64;
        for (pos, c) in self.list.iter_mut().enumerate() {
            let inter = getinter(&rt.cfg.proxies[c.px].servers[c.srv], &rt.srv[c.px][c.srv]);
            let base = if mininter >= inter { mininter } else { inter };
            let mut d = base * pos as u64 / n;
            if spread > 0 {
                d += (d * spread / 100) / 2;
            }
            c.next = now + Duration::from_millis(d);
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.list
            .iter()
            .map(|c| match c.phase {
                Phase::Idle => c.next,
                Phase::Connecting => c.conn_deadline,
                Phase::Reading => c.read_deadline,
            })
            .min()
    }

    fn launch(
        &mut self,
        i: usize,
        rt: &mut Runtime,
        registry: &Registry,
        now: Instant,
    ) -> Option<Verdict> {
        let cfg = rt.cfg;
        let c = &mut self.list[i];
        let px = &cfg.proxies[c.px];
        let s = &px.servers[c.srv];
        let addr = SocketAddr::new(
            s.check_addr.unwrap_or(s.addr),
            s.check_port.unwrap_or(s.port),
        );
        c.start = now;
        c.buf.clear();
        c.peer_closed = false;
        let inter = getinter(s, &rt.srv[c.px][c.srv]);
        let to_conn = match (px.timeouts.check, px.timeouts.connect) {
            (Some(_), Some(ct)) => ct.min(inter),
            _ => inter,
        };
        c.conn_deadline = now + Duration::from_millis(to_conn);
        c.read_deadline = now + Duration::from_millis(px.timeouts.check.unwrap_or(inter));
        c.to_send = match px.check.kind {
            CheckType::Tcp => Vec::new(),
            CheckType::Http => {
                let mut r = px.check.send.clone();
                if px.check.send_state {
                    let st = &rt.srv[c.px][c.srv];
                    let h = format!(
                        "X-Haproxy-Server-State: {} {}/{}; name={}/{}; node={}; weight={}/{}; scur={}/{}; qcur={}\r\n",
                        if st.up { "UP" } else { "DOWN" },
                        st.health,
                        s.rise + s.fall - 1,
                        px.name,
                        s.name,
                        cfg.global.node,
                        st.weight,
                        px.servers.iter().map(|x| x.weight).sum::<u32>(),
                        st.cur_sess,
                        rt.px[c.px].beconn,
                        st.queue.len()
                    );
                    r.extend_from_slice(h.as_bytes());
                }
                r.extend_from_slice(b"\r\n");
                r
            }
            CheckType::SslHello => {
                let mut p = px.check.send.clone();
                let t = crate::log::now_secs() as u32;
                if p.len() >= 15 {
                    p[11..15].copy_from_slice(&t.to_be_bytes());
                }
                p
            }
            _ => px.check.send.clone(),
        };
        match TcpStream::connect(addr) {
            Ok(mut sock) => {
                if registry
                    .register(
                        &mut sock,
                        Token(crate::engine::CHECK_BASE + i),
                        Interest::READABLE | Interest::WRITABLE,
                    )
                    .is_err()
                {
                    return Some(verdict(false, "SOCKERR", "Socket error"));
                }
                c.sock = Some(sock);
                c.phase = Phase::Connecting;
                None
            }
            Err(e) => {
                let mut v = verdict(false, "L4CON", "Layer4 connection problem");
                v.info = Some(crate::sys::errno_str(&e));
                Some(v)
            }
        }
    }

    fn close(&mut self, i: usize, registry: &Registry, rst: bool) {
        let c = &mut self.list[i];
        if let Some(mut s) = c.sock.take() {
            if rst || c.peer_closed {
                crate::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&s));
            }
            let _ = registry.deregister(&mut s);
        }
        c.phase = Phase::Idle;
    }

    /// Parses what the server answered so far. None: need more.
    fn judge(&self, i: usize, rt: &Runtime, eof: bool) -> Option<Verdict> {
        let c = &self.list[i];
        let px = &rt.cfg.proxies[c.px];
        let b = &c.buf;
        match px.check.kind {
            CheckType::Tcp => Some(verdict(true, "L4OK", "Layer4 check passed")),
            CheckType::Http => {
                let line_end = b.iter().position(|&x| x == b'\n');
                if line_end.is_none() && !eof {
                    return None;
                }
                let line = &b[..line_end.unwrap_or(b.len())];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.len() < 12
                    || !line.starts_with(b"HTTP/1.")
                    || !line[9..12].iter().all(|d| d.is_ascii_digit())
                {
                    return Some(verdict(false, "L7RSP", "Layer7 invalid response"));
                }
                let code: u16 = std::str::from_utf8(&line[9..12]).ok()?.parse().ok()?;
                let reason = String::from_utf8_lossy(line.get(13..).unwrap_or(b"")).into_owned();
                if let Some(exp) = &px.check.expect {
                    use crate::config::model::ExpectKind;
                    let body_needed =
                        matches!(exp.kind, ExpectKind::String(_) | ExpectKind::Rstring(_));
                    if body_needed && !eof && b.len() < rt.cfg.global.chksize {
                        return None;
                    }
                    let body = match b.windows(4).position(|w| w == b"\r\n\r\n") {
                        Some(p) => &b[p + 4..],
                        None => &b[b.len()..],
                    };
                    let m = match &exp.kind {
                        ExpectKind::Status(s) => code.to_string() == *s,
                        ExpectKind::Rstatus(r) => r.is_match(code.to_string().as_bytes()),
                        ExpectKind::String(s) => {
                            body.windows(s.len().max(1)).any(|w| w == s.as_bytes())
                        }
                        ExpectKind::Rstring(r) => r.is_match(body),
                    };
                    let mut v = if m != exp.inverse {
                        verdict(true, "L7OK", "Layer7 check passed")
                    } else {
                        verdict(false, "L7STS", "Layer7 wrong status")
                    };
                    v.code = Some(code);
                    v.info = Some(reason);
                    return Some(v);
                }
                let mut v = if code == 404 && px.check.disable_on_404 {
                    let mut v = verdict(true, "L7OKC", "Layer7 check conditionally passed");
                    v.nolb = true;
                    v
                } else if (200..400).contains(&code) {
                    verdict(true, "L7OK", "Layer7 check passed")
                } else {
                    verdict(false, "L7STS", "Layer7 wrong status")
                };
                v.code = Some(code);
                v.info = Some(reason);
                Some(v)
            }
            CheckType::SslHello => {
                if b.is_empty() {
                    return if eof {
                        Some(verdict(false, "L6RSP", "Layer6 invalid response"))
                    } else {
                        None
                    };
                }
                if b[0] == 0x15 || b[0] == 0x16 {
                    Some(verdict(true, "L6OK", "Layer6 check passed"))
                } else {
                    Some(verdict(false, "L6RSP", "Layer6 invalid response"))
                }
            }
            CheckType::Smtp => {
                let Some(e) = b.iter().position(|&x| x == b'\n') else {
                    return if eof {
                        Some(verdict(false, "L7RSP", "Layer7 invalid response"))
                    } else {
                        None
                    };
                };
                let line = String::from_utf8_lossy(&b[..e]).trim_end().to_string();
                if line.len() < 3 || !line.as_bytes()[..3].iter().all(|d| d.is_ascii_digit()) {
                    return Some(verdict(false, "L7RSP", "Layer7 invalid response"));
                }
                let code: u16 = line[..3].parse().unwrap_or(0);
                let mut v = if line.starts_with('2') {
                    verdict(true, "L7OK", "Layer7 check passed")
                } else {
                    verdict(false, "L7STS", "Layer7 wrong status")
                };
                v.code = Some(code);
                v.info = Some(line.get(4..).unwrap_or("").to_string());
                Some(v)
            }
            CheckType::Mysql => {
                if b.len() < 5 {
                    return if eof {
                        Some(verdict(false, "L7RSP", "Layer7 invalid response"))
                    } else {
                        None
                    };
                }
                if b[4] == 0xff {
                    let mut v = verdict(false, "L7STS", "Layer7 wrong status");
                    v.info = Some(String::from_utf8_lossy(b.get(7..).unwrap_or(b"")).into_owned());
                    Some(v)
                } else {
                    Some(verdict(true, "L7OK", "Layer7 check passed"))
                }
            }
            CheckType::Ldap => {
                if b.is_empty() {
                    return if eof {
                        Some(verdict(false, "L7RSP", "Layer7 invalid response"))
                    } else {
                        None
                    };
                }
                if b[0] == 0x30 {
                    Some(verdict(true, "L7OK", "Layer7 check passed"))
                } else {
                    Some(verdict(false, "L7RSP", "Layer7 invalid response"))
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn on_event(
        &mut self,
        rt: &mut Runtime,
        registry: &Registry,
        syslog: &Syslog,
        i: usize,
        now: Instant,
        wake: &mut Vec<usize>,
        grants: &mut Vec<(usize, usize)>,
    ) {
        if i >= self.list.len() {
            return;
        }
        let mut result = None;
        if self.list[i].phase == Phase::Connecting {
            let failed = match self.list[i].sock.as_ref() {
                Some(s) => match s.take_error() {
                    Ok(Some(e)) => Some(e),
                    Err(e) => Some(e),
                    Ok(None) => s.peer_addr().err(),
                },
                None => None,
            };
            if let Some(e) = failed {
                if e.kind() == ErrorKind::NotConnected {
                    return;
                }
                let mut v = verdict(false, "L4CON", "Layer4 connection problem");
                v.info = Some(crate::sys::errno_str(&e));
                result = Some(v);
            } else if rt.cfg.proxies[self.list[i].px].check.kind == CheckType::Tcp {
                result = Some(verdict(true, "L4OK", "Layer4 check passed"));
            } else {
                let c = &mut self.list[i];
                c.phase = Phase::Reading;
                if let Some(s) = c.sock.as_mut() {
                    let _ = s.write(&c.to_send);
                }
            }
        }
        if result.is_none() && self.list[i].phase == Phase::Reading {
            let mut eof = false;
            let chksize = rt.cfg.global.chksize;
            let ck = &mut self.list[i];
            if let Some(s) = ck.sock.as_mut() {
                let mut tmp = [0u8; 4096];
                loop {
                    match s.read(&mut tmp) {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(n) => {
                            if ck.buf.len() < chksize {
                                ck.buf.extend_from_slice(&tmp[..n]);
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => {
                            eof = true;
                            break;
                        }
                    }
                }
            }
            self.list[i].peer_closed = eof;
            result = self.judge(i, rt, eof);
        }
        if let Some(v) = result {
            let rst = rt.cfg.proxies[self.list[i].px].check.kind == CheckType::Tcp;
            self.close(i, registry, rst);
            self.conclude(i, rt, registry, syslog, v, now, wake, grants);
        }
    }

    pub fn on_timers(
        &mut self,
        rt: &mut Runtime,
        registry: &Registry,
        syslog: &Syslog,
        now: Instant,
        wake: &mut Vec<usize>,
        grants: &mut Vec<(usize, usize)>,
    ) {
        // servers in slowstart: let the balancer see their growing weight
        let mut warming: Vec<usize> = Vec::new();
        for (pi, v) in rt.srv.iter_mut().enumerate() {
            for s in v.iter_mut() {
                if let Some(t) = s.warm_until {
                    if t <= now {
                        s.warm_until = None;
                    }
                    if !warming.contains(&pi) {
                        warming.push(pi);
                    }
                }
            }
        }
        for pi in warming {
            rt.lb_update(pi);
        }
        for i in 0..self.list.len() {
            let c = &self.list[i];
            let v = match c.phase {
                Phase::Idle if c.next <= now => {
                    if rt.srv[c.px][c.srv].maint {
                        let inter = rt.cfg.proxies[c.px].servers[c.srv].inter;
                        self.list[i].next = now + Duration::from_millis(inter);
                        continue;
                    }
                    self.launch(i, rt, registry, now)
                }
                Phase::Connecting if c.conn_deadline <= now => {
                    Some(verdict(false, "L4TOUT", "Layer4 timeout"))
                }
                Phase::Reading if c.read_deadline <= now => {
                    let kind = rt.cfg.proxies[c.px].check.kind;
                    Some(match kind {
                        CheckType::SslHello => verdict(false, "L6TOUT", "Layer6 timeout"),
                        _ => verdict(false, "L7TOUT", "Layer7 timeout"),
                    })
                }
                _ => None,
            };
            if let Some(v) = v {
                self.close(i, registry, true);
                self.conclude(i, rt, registry, syslog, v, now, wake, grants);
            }
        }
    }

    /// Applies a verdict to the server's health, with 1.4's messages.
    #[allow(clippy::too_many_arguments)]
    fn conclude(
        &mut self,
        i: usize,
        rt: &mut Runtime,
        registry: &Registry,
        syslog: &Syslog,
        v: Verdict,
        now: Instant,
        wake: &mut Vec<usize>,
        grants: &mut Vec<(usize, usize)>,
    ) {
        let (pi, si) = (self.list[i].px, self.list[i].srv);
        let cfg = rt.cfg;
        let px = &cfg.proxies[pi];
        let c = &px.servers[si];
        let dur = now
            .saturating_duration_since(self.list[i].start)
            .as_millis() as u64;
        let full = c.rise + c.fall - 1;
        // a health analysis has no probe, hence no duration
        let hana = v.status == "HANA";
        {
            let st = &mut rt.srv[pi][si];
            st.check_status = v.status;
            st.check_code = v.code;
            st.check_duration = (!hana).then_some(dur);
        }
        let mut reason = format!("reason: {}", v.desc);
        if let Some(code) = v.code {
            reason.push_str(&format!(", code: {}", code));
        }
        if let Some(info) = &v.info {
            if !info.is_empty() {
                reason.push_str(&format!(", info: \"{}\"", info));
            }
        }
        if !hana {
            reason.push_str(&format!(", check duration: {}ms", dur));
        }
        let was_up = rt.srv[pi][si].up;
        if px.flags.log_health_checks {
            let st = &rt.srv[pi][si];
            let hl = if v.ok {
                (st.health + 1).min(full)
            } else {
                st.health.saturating_sub(1)
            };
            let m = format!(
                "Health check for {}server {}/{} {}, {}, status: {}/{} {}.",
                if c.backup { "backup " } else { "" },
                px.name,
                c.name,
                if v.ok {
                    if v.nolb {
                        "conditionally succeeded"
                    } else {
                        "succeeded"
                    }
                } else {
                    "failed"
                },
                reason,
                if hl >= c.rise { hl + 1 - c.rise } else { hl },
                if hl >= c.rise { c.fall } else { c.rise },
                if hl >= c.rise { "UP" } else { "DOWN" }
            );
            syslog.send(&px.logs, crate::log::INFO, &m);
        }
        if v.ok {
            let st = &mut rt.srv[pi][si];
            if st.up {
                st.health = full;
            } else {
                st.health += 1;
                if st.health >= c.rise {
                    st.health = full;
                    st.up = true;
                    st.last_change = now;
                    if c.slowstart > 0 {
                        st.warm_until = Some(now + Duration::from_millis(c.slowstart));
                    }
                    if let Some(d) = st.down_since.take() {
                        st.down_total_secs += now.saturating_duration_since(d).as_secs();
                    }
                    rt.lb_update(pi);
                    let (a, b) = rt.srv_counts(pi);
                    let qlen = rt.px[pi].queue.len();
                    let m = format!(
                        "{}Server {}/{} is UP, {}. {} active and {} backup servers online.{} 0 sessions requeued, {} total in queue.",
                        if c.backup { "Backup " } else { "" },
                        px.name,
                        c.name,
                        reason,
                        a,
                        b,
                        if a == 0 && b > 0 { " Running on backup." } else { "" },
                        qlen
                    );
                    msg::warning(&m);
                    syslog.send(&px.logs, crate::log::NOTICE, &m);
                    self.propagate(rt, syslog, (pi, si), true, now);
                    serve_queue(rt, registry, syslog, now, wake, grants, pi);
                }
            }
        } else {
            let st = &mut rt.srv[pi][si];
            st.chkfail += 1;
            if st.up && st.health > c.rise {
                st.health -= 1;
            } else if st.up || st.health > 0 {
                st.health = 0;
                if was_up {
                    st.up = false;
                    st.chkdown += 1;
                    st.last_change = now;
                    st.down_since = Some(now);
                    let active = st.cur_sess;
                    // sessions waiting for this server go back to the backend
                    let requeued: Vec<usize> = st.queue.drain(..).collect();
                    let nreq = requeued.len();
                    for k in requeued {
                        rt.px[pi].queue.push_back(k);
                    }
                    rt.lb_update(pi);
                    let (a, b) = rt.srv_counts(pi);
                    let m = format!(
                        "{}Server {}/{} is DOWN, {}. {} active and {} backup servers left.{} {} sessions active, {} requeued, {} remaining in queue.",
                        if c.backup { "Backup " } else { "" },
                        px.name,
                        c.name,
                        reason,
                        a,
                        b,
                        if a == 0 && b > 0 { " Running on backup." } else { "" },
                        active,
                        nreq,
                        0
                    );
                    msg::warning(&m);
                    syslog.send(&px.logs, crate::log::ALERT, &m);
                    self.propagate(rt, syslog, (pi, si), false, now);
                    if a == 0 && b == 0 {
                        let tw = crate::config::proxy::type_str(px.kind);
                        msg::alert(&format!("{} '{}' has no server available!", tw, px.name));
                        syslog.send(
                            &px.logs,
                            crate::log::EMERG,
                            &format!("{} {} has no server available!", tw, px.name),
                        );
                    }
                    serve_queue(rt, registry, syslog, now, wake, grants, pi);
                }
            }
        }
        let inter = getinter(c, &rt.srv[pi][si]);
        self.list[i].next = now + Duration::from_millis(inter);
        self.list[i].phase = Phase::Idle;
    }
}

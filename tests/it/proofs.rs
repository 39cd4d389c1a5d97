//! Tests written to prove rows of docs/compatibility.md that had no test:
//! `-st`, `-n`/`-N`, SIGHUP, `source`, `option http_proxy`, `stats timeout`
//! and the cookie date suffix. Each checks what the real 1.4.25 was seen
//! doing with the same configuration (its messages, counters, headers).
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

const OK1: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n";

fn pid_of(f: &std::path::Path) -> i32 {
    std::fs::read_to_string(f)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0)
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

fn signal(sig: &str, pid: i32) {
    // never 0 or -1 (a pid file not written yet): `kill 0` would signal
    // the test's own process group, cargo included
    if pid <= 1 {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

/// Polls `cond` every 20 ms for at most `secs`.
fn within(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// `-st`: the new process terminates the old one at once, even while a
/// client still holds a connection to it (`-sf` would wait for it).
#[test]
fn st_terminates_the_old_process_at_once() {
    // a real address: the second process binds it beside the first (the
    // test holds the port until the first process has it)
    let (held, dead) = (reserved(), dead_port());
    let fe = held.port;
    let dir = tmpdir("st");
    let (cfgp, pid_a, pid_b) = (dir.join("h.cfg"), dir.join("a.pid"), dir.join("b.pid"));
    let cfg = format!(
        "global\n    maxconn 50\ndefaults\n    mode http\n    contimeout 1000\n    clitimeout 20000\n    srvtimeout 20000\nlisten app {held}\n    server s1 127.0.0.1:{dead}\n",
    );
    std::fs::write(&cfgp, cfg).expect("cfg");
    let daemon = |pidf: &std::path::Path, extra: &[String]| {
        Command::new(bin())
            .arg("-D")
            .arg("-f")
            .arg(&cfgp)
            .arg("-p")
            .arg(pidf)
            .args(extra)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    assert!(daemon(&pid_a, &[]), "first daemon");
    drop(held);
    let old = pid_of(&pid_a);
    assert!(old > 0);
    // a client in the middle of its request keeps the old process busy
    let mut held = TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    let _ = held.write_all(b"GET / HTTP/1.1\r\n");
    thread::sleep(Duration::from_millis(100));
    let started = daemon(&pid_b, &["-st".to_string(), old.to_string()]);
    let new = pid_of(&pid_b);
    let gone = within(3, || !alive(old));
    for pid in [old, new] {
        if pid > 0 && alive(pid) {
            signal("KILL", pid);
        }
    }
    assert!(started && new > 0 && new != old, "second daemon {new}");
    assert!(gone, "the old process {old} outlived -st");
}

/// `-n` sets the global maxconn, `-N` the proxies' default one; a proxy's
/// own `maxconn` still wins (1.4: Maxconn: 77, slim 44 and 33).
#[test]
fn n_and_big_n_set_the_maxconns() {
    let mut log = Syslog::new();
    let dead = dead_port();
    let dir = tmpdir("nN");
    let sock = dir.join("s.sock");
    let cfgp = dir.join("h.cfg");
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {}\n{DEFAULTS}\nlisten a {}\n    server s1 127.0.0.1:{}\nlisten b {}\n    maxconn 33\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        handed(),
        dead,
        handed(),
        dead
    );
    std::fs::write(&cfgp, cfg).expect("cfg");
    let mut cmd = Command::new(bin());
    cmd.args(["-db", "-n", "77", "-N", "44", "-f"])
        .arg(&cfgp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let held = hand_over(&mut cmd);
    let mut child = cmd.spawn().expect("spawn");
    drop(held);
    // the socket may be bound just after the proxies said they started
    let started = log.wait_for("started.", 2, 10)
        && within(3, || std::os::unix::net::UnixStream::connect(&sock).is_ok());
    let info = if started {
        stats_ask(&sock, "show info\n")
    } else {
        String::new()
    };
    let stat = if started {
        stats_ask(&sock, "show stat\n")
    } else {
        String::new()
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "{:?}", log.lines);
    assert!(info.contains("\nMaxconn: 77\n"), "{info}");
    let slim = |px: &str, sv: &str| {
        stat.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c.len() > 6 && c[0] == px && c[1] == sv)
            .map(|c| c[6].to_string())
            .unwrap_or_default()
    };
    assert_eq!(slim("a", "FRONTEND"), "44", "{stat}");
    assert_eq!(slim("b", "FRONTEND"), "33", "{stat}");
}

/// SIGHUP dumps each server's state at notice level and on stderr, in
/// 1.4's words for the server lines.
#[test]
fn sighup_dumps_server_states() {
    // the lines 1.4.25 prints for this layout (recorded from the oracle):
    // every proxy, its servers, and the summary in its three wordings
    let mut log = Syslog::new();
    let (a, f, b1, b2) = (handed(), handed(), dead_port(), dead_port());
    let cfg = format!(
        "{}\nlisten app {a}\n    server s1 127.0.0.1:{b1}\n    server s2 127.0.0.1:{b2} backup\n\
         frontend fe {f}\n    default_backend bk\n\
         backend bk\n    server b1 127.0.0.1:{b1} backup\n    server b2 127.0.0.1:{b2} disabled\n\
         backend none\n    server n1 127.0.0.1:{b2} disabled\n",
        global(log.port)
    );
    let p = Proxy::start(&cfg, &mut log, 4);
    p.signal("HUP");
    let conn = "Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 0+0.";
    let want = [
        "SIGHUP received, dumping servers states.".to_string(),
        "SIGHUP: Server app/s1 is UP. Conn: 0 act, 0 pend, 0 tot.".to_string(),
        "SIGHUP: Server app/s2 is UP. Conn: 0 act, 0 pend, 0 tot.".to_string(),
        format!("SIGHUP: Proxy app has 1 active servers and 1 backup servers available. {conn}"),
        format!("SIGHUP: Proxy fe has no servers. {conn}"),
        "SIGHUP: Server bk/b1 is UP. Conn: 0 act, 0 pend, 0 tot.".to_string(),
        "SIGHUP: Server bk/b2 is DOWN. Conn: 0 act, 0 pend, 0 tot.".to_string(),
        format!("SIGHUP: Proxy bk is running on backup servers ! {conn}"),
        "SIGHUP: Server none/n1 is DOWN. Conn: 0 act, 0 pend, 0 tot.".to_string(),
        format!("SIGHUP: Proxy none has no server available ! {conn}"),
    ];
    let logged = log.wait_for("SIGHUP: Proxy none has no server available", 1, 3);
    let err = p.stop();
    assert!(logged, "{:?}", log.lines);
    let got: Vec<&str> = err
        .lines()
        .filter_map(|l| l.split_once(") : ").map(|(_, m)| m))
        .filter(|m| m.starts_with("SIGHUP"))
        .collect();
    assert_eq!(got, want, "{err}");
    // syslog: a notice per proxy before its lines, then the same lines
    assert!(
        log.lines.iter().any(|l| l.starts_with("<133>")
            && l.ends_with("SIGHUP received, dumping servers states for proxy fe.\n")),
        "{:?}",
        log.lines
    );
}

/// Accepts one connection and returns the address it came from.
fn peer_of_next_connection() -> (u16, std::sync::mpsc::Receiver<Option<std::net::IpAddr>>) {
    let (b, rx) = Backend::reporting(1, |mut c| {
        let peer = c.peer_addr().ok().map(|a| a.ip());
        let _ = read_until_head(&mut c);
        let _ = c.write_all(OK1);
        peer
    });
    (b.port, rx)
}

/// `source` (proxy) and server `source` bind the server-side socket.
#[test]
fn source_sets_the_server_side_address() {
    let mut log = Syslog::new();
    let (b1, peer1) = peer_of_next_connection();
    let (b2, peer2) = peer_of_next_connection();
    let (fa, fb) = (handed(), handed());
    let cfg = format!(
        "{}\nlisten a {fa}\n    option httpclose\n    source 127.0.0.2\n    server s1 127.0.0.1:{b1}\nlisten b {fb}\n    option httpclose\n    server s1 127.0.0.1:{b2} source 127.0.0.3\n",
        global(log.port)
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    assert!(get(fa.port, "/", "").ends_with("s1\n"));
    assert!(get(fb.port, "/", "").ends_with("s1\n"));
    let peer1 = peer1.recv_timeout(Duration::from_secs(3)).ok().flatten();
    assert_eq!(peer1, "127.0.0.2".parse().ok());
    let peer2 = peer2.recv_timeout(Duration::from_secs(3)).ok().flatten();
    assert_eq!(peer2, "127.0.0.3".parse().ok());
}

/// `option http_proxy`: the server is the address of the absolute URI, and
/// the request line reaches it unchanged (1.4 does not strip the URI).
#[test]
fn http_proxy_forwards_the_absolute_uri() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let fe = handed();
    let cfg = format!(
        "{}\nlisten px {fe}\n    option httpclose\n    option http_proxy\n",
        global(log.port)
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let req = format!(
        "GET http://127.0.0.1:{}/x?y=1 HTTP/1.0\r\nHost: a\r\n\r\n",
        b.port
    );
    let r = String::from_utf8_lossy(&exchange(fe.port, req.as_bytes())).into_owned();
    assert!(r.ends_with("s1\n"), "{r}");
    let seen = b.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with(&format!(
            "GET http://127.0.0.1:{}/x?y=1 HTTP/1.0\r\n",
            b.port
        )),
        "{seen:?}"
    );
}

/// `stats timeout`: an idle interactive CLI connection is closed once the
/// timeout passed, even when nothing else happens in the process.
#[test]
fn stats_timeout_closes_an_idle_cli() {
    let mut log = Syslog::new();
    let dir = tmpdir("clito");
    let sock = dir.join("s.sock");
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {}\n    stats timeout 1s\n{DEFAULTS}\nlisten a {}\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        handed(),
        dead_port()
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // the socket may be bound just after the proxies said they started
    let mut conn = None;
    let _ = within(3, || {
        conn = std::os::unix::net::UnixStream::connect(&sock).ok();
        conn.is_some()
    });
    let mut s = conn.expect("the stats socket accepts");
    s.set_read_timeout(Some(Duration::from_secs(4)))
        .expect("timeout");
    s.write_all(b"prompt\n").expect("write");
    let t0 = Instant::now();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let waited = t0.elapsed();
    assert_eq!(out, b"\n> ", "{:?}", String::from_utf8_lossy(&out));
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_millis(2500),
        "closed after {waited:?}"
    );
}

/// `cookie ... maxidle/maxlife`: the inserted cookie carries the two dates
/// (`|XXXXX|XXXXX`); a cookie older than maxlife is flagged O, one idle
/// longer than maxidle E, and both are replaced.
#[test]
fn cookie_dates_suffix_and_stale_flags() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let fe = handed();
    let cfg = format!(
        "{}\nlisten ck {fe}\n    option httpclose\n    cookie SRV insert indirect maxidle 30s maxlife 1h\n    server s1 127.0.0.1:{} cookie s1\n",
        global(log.port),
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    for (n, cookie) in [
        "",
        "Cookie: SRV=s1|AAAAB|AAAAB\r\n",
        "Cookie: SRV=s1|AAAAB\r\n",
    ]
    .iter()
    .enumerate()
    {
        let r = get(fe.port, "/", cookie);
        let set = r
            .lines()
            .find_map(|l| l.strip_prefix("Set-Cookie: SRV=s1|"))
            .unwrap_or_default();
        let dates: Vec<&str> = set.trim_end_matches("; path=/").split('|').collect();
        assert!(
            dates.len() == 2 && dates[0].len() == 5 && dates[0] == dates[1],
            "{r}"
        );
        assert!(log.wait_for("ck ck/s1 ", n + 1, 3), "{:?}", log.lines);
    }
    let flags: Vec<&str> = log
        .lines
        .iter()
        .filter(|l| l.contains(" ck ck/s1 "))
        .filter_map(|l| l.split(" - - ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(flags, ["--NI", "--OI", "--EI"], "{:?}", log.lines);
}

/// `ulimit-n` is what show info reports; with `stats maxconn 1` a second
/// CLI connection gets no answer while the first one stays open.
#[test]
fn ulimit_n_and_stats_maxconn() {
    let mut log = Syslog::new();
    let dir = tmpdir("ulimit");
    let sock = dir.join("s.sock");
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    ulimit-n 4000\n    stats socket {}\n    stats maxconn 1\n{DEFAULTS}\nlisten a {}\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        handed(),
        dead_port()
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // no probe connection here: it would take the only slot for a while
    assert!(within(3, || sock.exists()));
    let info = stats_ask(&sock, "show info\n");
    assert!(info.contains("\nUlimit-n: 4000\n"), "{info}");
    let mut first = std::os::unix::net::UnixStream::connect(&sock).expect("unix");
    first
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    first.write_all(b"prompt\n").expect("write");
    let mut prompt = [0u8; 3];
    first.read_exact(&mut prompt).expect("prompt");
    let mut second = std::os::unix::net::UnixStream::connect(&sock).expect("unix");
    second
        .set_read_timeout(Some(Duration::from_millis(800)))
        .expect("timeout");
    let _ = second.write_all(b"show info\n");
    let mut got = [0u8; 64];
    let n = second.read(&mut got).unwrap_or(0);
    assert_eq!(n, 0, "answered beyond stats maxconn");
    drop(first);
    drop(second);
    assert!(stats_ask(&sock, "show info\n").starts_with("Name: HAProxy\n"));
}

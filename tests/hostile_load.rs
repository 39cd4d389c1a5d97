//! The hostile-client suite under load (#18, beside tests/it/hostile.rs):
//! thousands of slow heads (slowloris), a process out of descriptors, and
//! hundreds of downloads nobody reads. Each test asserts what a client can
//! observe (answers and their delay) and what the proxy holds (open fds,
//! `show info` CurrConns, CPU time, RSS), read from /proc and the stats
//! socket of the running process.
//!
//! `HOSTILE_BIN=/path/to/haproxy` runs them against another binary (an
//! older build, or the 1.4.25 oracle).
mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The tests of this file run one at a time: each loads the machine (and
/// the kernel's TCP memory) enough to disturb the figures of another.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn hostile_bin() -> String {
    std::env::var("HOSTILE_BIN").unwrap_or_else(|_| bin())
}

/// The proxy's listening address: handed over to ours (`fd@N`); another
/// binary (1.4.25 has no `fd@`) binds a port the test holds.
fn fe_addr() -> Front {
    front(std::env::var_os("HOSTILE_BIN").is_none())
}

/// Starts the binary under test on `cfg`, with `nofile` as its fd limit
/// (soft and hard) when given, and waits for its started lines.
fn start(cfg: &str, log: &mut Syslog, proxies: usize, nofile: Option<u64>) -> Proxy {
    let path = tmpdir("hostile-load").join("haproxy.cfg");
    std::fs::write(&path, cfg).expect("write cfg");
    let mut cmd = Command::new(hostile_bin());
    cmd.arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(n) = nofile {
        // SAFETY: only setrlimit (async-signal-safe) runs in the child
        // between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: n as libc::rlim_t,
                    rlim_max: n as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let held = hand_over(&mut cmd);
    let mut child = cmd.spawn().expect("spawn");
    drop(held);
    if !log.wait_for("started.", proxies, 10) {
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        panic!("proxy did not start: {:?}; {err}", log.lines);
    }
    Proxy { child, cfg: path }
}

/// Raises this process's soft fd limit to its hard limit; the limit now.
fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid rlimit to fill and then to set.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
    lim.rlim_cur
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// `CurrConns` from `show info`; None while the socket does not answer.
fn curr_conns(sock: &std::path::Path) -> Option<u64> {
    let out = std::panic::catch_unwind(|| stats_ask(sock, "show info\n")).ok()?;
    out.lines()
        .find_map(|l| l.strip_prefix("CurrConns: "))
        .and_then(|v| v.trim().parse().ok())
}

/// Waits (bounded) until the stats socket answers: the event loop runs
/// and all of its own fds are open.
fn ready(sock: &std::path::Path) -> u64 {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(c) = curr_conns(sock) {
            return c;
        }
        assert!(Instant::now() < end, "stats socket never answered");
        thread::sleep(Duration::from_millis(10));
    }
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command's closing parenthesis; utime and stime
    // are the 14th and 15th of the line
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    num(11) + num(12)
}

/// VmRSS of `pid`, in kB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One GET with its own deadline; whether a 200 came within it.
fn get_within(port: u16, limit: Duration) -> Result<(), String> {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let _ = s.set_read_timeout(Some(limit));
    s.write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let took = t0.elapsed();
    if !got.starts_with(b"HTTP/1.1 200 ") {
        return Err(format!(
            "after {took:?}: {:?}",
            String::from_utf8_lossy(&got[..got.len().min(40)])
        ));
    }
    if took > limit {
        return Err(format!("answered after {took:?}"));
    }
    Ok(())
}

/// A backend answering every request with `OK`, on as many connections
/// as come (one thread each, bounded by `max`).
fn ok_backend(max: usize) -> u16 {
    Backend::spawn_t(max, Duration::from_secs(5), |mut c| {
        let _ = read_until_head(&mut c);
        answer_and_close(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    })
    .port
}

/// One proxy, `maxconn` for the process and the proxy alike (its accept
/// backlog follows: a burst of connections must not overflow it, or the
/// kernel drops SYNs and a client waits a second for its retransmit).
fn cfg(
    log: u16,
    maxconn: u32,
    sock: &std::path::Path,
    timeouts: &str,
    fe: &Front,
    srv: u16,
) -> String {
    format!(
        "global\n    log 127.0.0.1:{log} local0\n    maxconn {maxconn}\n    stats socket {}\n\ndefaults\n    log global\n    mode http\n{timeouts}\nlisten app {fe}\n    maxconn {maxconn}\n    option httpclose\n    server s1 127.0.0.1:{srv}\n",
        sock.display()
    )
}

// ---------------------------------------------------------------------
// slowloris

const SLOW: usize = 2000;

/// 2,000 connections send a request head a byte every 300 ms; a normal
/// client meanwhile gets each of its answers within a second, and
/// `timeout http-request` (2 s) ends the slow ones (408) although bytes
/// keep coming: fds and CurrConns are back where they started soon after.
/// 1.4.25 behaves the same (`HOSTILE_BIN=/tmp/haproxy-1.4.25/haproxy`).
#[test]
fn slowloris_heads_end_at_http_request_timeout() {
    let _one_at_a_time = serial();
    let have = raise_nofile();
    if have < (SLOW as u64) + 200 {
        skip(&format!(
            "slowloris needs {} fds, the hard limit is {have}",
            SLOW + 200
        ));
        return;
    }
    let srv = ok_backend(10_000);
    let dir = tmpdir("slowloris");
    let sock = dir.join("s.sock");
    let mut log = Syslog::new();
    let fe = fe_addr();
    let timeouts = "    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\n    timeout http-request 2s\n";
    let p = start(
        &cfg(log.port, 5000, &sock, timeouts, &fe, srv),
        &mut log,
        1,
        Some(have.min(12_000)),
    );
    let pid = p.child.id();
    let cur0 = ready(&sock);
    let fds0 = fd_count(pid);

    // the normal client, every 100 ms until told to stop
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let port = fe.port();
    let normal = thread::spawn(move || {
        let mut bad = Vec::new();
        let mut n = 0;
        for _ in 0..200 {
            if stop2.load(Ordering::Relaxed) {
                break;
            }
            n += 1;
            if let Err(e) = get_within(port, Duration::from_secs(1)) {
                bad.push(e);
            }
            thread::sleep(Duration::from_millis(100));
        }
        (n, bad)
    });

    let mut slow: Vec<TcpStream> = (0..SLOW)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", fe.port())).ok())
        .collect();
    assert_eq!(slow.len(), SLOW, "slow clients connected");
    for s in &slow {
        let _ = s.set_nonblocking(true);
    }
    // a head that never ends: a byte each 300 ms for 4 s, well past the
    // 2 s of timeout http-request (bounded: 14 rounds)
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa";
    let t0 = Instant::now();
    for round in 0..14 {
        for s in slow.iter_mut() {
            let _ = s.write(&head[round..round + 1]);
        }
        thread::sleep(Duration::from_millis(300));
    }
    let trickled = t0.elapsed();
    // each slow client was answered 408 and closed
    let mut answered = 0;
    let mut other = Vec::new();
    for mut s in slow {
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        if got.starts_with(b"HTTP/1.0 408 ") {
            answered += 1;
        } else if other.len() < 3 {
            other.push(String::from_utf8_lossy(&got).into_owned());
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (n, bad) = normal.join().expect("normal client");
    let end = Instant::now() + Duration::from_secs(3);
    let (mut cur, mut fds) = (curr_conns(&sock), fd_count(pid));
    while (cur != Some(cur0) || fds != fds0) && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        (cur, fds) = (curr_conns(&sock), fd_count(pid));
    }
    assert!(
        bad.is_empty() && n >= 20,
        "normal client, {n} requests while {SLOW} slow heads trickled for {trickled:?}: {} late or failed: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    assert_eq!(
        answered, SLOW,
        "slow heads answered 408: others got {other:?}"
    );
    assert!(
        cur == Some(cur0) && fds == fds0,
        "after the slow heads: CurrConns {cur:?} (was {cur0}), {fds} fds (was {fds0})"
    );
}

// ---------------------------------------------------------------------
// fd exhaustion

const HOLDERS: usize = 400;

/// Started with 256 fds and maxconn 2000, 400 clients connect and hold:
/// the proxy stays up and spends no CPU while it cannot accept (an
/// accept() failing with EMFILE on an edge-triggered listener must not be
/// retried in a loop), and once the holders leave, a client that waited
/// in the backlog all along is served within a second (nothing new
/// arrives on the listener to wake it: the freed fds must).
#[test]
fn fd_exhaustion_no_spin_and_recovery() {
    let _one_at_a_time = serial();
    let have = raise_nofile();
    if have < (HOLDERS as u64) + 100 {
        skip(&format!(
            "needs {} fds, the hard limit is {have}",
            HOLDERS + 100
        ));
        return;
    }
    let srv = ok_backend(1000);
    let dir = tmpdir("fdlimit");
    let sock = dir.join("s.sock");
    let mut log = Syslog::new();
    let fe = fe_addr();
    let timeouts = "    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\n    timeout http-request 30s\n";
    let mut p = start(
        &cfg(log.port, 2000, &sock, timeouts, &fe, srv),
        &mut log,
        1,
        Some(256),
    );
    let pid = p.child.id();
    ready(&sock);
    let holders: Vec<TcpStream> = (0..HOLDERS)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", fe.port())).ok())
        .collect();
    assert_eq!(holders.len(), HOLDERS, "holders connected (backlog)");
    // let the proxy take what it can, then measure it while saturated
    let end = Instant::now() + Duration::from_secs(5);
    let mut fds = fd_count(pid);
    while fds < 250 && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        fds = fd_count(pid);
    }
    assert!(fds >= 250, "the proxy took its fds: {fds} open");
    // a client waiting behind the holders, its request already sent
    let mut waiter = TcpStream::connect(("127.0.0.1", fe.port())).expect("waiter");
    waiter
        .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("waiter request");
    thread::sleep(Duration::from_millis(300));
    let t0 = cpu_ticks(pid);
    thread::sleep(Duration::from_secs(1));
    let spent = cpu_ticks(pid) - t0;
    let alive = matches!(p.child.try_wait(), Ok(None));
    // the holders leave; the waiter must be served without any help
    drop(holders);
    let left = Instant::now();
    let _ = waiter.set_read_timeout(Some(Duration::from_millis(1500)));
    let mut got = Vec::new();
    let _ = waiter.read_to_end(&mut got);
    let waited = left.elapsed();
    let after = get_within(fe.port(), Duration::from_secs(1));
    let stderr = p.stop();
    assert!(alive, "the proxy died: {stderr}");
    assert!(
        spent <= 10,
        "{spent} CPU ticks in 1 s while it could not accept"
    );
    assert!(
        got.starts_with(b"HTTP/1.1 200 ") && waited < Duration::from_secs(1),
        "the waiting client after the holders left ({waited:?}): {:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(after, Ok(()), "a new client afterwards");
}

// ---------------------------------------------------------------------
// stalled downloads

const STALLED: usize = 500;
const BIG: usize = 10 << 20;

/// A server answering each request with a `BIG` body as fast as the
/// proxy takes it: Content-Length framed, or closed-delimited (read
/// through the buffers, never spliced).
fn big_backend(chunked_like: bool) -> u16 {
    Backend::spawn_t(STALLED + 50, Duration::from_secs(5), move |mut c| {
        let _ = c.set_write_timeout(Some(Duration::from_secs(40)));
        let _ = read_until_head(&mut c);
        let head = if chunked_like {
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string()
        } else {
            format!("HTTP/1.1 200 OK\r\nContent-Length: {BIG}\r\n\r\n")
        };
        if c.write_all(head.as_bytes()).is_err() {
            return;
        }
        let block = [b'x'; 65536];
        for _ in 0..BIG / block.len() {
            if c.write_all(&block).is_err() {
                return;
            }
        }
    })
    .port
}

/// 500 clients each ask for 10 MB and read nothing: once it settles, the
/// proxy's RSS grew by less than 40 KB per connection (what it holds
/// for a client that does not read is one buffer, as in 1.4, not what
/// the server could send meanwhile). Returns the growth per connection.
fn stalled_downloads(close_delimited: bool, extra_global: &str) -> u64 {
    let _one_at_a_time = serial();
    let have = raise_nofile();
    if have < (STALLED as u64) * 2 + 100 {
        skip(&format!(
            "needs {} fds, the hard limit is {have}",
            STALLED * 2 + 100
        ));
        return 0;
    }
    let srv = big_backend(close_delimited);
    let dir = tmpdir("stalled");
    let sock = dir.join("s.sock");
    let mut log = Syslog::new();
    let fe = fe_addr();
    let timeouts = "    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n    timeout http-request 5s\n";
    let c = cfg(log.port, 2000, &sock, timeouts, &fe, srv).replacen(
        "\n\ndefaults",
        &format!("\n{extra_global}\ndefaults"),
        1,
    );
    let p = start(&c, &mut log, 1, Some(have.min(8000)));
    let pid = p.child.id();
    ready(&sock);
    // one download read to its end first: what any transfer allocates
    // once (buffers, the splice pipe) is in the baseline
    let mut one = TcpStream::connect(("127.0.0.1", fe.port())).expect("connect");
    let _ = one.set_read_timeout(Some(Duration::from_secs(10)));
    one.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut n = 0;
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..100_000 {
        match one.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    assert!(n > BIG, "the first download came whole: {n} bytes");
    drop(one);
    thread::sleep(Duration::from_millis(300));
    let rss0 = rss_kb(pid);
    let cur0 = curr_conns(&sock).unwrap_or(0);
    let clients: Vec<TcpStream> = (0..STALLED)
        .filter_map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", fe.port())).ok()?;
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(clients.len(), STALLED, "stalled clients connected");
    // settled: every session open (the backend's accept queue of 128 may
    // have made some connects wait for a SYN retransmit) and RSS unchanged
    // over half a second (bounded wait)
    let want = Some(cur0 + STALLED as u64);
    let end = Instant::now() + Duration::from_secs(15);
    let mut rss = rss_kb(pid);
    let mut cur = curr_conns(&sock);
    loop {
        thread::sleep(Duration::from_millis(500));
        let now = rss_kb(pid);
        let settled = now == rss && cur == want;
        cur = curr_conns(&sock);
        if settled || Instant::now() > end {
            rss = now.max(rss);
            break;
        }
        rss = now;
    }
    if std::env::var_os("HOSTILE_DEBUG").is_some() {
        let ss = stats_ask(&sock, "show sess\n");
        let lens: Vec<usize> = ss
            .split("rp[l=")
            .skip(1)
            .filter_map(|r| r.split(']').next()?.parse().ok())
            .collect();
        let _ = writeln!(
            std::io::stderr(),
            "{} sessions, rp bytes {} max {:?}",
            lens.len(),
            lens.iter().sum::<usize>(),
            lens.iter().max()
        );
    }
    drop(clients);
    drop(p);
    let per = rss.saturating_sub(rss0) * 1024 / STALLED as u64;
    let _ = writeln!(
        std::io::stderr(),
        "stalled downloads: RSS {rss0} kB -> {rss} kB, {per} bytes per connection"
    );
    assert_eq!(cur, want, "all stalled sessions open");
    per
}

#[test]
fn stalled_downloads_bounded_memory_content_length() {
    let per = stalled_downloads(false, "");
    assert!(per < 40 * 1024, "{per} bytes of RSS per stalled download");
}

/// A close-delimited body goes through the buffers (never spliced).
#[test]
fn stalled_downloads_bounded_memory_close_delimited() {
    let per = stalled_downloads(true, "");
    assert!(per < 40 * 1024, "{per} bytes of RSS per stalled download");
}

/// The Content-Length body again with `nosplice`: plain reads and writes.
#[test]
fn stalled_downloads_bounded_memory_nosplice() {
    let per = stalled_downloads(false, "    nosplice\n");
    assert!(per < 40 * 1024, "{per} bytes of RSS per stalled download");
}

//! Large Content-Length request bodies are spliced client -> server: the
//! bytes a server reads (fast or slowly), keep-alive after them, and a
//! client that stops mid-body behave exactly as with `nosplice` (plain
//! copies), and the session ends leaving no descriptor behind. Real
//! binary, real sockets, an in-test backend.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

const BIG: usize = 2 * 1024 * 1024 + 13;

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 253) as u8 ^ (i / 8192) as u8).collect()
}

/// A backend that reads each request's Content-Length body (in small
/// reads with pauses when `slow`, so the proxy finds it full) and answers
/// "same" when it is the expected pattern, else what it got, then closes.
fn upload_backend(slow: bool) -> u16 {
    let want = pattern(BIG);
    Backend::serial(8, Duration::from_secs(5), move |mut c| {
        let mut got = read_until_head(&mut c);
        let h = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
        got.drain(..h + 4);
        let mut tmp = vec![0u8; if slow { 2048 } else { 65536 }];
        let mut reads = 0u32;
        while got.len() < BIG {
            match c.read(&mut tmp) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&tmp[..n]),
            }
            reads += 1;
            if slow && reads.is_multiple_of(64) {
                thread::sleep(Duration::from_millis(5));
            }
        }
        let verdict = if got == want {
            "same".to_string()
        } else {
            format!("got {}", got.len())
        };
        let rsp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
            verdict.len(),
            verdict
        );
        let _ = c.write_all(rsp.as_bytes());
    })
    .port
}

fn config(log: u16, fe: Handed, be: u16, nosplice: bool) -> String {
    let mut g = global(log);
    if nosplice {
        g = g.replacen("global\n", "global\n    nosplice\n", 1);
    }
    format!(
        "{}\nlisten app {}\n    option http-server-close\n    server s1 127.0.0.1:{}\n",
        g, fe, be
    )
}

/// The proxy's open pipes and all its descriptors.
fn fds(pid: u32) -> (usize, usize) {
    let targets: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", pid))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .map(|t| t.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let pipes = targets.iter().filter(|t| t.starts_with("pipe:")).count();
    (pipes, targets.len())
}

fn post(s: &mut TcpStream, path: &str) -> String {
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        path, BIG
    );
    s.write_all(head.as_bytes()).expect("write head");
    s.write_all(&pattern(BIG)).expect("write body");
    let got = read_until(s, |b| b.ends_with(b"same") || b.len() > 4096);
    String::from_utf8_lossy(&got).into_owned()
}

/// Two uploads on one client connection; (responses, /a's log line,
/// pipes the proxy opened).
fn run(nosplice: bool, slow: bool) -> (String, String, String, usize) {
    let be = upload_backend(slow);
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, nosplice), &mut log, 1);
    let (before, _) = fds(p.child.id());
    let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let r1 = post(&mut s, "/a");
    let r2 = post(&mut s, "/b");
    assert!(log.wait_for("POST /b", 1, 5), "{:?}", log.lines);
    let line = log
        .lines
        .iter()
        .find(|l| l.contains("POST /a"))
        .cloned()
        .unwrap_or_default();
    let (after, _) = fds(p.child.id());
    drop(p);
    (r1, r2, line, after.saturating_sub(before))
}

/// The log's bytes_read and termination state, from an httplog line.
fn bytes_and_state(line: &str) -> (String, String) {
    let f: Vec<&str> = line.split_whitespace().collect();
    let i = f.iter().position(|w| *w == "200").unwrap_or(0);
    (
        f.get(i + 1).unwrap_or(&"").to_string(),
        f.get(i + 4).unwrap_or(&"").to_string(),
    )
}

#[test]
fn spliced_uploads_are_byte_exact_and_kept_alive() {
    for slow in [false, true] {
        let (r1, r2, line, grew) = run(false, slow);
        assert!(r1.ends_with("\r\n\r\nsame"), "slow {}: {}", slow, r1);
        assert!(r2.ends_with("\r\n\r\nsame"), "slow {}: {}", slow, r2);
        // the body went through the splice pipe
        assert_eq!(grew, 2, "pipes (slow {slow})");
        assert_eq!(bytes_and_state(&line).1, "----", "{}", line);
    }
}

#[test]
fn nosplice_uploads_log_the_same() {
    let (r1, r2, line, grew) = run(true, false);
    assert!(
        r1.ends_with("same") && r2.ends_with("same"),
        "{} {}",
        r1,
        r2
    );
    assert_eq!(grew, 0, "no pipe with nosplice");
    let (_, _, spliced, _) = run(false, false);
    assert_eq!(bytes_and_state(&line), bytes_and_state(&spliced));
}

/// A client that sends part of a large body and half-closes: the session
/// ends at once (1.4: nothing can complete the request), both sockets
/// closed, the same log line as with plain copies.
fn cut_short(nosplice: bool) -> (String, usize, usize) {
    // the server counts the bytes it read until the proxy closed
    let (srv, seen) = Backend::reporting(1, |mut c| {
        let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
        let mut n = 0usize;
        let mut tmp = vec![0u8; 65536];
        loop {
            match c.read(&mut tmp) {
                Ok(0) | Err(_) => return n,
                Ok(k) => n += k,
            }
        }
    });
    let be = srv.port;
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, nosplice), &mut log, 1);
    // sockets only: the splice pipe, once made, stays for later bodies,
    // and the proxy may still be setting up its stdio when it logs
    // "started."
    let socks = |pid: u32| {
        std::fs::read_dir(format!("/proc/{}/fd", pid))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| std::fs::read_link(e.path()).ok())
                    .filter(|t| t.to_string_lossy().starts_with("socket:"))
                    .count()
            })
            .unwrap_or(0)
    };
    let base = socks(p.child.id());
    let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let head = format!(
        "POST /cut HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        BIG
    );
    s.write_all(head.as_bytes()).expect("head");
    s.write_all(&pattern(300_000)).expect("part");
    s.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let seen = seen.recv_timeout(Duration::from_secs(6)).unwrap_or(0);
    assert!(log.wait_for("POST /cut", 1, 5), "{:?}", log.lines);
    let line = log
        .lines
        .iter()
        .find(|l| l.contains("POST /cut"))
        .cloned()
        .unwrap_or_default();
    // bounded: the session's descriptors are gone within a second
    let end = Instant::now() + Duration::from_secs(2);
    let mut now = socks(p.child.id());
    while now > base && Instant::now() < end {
        thread::sleep(Duration::from_millis(20));
        now = socks(p.child.id());
    }
    let f: Vec<&str> = line.split_whitespace().collect();
    let state = f
        .iter()
        .find(|w| w.len() == 4 && w.starts_with('C'))
        .unwrap_or(&"")
        .to_string();
    assert!(now <= base, "sockets {} after, {} before", now, base);
    drop(p);
    (state, seen, rest.len())
}

#[test]
fn an_upload_cut_short_ends_as_without_splice() {
    let (state, seen, rest) = cut_short(false);
    assert!(state.starts_with("CH"), "{}", state);
    // the server got the head and all the body that was sent
    assert!(seen >= 300_000, "server saw {}", seen);
    let (plain, plain_seen, plain_rest) = cut_short(true);
    assert_eq!(state, plain);
    assert_eq!(rest, plain_rest);
    assert_eq!(seen, plain_seen);
}

/// Servers that reset in the middle of a spliced upload: each session
/// ends with its log line, and the proxy keeps its one splice pipe,
/// emptied of what the server never took, instead of dropping it (and
/// making another for the next body).
#[test]
fn a_server_reset_mid_upload_keeps_the_one_splice_pipe() {
    const TRIES: usize = 8;
    let be = Backend::serial(TRIES, Duration::from_secs(5), |mut c| {
        // the head and about 256 KB of the body, then a reset
        let mut n = read_until_head(&mut c).len();
        let mut tmp = vec![0u8; 65536];
        while n < 256 * 1024 {
            match c.read(&mut tmp) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        haproxy_rs::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&c));
    });
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be.port, false), &mut log, 1);
    let pid = p.child.id();
    let (signal_pipe, _) = fds(pid);
    let body = pattern(BIG);
    for i in 0..TRIES {
        let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.set_write_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let head = format!(
            "POST /r{} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            i, BIG
        );
        s.write_all(head.as_bytes()).expect("head");
        // the proxy stops reading once the server is gone: the rest of
        // the body may not go
        let _ = s.write_all(&body);
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        assert!(
            log.wait_for(&format!("POST /r{}", i), 1, 10),
            "{:?}",
            log.lines
        );
        let (pipes, _) = fds(pid);
        assert_eq!(pipes, signal_pipe + 2, "pipes after reset {}", i);
    }
    drop(p);
}

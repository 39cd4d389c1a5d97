//! Large Content-Length response bodies are spliced server -> client:
//! the bytes, their count in the log, keep-alive after them, a slow client
//! and a server that stops early all behave exactly as with `nosplice`
//! (plain copies). Real binary, real sockets, in-test backends.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

const BIG: usize = 3 * 1024 * 1024 + 7;

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect()
}

/// A backend answering each request with a `size`-byte body announced as
/// `announce` bytes (less than announced: it closes early), then closing.
fn big_backend(size: usize, announce: usize) -> u16 {
    let body = pattern(size);
    Backend::serial(8, Duration::from_secs(5), move |mut c| {
        read_until_head(&mut c);
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", announce);
        let _ = c.write_all(head.as_bytes());
        answer_and_close(&mut c, &body);
    })
    .port
}

fn config(log: u16, fe: Handed, be: u16, nosplice: bool, small_sndbuf: bool) -> String {
    let mut g = global(log);
    if nosplice {
        g = g.replacen("global\n", "global\n    nosplice\n", 1);
    }
    if small_sndbuf {
        // a small client send buffer: each splice step is sized by what
        // the client's socket can take (sys::send_space), so the pipe
        // still carries the body in steps of about 64 KB
        g = g.replacen("global\n", "global\n    tune.sndbuf.client 65536\n", 1);
    }
    format!(
        "{}\nlisten app {}\n    option http-server-close\n    server s1 127.0.0.1:{}\n",
        g, fe, be
    )
}

/// Reads one response (head + Content-Length body) from `s`, slowly when
/// asked (small reads with pauses, so the proxy finds the client full).
fn read_response(s: &mut TcpStream, slow: bool) -> (String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut tmp = vec![0u8; if slow { 4096 } else { 65536 }];
    let end = Instant::now() + Duration::from_secs(20);
    let mut reads = 0u32;
    loop {
        if let Some(h) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..h]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= h + 4 + len {
                return (head, buf[h + 4..h + 4 + len].to_vec());
            }
        }
        if Instant::now() > end {
            return (String::new(), buf);
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => return (String::new(), buf),
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
        reads += 1;
        if slow && reads.is_multiple_of(64) {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The proxy's open pipes (its signal pipe, plus the splice pipe once a
/// body went through it).
fn pipes(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", pid))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter(|t| t.to_string_lossy().starts_with("pipe:"))
                .count()
        })
        .unwrap_or(0)
}

fn run(nosplice: bool, slow: bool) -> (Vec<u8>, Vec<u8>, String, usize) {
    let be = big_backend(BIG, BIG);
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, nosplice, slow), &mut log, 1);
    let before = pipes(p.child.id());
    let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    // two requests on one connection: the first body must end exactly
    // where announced for the second response to parse
    s.write_all(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    let (h1, b1) = read_response(&mut s, slow);
    assert!(h1.starts_with("HTTP/1.1 200"), "{}", h1);
    s.write_all(b"GET /b HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    let (h2, b2) = read_response(&mut s, false);
    assert!(h2.starts_with("HTTP/1.1 200"), "{}", h2);
    assert!(log.wait_for("GET /b", 1, 5), "{:?}", log.lines);
    let line = log
        .lines
        .iter()
        .find(|l| l.contains("GET /a"))
        .cloned()
        .unwrap_or_default();
    let grew = pipes(p.child.id()) - before.min(pipes(p.child.id()));
    drop(p);
    (b1, b2, line, grew)
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
fn spliced_bodies_are_byte_exact_counted_and_kept_alive() {
    let want = pattern(BIG);
    for slow in [false, true] {
        let (b1, b2, line, grew) = run(false, slow);
        assert!(b1 == want, "first body differs (slow {})", slow);
        assert!(b2 == want, "second body differs (slow {})", slow);
        // the splice pipe was opened
        assert_eq!(grew, 2, "pipes (slow {slow})");
        let (bytes, state) = bytes_and_state(&line);
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", BIG).len();
        assert_eq!(bytes, (head + BIG).to_string(), "{}", line);
        assert_eq!(state, "----", "{}", line);
    }
}

#[test]
fn nosplice_copies_and_logs_the_same() {
    let want = pattern(BIG);
    let (b1, b2, line, grew) = run(true, false);
    assert!(b1 == want && b2 == want);
    assert_eq!(grew, 0, "no pipe with nosplice");
    let (_, _, line_spliced, _) = run(false, false);
    assert_eq!(bytes_and_state(&line), bytes_and_state(&line_spliced));
}

#[test]
fn a_server_stopping_mid_body_ends_as_without_splice() {
    // 1 MiB sent of 2 MiB announced, then the server closes
    let mut seen = Vec::new();
    for nosplice in [false, true] {
        let be = big_backend(1 << 20, 2 << 20);
        let mut log = Syslog::new();
        let fe = handed();
        let p = Proxy::start(&config(log.port, fe, be, nosplice, false), &mut log, 1);
        let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .expect("write");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        assert!(log.wait_for("GET /", 1, 5), "{:?}", log.lines);
        let line = log
            .lines
            .iter()
            .find(|l| l.contains("GET /"))
            .cloned()
            .unwrap_or_default();
        drop(p);
        let h = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
        // every byte the server sent reached the client, then the close
        assert!(
            out[h + 4..] == pattern(1 << 20)[..],
            "nosplice {}",
            nosplice
        );
        seen.push(bytes_and_state(&line));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0].1, "SD--", "{:?}", seen);
}

#[test]
fn tunnels_splice_what_their_server_streams() {
    // httpclose (the response passes as a tunnel after its head) and tcp
    // mode: a streaming server's bytes are spliced, all of them arrive,
    // then the close
    let want = pattern(BIG);
    for mode in ["    option httpclose\n", "    mode tcp\n"] {
        for nosplice in [false, true] {
            // splicing needs a client that keeps up (reads are bounded by
            // what its socket takes); on a loaded machine one transfer may
            // stay below the splice threshold: up to three tries
            let mut spliced = false;
            for _try in 0..3 {
                if spliced {
                    break;
                }
                let be = big_backend(BIG, BIG);
                let mut log = Syslog::new();
                let fe = handed();
                let mut g = global(log.port);
                if nosplice {
                    g = g.replacen("global\n", "global\n    nosplice\n", 1);
                }
                let cfg = format!(
                    "{}\nlisten app {}\n{}    server s1 127.0.0.1:{}\n",
                    g, fe, mode, be
                );
                let p = Proxy::start(&cfg, &mut log, 1);
                let before = pipes(p.child.id());
                let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
                s.set_read_timeout(Some(Duration::from_secs(5)))
                    .expect("timeout");
                s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    .expect("write");
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out);
                let grew = pipes(p.child.id()).saturating_sub(before);
                drop(p);
                let h = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
                assert!(out[h + 4..] == want[..], "{} nosplice {}", mode, nosplice);
                if nosplice {
                    assert_eq!(grew, 0, "{} pipes with nosplice", mode);
                    spliced = true;
                } else {
                    assert!(grew == 0 || grew == 2, "{} pipes: {}", mode, grew);
                    spliced = grew == 2;
                }
            }
            assert!(spliced, "{} never spliced in three transfers", mode);
        }
    }
}

//! The engine carrying HTTP exactly like 1.4: bodies in every framing,
//! pipelining, 100-continue, upgrades, error pages and maxconn gating.
//! Real binary, real sockets, scripted in-test backends.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const E408: &[u8] = b"HTTP/1.0 408 Request Time-out\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";
const E502: &[u8] = b"HTTP/1.0 502 Bad Gateway\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";
const E503: &[u8] = b"HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
const E504: &[u8] = b"HTTP/1.0 504 Gateway Time-out\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n";

/// A backend running `f` on each of up to 16 connections, one thread each.
fn scripted<F>(f: F) -> u16
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    Backend::spawn_t(16, Duration::from_secs(5), f).port
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads one HTTP message (head + Content-Length or chunked body) from
/// `c`, keeping any surplus in `buf`. Bounded by the socket's timeout.
fn read_message(c: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut tmp = [0u8; 65536];
    loop {
        if let Some(h) = find(buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..h]).to_ascii_lowercase();
            let body_start = h + 4;
            let end = if head.contains("transfer-encoding: chunked") {
                find(&buf[body_start..], b"\r\n0\r\n\r\n")
                    .map(|e| body_start + e + 7)
                    .or_else(|| {
                        buf[body_start..]
                            .starts_with(b"0\r\n\r\n")
                            .then_some(body_start + 5)
                    })
            } else {
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                (buf.len() >= body_start + len).then_some(body_start + len)
            };
            if let Some(e) = end {
                return Some(buf.drain(..e).collect());
            }
        }
        match c.read(&mut tmp) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    }
}

fn start(log: &mut Syslog, body: &str) -> (Proxy, u16) {
    let fe = handed();
    let cfg = format!("{}\nlisten app {}\n{}", global(log.port), fe, body);
    (Proxy::start(&cfg, log, 1), fe.port)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s
}

#[test]
fn chunked_bodies_and_pipelined_requests_intact_both_ways() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let be = scripted(move |mut c| {
        let mut buf = Vec::new();
        if let Some(m) = read_message(&mut c, &mut buf) {
            if let Ok(mut v) = s2.lock() {
                v.push(m);
            }
            let _ = c.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        }
        let _ = c.read(&mut [0u8; 16]);
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    option http-server-close\n    server s1 127.0.0.1:{be}\n"),
    );
    let post = b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab\x00c\r\n3;x=y\r\n\xff\r\n\r\n0\r\n\r\n";
    let get = b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut c = connect(fe);
    let mut both = post.to_vec();
    both.extend_from_slice(get);
    c.write_all(&both).expect("write");
    let mut buf = Vec::new();
    let r1 = read_message(&mut c, &mut buf).expect("first response");
    let r2 = read_message(&mut c, &mut buf).expect("second response");
    for r in [&r1, &r2] {
        assert!(
            r.starts_with(b"HTTP/1.1 200 OK\r\n"),
            "{}",
            String::from_utf8_lossy(r)
        );
        assert!(r.ends_with(b"\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    }
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(seen.len(), 2);
    let first = seen
        .iter()
        .find(|m| m.starts_with(b"POST /up "))
        .expect("post seen");
    assert!(first.ends_with(b"\r\n\r\n4\r\nab\x00c\r\n3;x=y\r\n\xff\r\n\r\n0\r\n\r\n"));
    assert!(seen.iter().any(|m| m.starts_with(b"GET /two HTTP/1.1\r\n")));
}

#[test]
fn one_mib_body_is_unaltered_both_ways() {
    let be = scripted(|mut c| {
        let mut buf = Vec::new();
        if let Some(m) = read_message(&mut c, &mut buf) {
            let body = &m[find(&m, b"\r\n\r\n").map(|h| h + 4).unwrap_or(m.len())..];
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            let _ = c.write_all(head.as_bytes());
            let _ = c.write_all(body);
            let _ = c.shutdown(Shutdown::Write);
        }
        let _ = c.read(&mut [0u8; 16]);
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    option httpclose\n    server s1 127.0.0.1:{be}\n"),
    );
    let body: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut c = connect(fe);
    let mut w = c.try_clone().expect("clone");
    let b2 = body.clone();
    let writer = thread::spawn(move || {
        let head = format!(
            "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            b2.len()
        );
        let _ = w.write_all(head.as_bytes());
        let _ = w.write_all(&b2);
    });
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let _ = writer.join();
    drop(c);
    let h = find(&out, b"\r\n\r\n").expect("head") + 4;
    assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(out.len() - h, body.len());
    assert!(out[h..] == body[..], "1 MiB body altered");
    assert!(
        // 1.4 logs the bytes read from the server: its head and the body
        log.wait_for(" 200 1048620 - - ---- ", 1, 3),
        "{:?}",
        log.lines
    );
}

#[test]
fn expect_100_continue_is_relayed_before_the_body() {
    let be = scripted(|mut c| {
        let mut tmp = [0u8; 4096];
        let mut buf = read_until_head(&mut c);
        if find(&buf, b"\r\n\r\n").is_none() {
            return;
        }
        let _ = c.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        if let Some(m) = read_message(&mut c, &mut buf) {
            let got = m.ends_with(b"\r\n\r\nhello");
            let _ = c.write_all(if got {
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes"
            } else {
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnot"
            });
        }
        let _ = c.read(&mut tmp);
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    option httpclose\n    server s1 127.0.0.1:{be}\n"),
    );
    let mut c = connect(fe);
    c.write_all(
        b"POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    )
    .expect("head");
    let got = read_until_head(&mut c);
    assert_eq!(got, b"HTTP/1.1 100 Continue\r\n\r\n");
    c.write_all(b"hello").expect("body");
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    assert!(
        rest.starts_with(b"HTTP/1.1 200 OK\r\n") && rest.ends_with(b"\r\n\r\nyes"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
}

fn upgrade_through(option: &str) {
    let be = scripted(|mut c| {
        let mut tmp = [0u8; 4096];
        let buf = read_until_head(&mut c);
        if find(&buf, b"\r\n\r\n").is_none() {
            return;
        }
        let _ = c.write_all(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n",
        );
        // then a raw echo of whatever the client sends, until it closes
        loop {
            match c.read(&mut tmp) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let _ = c.write_all(&tmp[..n]);
                }
            }
        }
        let _ = c.shutdown(Shutdown::Write);
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(&mut log, &format!("{option}    server s1 127.0.0.1:{be}\n"));
    let mut c = connect(fe);
    c.write_all(b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        .expect("head");
    let got = read_until_head(&mut c);
    assert!(
        got.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // not HTTP any more: binary frames both ways, then a half-close
    let frames: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    c.write_all(&frames).expect("frames");
    c.shutdown(Shutdown::Write).expect("shutw");
    let mut back = Vec::new();
    let _ = c.read_to_end(&mut back);
    let h = find(&got, b"\r\n\r\n").map(|h| h + 4).unwrap_or(got.len());
    let mut echoed = got[h..].to_vec();
    echoed.extend_from_slice(&back);
    assert_eq!(echoed, frames);
    assert!(log.wait_for(" 101 ", 1, 3), "{:?}", log.lines);
}

#[test]
fn upgrade_becomes_a_tunnel_in_default_mode() {
    upgrade_through("");
}

#[test]
fn upgrade_becomes_a_tunnel_under_http_server_close() {
    upgrade_through("    option http-server-close\n");
}

#[test]
fn stalled_client_gets_408() {
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        "    timeout http-request 500\n    server s1 127.0.0.1:9\n",
    );
    let t0 = Instant::now();
    let r = exchange(fe, b"GET / HTTP/1.1\r\nHost: x\r\n");
    assert_eq!(r, E408);
    assert!(t0.elapsed() >= Duration::from_millis(450));
    assert!(log.wait_for(" 408 212 - - cR-- ", 1, 3), "{:?}", log.lines);
}

#[test]
fn refused_server_gets_503_after_retries_one_second_apart() {
    let dead = dead_port();
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    retries 2\n    server s1 127.0.0.1:{dead}\n"),
    );
    let t0 = Instant::now();
    let r = exchange(fe, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let took = t0.elapsed();
    assert_eq!(r, E503);
    // two retries after connection errors, each 1 s after the previous attempt
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(log.wait_for(" 503 212 - - SC-- ", 1, 3), "{:?}", log.lines);
    assert!(
        log.lines
            .iter()
            .any(|l| l.contains("app/s1 ") && l.contains(" 0/0/0/0/2 ")),
        "{:?}",
        log.lines
    );
}

#[test]
fn silent_server_gets_504() {
    let be = scripted(|mut c| {
        let mut tmp = [0u8; 4096];
        let _ = c.set_read_timeout(Some(Duration::from_secs(3)));
        while let Ok(n) = c.read(&mut tmp) {
            if n == 0 {
                break;
            }
        }
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    srvtimeout 500\n    server s1 127.0.0.1:{be}\n"),
    );
    let r = exchange(fe, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r, E504);
    assert!(log.wait_for(" 504 194 - - sH-- ", 1, 3), "{:?}", log.lines);
}

#[test]
fn garbage_or_truncated_response_gets_502() {
    for (reply, term) in [
        (&b"garbage without any status line\r\n\r\n"[..], " PH-- "),
        (&b"HTTP/1.1 200 OK\r\nContent-Le"[..], " SH-- "),
    ] {
        let be = scripted(move |mut c| {
            let mut tmp = [0u8; 4096];
            let _ = c.read(&mut tmp);
            let _ = c.write_all(reply);
            let _ = c.shutdown(Shutdown::Write);
            let _ = c.read(&mut tmp);
        });
        let mut log = Syslog::new();
        let (_p, fe) = start(&mut log, &format!("    server s1 127.0.0.1:{be}\n"));
        let r = exchange(fe, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r, E502, "{}", String::from_utf8_lossy(&r));
        // the logged byte count includes what the server sent
        assert!(
            log.wait_for(&format!(" 502 {} - -{term}", 204 + reply.len()), 1, 3),
            "{:?}",
            log.lines
        );
    }
}

#[test]
fn maxconn_holds_extra_clients_and_resumes() {
    let (active, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (a2, p2) = (active.clone(), peak.clone());
    let be = scripted(move |mut c| {
        let now = a2.fetch_add(1, Ordering::SeqCst) + 1;
        p2.fetch_max(now, Ordering::SeqCst);
        let mut tmp = [0u8; 4096];
        let _ = c.read(&mut tmp);
        thread::sleep(Duration::from_millis(300));
        a2.fetch_sub(1, Ordering::SeqCst);
        let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        let _ = c.shutdown(Shutdown::Write);
        let _ = c.read(&mut tmp);
    });
    let mut log = Syslog::new();
    let (_p, fe) = start(
        &mut log,
        &format!("    maxconn 1\n    option httpclose\n    server s1 127.0.0.1:{be}\n"),
    );
    let clients: Vec<_> = (0..3)
        .map(|_| thread::spawn(move || exchange(fe, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
        .collect();
    let t0 = Instant::now();
    for c in clients {
        let r = c.join().unwrap_or_default();
        assert!(
            r.starts_with(b"HTTP/1.1 200 OK\r\n") && r.ends_with(b"ok"),
            "{}",
            String::from_utf8_lossy(&r)
        );
    }
    // every client was served, one at a time: the listener held the others
    assert_eq!(peak.load(Ordering::SeqCst), 1);
    assert!(t0.elapsed() >= Duration::from_millis(850));
    assert!(log.wait_for(" 200 ", 3, 3), "{:?}", log.lines);
}

#[test]
fn independant_streams_lets_a_silent_client_time_out() {
    // a server that trickles a byte every 150 ms for about 2 s
    let be = scripted(|mut c| {
        for _ in 0..13 {
            if c.write_all(b".").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(150));
        }
        let _ = c.shutdown(Shutdown::Write);
        let _ = c.read(&mut [0u8; 16]);
    });
    let mut log = Syslog::new();
    let (fa, fb) = (handed(), handed());
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    log global\n    option tcplog\n    timeout connect 1s\n    timeout client 600\n    timeout server 5s\nlisten plain {fa}\n    server s 127.0.0.1:{be}\nlisten indep {fb}\n    option independant-streams\n    server s 127.0.0.1:{be}\n",
        log.port
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    let run = |port: u16| {
        let t0 = Instant::now();
        let mut c = connect(port);
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        (got.len(), t0.elapsed())
    };
    // by default the bytes sent to the client keep its timeout alive
    let (n, t) = run(fa.port);
    assert!(
        n == 13 && t >= Duration::from_millis(1800),
        "{n} bytes in {t:?}"
    );
    // independant-streams: only the client's own reads count, so its read
    // timeout strikes (cD); as in 1.4 that only shuts the client's way in,
    // and what the server still sends reaches it (checked with 1.4.25)
    let (n, t) = run(fb.port);
    assert!(
        n == 13 && t >= Duration::from_millis(1800),
        "{n} bytes in {t:?}"
    );
    assert!(log.wait_for("indep indep/s ", 1, 3), "{:?}", log.lines);
    assert!(
        log.lines
            .iter()
            .any(|l| l.contains("indep indep/s ") && l.contains(" cD ")),
        "{:?}",
        log.lines
    );
}

/// Header rewrites live within the rewrite reserve, as in 1.4: with
/// tune.bufsize 4096 and tune.maxrewrite 1024, a 2 kB head takes three
/// 400-byte `reqadd`s, a 3 kB one cannot take the third and is a 400; on
/// the response side a third `rspadd` that does not fit is a 502.
#[test]
fn rewrites_that_overflow_the_reserve_are_refused_as_in_1_4() {
    let mut log = Syslog::new();
    let pad = "x".repeat(400);
    let big_rsp: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\nok",
            "y".repeat(3000)
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let small = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let big = Backend::http(big_rsp);
    let (fe1, fe2) = (handed(), handed());
    let cfg = format!(
        "global\n    log 127.0.0.1:{lp} local0\n    tune.bufsize 4096\n    tune.maxrewrite 1024\n{DEFAULTS}\
         listen req {fe1}\n    reqadd X-Pad-1:\\ {pad}\n    reqadd X-Pad-2:\\ {pad}\n    reqadd X-Pad-3:\\ {pad}\n    server s 127.0.0.1:{sp}\n\
         listen rsp {fe2}\n    rspadd X-Pad-1:\\ {pad}\n    rspadd X-Pad-2:\\ {pad}\n    rspadd X-Pad-3:\\ {pad}\n    server s 127.0.0.1:{bp}\n",
        lp = log.port,
        sp = small.port,
        bp = big.port,
    );
    let proxy = Proxy::start(&cfg, &mut log, 2);
    let head = |n: usize| {
        format!(
            "GET / HTTP/1.1\r\nHost: t\r\nX-Fill: {}\r\n\r\n",
            "f".repeat(n)
        )
    };
    let ok = exchange(fe1.port, head(2000).as_bytes());
    assert!(
        ok.starts_with(b"HTTP/1.1 200 OK"),
        "{}",
        String::from_utf8_lossy(&ok)
    );
    let seen = small.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("X-Pad-3: x"), "all three headers added");
    let refused = exchange(fe1.port, head(3000).as_bytes());
    assert!(
        refused.starts_with(b"HTTP/1.0 400 Bad request"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    assert_eq!(small.requests().len(), 1, "the refused request never left");
    let bad = exchange(fe2.port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(bad, E502);
    proxy.stop();
}

/// Sends a request head 4 bytes at a time, 250 ms apart (about 2.5 s in
/// all), and returns the status line the proxy answers.
fn slow_head_status(fe: u16) -> String {
    let mut c = std::net::TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let req = b"GET / HTTP/1.1\r\nHost: slow.test\r\n\r\n";
    for part in req.chunks(4) {
        if c.write_all(part).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let got = read_until(&mut c, |b| b.windows(2).any(|w| w == b"\r\n"));
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn client_timeout_is_refreshed_by_a_slow_head_http_request_is_not() {
    let mut log = Syslog::new();
    let b = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let (fe1, fe2) = (handed(), handed());
    // timeout client 1s: each byte pushes it back, as in 1.4
    // timeout http-request 1s: the whole head must come within it
    let cfg = format!(
        "{}\nlisten idle {fe1}\n    option httpclose\n    timeout client 1s\n    server s1 127.0.0.1:{port}\nlisten whole {fe2}\n    option httpclose\n    timeout client 5s\n    timeout http-request 1s\n    server s1 127.0.0.1:{port}\n",
        global(log.port),
        port = b.port
    );
    let p = Proxy::start(&cfg, &mut log, 2);
    assert_eq!(slow_head_status(fe1.port), "HTTP/1.1 200 OK");
    assert_eq!(slow_head_status(fe2.port), "HTTP/1.0 408 Request Time-out");
    p.stop();
}

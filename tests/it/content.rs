//! Layer-4 content rules in TCP mode: RDP cookie balancing and
//! persistence, and the SSL hello version, with the inspect delay holding
//! the session until the client's first message is complete.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

/// A TCP backend that reads the client's first bytes, answers its name
/// followed by what it read, and closes.
fn named(name: &'static str) -> u16 {
    // the read timeout is the end of the client's message: what came
    // within 300 ms
    Backend::serial(32, Duration::from_millis(300), move |mut c| {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = c.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let mut out = format!("{name}:").into_bytes();
        out.extend_from_slice(&got);
        let _ = c.write_all(&out);
    })
    .port
}

fn rdp_request(cookie: &str) -> Vec<u8> {
    // TPKT + X.224 connection request header, then the cookie line
    let mut v = vec![
        0x03, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    v.extend_from_slice(format!("Cookie: {cookie}\r\n").as_bytes());
    v.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
    v
}

/// Sends `data` in two parts with a pause between, returns the reply.
fn talk(port: u16, data: &[u8], split: usize) -> Vec<u8> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(4)))
        .expect("to");
    let split = split.min(data.len());
    let _ = c.write_all(&data[..split]);
    thread::sleep(Duration::from_millis(150));
    let _ = c.write_all(&data[split..]);
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    out
}

fn server_of(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply)
        .split(':')
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn rdp_cookie_balancing_and_persistence() {
    let mut log = Syslog::new();
    let (p1, p2) = (named("s1"), named("s2"));
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    log global\n    option tcplog\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten rdp {fe}\n    tcp-request inspect-delay 2s\n    tcp-request content accept if RDP_COOKIE\n    balance rdp-cookie\n    persist rdp-cookie\n    server s1 127.0.0.1:{p1}\n    server s2 127.0.0.1:{p2}\n",
        log.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // the same user always lands on the same server, even when the
    // request arrives in pieces (the inspect delay waits for the cookie)
    let req = rdp_request("mstshash=alice");
    let first = talk(fe.port, &req, 9);
    let s = server_of(&first);
    assert!(s == "s1" || s == "s2", "{first:?}");
    assert!(
        first.ends_with(&req),
        "the request reached the server intact"
    );
    for _ in 0..4 {
        assert_eq!(server_of(&talk(fe.port, &req, 20)), s);
    }
    // users spread over both servers
    let servers: std::collections::HashSet<String> = (0..12)
        .map(|i| {
            server_of(&talk(
                fe.port,
                &rdp_request(&format!("mstshash=user{i}")),
                100,
            ))
        })
        .collect();
    assert_eq!(servers.len(), 2, "{servers:?}");
    // the msts cookie names a server by address and port
    let msts = |port: u16| {
        let a = u32::from_le_bytes([127, 0, 0, 1]);
        let p = u16::from_le_bytes(port.to_be_bytes());
        rdp_request(&format!("msts={a}.{p}.0000"))
    };
    for _ in 0..3 {
        assert_eq!(server_of(&talk(fe.port, &msts(p2), 100)), "s2");
        assert_eq!(server_of(&talk(fe.port, &msts(p1), 100)), "s1");
    }
    assert!(log.wait_for("rdp rdp/s", 10, 3), "{:?}", log.lines);
}

#[test]
fn ssl_hello_version_filter() {
    let mut log = Syslog::new();
    let p1 = named("tls");
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    log global\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten tls {fe}\n    tcp-request inspect-delay 2s\n    acl tls10up req_ssl_ver 3.1:3.3\n    tcp-request content accept if tls10up\n    tcp-request content reject\n    server s1 127.0.0.1:{p1}\n",
        log.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // a TLS 1.0 record with a 4-byte handshake body, sent in two parts
    let hello = [0x16, 3, 1, 0, 4, 1, 0, 0, 0];
    let r = talk(fe.port, &hello, 3);
    assert!(r.starts_with(b"tls:") && r.ends_with(&hello), "{r:?}");
    // SSLv3 (3.0) is refused, and so is plain text
    assert!(talk(fe.port, &[0x16, 3, 0, 0, 4, 1, 0, 0, 0], 9).is_empty());
    assert!(talk(fe.port, b"GET / HTTP/1.0\r\n\r\n", 100).is_empty());
}

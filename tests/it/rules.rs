//! compat-configs/content-switching.cfg run for real (its addresses moved
//! to ephemeral ports): every rule keyword family against reflecting
//! backends that echo the request head they received.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A backend answering every request with its name and the head it got.
fn reflect(name: &'static str) -> u16 {
    Backend::spawn(64, move |mut c| {
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => req.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&req).into_owned();
        let leak = if head.contains("/leak") {
            "X-Leak: 1\r\n"
        } else {
            ""
        };
        let body = format!("{name}\n{head}");
        let rsp = format!(
            "HTTP/1.1 200 OK\r\nServer: test\r\nX-Powered-By: php\r\n{leak}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = c.write_all(rsp.as_bytes());
        let _ = c.read(&mut buf);
    })
    .port
}

struct Site {
    fe: u16,
    log: Syslog,
    _p: Proxy,
}

fn site() -> Site {
    let mut log = Syslog::new();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compat-configs/content-switching.cfg");
    let mut cfg = std::fs::read_to_string(path).expect("content-switching.cfg");
    let fe = handed();
    cfg = cfg.replace(
        "log 127.0.0.1 local0",
        &format!("log 127.0.0.1:{} local0", log.port),
    );
    cfg = cfg.replace("127.0.0.1:8080", &fe.to_string());
    let fe = fe.port;
    for (port, name) in [
        (9001, "api1"),
        (9002, "api2"),
        (9011, "st1"),
        (9031, "p1"),
        (9032, "p2"),
        (9021, "app1"),
    ] {
        cfg = cfg.replace(
            &format!("127.0.0.1:{port}"),
            &format!("127.0.0.1:{}", reflect(name)),
        );
    }
    let p = Proxy::start(&cfg, &mut log, 5);
    Site { fe, log, _p: p }
}

fn send(fe: u16, req: &str) -> String {
    String::from_utf8_lossy(&exchange(fe, req.as_bytes())).into_owned()
}

fn body_of(r: &str) -> &str {
    r.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

#[test]
fn routing_by_path_host_method_and_default() {
    let mut s = site();
    let r = get(s.fe, "/api/v1/users", "Connection: close\r\n");
    assert!(body_of(&r).starts_with("api"), "{r}");
    assert!(body_of(&get(s.fe, "/site.css", "Connection: close\r\n")).starts_with("st1\n"));
    // reqisetbe on the Host header
    let r = send(
        s.fe,
        "GET /x HTTP/1.1\r\nHost: static.example\r\nConnection: close\r\n\r\n",
    );
    assert!(body_of(&r).starts_with("st1\n"), "{r}");
    // method POST from the LAN (acl src) goes to the stick-table backend
    // and stays on one server
    let post = "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab";
    let first = body_of(&send(s.fe, post))
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(first == "p1" || first == "p2", "{first}");
    for _ in 0..3 {
        assert!(body_of(&send(s.fe, post)).starts_with(&format!("{first}\n")));
    }
    assert!(body_of(&get(s.fe, "/", "Connection: close\r\n")).starts_with("app1\n"));
    // captured Host header in the log line
    assert!(s.log.wait_for("www app/app1 ", 1, 3), "{:?}", s.log.lines);
    assert!(
        s.log.lines.iter().any(|l| l.contains(" {test} ")),
        "{:?}",
        s.log.lines
    );
}

#[test]
fn request_and_response_rewrites_are_byte_exact() {
    let s = site();
    let r = get(
        s.fe,
        "/",
        "X-Internal: secret\r\nX-Trace: abc\r\nConnection: close\r\n",
    );
    let (head, body) = r.split_once("\r\n\r\n").expect("head");
    // what the server received: reqidel, reqirep, then reqadd at the end
    assert!(
        body.ends_with(
            "Host: test\r\nX-Trace: seen-abc\r\nConnection: close\r\nX-Frontend: www\r\n\r\n"
        ),
        "{body}"
    );
    assert!(!body.contains("X-Internal"));
    // rspidel, rsprep with a back reference, rspadd, then (as 1.4 orders
    // it) the inserted cookie with Cache-control: private under nocache
    assert!(!head.contains("Server:"), "{head}");
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\nX-Powered-By: hidden(php)\r\nContent-Length: "),
        "{head}"
    );
    assert!(
        head.contains("\r\nX-Served-By: haproxy-rs\r\nSet-Cookie: SERVERID=a1; path=/\r\nCache-control: private\r\n"),
        "{head}"
    );
    // rspideny: the response is replaced by a 502
    let r = get(s.fe, "/leak", "Connection: close\r\n");
    assert!(r.starts_with("HTTP/1.0 502 Bad Gateway\r\n"), "{r}");
}

#[test]
fn deny_block_allow_and_tarpit() {
    let s = site();
    let forbidden = "HTTP/1.0 403 Forbidden\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n";
    assert_eq!(get(s.fe, "/", "X-Evil: 1\r\n"), forbidden);
    assert_eq!(get(s.fe, "/", "X-Bad: 1\r\n"), forbidden);
    // reqallow matched first: later deny filters do not apply
    let r = get(s.fe, "/allowed", "X-Evil: 1\r\nConnection: close\r\n");
    assert!(body_of(&r).starts_with("app1\n"), "{r}");
    let t0 = Instant::now();
    let r = get(s.fe, "/", "X-Slow: 1\r\n");
    assert!(
        t0.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t0.elapsed()
    );
    assert!(r.starts_with("HTTP/1.0 500 Server Error\r\n"), "{r}");
}

#[test]
fn auth_with_crypt_password_and_group() {
    let s = site();
    let r = get(s.fe, "/admin/", "");
    assert!(r.starts_with("HTTP/1.0 401 Unauthorized\r\n"), "{r}");
    assert!(
        r.contains("\r\nWWW-Authenticate: Basic realm=\"Admin\"\r\n"),
        "{r}"
    );
    // alice:secret, in group ops
    let r = get(
        s.fe,
        "/admin/",
        "Authorization: Basic YWxpY2U6c2VjcmV0\r\nConnection: close\r\n",
    );
    assert!(body_of(&r).starts_with("app1\n"), "{r}");
    // bob:s3cret is a valid user but not in ops
    let r = get(s.fe, "/admin/", "Authorization: Basic Ym9iOnMzY3JldA==\r\n");
    assert!(r.starts_with("HTTP/1.0 401 "), "{r}");
}

#[test]
fn redirects_monitor_and_stats_rules() {
    let s = site();
    let r = send(
        s.fe,
        "GET /p?q=1 HTTP/1.1\r\nHost: old.example.com\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        r,
        "HTTP/1.1 301 Moved Permanently\r\nContent-length: 0\r\nLocation: http://www.example.com/p?q=1\r\nConnection: close\r\n\r\n"
    );
    // with 1.4's set-cookie quirk: a blank line before Connection
    assert_eq!(
        get(s.fe, "/old-login", "Connection: close\r\n"),
        "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: /login?from=old\r\nSet-Cookie: SEEN=1; path=/;\r\n\r\nConnection: close\r\n\r\n"
    );
    // monitor-uri answers itself while the app backend has a server
    assert_eq!(
        get(s.fe, "/up", ""),
        "HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>200 OK</h1>\nHAProxy: service ready.\n</body></html>\n"
    );
    // stats http-request allows the LAN
    let r = get(s.fe, "/stats", "Connection: close\r\n");
    assert!(
        r.starts_with("HTTP/1.0 200 OK\r\n") && r.contains("Statistics Report"),
        "{}",
        &r[..r.len().min(300)]
    );
}

#[test]
fn monitor_fail_answers_503_when_the_app_is_down() {
    let mut log = Syslog::new();
    let fe = handed();
    let dead = dead_port();
    let cfg = format!(
        "{}\nfrontend www {fe}\n    monitor-uri /up\n    acl app_dead nbsrv(app) lt 1\n    monitor fail if app_dead\n    default_backend app\nbackend app\n    server a 127.0.0.1:{dead} check inter 100 fall 1\n",
        global(log.port)
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    assert!(log.wait_for("is DOWN", 1, 5), "{:?}", log.lines);
    let r = get(fe.port, "/up", "");
    assert!(r.starts_with("HTTP/1.0 503 Service Unavailable\r\n"), "{r}");
}

#[test]
fn tcp_request_content_accepts_http() {
    let s = site();
    // the inspect-delay does not hold a complete HTTP request back
    let t0 = Instant::now();
    let mut c = TcpStream::connect(("127.0.0.1", s.fe)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("to");
    c.write_all(b"GET /site.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("w");
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    assert!(String::from_utf8_lossy(&out).contains("\r\n\r\nst1\n"));
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn http_use_proxy_header_for_proxy_requests() {
    let mut log = Syslog::new();
    let b = Backend::http_n(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", 16);
    let fe = handed();
    let cfg = format!(
        "{}\nuserlist u\n    user a insecure-password b\n\nlisten p {fe}\n    option httpclose\n    option http-use-proxy-header\n    acl authed http_auth(u)\n    http-request auth realm Proxy if {{ hdr_beg(host) secret }} !authed\n    server s 127.0.0.1:{}\n",
        global(log.port),
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = send(fe.port, "GET http://x.example/a HTTP/1.1\r\nHost: x.example\r\nProxy-Connection: keep-alive\r\n\r\n");
    assert!(r.contains("\r\nProxy-Connection: close\r\n"), "{r}");
    let r = send(fe.port, "GET /b HTTP/1.1\r\nHost: x.example\r\n\r\n");
    assert!(
        r.contains("\r\nConnection: close\r\n") && !r.contains("Proxy-Connection"),
        "{r}"
    );
    let seen = b.requests();
    assert!(
        seen.iter().any(|q| q.starts_with("GET http://x.example/a ")
            && q.contains("\r\nProxy-Connection: close\r\n")
            && !q.contains("keep-alive")),
        "{seen:?}"
    );
    // proxy authentication: 407 and Proxy-Authorization
    let r = send(
        fe.port,
        "GET http://secret/ HTTP/1.1\r\nHost: secret\r\n\r\n",
    );
    assert!(
        r.starts_with("HTTP/1.0 407 Unauthorized\r\n")
            && r.contains("\r\nProxy-Authenticate: Basic realm=\"Proxy\"\r\n"),
        "{r}"
    );
    let r = send(
        fe.port,
        "GET http://secret/ HTTP/1.1\r\nHost: secret\r\nProxy-Authorization: Basic YTpi\r\n\r\n",
    );
    assert!(r.ends_with("ok\n"), "{r}");
}

//! Rules, persistence and keep-alive behaviours against the real binary.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const OK1: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n";
const OK2: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns2\n";

fn listen(log: &Syslog, body: &str) -> (String, u16) {
    let fe = handed();
    (
        format!("{}\nlisten app {}\n{}", global(log.port), fe, body),
        fe.port,
    )
}

#[test]
fn server_redir_sends_302_to_prefix() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    server s1 127.0.0.1:{} redir http://img.example.com\n",
            b.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = get(fe, "/pic.png?x=1", "");
    assert_eq!(
        r,
        "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: http://img.example.com/pic.png?x=1\r\nConnection: close\r\n\r\n"
    );
    assert!(b.requests().is_empty());
}

#[test]
fn tarpit_holds_then_500() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (cfg, fe) = listen(&log, &format!("    option httpclose\n    timeout tarpit 300\n    reqitarpit ^X-Bad:\n    server s1 127.0.0.1:{}\n", b.port));
    let _p = Proxy::start(&cfg, &mut log, 1);
    let t0 = Instant::now();
    let r = get(fe, "/", "X-Bad: 1\r\n");
    assert!(
        t0.elapsed() >= Duration::from_millis(280),
        "{:?}",
        t0.elapsed()
    );
    assert!(r.starts_with("HTTP/1.0 500 Server Error\r\n"), "{r}");
    assert!(log.wait_for(" 500 185 - - PT-- ", 1, 3), "{:?}", log.lines);
}

#[test]
fn logasap_marks_timers_and_bytes() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    option logasap\n    server s1 127.0.0.1:{}\n",
            b.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(get(fe, "/", "").ends_with("s1\n"));
    assert!(log.wait_for("app app/s1 ", 1, 3));
    let l = log
        .lines
        .iter()
        .find(|l| l.contains("app app/s1"))
        .cloned()
        .unwrap_or_default();
    let f: Vec<&str> = l.split(' ').collect();
    let timers = f
        .iter()
        .find(|x| x.matches('/').count() == 4 && x.contains('+'))
        .copied()
        .unwrap_or("");
    assert!(
        timers
            .split('/')
            .next_back()
            .is_some_and(|t| t.starts_with('+')),
        "{l}"
    );
    assert!(l.contains(" 200 +"), "{l}");
}

#[test]
fn server_close_keeps_client_alive() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (cfg, fe) = listen(&log, &format!("    option http-server-close\n    timeout http-keep-alive 1000\n    server s1 127.0.0.1:{}\n", b.port));
    let _p = Proxy::start(&cfg, &mut log, 1);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("to");
    for i in 0..3 {
        s.write_all(format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", i).as_bytes())
            .expect("w");
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.ends_with(b"s1\n") {
            let n = s.read(&mut buf).expect("read");
            assert!(n > 0, "closed early");
            got.extend_from_slice(&buf[..n]);
        }
        let txt = String::from_utf8_lossy(&got);
        assert!(!txt.contains("Connection: close"), "{txt}");
    }
    assert_eq!(b.requests().len(), 3);
    assert!(b
        .requests()
        .iter()
        .all(|r| r.contains("Connection: close\r\n")));
    assert!(log.wait_for(" 1/1/0/1/0 ", 3, 3), "{:?}", log.lines);
}

#[test]
fn uri_hash_and_tracking() {
    let mut log = Syslog::new();
    let bs: Vec<Backend> = (0..4).map(|_| Backend::http(OK1)).collect();
    let dead = dead_port();
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    balance uri\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{}\n    server s3 127.0.0.1:{}\n    server s4 127.0.0.1:{}\n",
            bs[0].port, bs[1].port, bs[2].port, bs[3].port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    for _ in 0..2 {
        get(fe, "/a", "");
        get(fe, "/b", "");
    }
    // 1.4's hash: /a -> s3, /b -> s4
    assert_eq!(bs[2].requests().len(), 2);
    assert_eq!(bs[3].requests().len(), 2);
    drop(_p);
    let mut log = Syslog::new();
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    server s1 127.0.0.1:{} check inter 200\n    server s2 127.0.0.1:{} track s1\n",
            dead, bs[1].port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(
        log.wait_for("Server app/s2 is DOWN via app/s1.", 1, 5),
        "{:?}",
        log.lines
    );
    assert!(get(fe, "/", "").starts_with("HTTP/1.0 503 "));
}

#[test]
fn content_switching_block_redirect_errorfile() {
    let mut log = Syslog::new();
    let (api, def) = (Backend::http(OK1), Backend::http(OK2));
    let dir = tmpdir("ef");
    let ef = dir.join("403.http");
    std::fs::write(&ef, "HTTP/1.0 403 Forbidden\r\nX-Why: rules\r\n\r\nno\n").expect("w");
    let fe = handed();
    let cfg = format!(
        "{}\nfrontend web {}\n    option httpclose\n    errorfile 403 {}\n    acl api path_beg /api\n    acl old hdr(host) -i old.example\n    acl evil path_end .php\n    block if evil\n    redirect prefix http://new.example code 301 if old\n    use_backend bk_api if api\n    default_backend bk_def\nbackend bk_api\n    server a 127.0.0.1:{}\nbackend bk_def\n    server d 127.0.0.1:{}\n",
        global(log.port),
        fe,
        ef.display(),
        api.port,
        def.port
    );
    let _p = Proxy::start(&cfg, &mut log, 3);
    assert!(get(fe.port, "/api/x", "").ends_with("s1\n"));
    assert!(get(fe.port, "/other", "").ends_with("s2\n"));
    assert_eq!(
        get(fe.port, "/x.php", ""),
        "HTTP/1.0 403 Forbidden\r\nX-Why: rules\r\n\r\nno\n"
    );
    let r = exchange(fe.port, b"GET /p?q HTTP/1.1\r\nHost: old.example\r\n\r\n");
    assert_eq!(
        String::from_utf8_lossy(&r),
        "HTTP/1.1 301 Moved Permanently\r\nContent-length: 0\r\nLocation: http://new.example/p?q\r\nConnection: close\r\n\r\n"
    );
    assert!(log.wait_for("web bk_api/a ", 1, 3));
    assert!(log.wait_for("web bk_def/d ", 1, 3));
}

#[test]
fn stick_table_pins_source() {
    let mut log = Syslog::new();
    let (b1, b2) = (Backend::http(OK1), Backend::http(OK2));
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    stick-table type ip size 100 expire 30s\n    stick on src\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{}\n",
            b1.port, b2.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let first = get(fe, "/", "");
    for _ in 0..4 {
        assert_eq!(get(fe, "/", "").ends_with("s1\n"), first.ends_with("s1\n"));
    }
    assert!(b1.requests().len() == 5 || b2.requests().len() == 5);
}

#[test]
fn appsession_follows_the_server_cookie() {
    let mut log = Syslog::new();
    let b1 = Backend::http(b"HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=abc123; path=/\r\nContent-Length: 3\r\n\r\ns1\n");
    let b2 = Backend::http(OK2);
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    appsession JSESSIONID len 52 timeout 3h\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{}\n",
            b1.port, b2.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(get(fe, "/", "").ends_with("s1\n"));
    // round robin alone would pick s2 now; the learned id keeps s1
    assert!(get(fe, "/", "Cookie: JSESSIONID=abc123\r\n").ends_with("s1\n"));
    assert!(get(fe, "/x;JSESSIONID=abc123", "").ends_with("s1\n"));
    assert!(get(fe, "/", "").ends_with("s2\n"));
}

#[test]
fn stats_admin_post_disables_a_server() {
    let mut log = Syslog::new();
    let (b1, b2) = (Backend::http(OK1), Backend::http(OK2));
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    stats enable\n    stats uri /st\n    stats admin if TRUE\n    server s1 127.0.0.1:{}\n    server s2 127.0.0.1:{}\n",
            b1.port, b2.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let body = "s=s1&action=disable&b=app";
    let req = format!(
        "POST /st HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        body
    );
    let r = String::from_utf8_lossy(&exchange(fe, req.as_bytes())).into_owned();
    assert_eq!(
        r,
        "HTTP/1.0 303 See Other\r\nCache-Control: no-cache\r\nContent-Type: text/plain\r\nConnection: close\r\nLocation: /st;st=DONE\r\n\r\n"
    );
    for _ in 0..3 {
        assert!(get(fe, "/", "").ends_with("s2\n"));
    }
    assert!(log.wait_for("Server app/s1 is DOWN for maintenance.", 1, 3));
}

#[test]
fn tcp_request_content_reject() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let (cfg, fe) = listen(
        &log,
        &format!(
            "    option httpclose\n    tcp-request inspect-delay 500\n    acl has_data req_len gt 0\n    tcp-request content reject if !has_data\n    server s1 127.0.0.1:{}\n",
            b.port
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // data within the delay: accepted
    assert!(get(fe, "/", "").ends_with("s1\n"));
    // nothing within the delay: rejected without a response, at the end
    // of the delay (not by the 3 s client timeout)
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(2500)))
        .expect("to");
    let mut out = Vec::new();
    let r = s.read_to_end(&mut out);
    assert!(
        r.is_ok()
            || r.as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "not closed within the inspect delay: {r:?}"
    );
    assert!(out.is_empty());
    assert!(log.wait_for(" PR-- ", 1, 3), "{:?}", log.lines);
}

#[test]
fn http_request_auth_with_crypt_passwords() {
    let mut log = Syslog::new();
    let b = Backend::http(OK1);
    let fe = handed();
    // alice: SHA-512 crypt of "secret"; bob: MD5 crypt of "secret"; carol: plain
    let cfg = format!(
        "{}\nuserlist admins\n    user alice password $6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1\n    user bob password $1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1\n    user carol insecure-password open\n\nlisten app {}\n    option httpclose\n    acl ok http_auth(admins)\n    http-request auth realm Admin unless ok\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = get(fe.port, "/", "");
    assert!(
        r.starts_with("HTTP/1.0 401 Unauthorized\r\n")
            && r.contains("WWW-Authenticate: Basic realm=\"Admin\"\r\n"),
        "{r}"
    );
    // base64 of alice:secret, bob:secret, carol:open, alice:wrong
    for (cred, ok) in [
        ("YWxpY2U6c2VjcmV0", true),
        ("Ym9iOnNlY3JldA==", true),
        ("Y2Fyb2w6b3Blbg==", true),
        ("YWxpY2U6d3Jvbmc=", false),
    ] {
        let r = get(fe.port, "/", &format!("Authorization: Basic {cred}\r\n"));
        assert_eq!(r.ends_with("s1\n"), ok, "{cred}: {r}");
        assert_eq!(r.starts_with("HTTP/1.0 401"), !ok, "{cred}: {r}");
    }
}

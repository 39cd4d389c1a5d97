//! Server choice and persistence against in-test backends.
use super::common;
use common::*;
use std::io::Read;
use std::time::{Duration, Instant};

fn body(r: &str) -> &str {
    r.rsplit("\r\n\r\n").next().unwrap_or("")
}

#[test]
fn weighted_roundrobin_order_is_14s() {
    let mut log = Syslog::new();
    let bs: Vec<Backend> = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n" as &'static [u8],
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n2\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n3\n",
    ]
    .iter()
    .map(|r| Backend::http(r))
    .collect();
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{} weight 1\n    server s2 127.0.0.1:{} weight 3\n    server s3 127.0.0.1:{} weight 2\n",
        global(log.port),
        fe,
        bs[0].port,
        bs[1].port,
        bs[2].port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let seq: String = (0..12)
        .map(|_| body(&get(fe.port, "/", "")).trim().to_string())
        .collect();
    assert_eq!(seq, "232123232123");
}

#[test]
fn redispatch_when_the_cookie_server_refuses() {
    let mut log = Syslog::new();
    let b2 = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns2\n");
    let (fe, dead) = (handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    option redispatch\n    retries 1\n    contimeout 200\n    cookie SRV insert indirect\n    server s1 127.0.0.1:{} cookie c1\n    server s2 127.0.0.1:{} cookie c2\n",
        global(log.port),
        fe,
        dead,
        b2.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let t0 = Instant::now();
    let r = get(fe.port, "/", "Cookie: SRV=c1\r\n");
    assert!(r.ends_with("s2\n"), "{r}");
    // the refused connection waited 1 s before the (redispatched) retry
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t0.elapsed()
    );
    assert!(r.contains("Set-Cookie: SRV=c2; path=/\r\n"));
    assert!(log.wait_for(" app app/s2 ", 1, 3));
    let l = log
        .lines
        .iter()
        .rev()
        .find(|l| l.contains("app/s2"))
        .cloned()
        .unwrap_or_default();
    assert!(l.contains("/+1 "), "redispatch shows as +1 retries: {l}");
}

#[test]
fn queue_at_maxconn_and_queue_timeout() {
    let mut log = Syslog::new();
    // a backend that takes its time: one connection at a time
    let (got, holding) = std::sync::mpsc::channel();
    let port = Backend::serial(8, Duration::from_secs(3), move |mut c| {
        let mut b = [0u8; 1024];
        let _ = c.read(&mut b);
        let _ = got.send(());
        std::thread::sleep(Duration::from_millis(600));
        let _ =
            std::io::Write::write_all(&mut c, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    })
    .port;
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    timeout queue 300\n    server s1 127.0.0.1:{} maxconn 1\n",
        global(log.port),
        fe,
        port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let first = std::thread::spawn(move || get(fe.port, "/1", ""));
    holding
        .recv_timeout(Duration::from_secs(3))
        .expect("the first request reached the server");
    let second = get(fe.port, "/2", "");
    assert!(
        second.starts_with("HTTP/1.0 503 Service Unavailable\r\n"),
        "{second}"
    );
    assert!(first.join().unwrap_or_default().ends_with("ok\n"));
    assert!(log.wait_for(" sQ-- ", 1, 3), "{:?}", log.lines);
}

#[test]
fn consistent_hashing_keeps_keys_when_a_server_leaves() {
    let mut log = Syslog::new();
    let bs: Vec<Backend> = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n" as &'static [u8],
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n2\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n3\n",
    ]
    .iter()
    .map(|r| Backend::http_n(r, 500))
    .collect();
    let (fa, fb, dead) = (handed(), handed(), dead_port());
    // the same three servers (same ids), the third one down in "b"
    let cfg = format!(
        "{g}\nlisten a {fa}\n    option httpclose\n    balance uri\n    hash-type consistent\n    server s1 127.0.0.1:{p1}\n    server s2 127.0.0.1:{p2}\n    server s3 127.0.0.1:{p3}\n\nlisten b {fb}\n    option httpclose\n    balance uri\n    hash-type consistent\n    server s1 127.0.0.1:{p1}\n    server s2 127.0.0.1:{p2}\n    server s3 127.0.0.1:{dead} check inter 100 fall 1\n",
        g = global(log.port),
        p1 = bs[0].port,
        p2 = bs[1].port,
        p3 = bs[2].port,
    );
    let _p = Proxy::start(&cfg, &mut log, 2);
    assert!(log.wait_for("b/s3 is DOWN", 1, 5), "{:?}", log.lines);
    let uris: Vec<String> = (0..40).map(|i| format!("/item/{i}")).collect();
    let on_a: Vec<String> = uris
        .iter()
        .map(|u| body(&get(fa.port, u, "")).to_string())
        .collect();
    // stable: the same URI lands on the same server again
    for (u, s) in uris.iter().zip(&on_a) {
        assert_eq!(body(&get(fa.port, u, "")), s, "{u}");
    }
    for s in ["1\n", "2\n", "3\n"] {
        assert!(
            on_a.iter().any(|x| x == s),
            "server {s} got no key: {on_a:?}"
        );
    }
    // with s3 gone, only the keys it held move
    for (u, s) in uris.iter().zip(&on_a) {
        let now = get(fb.port, u, "");
        if s != "3\n" {
            assert_eq!(body(&now), s, "{u} moved");
        } else {
            assert!(body(&now) == "1\n" || body(&now) == "2\n", "{now}");
        }
    }
}

//! Keep-alive to servers (extensions in HAProxy 1.5/1.6 syntax): `option
//! http-keep-alive`, `option prefer-last-server`, `http-reuse` and
//! `pool-max-conn`, with real sockets: a scripted keep-alive backend
//! counts the connections it accepts and the requests on each, and can
//! close or reset a kept connection at the worst moment (when the proxy
//! has just sent a request on it).

use super::common;
use super::reuse_support;

use common::*;
use reuse_support::*;
use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

#[test]
fn keep_alive_sends_every_request_of_a_client_on_one_server_connection() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(log.port, "    option http-keep-alive\n", port_h, be.port);
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = on_one_connection(port, &[GET, GET, GET]);
    assert_eq!(r.len(), 3);
    for x in &r {
        assert!(x.starts_with("HTTP/1.1 200"), "{x}");
        assert!(!x.to_ascii_lowercase().contains("connection: close"), "{x}");
    }
    assert_eq!(be.conns(), 1, "one server connection: {:?}", be.seen());
    assert_eq!(be.seen().len(), 3);
    // the server was not told to close
    for (_, h) in be.seen() {
        assert!(!h.to_ascii_lowercase().contains("connection: close"), "{h}");
    }
    // the log: 3 lines, the 2nd and 3rd with Tc 0 (no connect)
    assert!(log.wait_for("GET / HTTP/1.1", 3, 5), "{:?}", log.lines);
    let timers: Vec<String> = log
        .lines
        .iter()
        .filter(|l| l.contains("GET / HTTP/1.1"))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.matches('/').count() == 4)
                .map(String::from)
        })
        .collect();
    assert_eq!(timers.len(), 3, "{:?}", log.lines);
    for t in &timers[1..] {
        assert_eq!(
            t.split('/').nth(2),
            Some("0"),
            "Tc of a kept connection: {t}"
        );
    }
}

#[test]
fn a_config_without_keep_alive_connects_for_every_request() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(log.port, "    option http-server-close\n", port_h, be.port);
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = on_one_connection(port, &[GET, GET, GET]);
    assert_eq!(r.len(), 3);
    assert!(eventually(3, || be.conns() == 3), "{}", be.conns());
    for (_, h) in be.seen() {
        assert!(h.to_ascii_lowercase().contains("connection: close"), "{h}");
    }
}

/// A pooled idle connection whose server never closes it is closed once
/// it waited the backend's `timeout server` (1 s here, well before the
/// test backend's own 5 s idle limit): it holds no fd for ever.
#[test]
fn a_pooled_connection_is_closed_after_timeout_server() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n    timeout server 1s\n",
        port_h,
        be.port,
    )
    .replace(
        "    maxconn 100\n",
        &format!("    maxconn 100\n    stats socket {}\n", sock.display()),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = on_one_connection(port, &[GET_CLOSE]);
    assert!(r[0].starts_with("HTTP/1.1 200"), "{r:?}");
    let idle = || {
        let csv = stats_ask(&sock, "show stat\n");
        let s1 = csv
            .lines()
            .find(|l| l.starts_with("app,s1,"))
            .unwrap_or("")
            .to_string();
        s1.trim_end_matches(',')
            .rsplit(',')
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(idle(), "1");
    let t0 = std::time::Instant::now();
    assert!(eventually(3, || idle() == "0"), "still pooled: {}", idle());
    // not before the timeout (1 s, less the time the first answer took)
    assert!(t0.elapsed() >= std::time::Duration::from_millis(500));
    assert!(!stats_ask(&sock, "show sess\n").contains("idle server connection"));
}

#[test]
fn http_reuse_always_serves_new_clients_on_pooled_connections() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n",
        port_h,
        be.port,
    )
    .replace(
        "    maxconn 100\n",
        &format!("    maxconn 100\n    stats socket {}\n", sock.display()),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    for _ in 0..4 {
        let r = on_one_connection(port, &[GET_CLOSE]);
        assert!(r[0].starts_with("HTTP/1.1 200"), "{r:?}");
        // the client was told the connection closes
        assert!(
            r[0].to_ascii_lowercase().contains("connection: close"),
            "{r:?}"
        );
    }
    assert_eq!(be.conns(), 1, "{:?}", be.seen());
    let csv = stats_ask(&sock, "show stat\n");
    let head = csv.lines().next().unwrap_or("");
    assert!(head.ends_with(",srv_abrt,idle_conn_cur,"), "{head}");
    let s1 = csv.lines().find(|l| l.starts_with("app,s1,")).unwrap_or("");
    assert!(s1.ends_with(",1,"), "one idle connection: {s1}");
    // scur: an idle pooled connection is not a served session
    assert_eq!(s1.split(',').nth(4), Some("0"), "{s1}");
    let sess = stats_ask(&sock, "show sess\n");
    assert!(
        sess.contains("idle server connection be=app srv=s1"),
        "{sess}"
    );
}

#[test]
fn http_reuse_safe_gives_a_first_request_its_own_connection() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(log.port, "    option http-keep-alive\n", port_h, be.port);
    let _p = Proxy::start(&cfg, &mut log, 1);
    on_one_connection(port, &[GET_CLOSE]);
    // a first request: a new connection, though one is pooled
    on_one_connection(port, &[GET_CLOSE]);
    assert!(eventually(3, || be.conns() == 2), "{:?}", be.seen());
    // a second request of a session may take a pooled one
    on_one_connection(port, &[GET, GET_CLOSE]);
    assert_eq!(be.seen().len(), 4);
    assert_eq!(be.conns(), 3, "{:?}", be.seen());
}

/// The server closes each kept connection right after its response: the
/// proxy notices (readiness) and the next request connects again.
#[test]
fn a_server_closing_an_idle_connection_is_noticed_before_use() {
    let be = KaBackend::new(Arc::new(|_, _| Act::AnswerClose));
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n",
        port_h,
        be.port,
    )
    .replace(
        "    maxconn 100\n",
        &format!("    maxconn 100\n    stats socket {}\n", sock.display()),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // parked in the session: the next request 50 ms later
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    for _ in 0..3 {
        c.write_all(GET.as_bytes()).expect("write");
        let r = read_until(&mut c, |b| b.ends_with(b"ok\n"));
        assert!(r.starts_with(b"HTTP/1.1 200"), "{r:?}");
        thread::sleep(Duration::from_millis(50));
    }
    // pooled: another client 50 ms later
    for _ in 0..3 {
        let r = on_one_connection(port, &[GET_CLOSE]);
        assert!(r[0].starts_with("HTTP/1.1 200"), "{r:?}");
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(be.conns(), 6);
    // noticed by readiness: no request went on a closed connection (it
    // would have been sent again and counted as a retry)
    let csv = stats_ask(&sock, "show stat\n");
    let s1 = csv.lines().find(|l| l.starts_with("app,s1,")).unwrap_or("");
    assert_eq!(s1.split(',').nth(15), Some("0"), "wretr: {s1}");
    assert!(s1.ends_with(",0,"), "nothing left idle: {s1}");
}

/// Worst moment: the server takes the request on its kept connection and
/// closes (or resets) it without answering. The request goes again on a
/// new connection: the client gets its 200, not a 502.
fn worst_moment(act: Act) {
    let be = KaBackend::new(Arc::new(
        move |c, n| if c == 0 && n == 1 { act } else { Act::Answer },
    ));
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(log.port, "    option http-keep-alive\n", port_h, be.port);
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = on_one_connection(port, &[GET, GET, GET]);
    assert_eq!(r.len(), 3, "{r:?}");
    for x in &r {
        assert!(x.starts_with("HTTP/1.1 200"), "{act:?}: {r:?}");
    }
    assert_eq!(be.conns(), 2, "{:?}", be.seen());
    assert_eq!(be.seen().len(), 4, "the request was sent twice");
    assert!(log.wait_for("GET / HTTP/1.1", 3, 5));
    assert!(
        !log.lines.iter().any(|l| l.contains(" 502 ")),
        "{:?}",
        log.lines
    );
    // the log: every request 200 with clean termination flags; the one
    // sent again shows its retry (retries 1) and a real connect (Tc >= 0)
    let lines: Vec<&String> = log
        .lines
        .iter()
        .filter(|l| l.contains("GET / HTTP/1.1"))
        .collect();
    for l in &lines {
        assert!(l.contains(" 200 ") && l.contains(" ---- "), "{l}");
    }
    // actconn/feconn/beconn/srv_conn/retries comes after the timers
    let retries = |l: &str| {
        l.split_whitespace()
            .rfind(|w| w.matches('/').count() == 4)
            .and_then(|w| w.rsplit('/').next())
            .map(String::from)
    };
    let retried: Vec<&&String> = lines
        .iter()
        .filter(|l| retries(l).as_deref() == Some("1"))
        .collect();
    assert_eq!(retried.len(), 1, "{lines:?}");
}

#[test]
fn a_server_closing_a_kept_connection_as_the_request_arrives_gets_it_again() {
    worst_moment(Act::Close);
}

#[test]
fn a_server_resetting_a_kept_connection_as_the_request_arrives_gets_it_again() {
    worst_moment(Act::Reset);
}

/// Same with a pooled connection taken by another client session.
#[test]
fn a_pooled_connection_closed_at_the_worst_moment_is_retried() {
    let be = KaBackend::new(Arc::new(|c, n| {
        if c == 0 && n == 1 {
            Act::Close
        } else {
            Act::Answer
        }
    }));
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n",
        port_h,
        be.port,
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let a = on_one_connection(port, &[GET_CLOSE]);
    let b = on_one_connection(port, &[GET_CLOSE]);
    assert!(
        a[0].starts_with("HTTP/1.1 200") && b[0].starts_with("HTTP/1.1 200"),
        "{a:?} {b:?}"
    );
    assert_eq!(be.conns(), 2);
}

/// `pool-max-conn 0`: nothing is pooled.
#[test]
fn pool_max_conn_bounds_the_idle_list() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n",
        port_h,
        be.port,
    )
    .replace(
        &format!("server s1 127.0.0.1:{}\n", be.port),
        &format!("server s1 127.0.0.1:{} pool-max-conn 0\n", be.port),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    on_one_connection(port, &[GET_CLOSE]);
    on_one_connection(port, &[GET_CLOSE]);
    assert!(eventually(3, || be.conns() == 2), "{}", be.conns());
}

/// `option prefer-last-server`: round robin would alternate; the kept
/// connection's server takes the session's next requests.
#[test]
fn prefer_last_server_keeps_a_session_on_its_server() {
    let a = KaBackend::new(answer_all());
    let b = KaBackend::new(answer_all());
    let run = |prefer: bool| {
        let mut log = Syslog::new();
        let port_h = handed();
        let port = port_h.port;
        let cfg = format!(
            "{}\nlisten app\n    bind {}\n    option http-keep-alive\n{}    balance roundrobin\n    server a 127.0.0.1:{}\n    server b 127.0.0.1:{}\n",
            global(log.port),
            port_h,
            if prefer { "    option prefer-last-server\n" } else { "" },
            a.port,
            b.port
        );
        let p = Proxy::start(&cfg, &mut log, 1);
        on_one_connection(port, &[GET, GET, GET, GET]);
        drop(p);
    };
    run(true);
    let (sa, sb) = (a.seen().len(), b.seen().len());
    assert!(sa == 4 || sb == 4, "all four on one server: {sa} {sb}");
    thread::sleep(Duration::from_millis(100));
    run(false);
    let (sa2, sb2) = (a.seen().len() - sa, b.seen().len() - sb);
    assert_eq!((sa2, sb2), (2, 2), "round robin without the option");
}

/// The proxy's `-c` accepts the keywords and refuses a bad reuse mode.
#[test]
fn check_mode_accepts_the_keywords() {
    let dir = tmpdir("reusec");
    let path = dir.join("h.cfg");
    let good = "defaults\n    mode http\n    option http-keep-alive\n    http-reuse aggressive\nlisten a\n    bind 127.0.0.1:1\n    no option http-keep-alive\n    option prefer-last-server\n    server s 127.0.0.1:2 pool-max-conn 10\n";
    std::fs::write(&path, good).expect("write");
    let o = std::process::Command::new(bin())
        .args(["-c", "-f"])
        .arg(&path)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(
        &path,
        "listen a\n    mode http\n    bind 127.0.0.1:1\n    http-reuse sometimes\n",
    )
    .expect("write");
    let o = std::process::Command::new(bin())
        .args(["-c", "-f"])
        .arg(&path)
        .output()
        .expect("run");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("only supports 'never', 'safe', 'aggressive', 'always'"));
}

/// `maxconn`: a session's parked connection is not a served session, so
/// another client is not queued behind it; a pooled one neither.
#[test]
fn idle_connections_do_not_count_against_maxconn() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(
        log.port,
        "    option http-keep-alive\n    http-reuse always\n    timeout queue 300\n",
        port_h,
        be.port,
    )
    .replace(
        &format!("server s1 127.0.0.1:{}\n", be.port),
        &format!("server s1 127.0.0.1:{} maxconn 1\n", be.port),
    )
    .replace(
        "    maxconn 100\n",
        &format!(
            "    maxconn 100\n    stats socket {} level admin\n",
            sock.display()
        ),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // X keeps its connection (and its parked server connection) open
    let mut x = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    x.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    x.write_all(GET.as_bytes()).expect("write");
    let r = read_until(&mut x, |b| b.ends_with(b"ok\n"));
    assert!(r.starts_with(b"HTTP/1.1 200"));
    // Y is served at once, not queued into a 503 after 300 ms
    for _ in 0..2 {
        let y = on_one_connection(port, &[GET_CLOSE]);
        assert!(y[0].starts_with("HTTP/1.1 200"), "{y:?}");
    }
    let csv = stats_ask(&sock, "show stat\n");
    let s1 = csv.lines().find(|l| l.starts_with("app,s1,")).unwrap_or("");
    let f: Vec<&str> = s1.split(',').collect();
    assert_eq!((f[2], f[4], f[13]), ("0", "0", "0"), "qcur scur econ: {s1}");
    assert!(s1.ends_with(",1,"), "Y's connection pooled: {s1}");
    // X's next request still goes on its own parked connection
    x.write_all(GET.as_bytes()).expect("write");
    let r = read_until(&mut x, |b| b.ends_with(b"ok\n"));
    assert!(r.starts_with(b"HTTP/1.1 200"));
    assert_eq!(be.conns(), 2, "{:?}", be.seen());
    // a server put in maintenance loses its idle connections
    let out = stats_ask(&sock, "disable server app/s1\n");
    assert!(out.trim().is_empty(), "{out}");
    let csv = stats_ask(&sock, "show stat\n");
    let s1 = csv.lines().find(|l| l.starts_with("app,s1,")).unwrap_or("");
    assert!(s1.ends_with(",0,"), "pool flushed: {s1}");
}

/// A 1.4 config's CSV has no extension column.
#[test]
fn a_config_without_reuse_keeps_the_csv_of_1_4() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(log.port, "    option http-server-close\n", port_h, be.port).replace(
        "    maxconn 100\n",
        &format!("    maxconn 100\n    stats socket {}\n", sock.display()),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let csv = stats_ask(&sock, "show stat\n");
    assert!(csv.lines().next().unwrap_or("").ends_with(",srv_abrt,"));
    assert!(!csv.contains("idle_conn_cur"));
}

/// 1.5's interplay: a close mode set after `option http-keep-alive`
/// replaces it, `no option http-keep-alive` drops it (back to 1.4's
/// tunnel), and between frontend and backend a close mode wins.
#[test]
fn close_options_replace_keep_alive_as_in_1_5() {
    let cases = [
        // (defaults, frontend, backend, server connections for 3 requests)
        (
            "    option http-keep-alive\n",
            "",
            "    option http-server-close\n",
            3,
        ),
        (
            "    option http-server-close\n",
            "",
            "    option http-keep-alive\n",
            3,
        ),
        ("", "    option http-keep-alive\n", "", 1),
        (
            "",
            "    option http-keep-alive\n",
            "    option forceclose\n",
            1,
        ),
    ];
    for (i, (def, fe, bk, conns)) in cases.iter().enumerate() {
        let be = KaBackend::new(answer_all());
        let mut log = Syslog::new();
        let port_h = handed();
        let port = port_h.port;
        let cfg = format!(
            "{}{}\nfrontend f\n    bind {}\n{}    default_backend b\n\nbackend b\n{}    server s1 127.0.0.1:{}\n",
            global(log.port),
            def,
            port_h,
            fe,
            bk,
            be.port
        );
        let _p = Proxy::start(&cfg, &mut log, 2);
        let r = on_one_connection(port, &[GET, GET, GET]);
        let served = r.iter().filter(|x| x.starts_with("HTTP/1.1 200")).count();
        if i == 3 {
            // forceclose: one response, then the proxy closes
            assert_eq!(served, 1, "case {i}: {r:?}");
        } else {
            assert_eq!(served, 3, "case {i}: {r:?}");
        }
        assert!(
            eventually(3, || be.conns() == *conns),
            "case {i}: {} connections",
            be.conns()
        );
    }
}

/// 1.5 sticks to a server that answered 401 on a kept connection (NTLM),
/// even without `option prefer-last-server`.
#[test]
fn a_401_keeps_the_next_request_on_the_same_server() {
    let a = KaBackend::new(Arc::new(|_, n| {
        if n == 0 {
            Act::Unauthorized
        } else {
            Act::Answer
        }
    }));
    let b = KaBackend::new(Arc::new(|_, n| {
        if n == 0 {
            Act::Unauthorized
        } else {
            Act::Answer
        }
    }));
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let cfg = format!(
        "{}\nlisten app\n    bind {}\n    option http-keep-alive\n    balance roundrobin\n    server a 127.0.0.1:{}\n    server b 127.0.0.1:{}\n",
        global(log.port),
        port_h,
        a.port,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = on_one_connection(port, &[GET, GET]);
    assert!(r[0].starts_with("HTTP/1.1 401"), "{r:?}");
    assert!(r[1].starts_with("HTTP/1.1 200"), "{r:?}");
    assert_eq!((a.conns(), b.conns()), (1, 0), "both on a's connection");
    assert_eq!(a.seen().len(), 2);
}

/// Under `option http-keep-alive`, a client that asked to close has its
/// connection closed with the response (HAProxy 2.x), not held until its
/// own FIN: its session is gone once it read the end of the response,
/// although it keeps its socket open.
#[test]
fn a_client_that_asked_to_close_is_not_waited_for() {
    let be = KaBackend::new(answer_all());
    let mut log = Syslog::new();
    let port_h = handed();
    let port = port_h.port;
    let sock = tmpdir("reuse").join("stats.sock");
    let cfg = config(log.port, "    option http-keep-alive\n", port_h, be.port).replace(
        "    maxconn 100\n",
        &format!("    maxconn 100\n    stats socket {}\n", sock.display()),
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5))).ok();
    c.write_all(GET_CLOSE.as_bytes()).expect("write");
    let mut got = Vec::new();
    let _ = std::io::Read::read_to_end(&mut c, &mut got);
    assert!(got.starts_with(b"HTTP/1.1 200"), "{got:?}");
    let me = format!("src=127.0.0.1:{} ", c.local_addr().expect("addr").port());
    let sess = stats_ask(&sock, "show sess\n");
    assert!(!sess.contains(&me), "still held: {sess}");
    drop(c);
}

//! Health checks against in-test servers speaking just enough of each
//! protocol: HTTP (status and expect), SMTP, SSL hello and MySQL.
use super::common;
use common::*;
use std::io::Read;
use std::thread;
use std::time::Duration;

/// A server that greets or answers every connection with `reply`.
fn greeter(reply: &'static [u8], read_first: bool) -> u16 {
    Backend::serial(200, Duration::from_secs(2), move |mut c| {
        if read_first {
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
        }
        answer_and_close(&mut c, reply);
    })
    .port
}

fn cfg(log: &Syslog, opts: &str, port: u16) -> String {
    format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten app {}\n    log global\n{}    server s1 127.0.0.1:{} check inter 200 fall 1 rise 1\n",
        log.port,
        handed(),
        opts,
        port
    )
}

fn stays_up(log: &mut Syslog) -> bool {
    !log.wait_for("is DOWN", 1, 1)
}

#[test]
fn httpchk_status_and_expect() {
    let bad = greeter(b"HTTP/1.0 500 Internal Server Error\r\n\r\n", true);
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(&log, "    mode http\n    option httpchk GET /health\n", bad),
        &mut log,
        1,
    );
    assert!(
        log.wait_for("Server app/s1 is DOWN, reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\"", 1, 5),
        "{:?}",
        log.lines
    );
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(
            &log,
            "    mode http\n    option httpchk\n    http-check expect status 500\n",
            bad,
        ),
        &mut log,
        1,
    );
    assert!(stays_up(&mut log), "{:?}", log.lines);
    let good = greeter(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true);
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(
            &log,
            "    mode http\n    option httpchk HEAD / HTTP/1.1\\r\\nHost:\\ x\n",
            good,
        ),
        &mut log,
        1,
    );
    assert!(stays_up(&mut log));
}

#[test]
fn smtp_ssl_mysql_checks() {
    let smtp = greeter(b"220 mail.example ESMTP\r\n", false);
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(&log, "    option smtpchk HELO example.com\n", smtp),
        &mut log,
        1,
    );
    assert!(stays_up(&mut log), "{:?}", log.lines);
    let smtp_bad = greeter(b"554 go away\r\n", false);
    let mut log = Syslog::new();
    let _p = Proxy::start(&cfg(&log, "    option smtpchk\n", smtp_bad), &mut log, 1);
    assert!(
        log.wait_for("Layer7 wrong status, code: 554", 1, 5),
        "{:?}",
        log.lines
    );

    let ssl = greeter(b"\x16\x03\x00\x00\x04\x0e\x00\x00\x00", true);
    let mut log = Syslog::new();
    let _p = Proxy::start(&cfg(&log, "    option ssl-hello-chk\n", ssl), &mut log, 1);
    assert!(stays_up(&mut log), "{:?}", log.lines);
    let not_ssl = greeter(b"HTTP/1.0 400 Bad\r\n\r\n", true);
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(&log, "    option ssl-hello-chk\n", not_ssl),
        &mut log,
        1,
    );
    assert!(
        log.wait_for("Layer6 invalid response", 1, 5),
        "{:?}",
        log.lines
    );

    // a greeting (sequence 0) then an OK packet (sequence 2): 1.4 wants
    // both, with lengths that add up exactly
    let mysql = greeter(
        b"\x0c\x00\x00\x00\x0a5.5.5-test\x00\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00",
        false,
    );
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(&log, "    option mysql-check user haproxy\n", mysql),
        &mut log,
        1,
    );
    assert!(stays_up(&mut log), "{:?}", log.lines);
}

#[test]
fn backup_takes_over_and_all_down_is_503() {
    let b = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nbackup\n");
    let (dead, fe) = (dead_port(), handed());
    let mut log = Syslog::new();
    let c = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{} check inter 200 fall 1\n    server b1 127.0.0.1:{} backup\n",
        global(log.port),
        fe,
        dead,
        b.port
    );
    let _p = Proxy::start(&c, &mut log, 1);
    assert!(
        log.wait_for(
            "0 active and 1 backup servers left. Running on backup.",
            1,
            5
        ),
        "{:?}",
        log.lines
    );
    assert!(get(fe.port, "/", "").ends_with("backup\n"));
    let mut log = Syslog::new();
    let fe = handed();
    let c = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{} check inter 200 fall 1\n",
        global(log.port),
        fe,
        dead
    );
    let _p = Proxy::start(&c, &mut log, 1);
    assert!(
        log.wait_for("proxy app has no server available!", 1, 5),
        "{:?}",
        log.lines
    );
    let l = log
        .lines
        .iter()
        .find(|l| l.contains("has no server"))
        .cloned()
        .unwrap_or_default();
    assert!(l.starts_with("<128>"), "{l}");
    assert!(get(fe.port, "/", "").starts_with("HTTP/1.0 503 Service Unavailable\r\n"));
}

#[test]
fn server_comes_back_after_rise() {
    // the server's port, held (bound, not listening) until it comes up
    let server = dead_port();
    let mut log = Syslog::new();
    let c = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten app {}\n    log global\n    server s1 127.0.0.1:{} check inter 150 rise 2 fall 1\n",
        log.port,
        handed(),
        server.port
    );
    let _p = Proxy::start(&c, &mut log, 1);
    assert!(log.wait_for("Server app/s1 is DOWN", 1, 5));
    // the server starts listening: UP again after `rise` good checks
    let l = server.listen();
    thread::spawn(move || {
        for c in l.incoming().take(100) {
            drop(c);
        }
    });
    assert!(
        log.wait_for("Server app/s1 is UP, reason: Layer4 check passed", 1, 5),
        "{:?}",
        log.lines
    );
    let up = log
        .lines
        .iter()
        .find(|l| l.contains("is UP"))
        .cloned()
        .unwrap_or_default();
    assert!(
        up.starts_with("<133>") && up.contains("1 active and 0 backup servers online."),
        "{up}"
    );
}

#[test]
fn observe_layer7_marks_a_failing_server_down() {
    let mut log = Syslog::new();
    let bad = Backend::http_n(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno",
        64,
    );
    let good = Backend::http_n(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns2\n", 64);
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{} check inter 10000 observe layer7 error-limit 2 on-error mark-down\n    server s2 127.0.0.1:{}\n",
        global(log.port),
        fe,
        bad.port,
        good.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // round robin: s1 (500), s2, s1 (500): two consecutive errors on s1
    let r: Vec<String> = (0..3).map(|_| get(fe.port, "/", "")).collect();
    assert!(
        r[0].starts_with("HTTP/1.1 500") && r[2].starts_with("HTTP/1.1 500"),
        "{r:?}"
    );
    assert!(
        log.wait_for(
            "Server app/s1 is DOWN, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: Wrong http response\". 1 active and 0 backup servers left.",
            1,
            3
        ),
        "{:?}",
        log.lines
    );
    for _ in 0..4 {
        assert!(get(fe.port, "/", "").ends_with("s2\n"));
    }
}

/// The syslog lines received so far that hold `pat`.
fn lines_with(log: &Syslog, pat: &str) -> Vec<String> {
    log.lines
        .iter()
        .filter(|l| l.contains(pat))
        .cloned()
        .collect()
}

#[test]
fn maintenance_from_socket_and_admin_page_logs_and_propagates_alike() {
    let b = Backend::http_n(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", 64);
    let mut log = Syslog::new();
    let dir = tmpdir("maint");
    let sock = dir.join("a.sock");
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {} level admin\n{}\nlisten app {fe}\n    option httpclose\n    stats uri /st\n    stats admin if TRUE\n    server s1 127.0.0.1:{} check inter 10000\n    server s2 127.0.0.1:{} track s1\n",
        log.port,
        sock.display(),
        DEFAULTS,
        b.port,
        b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    // the socket: syslog as well as stderr, the tracker follows, and the
    // backend's loss of its last server is announced
    assert_eq!(stats_ask(&sock, "disable server app/s1\n"), "\n");
    assert!(
        log.wait_for("proxy app has no server available!", 1, 3),
        "{:?}",
        log.lines
    );
    let maint = lines_with(&log, "Server app/s1 is DOWN for maintenance.");
    assert!(
        maint.len() == 1 && maint[0].starts_with("<129>"),
        "{:?}",
        log.lines
    );
    let via = lines_with(
        &log,
        "Server app/s2 is DOWN via app/s1. 0 active and 0 backup servers left.",
    );
    assert!(
        via.len() == 1 && via[0].starts_with("<129>"),
        "{:?}",
        log.lines
    );
    let pos = |p: &str| log.lines.iter().position(|l| l.contains(p));
    assert!(pos("app/s2 is DOWN via") < pos("has no server available"));
    assert!(get(fe.port, "/", "").starts_with("HTTP/1.0 503"));
    // the admin page: the same change back, through the same path
    let post = |body: &str| {
        let req = format!(
            "POST /st HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{}",
            body.len(),
            body
        );
        String::from_utf8_lossy(&exchange(fe.port, req.as_bytes())).into_owned()
    };
    let r = post("s=s1&action=enable&b=app");
    assert!(r.contains("Location: /st;st=DONE\r\n"), "{r}");
    assert!(
        log.wait_for("Server app/s2 is UP via app/s1.", 1, 3),
        "{:?}",
        log.lines
    );
    let up = lines_with(&log, "Server app/s1 is UP (leaving maintenance).");
    assert!(
        up.len() == 1 && up[0].starts_with("<133>"),
        "{:?}",
        log.lines
    );
    assert!(get(fe.port, "/", "").ends_with("ok\n"));
    // weights go through it too: stop (weight 0) then the socket's view
    let r = post("s=s1&action=stop&b=app");
    assert!(r.contains("Location: /st;st=DONE\r\n"), "{r}");
    assert_eq!(stats_ask(&sock, "get weight app/s1\n"), "0 (initial 1)\n\n");
}

#[test]
fn tcp_checks_never_complete_the_handshake() {
    // 1.4 holds back the handshake's last ACK and resets: the server's
    // accept() never sees a check
    let l = dead_port().listen();
    l.set_nonblocking(true).expect("nonblocking");
    let port = l.local_addr().expect("addr").port();
    let mut log = Syslog::new();
    let c = format!(
        "{}\nlisten app {}\n    option log-health-checks\n    server s1 127.0.0.1:{} check inter 100 rise 2 fall 3\n",
        global(log.port),
        handed(),
        port
    );
    let _p = Proxy::start(&c, &mut log, 1);
    // the first pass raises health from rise to full: logged, at NOTICE
    assert!(
        log.wait_for(
            "Health check for server app/s1 succeeded, reason: Layer4 check passed",
            1,
            3
        ),
        "{:?}",
        log.lines
    );
    let l0 = lines_with(&log, "Health check for server app/s1 succeeded");
    assert!(
        l0[0].starts_with("<133>") && l0[0].contains("status: 3/3 UP."),
        "{l0:?}"
    );
    thread::sleep(Duration::from_millis(500));
    assert!(
        matches!(l.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a check connection was accepted"
    );
    // passes at full health are not logged again
    assert_eq!(
        lines_with(&log, "Health check for").len(),
        1,
        "{:?}",
        log.lines
    );
}

#[test]
fn disable_on_404_stops_load_balancing_only() {
    let nf = Backend::http_n(
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\ns1\n",
        64,
    );
    let ok = Backend::http_n(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns2\n", 64);
    let mut log = Syslog::new();
    let fe = handed();
    let c = format!(
        "{}\nlisten app {fe}\n    option httpclose\n    option httpchk\n    http-check disable-on-404\n    stats enable\n    stats uri /st\n    server s1 127.0.0.1:{} check inter 100\n    server s2 127.0.0.1:{} check inter 10000\n",
        global(log.port),
        nf.port,
        ok.port
    );
    let _p = Proxy::start(&c, &mut log, 1);
    let want = "Load-balancing on Server app/s1 is disabled, reason: Layer7 check conditionally passed, code: 404, info: \"Not Found\"";
    assert!(log.wait_for(want, 1, 3), "{:?}", log.lines);
    let l = lines_with(&log, want);
    assert!(
        l[0].starts_with("<133>") && l[0].contains("1 active and 0 backup servers online."),
        "{l:?}"
    );
    // a NOLB server takes no new traffic, and is not DOWN
    for _ in 0..4 {
        assert!(get(fe.port, "/", "").ends_with("s2\n"));
    }
    assert!(lines_with(&log, "is DOWN").is_empty(), "{:?}", log.lines);
    // and the stats show it as 1.4 does: NOLB, not UP
    let csv = get(fe.port, "/st;csv", "");
    let s1 = csv.lines().find(|l| l.starts_with("app,s1,")).unwrap_or("");
    assert_eq!(s1.split(',').nth(17), Some("NOLB"), "{csv}");
    let page = get(fe.port, "/st", "");
    assert!(page.contains("<tr class=\"active5\">"), "{page}");
}

#[test]
fn mysql_greeting_alone_then_close_times_out() {
    // with `user`, 1.4 needs the answer to its login: a server that only
    // greets and closes leaves the check to time out (as a Layer4 timeout)
    let mysql = greeter(b"\x0c\x00\x00\x00\x0a5.5.5-test\x00", false);
    let mut log = Syslog::new();
    let _p = Proxy::start(
        &cfg(&log, "    option mysql-check user haproxy\n", mysql),
        &mut log,
        1,
    );
    assert!(
        log.wait_for("Server app/s1 is DOWN, reason: Layer4 timeout", 1, 5),
        "{:?}",
        log.lines
    );
}

//! The real binary carrying traffic: HTTP rewrites, balancing, cookies,
//! errors, TCP mode, checks, stats and logs, against in-test backends.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::time::Duration;

const OK1: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n";
const OK2: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns2\n";

#[test]
fn seed_config_get_roundrobin_and_log() {
    let mut log = Syslog::new();
    let (b1, b2, fe) = (Backend::http(OK1), Backend::http(OK2), handed());
    let cfg = format!(
        "{}\nlisten webfarm {}\n    balance roundrobin\n    cookie JSESSIONID prefix\n    option httpclose\n    option forwardfor\n    server web01 127.0.0.1:{} cookie A\n    server web02 127.0.0.1:{} cookie B\n",
        global(log.port), fe, b1.port, b2.port
    );
    let p = Proxy::start(&cfg, &mut log, 1);
    let r1 = get(fe.port, "/a", "Connection: keep-alive\r\n");
    let r2 = get(fe.port, "/b", "");
    assert!(
        r1.ends_with("s1\n") && r1.contains("Connection: close\r\n"),
        "{r1}"
    );
    assert!(r2.ends_with("s2\n"), "{r2}");
    let req = &b1.requests()[0];
    assert!(
        req.contains("X-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        "{req}"
    );
    assert!(!req.contains("keep-alive"));
    // a prefixed cookie pins the server and is stripped towards it
    let r3 = get(fe.port, "/c", "Cookie: JSESSIONID=B~xyz\r\n");
    assert!(r3.ends_with("s2\n"));
    assert!(b2
        .requests()
        .iter()
        .any(|r| r.contains("Cookie: JSESSIONID=xyz\r\n")));
    assert!(
        log.wait_for("webfarm webfarm/web01 ", 1, 3),
        "{:?}",
        log.lines
    );
    assert!(log.wait_for("--VN", 1, 3));
    let l = log
        .lines
        .iter()
        .find(|l| l.contains("\"GET /a HTTP/1.1\""))
        .cloned()
        .unwrap_or_default();
    assert!(
        l.starts_with("<134>") && l.contains(" 200 ") && l.contains(" --NN 0/0/0/0/0 0/0 "),
        "{l}"
    );
    let err = p.stop();
    assert!(
        err.contains("Proxy webfarm stopped (FE: 3 conns, BE: 3 conns)."),
        "{err}"
    );
}

#[test]
fn errors_are_14s_exact_pages() {
    let mut log = Syslog::new();
    let (fe, dead) = (handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    retries 0\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        dead
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = exchange(fe.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.len(), 212);
    assert!(r.starts_with(b"HTTP/1.0 503 Service Unavailable\r\n"));
    let r = exchange(fe.port, b"GET / HTTP/1.1\r\nNoColonHere\r\n\r\n");
    assert_eq!(r.len(), 187);
    assert!(r.starts_with(b"HTTP/1.0 400 Bad request\r\n"));
    assert!(log.wait_for("app/<NOSRV> -1/-1/-1/-1/", 1, 3));
    assert!(log.wait_for(" SC-- ", 1, 3));
}

#[test]
fn tcp_mode_is_byte_exact() {
    let mut log = Syslog::new();
    let (b, fe) = (Backend::echo(), handed());
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\ndefaults\n    mode tcp\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\nlisten t {}\n    option tcplog\n    log global\n    server e 127.0.0.1:{}\n",
        log.port, fe, b.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let data: Vec<u8> = (0..=255u8).cycle().take(70000).collect();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("to");
    s.write_all(&data).expect("write");
    s.shutdown(std::net::Shutdown::Write).expect("shutw");
    let mut back = Vec::new();
    let _ = s.read_to_end(&mut back);
    assert_eq!(back, data);
    assert!(log.wait_for("t t/e ", 1, 3));
    assert!(
        log.lines.iter().any(|l| l.contains(" 70000 -- ")),
        "{:?}",
        log.lines
    );
}

#[test]
fn health_check_takes_dead_server_out() {
    let mut log = Syslog::new();
    let (b2, fe, dead) = (Backend::http(OK2), handed(), dead_port());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{} check inter 200 fall 2\n    server s2 127.0.0.1:{}\n",
        global(log.port),
        fe,
        dead,
        b2.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    assert!(
        log.wait_for(
            "Server app/s1 is DOWN, reason: Layer4 connection problem",
            1,
            5
        ),
        "{:?}",
        log.lines
    );
    let l = log
        .lines
        .iter()
        .find(|l| l.contains("is DOWN"))
        .cloned()
        .unwrap_or_default();
    assert!(
        l.starts_with("<129>") && l.contains("1 active and 0 backup servers left."),
        "{l}"
    );
    for _ in 0..3 {
        assert!(get(fe.port, "/", "").ends_with("s2\n"));
    }
}

#[test]
fn cookie_insert_and_stats_csv() {
    let mut log = Syslog::new();
    let (b1, fe) = (Backend::http(OK1), handed());
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    cookie SRVID insert indirect nocache\n    stats enable\n    stats uri /st\n    server s1 127.0.0.1:{} cookie c1\n",
        global(log.port),
        fe,
        b1.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let r = get(fe.port, "/", "");
    assert!(
        r.contains("Set-Cookie: SRVID=c1; path=/\r\nCache-control: private\r\n"),
        "{r}"
    );
    let r = get(fe.port, "/", "Cookie: SRVID=c1\r\n");
    assert!(!r.contains("Set-Cookie"));
    assert!(!b1.requests()[1].contains("SRVID"));
    let r = get(fe.port, "/st;csv", "");
    assert!(r.starts_with("HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n# pxname,svname,"), "{r}");
    assert!(r.contains("\napp,FRONTEND,"));
    assert!(r.contains("\napp,s1,"));
    assert!(r.contains("\napp,BACKEND,"));
}

#[test]
fn stats_socket_commands() {
    let mut log = Syslog::new();
    let (b1, fe) = (Backend::http(OK1), handed());
    let dir = tmpdir("sock");
    let sock = dir.join("s.sock");
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    stats socket {} level admin\n{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        DEFAULTS,
        fe,
        b1.port
    );
    let _p = Proxy::start(&cfg, &mut log, 1);
    let ask = |cmd: &str| stats_ask(&sock, cmd);
    let info = ask("show info\n");
    assert!(
        info.starts_with("Name: HAProxy\nVersion: 1.4.25\n"),
        "{info}"
    );
    assert_eq!(ask("get weight app/s1\n"), "1 (initial 1)\n\n");
    assert_eq!(ask("disable server app/s1\n"), "\n");
    let r = get(fe.port, "/", "");
    assert!(r.starts_with("HTTP/1.0 503 "), "{r}");
    assert_eq!(ask("enable server app/s1\n"), "\n");
    assert!(get(fe.port, "/", "").ends_with("s1\n"));
    assert!(ask("bogus\n").starts_with("Unknown command."));
}

#[test]
fn daemon_pidfile_and_soft_stop() {
    let mut log = Syslog::new();
    let (b1, fe) = (Backend::http(OK1), handed());
    let dir = tmpdir("daemon");
    let pidf = dir.join("h.pid");
    let cfgp = dir.join("h.cfg");
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        b1.port
    );
    std::fs::write(&cfgp, cfg).expect("w");
    let mut cmd = std::process::Command::new(bin());
    cmd.arg("-D").arg("-f").arg(&cfgp).arg("-p").arg(&pidf);
    let held = hand_over(&mut cmd);
    let st = cmd.status().expect("run");
    drop(held);
    assert!(st.success());
    let pid: i32 = std::fs::read_to_string(&pidf)
        .expect("pidfile")
        .trim()
        .parse()
        .expect("pid");
    assert!(log.wait_for("Proxy app started.", 1, 5));
    assert!(get(fe.port, "/", "").ends_with("s1\n"));
    let _ = std::process::Command::new("kill")
        .arg("-USR1")
        .arg(pid.to_string())
        .status();
    assert!(
        log.wait_for("Proxy app stopped (FE: 1 conns, BE: 1 conns).", 1, 5),
        "{:?}",
        log.lines
    );
    let mut gone = false;
    for _ in 0..100 {
        if !std::path::Path::new(&format!("/proc/{}", pid)).exists() {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if !gone {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(pid.to_string())
            .status();
    }
    assert!(gone, "daemon did not exit after SIGUSR1");
}

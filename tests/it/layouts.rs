//! Each proxy layout carries traffic in tcp and http mode: a `listen`, a
//! `frontend` with `default_backend`, and a `frontend` whose `use_backend`
//! rules pick by content. A tcp frontend once never reached its backend.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

/// Sends `data` to `port` and reads what comes back until EOF (bounded).
fn talk(port: u16, data: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(4)))
        .expect("timeout");
    s.write_all(data).expect("write");
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn tcp_defaults(log: u16) -> String {
    format!(
        "global\n    log 127.0.0.1:{log} local0\n    maxconn 100\n\ndefaults\n    log global\n    mode tcp\n    option tcplog\n    timeout connect 1s\n    timeout client 3s\n    timeout server 3s\n"
    )
}

#[test]
fn tcp_listen_forwards() {
    let mut log = Syslog::new();
    let (b, fe) = (Backend::echo(), handed());
    let cfg = format!(
        "{}\nlisten app {fe}\n    server s1 127.0.0.1:{}\n",
        tcp_defaults(log.port),
        b.port
    );
    let p = Proxy::start(&cfg, &mut log, 1);
    assert_eq!(talk(fe.port, b"hello"), b"hello");
    assert!(log.wait_for(" app app/s1 ", 1, 3), "{:?}", log.lines);
    p.stop();
}

#[test]
fn tcp_frontend_default_backend_forwards() {
    let mut log = Syslog::new();
    let (b, fe) = (Backend::echo(), handed());
    let cfg = format!(
        "{}\nfrontend fe\n    bind {fe}\n    default_backend be\nbackend be\n    server s1 127.0.0.1:{}\n",
        tcp_defaults(log.port),
        b.port
    );
    let p = Proxy::start(&cfg, &mut log, 2);
    assert_eq!(talk(fe.port, b"hello"), b"hello");
    assert!(log.wait_for(" fe be/s1 ", 1, 3), "{:?}", log.lines);
    assert!(log.lines.iter().all(|l| !l.contains("NOSRV")));
    let err = p.stop();
    assert!(
        err.contains("Proxy be stopped (FE: 0 conns, BE: 1 conns)."),
        "{err}"
    );
}

#[test]
fn tcp_frontend_use_backend_by_content() {
    let mut log = Syslog::new();
    let (b1, b2, fe) = (Backend::echo(), Backend::echo(), handed());
    let cfg = format!(
        "{}\nfrontend fe\n    bind {fe}\n    tcp-request inspect-delay 2s\n    acl long req_len ge 5\n    tcp-request content accept if long\n    use_backend big if long\n    default_backend small\nbackend small\n    server s1 127.0.0.1:{}\nbackend big\n    server s2 127.0.0.1:{}\n",
        tcp_defaults(log.port),
        b1.port,
        b2.port
    );
    let p = Proxy::start(&cfg, &mut log, 3);
    assert_eq!(talk(fe.port, b"hello"), b"hello");
    assert!(log.wait_for(" fe big/s2 ", 1, 3), "{:?}", log.lines);
    // shorter than 5 bytes: the inspect delay ends, the default applies
    assert_eq!(talk(fe.port, b"hi"), b"hi");
    assert!(log.wait_for(" fe small/s1 ", 1, 5), "{:?}", log.lines);
    p.stop();
}

#[test]
fn http_frontend_default_and_use_backend() {
    let mut log = Syslog::new();
    let (b1, b2, fe) = (Backend::http(OK), Backend::http(OK), handed());
    let cfg = format!(
        "{}\nfrontend fe\n    bind {fe}\n    option httpclose\n    acl api path_beg /api\n    use_backend api if api\n    default_backend www\nbackend www\n    server s1 127.0.0.1:{}\nbackend api\n    server s2 127.0.0.1:{}\n",
        global(log.port),
        b1.port,
        b2.port
    );
    let p = Proxy::start(&cfg, &mut log, 3);
    assert!(get(fe.port, "/api/x", "").ends_with("ok\n"));
    assert!(get(fe.port, "/", "").ends_with("ok\n"));
    assert!(log.wait_for(" fe api/s2 ", 1, 3), "{:?}", log.lines);
    assert!(log.wait_for(" fe www/s1 ", 1, 3), "{:?}", log.lines);
    assert_eq!(b2.requests().len(), 1);
    assert_eq!(b1.requests().len(), 1);
    p.stop();
}

#[test]
fn http_listen_forwards() {
    let mut log = Syslog::new();
    let (b, fe) = (Backend::http(OK), handed());
    let cfg = format!(
        "{}\nlisten app {fe}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        b.port
    );
    let p = Proxy::start(&cfg, &mut log, 1);
    assert!(get(fe.port, "/", "").ends_with("ok\n"));
    assert!(log.wait_for(" app app/s1 ", 1, 3), "{:?}", log.lines);
    p.stop();
}

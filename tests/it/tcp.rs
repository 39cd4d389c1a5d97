//! TCP-level behaviour that saves packets without changing a byte: 1.4's
//! smart accept (the request's ACK leaves with the response), smart connect
//! (the handshake's last ACK leaves with the request) and a closing
//! response leaving with its FIN. Counted with TCP_INFO on the test's own
//! sockets: real binary, real sockets, in-test backend.
use super::common;
use common::*;
use haproxy_rs::sys;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::io::AsRawFd;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";

/// A backend that reports, per connection, how many segments it had
/// received once the whole request head was in (SYN, ACK, data...), then
/// answers and closes.
fn counting_backend(n: usize) -> (u16, mpsc::Receiver<u32>) {
    let (tx, rx) = mpsc::channel();
    let b = Backend::serial(n, Duration::from_secs(3), move |mut c| {
        read_until_head(&mut c);
        let segs = sys::tcp_counts(c.as_raw_fd())
            .map(|s| s.segs_in)
            .unwrap_or(0);
        let _ = tx.send(segs);
        answer_and_close(&mut c, RESP);
    });
    (b.port, rx)
}

/// One request through the proxy; the response and the segments the
/// client received until the proxy's FIN (SYN-ACK included).
fn one_request(port: u16) -> (Vec<u8>, u32) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let segs = sys::tcp_counts(s.as_raw_fd())
        .map(|x| x.segs_in)
        .unwrap_or(99);
    (out, segs)
}

fn config(log: u16, fe: Handed, be: u16, extra: &str) -> String {
    format!(
        "{}\nlisten web {}\n    option httpclose\n{}    server s1 127.0.0.1:{}\n",
        global(log),
        fe,
        extra,
        be
    )
}

#[test]
fn http_mode_saves_the_lone_acks_and_sends_the_fin_with_the_response() {
    const TRIES: usize = 5;
    let (be, counts) = counting_backend(TRIES);
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, ""), &mut log, 1);
    let mut client = Vec::new();
    let mut server = Vec::new();
    for _ in 0..TRIES {
        let (out, segs) = one_request(fe.port);
        assert!(out.ends_with(b"\r\n\r\nhello\n"), "{:?}", out);
        client.push(segs);
        server.push(counts.recv_timeout(Duration::from_secs(5)).unwrap_or(99));
    }
    drop(p);
    // client: SYN-ACK, then the response with the FIN; no lone ACK of the
    // request, no lone FIN (a delayed ACK may still fire on a slow machine:
    // one clean exchange in five is asked for)
    assert!(client.contains(&2), "client segments: {:?}", client);
    // server: SYN, then the request carrying the handshake's ACK
    assert!(server.contains(&2), "server segments: {:?}", server);
}

#[test]
fn no_option_tcp_smart_connect_and_accept_restore_immediate_acks() {
    const TRIES: usize = 3;
    let (be, counts) = counting_backend(TRIES);
    let mut log = Syslog::new();
    let fe = handed();
    let extra = "    no option tcp-smart-accept\n    no option tcp-smart-connect\n";
    let p = Proxy::start(&config(log.port, fe, be, extra), &mut log, 1);
    for _ in 0..TRIES {
        let (out, segs) = one_request(fe.port);
        assert!(out.ends_with(b"\r\n\r\nhello\n"), "{:?}", out);
        // SYN-ACK, the ACK of the request, the response (and its FIN,
        // in the same segment unless the server's FIN came late): never
        // the 2 of smart accept
        assert!(segs >= 3, "client segments: {}", segs);
        // SYN, the handshake's ACK, the request
        let s = counts.recv_timeout(Duration::from_secs(5)).unwrap_or(99);
        assert_eq!(s, 3, "server segments");
    }
    drop(p);
}

#[test]
fn smart_accept_and_nodelay_are_inherited_by_accepted_sockets() {
    for no_quickack in [true, false] {
        let addr = "127.0.0.1:0".parse().expect("addr");
        let fd = sys::listen_socket(&addr, 16, false, no_quickack, None, None).expect("listen");
        let l = sys::listener_from_fd(fd);
        let port = l.local_addr().expect("addr").port();
        let _c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut accepted = None;
        for _ in 0..200 {
            if let Ok((s, _)) = l.accept() {
                accepted = Some(s);
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let s = accepted.expect("accepted");
        assert_eq!(sys::quickack(s.as_raw_fd()), Some(!no_quickack));
        // and TCP_NODELAY, which the engine no longer sets per connection
        assert!(s.nodelay().expect("nodelay"));
    }
}

#[test]
fn a_tcp_mode_tunnel_still_ends_cleanly() {
    // the FIN merge applies to tunnels too: an echo through tcp mode gets
    // all its bytes back, then EOF
    let be = Backend::echo();
    let mut log = Syslog::new();
    let fe = handed();
    let cfg = format!(
        "{}\nlisten t {}\n    mode tcp\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        be.port
    );
    let p = Proxy::start(&cfg, &mut log, 1);
    let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    s.write_all(&data).expect("write");
    s.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert_eq!(out.len(), data.len());
    assert!(out == data);
    drop(p);
}

#[test]
fn smart_accept_survives_a_pause_and_resume() {
    // SIGTTOU/SIGTTIN (a failed reload) re-listen the sockets, which resets
    // their ACK mode in the kernel: it must be set again
    const TRIES: usize = 5;
    let (be, counts) = counting_backend(TRIES);
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, ""), &mut log, 1);
    p.signal("TTOU");
    assert!(log.wait_for("Pausing", 1, 5), "{:?}", log.lines);
    p.signal("TTIN");
    assert!(log.wait_for("Enabling", 1, 5), "{:?}", log.lines);
    let mut client = Vec::new();
    for _ in 0..TRIES {
        let (out, segs) = one_request(fe.port);
        assert!(out.ends_with(b"\r\n\r\nhello\n"), "{:?}", out);
        client.push(segs);
        let _ = counts.recv_timeout(Duration::from_secs(5));
    }
    drop(p);
    assert!(client.contains(&2), "client segments: {:?}", client);
}

#[test]
fn a_server_writing_its_response_in_pieces_gets_our_acks_at_once() {
    // smart connect holds the handshake's ACK for the request only: once
    // the request left, the response's segments are ACKed at once, so a
    // server with Nagle on (no TCP_NODELAY) never waits for a delayed ACK
    // before sending the rest of its response
    let (tx, rx) = mpsc::channel();
    let be = Backend::serial(3, Duration::from_secs(3), move |mut c| {
        read_until_head(&mut c);
        let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n");
        // our head is ACKed as it arrives (a delayed ACK takes 40 ms
        // or more); bounded wait
        let mut acked = false;
        for _ in 0..20 {
            if sys::tcp_counts(c.as_raw_fd()).is_some_and(|t| t.unacked == 0) {
                acked = true;
                break;
            }
            thread::sleep(Duration::from_millis(1));
        }
        let _ = tx.send(acked);
        answer_and_close(&mut c, b"hello\n");
    })
    .port;
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, ""), &mut log, 1);
    let mut acked = Vec::new();
    for _ in 0..3 {
        let (out, _) = one_request(fe.port);
        assert!(out.ends_with(b"\r\n\r\nhello\n"), "{:?}", out);
        acked.push(rx.recv_timeout(Duration::from_secs(5)).unwrap_or(false));
    }
    drop(p);
    assert!(acked.iter().all(|&a| a), "{:?}", acked);
}

#[test]
fn a_request_body_still_to_come_is_acked_at_once() {
    // smart accept holds the ACK of a complete request for its response;
    // a head announcing a body must be ACKed at once instead, or a client
    // with Nagle on would wait for our delayed ACK (40 ms or more) before
    // sending the body. One prompt ACK in five tries is asked for (the
    // proxy has to have read the head); without the fix none comes.
    // the backend answers once it has the whole body
    let be = Backend::serial(5, Duration::from_secs(3), |mut c| {
        read_until(&mut c, |b| b.ends_with(b"0123456789"));
        answer_and_close(&mut c, RESP);
    })
    .port;
    let mut log = Syslog::new();
    let fe = handed();
    let p = Proxy::start(&config(log.port, fe, be, ""), &mut log, 1);
    let mut prompt = Vec::new();
    for _ in 0..5 {
        let mut s = TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.write_all(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n")
            .expect("write");
        let mut acked = false;
        for _ in 0..30 {
            if sys::tcp_counts(s.as_raw_fd()).is_some_and(|t| t.unacked == 0) {
                acked = true;
                break;
            }
            thread::sleep(Duration::from_millis(1));
        }
        prompt.push(acked);
        s.write_all(b"0123456789").expect("write");
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        assert!(out.ends_with(b"\r\n\r\nhello\n"), "{:?}", out);
    }
    drop(p);
    assert!(prompt.contains(&true), "{:?}", prompt);
}

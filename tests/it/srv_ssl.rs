//! TLS to servers (`server ... ssl`, HAProxy 1.5 syntax): a TLS backend
//! made with rustls in the test (it reports each request it decrypted and
//! whether the handshake resumed), certificates made by the `openssl` CLI
//! (a CA, a server certificate it signed for srv.example.com, another CA,
//! a self-signed certificate). Covers re-encryption in http and tcp mode,
//! verify with the right and the wrong CA (503 after the retries, the log's
//! `SC`), verifyhost, verify none, session resumption, checks over TLS,
//! and the `-c` alerts.
use super::common;
use super::tls_helpers::{check, have, sh};
use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// ca.crt signs srv.pem (CN and SAN srv.example.com); ca2.crt is another
/// CA; self.pem is self-signed.
fn srv_certs() -> Option<PathBuf> {
    if !have("openssl") {
        skip("openssl CLI not installed (apt install openssl)");
        return None;
    }
    let d = tmpdir("srvssl");
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    let ok = sh(&d, &format!("openssl req -x509 {ec} -keyout ca.key -out ca.crt -days 30 -subj /CN=TestCA"))
        && sh(&d, &format!("openssl req -x509 {ec} -keyout ca2.key -out ca2.crt -days 30 -subj /CN=OtherCA"))
        && sh(&d, &format!("openssl req -new {ec} -keyout srv.key -out srv.csr -subj /CN=srv.example.com && printf 'subjectAltName=DNS:srv.example.com\\n' > ext && openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 30 -extfile ext && cat srv.crt srv.key > srv.pem"))
        && sh(&d, &format!("openssl req -x509 {ec} -keyout self.key -out self.crt -days 30 -subj /CN=self && cat self.crt self.key > self.pem"))
        && sh(&d, &format!("openssl req -new {ec} -keyout cli.key -out cli.csr -subj /CN=haproxy && printf 'extendedKeyUsage=clientAuth\n' > cext && openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 30 -extfile cext && cat cli.crt cli.key > cli.pem"));
    assert!(ok, "certificate generation failed in {}", d.display());
    Some(d)
}

/// What the TLS backend saw of one connection.
struct Seen {
    data: String,
    resumed: bool,
    /// the connection ended on bytes that were not TLS
    garbled: bool,
}

/// A TLS server on 127.0.0.1 for up to `max` connections: http answers
/// `200` with `resumed=yes|no` in the body and closes; otherwise it echoes
/// what it reads until the client closes.
fn tls_backend(pem: &std::path::Path, max: usize, http: bool) -> (u16, mpsc::Receiver<Seen>) {
    tls_backend_ka(pem, max, http, false)
}

/// As `tls_backend`, with `client_ca` the server requires a client
/// certificate signed by it.
fn tls_backend_ka(
    pem: &std::path::Path,
    max: usize,
    http: bool,
    ka: bool,
) -> (u16, mpsc::Receiver<Seen>) {
    tls_backend_full(pem, max, http, ka, None)
}

/// As `tls_backend`; with `ka` an http connection answers every request
/// it gets (keep-alive) until the client closes, and reports them all;
/// with `client_ca` it requires a client certificate signed by that CA.
fn tls_backend_full(
    pem: &std::path::Path,
    max: usize,
    http: bool,
    ka: bool,
    client_ca: Option<&std::path::Path>,
) -> (u16, mpsc::Receiver<Seen>) {
    let data = std::fs::read(pem).expect("pem");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&data)
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_slice(&data).expect("key");
    let provider = Arc::new(haproxy_rs::tls::provider());
    let b = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions");
    let b = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).expect("ca") {
                roots.add(c.expect("ca cert")).expect("ca add");
            }
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .expect("verifier");
            b.with_client_cert_verifier(v)
        }
        None => b.with_no_client_auth(),
    };
    let cfg = b.with_single_cert(chain, key).expect("cert");
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for c in l.incoming().take(max) {
            let Ok(mut sock) = c else { continue };
            let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                continue;
            };
            let mut s = rustls::StreamOwned::new(conn, &mut sock);
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let mut answered = 0;
            let mut garbled = false;
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Err(e) => {
                        garbled = e.kind() == std::io::ErrorKind::InvalidData;
                        break;
                    }
                    Ok(n) => {
                        got.extend_from_slice(&buf[..n]);
                        let heads = got.windows(4).filter(|w| w == b"\r\n\r\n").count();
                        if http && ka && heads > answered {
                            answered = heads;
                            let resumed =
                                s.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                            let body = format!("resumed={resumed} n={heads}\n");
                            let rsp = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
                                body.len(),
                                body
                            );
                            let _ = s.write_all(rsp.as_bytes());
                            let _ = s.flush();
                            continue;
                        }
                        if http && heads > 0 {
                            break;
                        }
                        if !http {
                            let _ = s.write_all(&buf[..n]);
                            let _ = s.flush();
                        }
                    }
                }
            }
            let resumed = s.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
            if http && !ka && !got.is_empty() {
                let body = format!("resumed={}\n", if resumed { "yes" } else { "no" });
                let rsp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = s.write_all(rsp.as_bytes());
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            let _ = tx.send(Seen {
                data: String::from_utf8_lossy(&got).into_owned(),
                resumed,
                garbled,
            });
        }
    });
    (port, rx)
}

fn cfg_with(log: u16, fe: &Handed, server: &str) -> String {
    format!(
        "{}    retries 1\n\nlisten app\n    bind {fe}\n    option httpclose\n    server s1 {server}\n",
        global(log)
    )
}

/// Plain request in, TLS to the server, verified against the right CA
/// (no name check without verifyhost: the certificate is for
/// srv.example.com, the server is 127.0.0.1); the second connection
/// resumes the first one's session.
#[test]
fn http_reencrypted_verified_and_resumed() {
    let Some(d) = srv_certs() else { return };
    let (port, seen) = tls_backend(&d.join("srv.pem"), 2, true);
    let mut log = Syslog::new();
    let fe = handed();
    let ca = d.join("ca.crt");
    let srv = format!(
        "127.0.0.1:{port} ssl verify required ca-file {}",
        ca.display()
    );
    let px = Proxy::start(&cfg_with(log.port, &fe, &srv), &mut log, 1);
    let r1 = get(fe.port, "/one", "Connection: close\r\n");
    assert!(r1.starts_with("HTTP/1.1 200 OK"), "{r1:?}");
    assert!(r1.ends_with("resumed=no\n"), "{r1:?}");
    let s1 = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert!(
        s1.data.starts_with("GET /one HTTP/1.1\r\n"),
        "{:?}",
        s1.data
    );
    let r2 = get(fe.port, "/two", "Connection: close\r\n");
    assert!(r2.ends_with("resumed=yes\n"), "{r2:?}");
    let s2 = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert!(
        s2.resumed && s2.data.starts_with("GET /two "),
        "{:?}",
        s2.data
    );
    assert!(log.wait_for(" app app/s1 ", 2, 5), "{:?}", log.lines);
    px.stop();
}

/// A server that accepts but never answers the handshake: `timeout
/// connect` ends each attempt, then 503 with `sC` (a connect timeout).
#[test]
fn handshake_timeout_is_a_connect_timeout() {
    let hold = Backend::hold(4, 5);
    let mut log = Syslog::new();
    let fe = handed();
    let srv = format!("127.0.0.1:{} ssl verify none", hold.port);
    let px = Proxy::start(&cfg_with(log.port, &fe, &srv), &mut log, 1);
    let t0 = std::time::Instant::now();
    let r = get(fe.port, "/", "Connection: close\r\n");
    assert!(r.starts_with("HTTP/1.0 503"), "{r:?}");
    // two attempts of `contimeout 1000`
    assert!(
        t0.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        t0.elapsed()
    );
    assert!(log.wait_for(" sC-- ", 1, 5), "{:?}", log.lines);
    px.stop();
}

/// Client keep-alive with `option http-keep-alive` and `http-reuse
/// always`: TLS server connections are never kept for another request,
/// so each request opens one, resuming the session; both answers arrive.
#[test]
fn keep_alive_client_each_request_resumes() {
    let Some(d) = srv_certs() else { return };
    let (port, seen) = tls_backend_ka(&d.join("self.pem"), 4, true, true);
    let mut log = Syslog::new();
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app\n    bind {fe}\n    option http-keep-alive\n    http-reuse always\n    server s1 127.0.0.1:{port} ssl verify none\n",
        global(log.port)
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let mut c = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut bodies = Vec::new();
    for path in ["/a", "/b"] {
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        c.write_all(req.as_bytes()).expect("write");
        let rsp = read_until(&mut c, |b| {
            b.ends_with(b"\n") && b.windows(2).any(|w| w == b"n=")
        });
        bodies.push(String::from_utf8_lossy(&rsp).into_owned());
    }
    assert!(
        bodies[0].starts_with("HTTP/1.1 200 OK") && bodies[0].ends_with("resumed=false n=1\n"),
        "{bodies:?}"
    );
    assert!(
        bodies[1].starts_with("HTTP/1.1 200 OK") && bodies[1].ends_with("resumed=true n=1\n"),
        "{bodies:?}"
    );
    drop(c);
    // the first connection was closed, not used again for /b in clear
    let s1 = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert!(
        s1.data.starts_with("GET /a ") && !s1.garbled,
        "{:?}",
        s1.data
    );
    let s2 = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert!(
        s2.data.starts_with("GET /b ") && s2.resumed,
        "{:?}",
        s2.data
    );
    px.stop();
}

/// tcp mode: the bytes go both ways through TLS to the server.
#[test]
fn tcp_mode_reencrypted() {
    let Some(d) = srv_certs() else { return };
    let (port, seen) = tls_backend(&d.join("self.pem"), 1, false);
    let mut log = Syslog::new();
    let fe = handed();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n\nlisten t\n    mode tcp\n    log global\n    bind {fe}\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n    server s1 127.0.0.1:{port} ssl verify none\n",
        log.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let mut c = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    c.write_all(b"hello over tls\n").expect("write");
    let mut got = [0u8; 15];
    c.read_exact(&mut got).expect("echo");
    assert_eq!(&got, b"hello over tls\n");
    drop(c);
    let s = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
    assert_eq!(s.data, "hello over tls\n");
    px.stop();
}

/// The wrong CA, and a verifyhost the certificate does not carry: each
/// handshake fails, the retries fail too, the client gets 503 and the log
/// says SC. The right verifyhost passes; verify none takes a self-signed
/// server.
#[test]
fn verify_failures_give_503_and_sc() {
    let Some(d) = srv_certs() else { return };
    let (port, _seen) = tls_backend(&d.join("srv.pem"), 8, true);
    let (sport, _sseen) = tls_backend(&d.join("self.pem"), 1, true);
    let ca = d.join("ca.crt").display().to_string();
    let ca2 = d.join("ca2.crt").display().to_string();
    let cases = [
        (format!("127.0.0.1:{port} ssl ca-file {ca2}"), false),
        (
            format!("127.0.0.1:{port} ssl ca-file {ca} verifyhost other.example.com"),
            false,
        ),
        (
            format!("127.0.0.1:{port} ssl ca-file {ca} verifyhost SRV.example.com"),
            true,
        ),
        (format!("127.0.0.1:{sport} ssl verify none"), true),
    ];
    for (srv, ok) in cases {
        let mut log = Syslog::new();
        let fe = handed();
        let px = Proxy::start(&cfg_with(log.port, &fe, &srv), &mut log, 1);
        let r = get(fe.port, "/", "Connection: close\r\n");
        if ok {
            assert!(r.starts_with("HTTP/1.1 200 OK"), "{srv}: {r:?}");
        } else {
            assert!(r.starts_with("HTTP/1.0 503"), "{srv}: {r:?}");
            assert!(log.wait_for(" 503 ", 1, 5), "{:?}", log.lines);
            let l = log.lines.iter().find(|l| l.contains(" 503 ")).cloned();
            let l = l.unwrap_or_default();
            assert!(l.contains(" SC-- ") && l.contains(" app/s1 "), "{l:?}");
        }
        px.stop();
    }
}

/// Checks over TLS: an httpchk to the TLS backend goes encrypted (the
/// backend decrypts it) and keeps the server up; the same check to a
/// plain server fails the handshake and takes it down with 1.5's reason.
/// 1.5's inheritance rule: with `port` the checks of an `ssl` server go
/// in clear (to the plain server: up), `check-ssl` encrypts them even on
/// a server without `ssl` (to the plain server: down).
#[test]
fn checks_over_tls() {
    let Some(d) = srv_certs() else { return };
    let (port, seen) = tls_backend(&d.join("self.pem"), 100, true);
    // a plain server: its HTTP answer is no ServerHello
    let plain = Backend::spawn(100, |mut c| {
        let _ = c.write_all(b"HTTP/1.0 200 OK\r\n\r\n");
        let mut b = [0u8; 512];
        let _ = c.read(&mut b);
    });
    let mut log = Syslog::new();
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app\n    bind {fe}\n    option httpchk GET /chk\n    server tls 127.0.0.1:{port} ssl verify none check inter 2000 fall 1\n    server pln 127.0.0.1:{p} ssl verify none check inter 300 fall 1\n    server prt 127.0.0.1:{port} ssl verify none check port {p} inter 2000 fall 1\n    server cks 127.0.0.1:{p} check-ssl verify none check inter 300 fall 1\n",
        global(log.port),
        p = plain.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    // (inter 2000 for the servers that must stay up: the connect
    // deadline of a check without `timeout check` is `inter`, and a first
    // handshake on a loaded machine may take a while)
    let s = seen
        .recv_timeout(Duration::from_secs(5))
        .expect("check seen");
    assert!(s.data.starts_with("GET /chk HTTP/1.0\r\n"), "{:?}", s.data);
    assert!(
        log.wait_for("Server app/pln is DOWN, reason: Layer6 invalid response, info: \"SSL handshake failure\"", 1, 5),
        "{:?}",
        log.lines
    );
    assert!(
        log.wait_for("Server app/cks is DOWN, reason: Layer6 invalid response, info: \"SSL handshake failure\"", 1, 5),
        "{:?}",
        log.lines
    );
    assert!(
        !log.lines
            .iter()
            .any(|l| l.contains("app/tls is DOWN") || l.contains("app/prt is DOWN")),
        "{:?}",
        log.lines
    );
    px.stop();
}

/// `crt`: the client certificate goes to a server that requires one
/// (200); without it the server refuses: with TLS 1.3 it does so after
/// our side of the handshake is done, so the request fails as a response
/// (502) rather than as a connect (503). `-c` loads it.
#[test]
fn client_certificate() {
    let Some(d) = srv_certs() else { return };
    let (port, seen) =
        tls_backend_full(&d.join("self.pem"), 4, true, false, Some(&d.join("ca.crt")));
    for (crt, ok) in [(Some(d.join("cli.pem")), true), (None, false)] {
        let mut log = Syslog::new();
        let fe = handed();
        let crt = crt
            .map(|c| format!(" crt {}", c.display()))
            .unwrap_or_default();
        let srv = format!("127.0.0.1:{port} ssl verify none{crt}");
        let px = Proxy::start(&cfg_with(log.port, &fe, &srv), &mut log, 1);
        let r = get(fe.port, "/c", "Connection: close\r\n");
        if ok {
            assert!(r.starts_with("HTTP/1.1 200 OK"), "{r:?}");
            let s = seen.recv_timeout(Duration::from_secs(5)).expect("seen");
            assert!(s.data.starts_with("GET /c "), "{:?}", s.data);
        } else {
            assert!(r.starts_with("HTTP/1.0 502"), "{r:?}");
        }
        px.stop();
    }
    let base = "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nlisten app\n    bind :8000\n";
    let (rc, out) = check(&format!(
        "{base}    server s1 127.0.0.1:443 ssl verify none crt /nonexistent.pem\n"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("config : proxy 'app', server 's1': unable to load SSL private key from PEM file '/nonexistent.pem'."), "{out}");
}

/// `-c`: verify required (by default or said) without a CA file, a CA
/// file that is missing, an unknown verify method, crt refused; a 1.4
/// config and `ssl-server-verify none` pass.
#[test]
fn check_alerts() {
    let Some(d) = srv_certs() else { return };
    let ca = d.join("ca.crt").display().to_string();
    let base = "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nlisten app\n    bind :8000\n";
    let (rc, out) = check(&format!("{base}    server s1 127.0.0.1:443 ssl\n"));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("[ALERT] ") && out.contains("Proxy 'app', server 's1' [") && out.contains(":8] verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default."), "{out}");
    let (rc, out) = check(&format!("global\n    ssl-server-verify none\n{base}    server s1 127.0.0.1:443 ssl verify required\n"));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains(":10] verify is enabled but no CA file specified."),
        "{out}"
    );
    let (rc, out) = check(&format!(
        "global\n    ssl-server-verify none\n{base}    server s1 127.0.0.1:443 ssl\n"
    ));
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = check(&format!(
        "{base}    server s1 127.0.0.1:443 ssl ca-file /nonexistent/ca.pem\n"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains(":8] unable to load CA file '/nonexistent/ca.pem'."),
        "{out}"
    );
    let (rc, out) = check(&format!(
        "{base}    server s1 127.0.0.1:443 ssl verify maybe ca-file {ca}\n"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains(":8] : 'server s1' : 'verify' : unknown verify method 'maybe', only 'none' and 'required' are supported"), "{out}");
    let (rc, out) = check(&format!(
        "{base}    server s1 127.0.0.1:443 ssl verify none crl-file x.pem\n"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("'crl-file' option is not implemented in this version"),
        "{out}"
    );
    let (rc, out) = check(&format!("{base}    server s1 127.0.0.1:443 ssl ca-file {ca} verifyhost a.example.com no-tls-tickets no-sslv3 force-tlsv12 ciphers ECDHE-ECDSA-AES128-GCM-SHA256 check-ssl\n"));
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = check(&format!("global\n    ssl-server-verify maybe\n{base}"));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains(":2] : 'ssl-server-verify' expects 'none' or 'required' as argument."),
        "{out}"
    );
    let (rc, out) = check(&format!("{base}    server s1 127.0.0.1:443 check\n"));
    assert_eq!(rc, 0, "{out}");
    assert!(!out.contains("ALERT") && !out.contains("WARNING"), "{out}");
}

//! TLS termination (`bind ... ssl crt`, HAProxy 1.5 syntax) with real
//! clients: curl and `openssl s_client` against certificates made by the
//! `openssl` CLI at test time. Handshake and GET in http and tcp mode, SNI
//! picking (exact, wildcard, default), ALPN, `force-tlsv12`, the `ssl_fc*`
//! ACLs with `redirect scheme` and `reqadd`, `fe~` in the log, `-c`
//! alerts, and hostile clients (silent, garbage) that must cost nothing
//! once closed.
//! The data path (large transfers, a stalled client, keep-alive,
//! resumption) is in tests/it/tls_data.rs.
use super::common;
use super::tls_helpers;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};
use tls_helpers::*;
#[test]
fn http_get_redirect_reqadd_forwardfor_and_log() {
    let Some(d) = certs() else { return };
    if !have("curl") {
        return skip("curl not installed (apt install curl)");
    }
    let mut log = Syslog::new();
    let be =
        Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    let (tls_h, plain_h) = (handed(), handed());
    let (tls, plain) = (tls_h.port, plain_h.port);
    let cfg = format!(
        "{}\nlisten app\n    bind {tls_h} ssl crt {a} crt {b}\n    bind {plain_h}\n    option httpclose\n    option forwardfor\n    redirect scheme https if !{{ ssl_fc }}\n    reqadd X-Forwarded-Proto:\\ https if {{ ssl_fc }}\n    reqadd X-Proto:\\ TLSv1.2 if {{ ssl_fc_protocol TLSv1.2 }}\n    reqadd X-Sni:\\ a if {{ ssl_fc_sni a.example.com }}\n    reqadd X-Crt:\\ yes if {{ ssl_fc_has_crt }}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        be.port,
        a = d.join("a.pem").display(),
        b = d.join("b.pem").display(),
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let out = Command::new("curl")
        .args([
            "-sk",
            "--max-time",
            "10",
            "--tls-max",
            "1.2",
            "-D",
            "-",
            "--resolve",
        ])
        .arg(format!("a.example.com:{tls}:127.0.0.1"))
        .arg(format!("https://a.example.com:{tls}/x"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 OK"), "curl: {text:?}");
    assert!(text.ends_with("ok\n"), "{text:?}");
    let reqs = be.requests();
    let r = reqs.first().cloned().unwrap_or_default();
    assert!(r.contains("X-Forwarded-Proto: https\r\n"), "{r:?}");
    assert!(r.contains("X-Forwarded-For: 127.0.0.1\r\n"), "{r:?}");
    assert!(
        r.contains("X-Proto: TLSv1.2\r\n") && r.contains("X-Sni: a\r\n"),
        "{r:?}"
    );
    assert!(!r.contains("X-Crt"), "{r:?}");
    assert!(log.wait_for("] app~ app/s1 ", 1, 5), "{:?}", log.lines);
    // the plain listener of the same proxy: redirected, no `~`
    let rsp = get(plain, "/x", "Connection: close\r\n");
    assert!(rsp.starts_with("HTTP/1.1 302"), "{rsp:?}");
    assert!(rsp.contains("Location: https://test/x\r\n"), "{rsp:?}");
    assert!(log.wait_for("] app app/<NOSRV> ", 1, 5), "{:?}", log.lines);
    px.stop();
}

#[test]
fn tcp_mode_s_client_echo() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::echo();
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    mode tcp\n    option tcplog\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let out = s_client(
        fe,
        "-quiet -servername a.example.com",
        b"hello through tls\n",
    );
    assert!(out.contains("hello through tls"), "{out}");
    assert!(log.wait_for("] app~ app/s1 ", 1, 5), "{:?}", log.lines);
    px.stop();
}

#[test]
fn sni_wildcard_default_alpn_and_tls13() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    bind {fe_h} ssl crt {} crt {} alpn h2,http/1.1\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        d.join("b.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let subject = |args: &str| {
        let o = s_client(fe, args, b"");
        o.lines()
            .find(|l| l.starts_with("subject="))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        subject("-servername a.example.com"),
        "subject=CN = a.example.com"
    );
    assert_eq!(
        subject("-servername x.b.example.com"),
        "subject=CN = *.b.example.com"
    );
    assert_eq!(
        subject("-servername nobody.example.org"),
        "subject=CN = a.example.com"
    );
    assert_eq!(subject(""), "subject=CN = a.example.com");
    let o = s_client(
        fe,
        "-servername a.example.com -alpn h2,http/1.1 -tls1_3",
        b"",
    );
    assert!(o.contains("ALPN protocol: http/1.1"), "{o}");
    assert!(o.contains("New, TLSv1.3"), "{o}");
    // a client that offers only TLS 1.0 is refused
    let o = s_client(fe, "-tls1 -cipher DEFAULT@SECLEVEL=0", b"");
    assert!(!o.contains("New, TLSv1"), "{o}");
    px.stop();
}

#[test]
fn force_tlsv12_and_ciphers() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    bind {fe_h} ssl crt {} force-tlsv12 no-sslv3 no-tlsv10 ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:!CHACHA20\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("b.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let o = s_client(fe, "-tls1_3", b"");
    assert!(!o.contains("New, TLSv1.3"), "{o}");
    let o = s_client(fe, "-tls1_2", b"");
    assert!(
        o.contains("New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384"),
        "{o}"
    );
    px.stop();
}

/// The server's order of preference decides, as HAProxy sets
/// SSL_OP_CIPHER_SERVER_PREFERENCE: our default order (AES-128-GCM first)
/// over the client's (openssl offers AES-256-GCM first), `ciphers` and
/// `ciphersuites` in the order written, `prefer-client-ciphers` the
/// client's.
#[test]
fn the_servers_cipher_order_decides() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let h: Vec<_> = (0..5).map(|_| handed()).collect();
    let crt = d.join("b.pem").display().to_string();
    let cfg = format!(
        "{}\nlisten app\n    bind {} ssl crt {crt}\n    bind {} ssl crt {crt} prefer-client-ciphers\n    bind {} ssl crt {crt} ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256\n    bind {} ssl crt {crt} force-tlsv12 ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384\n    bind {} ssl crt {crt} force-tlsv12 ciphers ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        h[0],
        h[1],
        h[2],
        h[3],
        h[4],
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let cipher = |i: usize, args: &str| {
        let o = s_client(h[i].port, args, b"");
        o.lines()
            .find_map(|l| l.split_once("Cipher is ").map(|(_, c)| c.to_string()))
            .unwrap_or_else(|| format!("none in {o}"))
    };
    assert_eq!(cipher(0, "-tls1_3"), "TLS_AES_128_GCM_SHA256");
    assert_eq!(cipher(0, "-tls1_2"), "ECDHE-RSA-AES128-GCM-SHA256");
    assert_eq!(cipher(1, "-tls1_3"), "TLS_AES_256_GCM_SHA384");
    assert_eq!(cipher(2, "-tls1_3"), "TLS_CHACHA20_POLY1305_SHA256");
    assert_eq!(cipher(3, "-tls1_2"), "ECDHE-RSA-AES128-GCM-SHA256");
    assert_eq!(cipher(4, "-tls1_2"), "ECDHE-RSA-CHACHA20-POLY1305");
    // only what the list allows, whatever the client prefers
    assert_eq!(
        cipher(4, "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384"),
        "ECDHE-RSA-AES256-GCM-SHA384"
    );
    px.stop();
    let (rc, out) = check(&format!(
        "defaults\n    mode http\nlisten app\n    bind 127.0.0.1:1 ssl crt {crt} ciphersuites TLS_AES_128_GCM_SHA256:BOGUS\n    server s1 127.0.0.1:2\n"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("[ALERT]") && out.contains("Proxy 'app': unable to set TLS 1.3 cipher suites to 'TLS_AES_128_GCM_SHA256:BOGUS' for bind '127.0.0.1:1' at [t.cfg:4]."), "{out}");
}

#[test]
fn check_alerts_name_file_line_and_path() {
    let Some(d) = certs() else { return };
    let head = "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\nlisten app\n";
    let line =
        |opts: &str| format!("{head}    bind 127.0.0.1:1 {opts}\n    server s1 127.0.0.1:2\n");
    let p = |f: &str| d.join(f).display().to_string();
    let (rc, out) = check(&line(&format!("ssl crt {} crt {}", p("a.pem"), p("b.pem"))));
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("Configuration file is valid"), "{out}");
    let cases = [
        (
            p("missing.pem"),
            format!(
                "unable to load SSL private key from PEM file '{}'.",
                p("missing.pem")
            ),
        ),
        (
            p("bad.pem"),
            format!(
                "inconsistencies between private key and certificate loaded from PEM file '{}'.",
                p("bad.pem")
            ),
        ),
        (
            p("old.pem"),
            format!(
                "certificate loaded from PEM file '{}' has expired",
                p("old.pem")
            ),
        ),
        (
            p("a.key"),
            format!(
                "unable to load SSL certificate from PEM file '{}'.",
                p("a.key")
            ),
        ),
    ];
    for (path, msg) in cases {
        let (rc, out) = check(&line(&format!("ssl crt {path}")));
        assert_eq!(rc, 1, "{out}");
        assert!(
            out.contains("[ALERT]")
                && out.contains("parsing [t.cfg:7] : 'bind 127.0.0.1:1' : 'crt' : "),
            "{out}"
        );
        assert!(out.contains(&msg), "{msg} in {out}");
    }
    let (rc, out) = check(&line("ssl"));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("Proxy 'app': no SSL certificate specified for bind '127.0.0.1:1' at [t.cfg:7] (use 'crt')."), "{out}");
    let (rc, out) = check(&line(&format!(
        "ssl crt {} ciphers RC4-SHA:BOGUS",
        p("a.pem")
    )));
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("Proxy 'app': unable to set SSL cipher list to 'RC4-SHA:BOGUS' for bind '127.0.0.1:1' at [t.cfg:7]."), "{out}");
    let (rc, out) = check(&line(&format!("ssl crt {} npn http/1.1", p("a.pem"))));
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("[WARNING]") && out.contains("'npn'"), "{out}");
    // ssl_fc* exist only in a config with a `bind ... ssl` (a 1.4 config
    // gets 1.4's refusal), wherever the ACL stands
    let acl = "backend be\n    reqadd X-Tls:\\ 1 if { ssl_fc }\n    server s1 127.0.0.1:2\n";
    let (rc, out) = check(&format!(
        "{head}    bind 127.0.0.1:1\n    default_backend be\n{acl}"
    ));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("parsing [t.cfg:10] : error detected while parsing a 'reqadd' condition."),
        "{out}"
    );
    let defaults = head.replace("listen app\n", "");
    let (rc, out) = check(&format!(
        "{defaults}{acl}listen app\n    bind 127.0.0.1:1 ssl crt {}\n    default_backend be\n",
        p("a.pem")
    ));
    assert_eq!(rc, 0, "{out}");
    // a directory: its files in name order, each checked
    let dir = d.join("dir");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::copy(d.join("a.pem"), dir.join("1.pem")).expect("copy");
    std::fs::copy(d.join("bad.pem"), dir.join("2.pem")).expect("copy");
    let (rc, out) = check(&line(&format!("ssl crt {}", dir.display())));
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("inconsistencies") && out.contains("2.pem"),
        "{out}"
    );
}

#[test]
fn silent_and_garbage_clients_are_closed_and_cost_nothing() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    timeout client 1s\n    timeout http-request 1s\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let pid = px.child.id();
    // the baseline once the proxy has served one client (the loop's own
    // fds, such as the epoll one, may come after the "started" line)
    let o = s_client(fe, "-quiet", b"GET / HTTP/1.0\r\n\r\n");
    assert!(o.contains("HTTP/1.1 200 OK"), "{o}");
    std::thread::sleep(Duration::from_millis(200));
    let base = open_fds(pid);
    let base_list = fd_list(pid);
    // a client that connects and says nothing: closed by the timeout
    let mut silent = TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let t0 = Instant::now();
    let mut buf = [0u8; 64];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without a byte");
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // garbage instead of a ClientHello: an alert at most, then the close
    let mut g = TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    g.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    g.write_all(b"GET / HTTP/1.0\r\n\r\n").expect("write");
    let mut got = Vec::new();
    let _ = g.read_to_end(&mut got);
    assert!(got.len() < 64 && !got.starts_with(b"HTTP"), "{got:?}");
    // a truncated ClientHello, then the client goes away
    let mut t = TcpStream::connect(("127.0.0.1", fe)).expect("connect");
    t.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc])
        .expect("write");
    drop(t);
    drop((silent, g));
    assert!(
        fds_back(pid, base),
        "fds {} > {}: {} (at start: {base_list})",
        open_fds(pid),
        base,
        fd_list(pid)
    );
    // and the proxy still serves
    let o = s_client(fe, "-quiet", b"GET / HTTP/1.0\r\n\r\n");
    assert!(o.contains("HTTP/1.1 200 OK"), "{o}");
    assert!(
        fds_back(pid, base),
        "fds {} > {}: {} (at start: {base_list})",
        open_fds(pid),
        base,
        fd_list(pid)
    );
    px.stop();
}

//! TLS termination (`bind ... ssl crt`, HAProxy 1.5 syntax) with real
//! clients: curl and `openssl s_client` against certificates made by the
//! `openssl` CLI at test time. Handshake and GET in http and tcp mode, SNI
//! picking (exact, wildcard, default), ALPN, `force-tlsv12`, the `ssl_fc*`
//! ACLs with `redirect scheme` and `reqadd`, `fe~` in the log, `-c`
//! alerts, and hostile clients (silent, garbage) that must cost nothing
//! once closed.
mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a shell line in `dir`; true on success.
fn sh(dir: &Path, line: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Certificates for the tests, or None (skipped) without `openssl`:
/// a.pem ECDSA P-256 for a.example.com, b.pem RSA-2048 for *.b.example.com,
/// bad.pem a's certificate with b's key, old.pem expired in 2020.
fn certs() -> Option<PathBuf> {
    if !have("openssl") {
        skip("openssl CLI not installed (apt install openssl)");
        return None;
    }
    let d = tmpdir("tls");
    let ok = sh(&d, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout a.key -out a.crt -days 30 -subj /CN=a.example.com -addext subjectAltName=DNS:a.example.com && cat a.crt a.key > a.pem")
        && sh(&d, "openssl req -x509 -newkey rsa:2048 -nodes -keyout b.key -out b.crt -days 30 -subj '/CN=*.b.example.com' && cat b.crt b.key > b.pem && cat a.crt b.key > bad.pem")
        && sh(&d, "mkdir db && touch db/index.txt && echo 01 > db/serial && printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=db/index.txt\\nserial=db/serial\\nnew_certs_dir=db\\ndefault_md=sha256\\npolicy=p\\n[p]\\ncommonName=supplied\\n' > ca.cnf && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout o.key -out o.csr -subj /CN=old && openssl ca -batch -config ca.cnf -selfsign -keyfile o.key -in o.csr -out o.crt -startdate 20200101000000Z -enddate 20200102000000Z && cat o.crt o.key > old.pem");
    assert!(ok, "certificate generation failed in {}", d.display());
    Some(d)
}

/// `openssl s_client` to the port with `args`, `input` on its stdin;
/// everything it printed (bounded by `timeout`).
fn s_client(port: u16, args: &str, input: &[u8]) -> String {
    let mut c = Command::new("timeout")
        .arg("10")
        .arg("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} {args} 2>&1"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("s_client");
    if let Some(mut i) = c.stdin.take() {
        let _ = i.write_all(input);
    }
    let mut out = String::new();
    if let Some(mut o) = c.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    let _ = c.wait();
    out
}

/// The proxy's open fds, for a failure message.
fn fd_list(pid: u32) -> String {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    format!(
                        "{:?}->{:?}",
                        e.file_name(),
                        std::fs::read_link(e.path()).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Polls (bounded) until the proxy's fds are back to `base`.
fn fds_back(pid: u32, base: usize) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if open_fds(pid) <= base {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `-c` on a config; (exit code, stderr+stdout).
fn check(cfg: &str) -> (i32, String) {
    let d = tmpdir("tlscfg");
    let p = d.join("t.cfg");
    std::fs::write(&p, cfg).expect("cfg");
    let o = Command::new(bin())
        .arg("-c")
        .arg("-f")
        .arg(&p)
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap_or(-1),
        text.replace(&format!("{}/", d.display()), ""),
    )
}

#[test]
fn http_get_redirect_reqadd_forwardfor_and_log() {
    let Some(d) = certs() else { return };
    if !have("curl") {
        return skip("curl not installed (apt install curl)");
    }
    let mut log = Syslog::new();
    let be =
        Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    let (tls, plain) = (free_port(), free_port());
    let cfg = format!(
        "{}\nlisten app\n    bind 127.0.0.1:{tls} ssl crt {a} crt {b}\n    bind 127.0.0.1:{plain}\n    option httpclose\n    option forwardfor\n    redirect scheme https if !{{ ssl_fc }}\n    reqadd X-Forwarded-Proto:\\ https if {{ ssl_fc }}\n    reqadd X-Proto:\\ TLSv1.2 if {{ ssl_fc_protocol TLSv1.2 }}\n    reqadd X-Sni:\\ a if {{ ssl_fc_sni a.example.com }}\n    reqadd X-Crt:\\ yes if {{ ssl_fc_has_crt }}\n    server s1 127.0.0.1:{}\n",
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
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    mode tcp\n    option tcplog\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
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
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    bind 127.0.0.1:{fe} ssl crt {} crt {} alpn h2,http/1.1\n    server s1 127.0.0.1:{}\n",
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
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    bind 127.0.0.1:{fe} ssl crt {} force-tlsv12 no-sslv3 no-tlsv10 ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:!CHACHA20\n    server s1 127.0.0.1:{}\n",
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
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    timeout client 1s\n    timeout http-request 1s\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
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

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A 24 MiB response to a TLS client that reads nothing for 2 s: the
/// proxy holds about one buffer of it (its RSS barely moves), then every
/// byte arrives once the client reads (Python's ssl module as the client).
#[test]
fn big_response_to_a_stalled_tls_client_stays_bounded_and_arrives_whole() {
    let Some(d) = certs() else { return };
    if !have("python3") {
        return skip("python3 not installed");
    }
    const BODY: usize = 24 << 20;
    let mut rsp = format!("HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\nConnection: close\r\n\r\n")
        .into_bytes();
    let head = rsp.len();
    rsp.resize(rsp.len() + BODY, b'x');
    let be = Backend::http(Box::leak(rsp.into_boxed_slice()));
    let mut log = Syslog::new();
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    timeout client 10s\n    timeout server 10s\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let pid = px.child.id();
    let before = rss_kb(pid);
    let script = format!(
        "import socket, ssl, sys, time\n\
         c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE\n\
         s = c.wrap_socket(socket.create_connection(('127.0.0.1', {fe})), server_hostname='a.example.com')\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)\n\
         s.sendall(b'GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n')\n\
         print('sent', flush=True); time.sleep(2); print('read', flush=True)\n\
         n = 0\n\
         while True:\n\
         \x20   b = s.recv(1 << 16)\n\
         \x20   if not b: break\n\
         \x20   n += len(b)\n\
         print('total', n, flush=True)\n"
    );
    let mut child = Command::new("timeout")
        .args(["30", "python3", "-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut out = child.stdout.take().expect("stdout");
    let mut text = String::new();
    let mut byte = [0u8; 1];
    while !text.contains("read") && out.read(&mut byte).unwrap_or(0) == 1 {
        text.push(byte[0] as char);
        if text.ends_with("sent\n") {
            std::thread::sleep(Duration::from_millis(1500));
            let during = rss_kb(pid);
            eprintln!("RSS {before} kB -> {during} kB while the client stalls");
            assert!(
                during < before + 4096,
                "RSS {before} kB -> {during} kB while the client stalls"
            );
        }
    }
    let _ = out.read_to_string(&mut text);
    let _ = child.wait();
    let total = text
        .lines()
        .find_map(|l| l.strip_prefix("total "))
        .unwrap_or("0");
    assert_eq!(total.parse::<usize>().unwrap_or(0), head + BODY, "{text}");
    px.stop();
}

/// Sessions resume (TLS 1.2 and 1.3, tickets): the second connection
/// with the first one's session says "Reused".
#[test]
fn sessions_resume_with_tickets() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    for v in ["-tls1_2", "-tls1_3"] {
        let sess = d.join(format!("sess{v}"));
        let run = |io: &str| {
            let line = format!(
                "sleep 0.5 | timeout 10 openssl s_client -connect 127.0.0.1:{fe} {v} {io} {} 2>&1",
                sess.display()
            );
            let o = Command::new("sh")
                .arg("-c")
                .arg(line)
                .output()
                .expect("s_client");
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let first = run("-sess_out");
        assert!(first.contains("\nNew, TLSv1."), "{first}");
        let second = run("-sess_in");
        assert!(second.contains("\nReused, TLSv1."), "{v}: {second}");
    }
    px.stop();
}

/// tcp mode both ways at once: 4 MiB of random bytes up through TLS to an
/// echo server and back, compared byte for byte (Python's ssl client, a
/// thread sending while the main one reads).
#[test]
fn tcp_mode_large_echo_both_ways_is_intact() {
    let Some(d) = certs() else { return };
    if !have("python3") {
        return skip("python3 not installed");
    }
    let mut log = Syslog::new();
    let be = Backend::echo();
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    mode tcp\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("b.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let script = format!(
        "import os, socket, ssl, threading, hashlib\n\
         c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE\n\
         s = c.wrap_socket(socket.create_connection(('127.0.0.1', {fe})))\n\
         data = os.urandom(4 << 20)\n\
         def send():\n\
         \x20   for i in range(0, len(data), 50000): s.sendall(data[i:i + 50000])\n\
         t = threading.Thread(target=send); t.start()\n\
         got = bytearray()\n\
         while len(got) < len(data):\n\
         \x20   b = s.recv(1 << 16)\n\
         \x20   if not b: break\n\
         \x20   got += b\n\
         t.join()\n\
         print('same' if bytes(got) == data else 'differ %d' % len(got))\n"
    );
    let o = Command::new("timeout")
        .args(["30", "python3", "-c", &script])
        .output()
        .expect("python3");
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(text.trim(), "same", "{text}");
    px.stop();
}

/// Client keep-alive over TLS (`option http-server-close`): curl's second
/// request goes over the first connection.
#[test]
fn keep_alive_requests_share_one_tls_connection() {
    let Some(d) = certs() else { return };
    if !have("curl") {
        return skip("curl not installed (apt install curl)");
    }
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    let fe = free_port();
    let cfg = format!(
        "{}\nlisten app\n    option http-server-close\n    bind 127.0.0.1:{fe} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let url = format!("https://a.example.com:{fe}/");
    let o = Command::new("curl")
        .args(["-svk", "--max-time", "10", "--resolve"])
        .arg(format!("a.example.com:{fe}:127.0.0.1"))
        .args([&url, &url])
        .output()
        .expect("curl");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(out, "ok\nok\n", "{err}");
    assert!(err.contains("Re-using existing"), "{err}");
    assert_eq!(be.requests().len(), 2);
    px.stop();
}

//! TLS termination's data path with real clients (Python's ssl module,
//! curl, `openssl s_client`): a large response to a client that stalls
//! (bounded memory, every byte delivered), both directions at once in tcp
//! mode, client keep-alive over one TLS connection, session resumption, a
//! ClientHello in small segments, clients that reset after the handshake.
use super::common;
use super::tls_helpers;
use common::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;
use tls_helpers::*;

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
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    timeout client 10s\n    timeout server 10s\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
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
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
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
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    mode tcp\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("b.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    // one thread, non-blocking: an OpenSSL connection must not be read
    // and written from two threads at once (that corrupts its records)
    let script = format!(
        "import os, socket, ssl, select\n\
         c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE\n\
         s = c.wrap_socket(socket.create_connection(('127.0.0.1', {fe})))\n\
         s.setblocking(False)\n\
         data = os.urandom(4 << 20); sent = 0; got = bytearray(); eof = False\n\
         while len(got) < len(data) and not eof:\n\
         \x20   r, w, _ = select.select([s], [s] if sent < len(data) else [], [], 10)\n\
         \x20   if not r and not w: break\n\
         \x20   if w:\n\
         \x20       try: sent += s.send(data[sent:sent + 16384])\n\
         \x20       except (ssl.SSLWantReadError, ssl.SSLWantWriteError): pass\n\
         \x20   while True:\n\
         \x20       try: b = s.recv(1 << 16)\n\
         \x20       except (ssl.SSLWantReadError, ssl.SSLWantWriteError): break\n\
         \x20       if not b: eof = True; break\n\
         \x20       got += b\n\
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
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    option http-server-close\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
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

/// Headless Chromium (`--dump-dom`, then a screenshot) loads the stats
/// page over https: the page a browser gets through TLS is the stats page.
#[test]
fn stats_page_over_https_in_chromium() {
    let Some(d) = certs() else { return };
    if !have("chromium") {
        return skip("chromium not installed (apt install chromium)");
    }
    let mut log = Syslog::new();
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten stats\n    bind {fe_h} ssl crt {}\n    stats enable\n    stats uri /stats\n",
        global(log.port),
        d.join("a.pem").display()
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let shot = d.join("stats.png");
    let run = |extra: &str| {
        let profile = tmpdir("chromium");
        let o = Command::new("timeout")
            .args([
                "60",
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
            ])
            .args([
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
            ])
            .args([
                "--disable-component-update",
                "--disable-sync",
                "--ignore-certificate-errors",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(extra)
            .arg(format!("https://127.0.0.1:{fe}/stats"))
            .output()
            .expect("chromium");
        let _ = std::fs::remove_dir_all(profile);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let dom = run("--dump-dom");
    assert!(dom.contains("Statistics Report for pid"), "{dom}");
    assert!(dom.contains("stats"), "{dom}");
    run(&format!("--screenshot={}", shot.display()));
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "screenshot of {size} bytes");
    px.stop();
}

/// A relay between `openssl s_client` and the proxy that passes the
/// client's first `slow` bytes (its ClientHello) in 7-byte segments 15 ms
/// apart: each read of the proxy is short, and the handshake must still
/// complete on the next readiness (a short read marks the socket drained
/// without a read meant to meet EAGAIN). Then openssl s_time's clients,
/// which reset right after their handshake (their session tickets unread),
/// must leave no fd behind. One relay connection; threads bounded by
/// socket timeouts.
#[test]
fn segmented_client_hello_and_resets_after_handshake() {
    let Some(d) = certs() else { return };
    let mut log = Syslog::new();
    let be = Backend::http(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    let fe_h = handed();
    let fe = fe_h.port;
    let cfg = format!(
        "{}\nlisten app\n    timeout client 5s\n    bind {fe_h} ssl crt {}\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        d.join("a.pem").display(),
        be.port
    );
    let px = Proxy::start(&cfg, &mut log, 1);
    let pid = px.child.id();
    // a relay passing the client's first bytes 7 at a time: how many it
    // passed comes back through the channel
    let (relay, t) = Backend::reporting(1, move |mut c| {
        let mut up = std::net::TcpStream::connect(("127.0.0.1", fe)).expect("connect");
        up.set_nodelay(true).expect("nodelay");
        for s in [&c, &up] {
            s.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
        }
        let (mut c2, mut up2) = (
            c.try_clone().expect("clone"),
            up.try_clone().expect("clone"),
        );
        let back = std::thread::spawn(move || {
            let _ = std::io::copy(&mut up2, &mut c2);
            let _ = c2.shutdown(std::net::Shutdown::Write);
        });
        let (mut passed, slow) = (0usize, 600usize);
        let mut buf = [0u8; 4096];
        while let Ok(n) = c.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut off = 0;
            while off < n {
                let step = if passed < slow { 7 } else { n - off };
                let end = (off + step).min(n);
                if std::io::Write::write_all(&mut up, &buf[off..end]).is_err() {
                    break;
                }
                passed += end - off;
                off = end;
                if passed < slow {
                    std::thread::sleep(Duration::from_millis(15));
                }
            }
        }
        let _ = up.shutdown(std::net::Shutdown::Write);
        let _ = back.join();
        passed
    });
    let rport = relay.port;
    let o = s_client(rport, "-quiet", b"GET / HTTP/1.0\r\n\r\n");
    assert!(o.contains("HTTP/1.1 200 OK"), "{o}");
    let passed = t.recv_timeout(Duration::from_secs(20)).expect("relay");
    assert!(
        passed > 300,
        "the ClientHello went through the relay: {passed}"
    );
    std::thread::sleep(Duration::from_millis(200));
    let base = open_fds(pid);
    // clients that reset once their handshake is done
    let st = Command::new("timeout")
        .args(["10", "openssl", "s_time", "-new", "-time", "1", "-connect"])
        .arg(format!("127.0.0.1:{fe}"))
        .stdin(Stdio::null())
        .output()
        .expect("s_time");
    let out = String::from_utf8_lossy(&st.stdout).into_owned();
    let n: u64 = out
        .lines()
        .find(|l| l.contains("connections in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    assert!(n >= 5, "s_time completed handshakes: {out}");
    assert!(
        fds_back(pid, base),
        "fds {} > {}: {}",
        open_fds(pid),
        base,
        fd_list(pid)
    );
    let o = s_client(fe, "-quiet", b"GET / HTTP/1.0\r\n\r\n");
    assert!(o.contains("HTTP/1.1 200 OK"), "{o}");
    px.stop();
}

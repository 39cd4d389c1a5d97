//! Cost that does not grow with the config (issue #24), against the real
//! binary: `-c` on a hosting-style config (N backends of 4 servers, one
//! host ACL and one `use_backend` rule each, as scripts/gen-scale-config.py
//! writes) must grow linearly; a long run of exact-match switching rules
//! must route as 1.4 walks them (first match wins) while being answered by
//! one lookup; large pattern files must load and match.

use super::common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The generator's config, in Rust so the test needs nothing but the
/// binary; `fe` is the frontend's port, every server an unused port.
fn hosting_config(n: usize, fe: u16, be: u16) -> String {
    let mut c = String::from(
        "global\n    maxconn 1000\n\ndefaults\n    mode http\n    timeout connect 5s\n    \
         timeout client 30s\n    timeout server 30s\n\nfrontend web\n",
    );
    c += &format!("    bind 127.0.0.1:{fe}\n    option httpclose\n");
    for i in 0..n {
        c += &format!("    acl host_{i} hdr(host) -i site{i}.example.com\n");
    }
    for i in 0..n {
        c += &format!("    use_backend be_{i} if host_{i}\n");
    }
    c += "    default_backend be_0\n";
    for i in 0..n {
        c += &format!("\nbackend be_{i}\n    balance roundrobin\n");
        for s in 0..4 {
            // the last server of the last backend is the one that answers
            let port = if i + 1 == n && s == 3 { be } else { 9 };
            c += &format!("    server s{s} 127.0.0.1:{port}\n");
        }
    }
    c
}

/// The fastest of three `-c` runs, in seconds.
fn check_time(cfg: &Path) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let st = Command::new(common::bin())
            .args(["-c", "-q", "-f"])
            .arg(cfg)
            .status()
            .expect("run haproxy -c");
        assert!(st.success(), "-c refused {}", cfg.display());
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

#[test]
fn check_time_grows_linearly_with_backends_and_rules() {
    let dir = common::tmpdir("scale-c");
    let (small, large) = (dir.join("2500.cfg"), dir.join("5000.cfg"));
    std::fs::write(&small, hosting_config(2500, 1, 2)).expect("write");
    std::fs::write(&large, hosting_config(5000, 1, 2)).expect("write");
    let (a, b) = (check_time(&small), check_time(&large));
    let _ = std::fs::remove_dir_all(&dir);
    // linear growth doubles the time; the quadratic parse (an ACL list
    // copied per rule, names looked up by walking every proxy) made it 4x
    // and more. 3 absorbs a loaded machine's noise; a floor of 20 ms keeps
    // a very fast small run from inflating the ratio.
    let ratio = b / a.max(0.02);
    assert!(
        ratio < 3.0,
        "-c: 2,500 backends {a:.3}s, 5,000 {b:.3}s: ratio {ratio:.2}"
    );
}

#[test]
fn a_thousand_host_rules_route_by_first_match() {
    let be = common::Backend::http_n(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n", 16);
    let mut log = common::Syslog::new();
    let fe_h = common::handed();
    let fe = fe_h.port;
    let n = 1000;
    let mut c = common::global(log.port);
    c += &format!("\nfrontend web\n    bind {fe_h}\n    option httpclose\n");
    for i in 0..n {
        c += &format!("    acl host_{i} hdr(host) -i site{i}.example.com\n");
    }
    // site7 also listed by a later rule: the earlier one must win
    c += "    acl dup hdr(host) site7.example.com\n";
    for i in 0..n {
        c += &format!("    use_backend be_{i} if host_{i}\n");
    }
    c += &format!(
        "    use_backend be_{} if dup\n    default_backend be_0\n",
        n - 1
    );
    for i in 0..n {
        c += &format!(
            "\nbackend be_{i}\n    reqadd X-Be:\\ {i}\n    server s 127.0.0.1:{}\n",
            be.port
        );
    }
    // one started line is enough: a thousand datagrams may overflow the
    // test's syslog socket, and the listeners are bound before any is sent
    let px = common::Proxy::start(&c, &mut log, 1);
    let cases = [
        ("site999.example.com", 999),
        ("SITE500.Example.COM", 500),
        ("site0.example.com", 0),
        ("site7.example.com", 7),
        ("other.example.com", 0),
    ];
    for (host, _) in cases {
        let r = common::exchange(
            fe,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(),
        );
        assert!(
            String::from_utf8_lossy(&r).starts_with("HTTP/1.0 200"),
            "{host}"
        );
    }
    let seen = be.requests();
    px.stop();
    assert_eq!(seen.len(), cases.len(), "{seen:?}");
    for ((host, want), req) in cases.iter().zip(&seen) {
        assert!(
            req.contains(&format!("\r\nX-Be: {want}\r\n")),
            "{host}: {req}"
        );
    }
}

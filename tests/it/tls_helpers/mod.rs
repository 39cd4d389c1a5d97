//! Helpers of the TLS tests (tests/it/tls.rs, tests/it/tls_data.rs): the
//! certificates made with the `openssl` CLI, `openssl s_client` runs, the
//! proxy's fds and RSS read from /proc, and `-c` runs.
#![allow(dead_code)]
use crate::common::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a shell line in `dir`; true on success.
pub fn sh(dir: &Path, line: &str) -> bool {
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
pub fn certs() -> Option<PathBuf> {
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
pub fn s_client(port: u16, args: &str, input: &[u8]) -> String {
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
pub fn fd_list(pid: u32) -> String {
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

pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Polls (bounded) until the proxy's fds are back to `base`.
pub fn fds_back(pid: u32, base: usize) -> bool {
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
pub fn check(cfg: &str) -> (i32, String) {
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

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

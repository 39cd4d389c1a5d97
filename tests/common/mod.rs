//! Test helpers: the real binary on 127.0.0.1 with ephemeral ports,
//! in-test backends and a real UDP syslog listener. Every wait is bounded.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test; `HAPROXY_BIN` points the tests at another one
/// (an older build, to see a new test fail without its fix).
pub fn bin() -> String {
    std::env::var("HAPROXY_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_haproxy").to_string())
}

/// A test whose prerequisite is missing: a failure under CI (`CI` set),
/// elsewhere a line written straight to stderr (libtest's capture would
/// hide an `eprintln!`), so a local run shows what it did not test.
#[allow(dead_code)]
pub fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("prerequisite missing under CI: {what}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}");
}

/// A port for the proxy to listen on, taken below the kernel's ephemeral
/// range (32768 and up): a port picked by bind(0) and freed could be
/// taken as the source port of a test's client connection before the
/// proxy binds it ("cannot bind socket"). Each test process starts at its
/// own offset and never hands out the same port twice.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const BASE: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let start = std::process::id() % SPAN;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (BASE + (start + n * 7) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

pub fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "hrs-{}-{}-{}",
        tag,
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&d).expect("tmpdir");
    d
}

pub struct Syslog {
    pub sock: UdpSocket,
    pub port: u16,
    pub lines: Vec<String>,
}

impl Syslog {
    pub fn new() -> Syslog {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let port = sock.local_addr().expect("addr").port();
        Syslog {
            sock,
            port,
            lines: Vec::new(),
        }
    }
    /// Waits (bounded) until `n` lines contain `pat`.
    pub fn wait_for(&mut self, pat: &str, n: usize, secs: u64) -> bool {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.lines.iter().filter(|l| l.contains(pat)).count() >= n {
                return true;
            }
            if Instant::now() > end {
                return false;
            }
            let mut buf = [0u8; 2048];
            if let Ok(n) = self.sock.recv(&mut buf) {
                self.lines
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    }
}

pub struct Proxy {
    pub child: Child,
    pub cfg: std::path::PathBuf,
}

impl Proxy {
    /// Starts `haproxy -db -f cfg` and waits for its started lines.
    pub fn start(cfg: &str, log: &mut Syslog, proxies: usize) -> Proxy {
        let dir = tmpdir("cfg");
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, cfg).expect("write cfg");
        let child = Command::new(bin())
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut child = child;
        if !log.wait_for("started.", proxies, 10) {
            // say why: the proxy's own words and exit status, if it ended
            let status = child.try_wait().ok().flatten();
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!(
                "proxy did not start: {:?}; exit {:?}; stderr: {}",
                log.lines, status, err
            );
        }
        Proxy { child, cfg: path }
    }
    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{}", sig))
            .arg(self.child.id().to_string())
            .status();
    }
    /// Soft stop and wait (bounded) for exit; returns stderr.
    pub fn stop(mut self) -> String {
        self.signal("USR1");
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut s = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scripted HTTP backend: answers each request with `resp` and closes.
pub struct Backend {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Backend {
    pub fn http(resp: &'static [u8]) -> Backend {
        Backend::http_n(resp, 64)
    }

    /// Serves up to `max` connections, each in its own thread.
    pub fn http_n(resp: &'static [u8], max: usize) -> Backend {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        thread::spawn(move || {
            for c in l.incoming().take(max) {
                let Ok(mut c) = c else { continue };
                let s2 = s2.clone();
                thread::spawn(move || {
                    let _ = c.set_read_timeout(Some(Duration::from_secs(3)));
                    let req = read_until_head(&mut c);
                    let mut buf = [0u8; 4096];
                    if req.is_empty() {
                        return;
                    }
                    if let Ok(mut v) = s2.lock() {
                        v.push(req);
                    }
                    let _ = c.write_all(resp);
                    let _ = c.shutdown(std::net::Shutdown::Write);
                    let _ = c.read(&mut buf);
                });
            }
        });
        Backend { port, seen }
    }
    /// An echo server for TCP mode.
    pub fn echo() -> Backend {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        thread::spawn(move || {
            for c in l.incoming().take(16) {
                let Ok(mut c) = c else { continue };
                let _ = c.set_read_timeout(Some(Duration::from_secs(3)));
                let mut buf = [0u8; 4096];
                loop {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let _ = c.write_all(&buf[..n]);
                        }
                    }
                }
                let _ = c.shutdown(std::net::Shutdown::Write);
            }
        });
        Backend {
            port,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|v| {
                v.iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One command on a stats socket; the whole answer (bounded wait).
pub fn stats_ask(sock: &std::path::Path, cmd: &str) -> String {
    let mut s = std::os::unix::net::UnixStream::connect(sock).expect("unix");
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    s.write_all(cmd.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Reads from `c` until `done` says the bytes so far are enough, or EOF
/// (bounded by the socket's timeout); returns all that was read.
pub fn read_until(c: &mut TcpStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut got = Vec::new();
    let mut tmp = [0u8; 4096];
    while !done(&got) {
        match c.read(&mut tmp) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&tmp[..n]),
        }
    }
    got
}

/// Reads until the end of a head; what came with it stays in the
/// returned bytes.
pub fn read_until_head(c: &mut TcpStream) -> Vec<u8> {
    read_until(c, |b| b.windows(4).any(|w| w == b"\r\n\r\n"))
}

/// Sends raw bytes, reads until EOF (bounded).
pub fn exchange(port: u16, data: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(data).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

pub fn get(port: u16, path: &str, extra: &str) -> String {
    let req = format!("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", path, extra);
    String::from_utf8_lossy(&exchange(port, req.as_bytes())).into_owned()
}

pub const DEFAULTS: &str = "defaults\n    log global\n    mode http\n    option httplog\n    contimeout 1000\n    clitimeout 3000\n    srvtimeout 3000\n";

pub fn global(log: u16) -> String {
    format!(
        "global\n    log 127.0.0.1:{} local0\n    maxconn 100\n\n{}",
        log, DEFAULTS
    )
}

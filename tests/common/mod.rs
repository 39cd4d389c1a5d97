//! Test helpers: the real binary on 127.0.0.1 listening on sockets the
//! test bound and handed over (`bind fd@N`), in-test backends (the kit in
//! `backend.rs`) and a real UDP syslog listener. Every wait is bounded.
#![allow(dead_code)]

mod backend;
pub use backend::{answer_and_close, Backend};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
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

thread_local! {
    /// The sockets `handed()` bound on this thread, not yet given to a
    /// proxy; the next start on this thread takes them all (each test runs
    /// on its own thread).
    static HANDED: std::cell::RefCell<Vec<TcpListener>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A listening socket for the proxy: bound (127.0.0.1, port 0) by the test
/// itself, so the port is known before the proxy starts and never free in
/// between; the next proxy started on this thread gets it as descriptor
/// `fd` (3, 4, ... in the order of the calls), and its configuration says
/// `bind fd@N` or `listen NAME fd@N` (`{}` of this value prints `fd@N`,
/// HAProxy 1.5's syntax, which haproxy-rs accepts). The test connects to
/// `127.0.0.1:port`.
#[derive(Debug, Clone, Copy)]
pub struct Handed {
    pub port: u16,
    pub fd: i32,
}

impl std::fmt::Display for Handed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fd@{}", self.fd)
    }
}

pub fn handed() -> Handed {
    // bound, not listening: the proxy calls listen() with its own backlog,
    // as it does on the sockets it creates
    let (sock, port) = bound_socket(false);
    let l = TcpListener::from(sock);
    HANDED.with(|h| {
        let mut h = h.borrow_mut();
        h.push(l);
        Handed {
            port,
            fd: 2 + h.len() as i32,
        }
    })
}

/// Gives `cmd` the sockets `handed()` bound on this thread since the last
/// start: in the child, the first becomes descriptor 3, the next 4, ...,
/// left open across exec. Returns the test's copies, to be dropped once
/// the child is spawned (so the port closes when the proxy does).
pub fn hand_over(cmd: &mut Command) -> Vec<TcpListener> {
    use std::os::unix::io::AsRawFd;
    use std::os::unix::process::CommandExt;
    let socks: Vec<TcpListener> = HANDED.with(|h| std::mem::take(&mut *h.borrow_mut()));
    if socks.is_empty() {
        return socks;
    }
    let fds: Vec<i32> = socks.iter().map(|s| s.as_raw_fd()).collect();
    // SAFETY: the closure runs in the forked child before exec and only
    // makes async-signal-safe calls (fcntl, dup2, close) on descriptors
    // that exist there; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // first out of the way of the targets (a source may sit on 3 or
            // 4), then onto 3, 4, ...: dup2 clears close-on-exec on the copy
            let mut tmp = [0i32; 32];
            let n = fds.len().min(tmp.len()) as i32;
            for (i, &fd) in fds.iter().enumerate().take(tmp.len()) {
                tmp[i] = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3 + n);
                if tmp[i] < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (i, &t) in tmp.iter().enumerate().take(n as usize) {
                if libc::dup2(t, 3 + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(t);
            }
            Ok(())
        });
    }
    socks
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel chose, not
/// listening, with SO_REUSEADDR, and SO_REUSEPORT when `share` (so that a
/// proxy can bind the same port next to it). The port is then bound again
/// by number on a second socket while the first still holds it, and the
/// first is closed: Linux releases a port it chose (bind to port 0) when
/// the listening socket is shut down, as a pause (SIGTTOU) does, while a
/// port bound by number stays with its socket.
fn bound_socket(share: bool) -> (std::os::fd::OwnedFd, u16) {
    let (first, port) = bind_one(share, 0);
    let (sock, again) = bind_one(share, port);
    assert_eq!(again, port);
    drop(first);
    (sock, port)
}

fn bind_one(share: bool, port: u16) -> (std::os::fd::OwnedFd, u16) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain socket() arguments; the descriptor is owned at once.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: fd is a fresh socket nobody else owns.
    let sock = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
    let one: i32 = 1;
    let opts: &[i32] = if share {
        &[libc::SO_REUSEADDR, libc::SO_REUSEPORT]
    } else {
        &[libc::SO_REUSEADDR]
    };
    for &opt in opts {
        // SAFETY: `one` lives for the call and the size matches.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                &one as *const i32 as *const libc::c_void,
                std::mem::size_of::<i32>() as libc::socklen_t,
            );
        }
    }
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(std::net::Ipv4Addr::LOCALHOST).to_be(),
        },
        sin_zero: [0; 8],
    };
    let mut out = sin;
    let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: sin and out are sockaddr_in and len is their size.
    let ok = unsafe {
        libc::bind(fd, &sin as *const _ as *const libc::sockaddr, len) == 0
            && libc::getsockname(fd, &mut out as *mut _ as *mut libc::sockaddr, &mut len) == 0
    };
    assert!(ok, "bind: {}", std::io::Error::last_os_error());
    (sock, u16::from_be(out.sin_port))
}

/// A port on which nothing listens, for a server that must refuse: a
/// socket the test binds (port 0) without listening and holds until it is
/// dropped, so a connection to it is refused and no one else gets the port.
pub struct DeadPort {
    pub port: u16,
    _sock: std::os::fd::OwnedFd,
}

pub fn dead_port() -> DeadPort {
    let (sock, port) = bound_socket(false);
    DeadPort { port, _sock: sock }
}

impl DeadPort {
    /// The server comes up: listening on the port held until now.
    pub fn listen(self) -> TcpListener {
        use std::os::fd::AsRawFd;
        // SAFETY: plain arguments on the socket this value owns.
        let r = unsafe { libc::listen(self._sock.as_raw_fd(), 128) };
        assert!(r == 0, "listen: {}", std::io::Error::last_os_error());
        TcpListener::from(self._sock)
    }
}

/// `{}` prints the port number, as in `server s 127.0.0.1:{dead}`.
impl std::fmt::Display for DeadPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.port)
    }
}

/// A real address for the proxy's `bind` line, for the tests whose subject
/// is that line (1.4's address forms, a reload binding the address again)
/// and for binaries without `fd@` (1.4.25): the test binds 127.0.0.1 on a
/// port the kernel chose, with SO_REUSEADDR and SO_REUSEPORT, does not
/// listen, and holds the socket until dropped; the proxy binds the same
/// port beside it (1.4 and haproxy-rs set SO_REUSEPORT too) and, as the
/// only listening socket there, gets every connection. The port is never
/// free between the test's choice and the proxy's bind. `{}` prints
/// `127.0.0.1:PORT`.
pub struct Reserved {
    pub port: u16,
    _sock: std::os::fd::OwnedFd,
}

pub fn reserved() -> Reserved {
    let (sock, port) = bound_socket(true);
    Reserved { port, _sock: sock }
}

impl std::fmt::Display for Reserved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "127.0.0.1:{}", self.port)
    }
}

/// The proxy's address in tests that can also run another binary: handed
/// over (`fd@N`) to haproxy-rs, a `reserved()` port for one without `fd@`.
pub enum Front {
    Handed(Handed),
    Reserved(Reserved),
}

pub fn front(handed_ok: bool) -> Front {
    if handed_ok {
        Front::Handed(handed())
    } else {
        Front::Reserved(reserved())
    }
}

impl Front {
    pub fn port(&self) -> u16 {
        match self {
            Front::Handed(h) => h.port,
            Front::Reserved(r) => r.port,
        }
    }
}

impl std::fmt::Display for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Front::Handed(h) => h.fmt(f),
            Front::Reserved(r) => r.fmt(f),
        }
    }
}

/// A fresh directory per call (pid and a counter in its name).
pub fn tmpdir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "hrs-{}-{}-{}",
        tag,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
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
        let mut cmd = Command::new(bin());
        cmd.arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let held = hand_over(&mut cmd);
        // a test runner started in the background without job control has
        // SIGINT and SIGQUIT ignored, and a child inherits that: the proxy
        // starts with the default dispositions an init system gives it
        // SAFETY: signal() is async-signal-safe; nothing is allocated.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn");
        drop(held);
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

//! Helpers of tests/it/reuse.rs: a scripted keep-alive HTTP/1.1 backend that
//! counts the connections it accepts and the requests on each and can
//! close or reset a kept connection at the worst moment, and a client that
//! sends several requests on one connection. Every wait is bounded.
#![allow(dead_code)]

use super::common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

/// What the backend does with request `n` (0-based) of connection `c`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Act {
    Answer,
    /// answer, then close the connection (FIN) right away
    AnswerClose,
    /// read the request, close without a byte of response (FIN)
    Close,
    /// read the request, reset the connection
    Reset,
    /// answer 401 (connection-based authentication)
    Unauthorized,
}

pub type Script = Arc<dyn Fn(usize, usize) -> Act + Send + Sync>;

/// A keep-alive HTTP/1.1 backend run by a script.
pub struct KaBackend {
    pub port: u16,
    conns: Arc<AtomicUsize>,
    /// (connection, request line) in arrival order
    seen: Arc<Mutex<Vec<(usize, String)>>>,
}

impl KaBackend {
    pub fn new(script: Script) -> KaBackend {
        let conns = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (c2, s2) = (conns.clone(), seen.clone());
        // numbered on the accepting thread (accept order), served on a
        // thread of its own
        let port = Backend::serial(64, Duration::from_secs(5), move |c| {
            let id = c2.fetch_add(1, Ordering::SeqCst);
            let (s3, sc) = (s2.clone(), script.clone());
            thread::spawn(move || serve(c, id, &s3, &*sc));
        })
        .port;
        KaBackend { port, conns, seen }
    }
    pub fn conns(&self) -> usize {
        self.conns.load(Ordering::SeqCst)
    }
    pub fn seen(&self) -> Vec<(usize, String)> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

fn serve(
    mut c: TcpStream,
    id: usize,
    seen: &Mutex<Vec<(usize, String)>>,
    script: &dyn Fn(usize, usize) -> Act,
) {
    let mut buf = Vec::new();
    for n in 0..32 {
        // one head (the tests send no bodies)
        let mut tmp = [0u8; 4096];
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match c.read(&mut tmp) {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&tmp[..k]),
            }
        };
        let head: Vec<u8> = buf.drain(..end).collect();
        if let Ok(mut v) = seen.lock() {
            v.push((id, String::from_utf8_lossy(&head).into_owned()));
        }
        match script(id, n) {
            Act::Answer => {
                let _ = c.write_all(OK);
            }
            Act::AnswerClose => {
                let _ = c.write_all(OK);
                return;
            }
            Act::Unauthorized => {
                let _ = c.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nno\n");
            }
            Act::Close => return,
            Act::Reset => {
                let _ = socket_linger0(&c);
                return;
            }
        }
    }
}

/// SO_LINGER 0: the close that follows sends a reset.
fn socket_linger0(c: &TcpStream) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid fd and a struct linger of the right size
    let r = unsafe {
        libc::setsockopt(
            c.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

pub fn config(log: u16, px: &str, port: Handed, srv: u16) -> String {
    format!(
        "{}    timeout http-keep-alive 2000\n\nlisten app\n    bind {}\n{}    server s1 127.0.0.1:{}\n",
        global(log),
        port,
        px,
        srv
    )
}

/// Sends each request on one client connection and reads each response
/// (Content-Length 3); returns the responses.
pub fn on_one_connection(port: u16, reqs: &[&str]) -> Vec<String> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut out = Vec::new();
    for r in reqs {
        if c.write_all(r.as_bytes()).is_err() {
            break;
        }
        let got = read_until(&mut c, |b| {
            b.windows(4)
                .position(|w| w == b"\r\n\r\n")
                .is_some_and(|p| {
                    let head = String::from_utf8_lossy(&b[..p]).to_ascii_lowercase();
                    let cl = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    b.len() >= p + 4 + cl
                })
        });
        out.push(String::from_utf8_lossy(&got).into_owned());
    }
    out
}

pub const GET: &str = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
pub const GET_CLOSE: &str = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

pub fn answer_all() -> Script {
    Arc::new(|_, _| Act::Answer)
}

/// Waits (bounded) until `f` holds.
pub fn eventually(secs: u64, f: impl Fn() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    f()
}

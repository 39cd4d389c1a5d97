//! The in-test backends: one kit that binds 127.0.0.1 on a port the kernel
//! chose, owns the accepting thread and runs a handler on each accepted
//! connection (a read timeout already set, so every read is bounded), up to
//! a bound on connections, after which the listener closes. The shapes the
//! test modules repeat are built on it: answer-and-close recording the
//! heads in `seen`, a handler's result handed back through a channel,
//! echo and hold.
use super::read_until_head;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The read timeout a handler's socket starts with; a handler whose
/// subject is the timing sets its own.
const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// A backend serving on `port` (`{}` prints the port, as in
/// `server s 127.0.0.1:{b}`). `seen` holds the request heads of the
/// backends that record them (`http`, `http_n`).
pub struct Backend {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.port)
    }
}

impl Backend {
    /// Runs `handler` on each of up to `max` connections, each on its own
    /// thread, the socket's read timeout 3 s.
    pub fn spawn<F>(max: usize, handler: F) -> Backend
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        Backend::run(max, READ_TIMEOUT, true, handler)
    }

    /// As `spawn`, with the read timeout `timeout`.
    pub fn spawn_t<F>(max: usize, timeout: Duration, handler: F) -> Backend
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        Backend::run(max, timeout, true, handler)
    }

    /// As `spawn`, one connection at a time in the order they were
    /// accepted (a server that serves one client at a time).
    pub fn serial<F>(max: usize, timeout: Duration, handler: F) -> Backend
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        Backend::run(max, timeout, false, handler)
    }

    /// As `spawn`, and what `handler` returns for each connection comes
    /// back through the channel (in the order the connections end).
    pub fn reporting<T, F>(max: usize, handler: F) -> (Backend, mpsc::Receiver<T>)
    where
        T: Send + 'static,
        F: Fn(TcpStream) -> T + Send + Sync + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let b = Backend::spawn(max, move |c| {
            let v = handler(c);
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(v);
            }
        });
        (b, rx)
    }

    fn run<F>(max: usize, timeout: Duration, threads: bool, handler: F) -> Backend
    where
        F: Fn(TcpStream) + Send + Sync + 'static,
    {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let handler = Arc::new(handler);
        thread::spawn(move || {
            for c in l.incoming().take(max) {
                let Ok(c) = c else { continue };
                let _ = c.set_read_timeout(Some(timeout));
                if threads {
                    let h = handler.clone();
                    thread::spawn(move || h(c));
                } else {
                    handler(c);
                }
            }
        });
        Backend {
            port,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Answers each request with `resp` and closes (64 connections).
    pub fn http(resp: &'static [u8]) -> Backend {
        Backend::http_n(resp, 64)
    }

    /// Answers the request on each of up to `max` connections with `resp`,
    /// recording its head in `seen`, half-closes and waits for the
    /// client's close (bounded).
    pub fn http_n(resp: &'static [u8], max: usize) -> Backend {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let b = Backend::spawn(max, move |mut c| {
            let req = read_until_head(&mut c);
            if req.is_empty() {
                return;
            }
            if let Ok(mut v) = s2.lock() {
                v.push(req);
            }
            answer_and_close(&mut c, resp);
        });
        Backend { seen, ..b }
    }

    /// An echo server for TCP mode: 16 connections, one at a time.
    pub fn echo() -> Backend {
        Backend::serial(16, READ_TIMEOUT, |mut c| {
            let mut buf = [0u8; 4096];
            loop {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let _ = c.write_all(&buf[..n]);
                    }
                }
            }
            let _ = c.shutdown(Shutdown::Write);
        })
    }

    /// A server that reads what comes first and then never answers: each
    /// connection is held open until the client closes it (bounded by
    /// `secs`).
    pub fn hold(max: usize, secs: u64) -> Backend {
        Backend::spawn_t(max, Duration::from_millis(100), move |mut c| {
            let end = Instant::now() + Duration::from_secs(secs);
            let mut b = [0u8; 1024];
            while Instant::now() < end {
                match c.read(&mut b) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if is_timeout(&e) => {}
                    Err(_) => return,
                }
            }
        })
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

/// Writes `resp`, half-closes and waits (bounded) for the client's close,
/// so the client, not the server, ends the connection.
pub fn answer_and_close(c: &mut TcpStream, resp: &[u8]) {
    let _ = c.write_all(resp);
    let _ = c.shutdown(Shutdown::Write);
    let mut buf = [0u8; 4096];
    let _ = c.read(&mut buf);
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

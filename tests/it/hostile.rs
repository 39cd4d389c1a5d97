//! A hostile-client suite (#18): request smuggling attempts and clients
//! (and servers) that end badly. Every raw request is checked twice: what
//! the client got back, and the exact bytes each backend connection
//! received, so that nothing the proxy did not frame reaches a server.
//! The expected answers are 1.4.25's (recorded from the oracle), except
//! where marked "stricter than 1.4", where we refuse or clean up what 1.4
//! forwards as is.
//!
//! `HOSTILE_BIN=/path/to/haproxy` runs the same tests against another
//! binary (an older build, or the 1.4.25 oracle).
use super::common;
use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The binary under test: `HOSTILE_BIN` or ours.
fn hostile_bin() -> String {
    std::env::var("HOSTILE_BIN").unwrap_or_else(|_| bin())
}

/// The proxy's listening address: handed over to ours (`fd@N`); another
/// binary (1.4.25 has no `fd@`) binds a port the test holds.
fn fe_addr() -> Front {
    front(std::env::var_os("HOSTILE_BIN").is_none())
}

/// `Proxy::start` with the binary from `hostile_bin()`.
fn start(cfg: &str, log: &mut Syslog, proxies: usize) -> Proxy {
    let dir = tmpdir("hostile");
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).expect("write cfg");
    let mut cmd = Command::new(hostile_bin());
    cmd.arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let held = hand_over(&mut cmd);
    let mut child = cmd.spawn().expect("spawn");
    drop(held);
    if !log.wait_for("started.", proxies, 10) {
        let status = child.try_wait().ok().flatten();
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        panic!(
            "proxy did not start: {:?}; exit {status:?}; {err}",
            log.lines
        );
    }
    Proxy { child, cfg: path }
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// ---------------------------------------------------------------------
// A recording backend

/// One backend connection: who, every byte it received, and whether it
/// has ended (peer closed, reset, or the backend's own deadline).
struct Conn {
    peer: SocketAddr,
    bytes: Vec<u8>,
    done: bool,
}

/// Records every byte of every connection. When `answer` is set, it
/// answers `OK` and half-closes as soon as what it received holds one
/// complete request (its own framing), then keeps reading (and
/// recording) until the peer closes or `hold` has passed.
struct Recorder {
    port: u16,
    conns: Arc<Mutex<Vec<Arc<Mutex<Conn>>>>>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Length of a complete chunked body at the start of `b`, trailers
/// included; None while incomplete or unreadable.
fn chunked_len(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    for _ in 0..10_000 {
        let eol = find(&b[pos..], b"\r\n")?;
        let line = String::from_utf8_lossy(&b[pos..pos + eol]).into_owned();
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        pos += eol + 2;
        if size == 0 {
            // trailers up to an empty line
            for _ in 0..1000 {
                let eol = find(&b[pos..], b"\r\n")?;
                pos += eol + 2;
                if eol == 0 {
                    return Some(pos);
                }
            }
            return None;
        }
        if b.len() < pos + size + 2 {
            return None;
        }
        pos += size + 2;
    }
    None
}

/// Whether `b` starts with one complete request, as a lenient server
/// would frame it (chunked if any Transfer-Encoding says so, else the
/// leading digits of the first Content-Length, else no body).
fn framed(b: &[u8]) -> bool {
    let Some(h) = find(b, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&b[..h]).to_ascii_lowercase();
    let body = &b[h + 4..];
    let hdr = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_string())
            .collect::<Vec<_>>()
    };
    if hdr("transfer-encoding")
        .iter()
        .any(|v| v.contains("chunked"))
    {
        return chunked_len(body).is_some();
    }
    let len = hdr("content-length")
        .first()
        .map(|v| {
            let d: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
            d.parse::<usize>().unwrap_or(0)
        })
        .unwrap_or(0);
    body.len() >= len
}

impl Recorder {
    fn new(answer: bool, hold: Duration) -> Recorder {
        let conns: Arc<Mutex<Vec<Arc<Mutex<Conn>>>>> = Arc::new(Mutex::new(Vec::new()));
        let list = conns.clone();
        // registered on the accepting thread, so `conns` is in accept
        // order (`settle` relies on it); served on a thread of its own
        let port = Backend::serial(5000, Duration::from_millis(100), move |mut c| {
            let Ok(peer) = c.peer_addr() else { return };
            let rec = Arc::new(Mutex::new(Conn {
                peer,
                bytes: Vec::new(),
                done: false,
            }));
            if let Ok(mut v) = list.lock() {
                v.push(rec.clone());
            }
            thread::spawn(move || {
                let end = Instant::now() + hold;
                let mut answered = !answer;
                let mut all = Vec::new();
                let mut buf = [0u8; 65536];
                while Instant::now() < end {
                    match c.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            all.extend_from_slice(&buf[..n]);
                            if let Ok(mut r) = rec.lock() {
                                r.bytes.extend_from_slice(&buf[..n]);
                            }
                            if !answered && framed(&all) {
                                answered = true;
                                let _ = c.write_all(OK);
                                let _ = c.shutdown(Shutdown::Write);
                            }
                        }
                        Err(e)
                            if e.kind() == ErrorKind::WouldBlock
                                || e.kind() == ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                }
                if let Ok(mut r) = rec.lock() {
                    r.done = true;
                }
            });
        })
        .port;
        Recorder { port, conns }
    }

    /// Waits until every connection the proxy opened so far is accepted
    /// and ended, and takes what they received (in accept order). A
    /// connection of our own is the barrier: the accept queue is FIFO,
    /// so once it is seen, every earlier connection has been seen too.
    fn settle(&self) -> Vec<Vec<u8>> {
        let barrier = TcpStream::connect(("127.0.0.1", self.port)).expect("barrier");
        let me = barrier.local_addr().expect("addr");
        let end = Instant::now() + Duration::from_secs(8);
        let mut k = None;
        while Instant::now() < end {
            let list = self.conns.lock().map(|v| v.clone()).unwrap_or_default();
            if k.is_none() {
                k = list
                    .iter()
                    .position(|c| c.lock().map(|c| c.peer == me).unwrap_or(false));
            }
            if let Some(k) = k {
                if list[..k]
                    .iter()
                    .all(|c| c.lock().map(|c| c.done).unwrap_or(true))
                {
                    break;
                }
            }
            thread::sleep(Duration::from_millis(5));
        }
        let k = k.expect("the barrier connection was never accepted");
        drop(barrier);
        let mut list = self.conns.lock().expect("lock");
        let taken: Vec<_> = list.drain(..=k).collect();
        taken[..k]
            .iter()
            .map(|c| {
                let c = c.lock().expect("lock");
                assert!(c.done, "a backend connection never ended");
                c.bytes.clone()
            })
            .collect()
    }
}

// ---------------------------------------------------------------------
// The client side

/// Responses parsed from what a client received: status codes, or an
/// error when the bytes are not a sequence of whole responses.
fn statuses(mut b: &[u8]) -> Result<Vec<u16>, String> {
    let mut out = Vec::new();
    for _ in 0..100 {
        if b.is_empty() {
            return Ok(out);
        }
        let Some(h) = find(b, b"\r\n\r\n") else {
            return Err(format!("partial head {:?}", String::from_utf8_lossy(b)));
        };
        let head = String::from_utf8_lossy(&b[..h]).into_owned();
        let status = head
            .get(9..12)
            .filter(|_| head.starts_with("HTTP/1."))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("bad status line {head:?}"))?;
        let len = head.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        });
        out.push(status);
        match len {
            Some(n) if b.len() >= h + 4 + n => b = &b[h + 4 + n..],
            Some(_) => return Err(format!("short body after {head:?}")),
            None => return Ok(out), // body up to the close
        }
    }
    Err("too many responses".into())
}

/// Number of complete responses with a known length in `b`.
fn complete(b: &[u8]) -> usize {
    let mut n = 0;
    let mut b = b;
    for _ in 0..100 {
        let Some(h) = find(b, b"\r\n\r\n") else { break };
        let head = String::from_utf8_lossy(&b[..h]).to_ascii_lowercase();
        let Some(len) = head.lines().find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        }) else {
            break;
        };
        if b.len() < h + 4 + len {
            break;
        }
        n += 1;
        b = &b[h + 4 + len..];
    }
    n
}

/// How a read loop ended.
#[derive(Debug, PartialEq)]
enum End {
    Eof,
    Reset,
    Timeout,
}

/// Reads until `done` or the end of the stream; says how it ended.
fn read_some(s: &mut TcpStream, got: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) -> End {
    let mut tmp = [0u8; 65536];
    for _ in 0..100_000 {
        if done(got) {
            return End::Eof;
        }
        match s.read(&mut tmp) {
            Ok(0) => return End::Eof,
            Ok(n) => got.extend_from_slice(&tmp[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return End::Timeout
            }
            Err(_) => return End::Reset,
        }
    }
    End::Timeout
}

/// Sends `req` in one write, reads until `want` responses came (or the
/// proxy closed), half-closes, then reads to the end.
fn client(port: u16, req: &[u8], want: usize) -> (Vec<u8>, End) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(4)))
        .expect("timeout");
    let _ = s.write_all(req);
    let mut got = Vec::new();
    let first = read_some(&mut s, &mut got, |b| want > 0 && complete(b) >= want);
    if first == End::Timeout {
        return (got, End::Timeout);
    }
    let _ = s.shutdown(Shutdown::Write);
    let end = read_some(&mut s, &mut got, |_| false);
    (got, end)
}

// ---------------------------------------------------------------------
// The smuggling matrix

struct Case {
    name: &'static str,
    req: Vec<u8>,
    /// status lines the client gets, in order (empty: nothing, a close)
    want: Vec<u16>,
    /// bytes each backend connection receives, in order (empty: none)
    seen: Vec<Vec<u8>>,
}

fn case(name: &'static str, req: &[u8], want: &[u16], seen: Vec<Vec<u8>>) -> Case {
    Case {
        name,
        req: req.to_vec(),
        want: want.to_vec(),
        seen,
    }
}

/// What the proxy adds at the end of an HTTP/1.1 head (forwardfor, then
/// httpclose/http-server-close), and the head's end.
const ADDED: &str = "X-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n";

/// A head (its lines, each with its CRLF) and a body, as a client sends it.
fn req(head: &str, body: &[u8]) -> Vec<u8> {
    let mut v = head.as_bytes().to_vec();
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(body);
    v
}

/// The same head as a server gets it: `ADDED` at its end.
fn fwd(head: &str, body: &[u8]) -> Vec<u8> {
    let mut v = head.as_bytes().to_vec();
    v.extend_from_slice(ADDED.as_bytes());
    v.extend_from_slice(body);
    v
}

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// `n` header lines, Host first.
fn many_headers(n: usize) -> String {
    let mut h = String::from("Host: x\r\n");
    for i in 1..n {
        h.push_str(&format!("X-H{i}: v\r\n"));
    }
    h
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

/// Runs every case through one proxy (`opts` in its listen section) and
/// a recording backend; fails with the list of every case that differed.
fn run_matrix(opts: &str, cases: &[Case]) {
    let rec = Recorder::new(true, Duration::from_secs(4));
    let mut log = Syslog::new();
    let fe = fe_addr();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    maxconn 300\n\ndefaults\n    log global\n    mode http\n    option httplog\n    timeout connect 1s\n    timeout client 2s\n    timeout server 1s\n    timeout http-request 1s\n\nlisten app {fe}\n{opts}    server s1 127.0.0.1:{}\n",
        log.port, rec.port
    );
    let _p = start(&cfg, &mut log, 1);
    let mut failures = Vec::new();
    for c in cases {
        let (got, end) = client(fe.port(), &c.req, c.want.len());
        let seen = rec.settle();
        let mut why = Vec::new();
        match statuses(&got) {
            Ok(st) if st == c.want => {}
            Ok(st) => why.push(format!(
                "client got {st:?}, want {:?}: {}",
                c.want,
                show(&got)
            )),
            Err(e) => why.push(format!("client got {e}")),
        }
        if end == End::Timeout {
            why.push("the proxy never closed the client".into());
        }
        if seen != c.seen {
            why.push(format!(
                "backend got {:?}\n      want {:?}",
                seen.iter().map(|b| show(b)).collect::<Vec<_>>(),
                c.seen.iter().map(|b| show(b)).collect::<Vec<_>>()
            ));
        }
        if !why.is_empty() {
            failures.push(format!("{}:\n    {}", c.name, why.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

const CL_TE_HEAD: &str = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n";
const CHUNKS: &[u8] = b"5\r\nhello\r\n0\r\n\r\n";
const GET_TWO: &[u8] = b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n";

/// The classic configuration: option httpclose, option forwardfor.
#[test]
fn smuggling_matrix_httpclose() {
    let p = "POST / HTTP/1.1\r\nHost: x\r\n";
    let h = |extra: &str| format!("{p}{extra}");
    let none = Vec::new;
    let chunked_fwd = fwd(CL_TE_HEAD, CHUNKS);
    let cases = vec![
        case(
            "plain GET",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            &[200],
            vec![fwd("GET / HTTP/1.1\r\nHost: x\r\n", b"")],
        ),
        // Content-Length
        case(
            "two different Content-Lengths",
            &req(&h("Content-Length: 5\r\nContent-Length: 6\r\n"), b"hello!"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: 5,6",
            &req(&h("Content-Length: 5,6\r\n"), b"hello!"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: 5, 5",
            &req(&h("Content-Length: 5, 5\r\n"), b"hello"),
            &[200],
            vec![fwd(&h("Content-Length: 5, 5\r\n"), b"hello")],
        ),
        case(
            "Content-Length 5 twice",
            &req(&h("Content-Length: 5\r\nContent-Length: 5\r\n"), b"hello"),
            &[200],
            vec![fwd(
                &h("Content-Length: 5\r\nContent-Length: 5\r\n"),
                b"hello",
            )],
        ),
        case(
            "Content-Length 5 and 05",
            &req(&h("Content-Length: 5\r\nContent-Length: 05\r\n"), b"hello"),
            &[200],
            vec![fwd(
                &h("Content-Length: 5\r\nContent-Length: 05\r\n"),
                b"hello",
            )],
        ),
        case(
            "Content-Length: +5",
            &req(&h("Content-Length: +5\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: -1",
            &req(&h("Content-Length: -1\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: 0x5",
            &req(&h("Content-Length: 0x5\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: 5a",
            &req(&h("Content-Length: 5a\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: 5 5",
            &req(&h("Content-Length: 5 5\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "empty Content-Length",
            &req(&h("Content-Length:\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "huge Content-Length",
            &req(&h("Content-Length: 99999999999999999999999\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "Content-Length: -0",
            &req(&h("Content-Length: -0\r\n"), b""),
            &[200],
            vec![fwd(&h("Content-Length: -0\r\n"), b"")],
        ),
        case(
            "Content-Length: 5 + trailing space",
            &req(&h("Content-Length: 5 \r\n"), b"hello"),
            &[200],
            vec![fwd(&h("Content-Length: 5 \r\n"), b"hello")],
        ),
        // Content-Length beside chunked: chunked wins, the length is
        // dropped (stricter than 1.4, which forwards both)
        case(
            "CL then TE chunked",
            &req(
                &h("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                CHUNKS,
            ),
            &[200],
            vec![chunked_fwd.clone()],
        ),
        case(
            "TE chunked then CL",
            &req(
                &h("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
                CHUNKS,
            ),
            &[200],
            vec![chunked_fwd.clone()],
        ),
        case(
            "CL 3 then TE Chunked",
            &req(
                &h("Content-Length: 3\r\nTransfer-Encoding: Chunked\r\n"),
                CHUNKS,
            ),
            &[200],
            vec![fwd(&h("Transfer-Encoding: Chunked\r\n"), CHUNKS)],
        ),
        case(
            "TE ' chunked ' then CL 3",
            &req(
                &h("Transfer-Encoding:  chunked \r\nContent-Length: 3\r\n"),
                CHUNKS,
            ),
            &[200],
            vec![fwd(&h("Transfer-Encoding:  chunked \r\n"), CHUNKS)],
        ),
        case(
            "TE chunked then CL 0",
            &req(
                &h("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"),
                CHUNKS,
            ),
            &[200],
            vec![chunked_fwd.clone()],
        ),
        // Transfer-Encoding not ending in chunked, or on HTTP/1.0: 400
        // (stricter than 1.4, which forwards them)
        case(
            "TE chunked, gzip + CL",
            &req(
                &h("Transfer-Encoding: chunked, gzip\r\nContent-Length: 5\r\n"),
                b"hello",
            ),
            &[400],
            none(),
        ),
        case(
            "TE gzip + CL",
            &req(
                &h("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"),
                b"hello",
            ),
            &[400],
            none(),
        ),
        case(
            "TE identity + CL",
            &req(
                &h("Transfer-Encoding: identity\r\nContent-Length: 5\r\n"),
                b"hello",
            ),
            &[400],
            none(),
        ),
        case(
            "HTTP/1.0 with TE chunked",
            &req(
                "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n",
                CHUNKS,
            ),
            &[400],
            none(),
        ),
        // folded lines: refused on framing headers (stricter than 1.4),
        // joined with spaces elsewhere as 1.4 does
        case(
            "folded Content-Length",
            &req(&h("Content-Length:\r\n 5\r\n"), b"hello"),
            &[400],
            none(),
        ),
        case(
            "folded Transfer-Encoding",
            &req(&h("Transfer-Encoding:\r\n chunked\r\n"), CHUNKS),
            &[400],
            none(),
        ),
        case(
            "folded ordinary header (SP)",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n",
            &[200],
            vec![fwd("GET / HTTP/1.1\r\nHost: x\r\nX-A: one   two\r\n", b"")],
        ),
        case(
            "folded ordinary header (HT)",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n",
            &[200],
            vec![fwd("GET / HTTP/1.1\r\nHost: x\r\nX-A: one  \ttwo\r\n", b"")],
        ),
        // bytes inside header values
        case(
            "bare CR in a header value",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: o\rne\r\n\r\n",
            &[400],
            none(),
        ),
        case(
            "NUL in a header value",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: o\x00ne\r\n\r\n",
            &[200],
            vec![fwd("GET / HTTP/1.1\r\nHost: x\r\nX-A: o\x00ne\r\n", b"")],
        ),
        // chunk sizes: refused before any server sees the request
        case(
            "chunk size 0x80000000",
            &req(CL_TE_HEAD, b"80000000\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "chunk size 0xffffffff",
            &req(CL_TE_HEAD, b"ffffffff\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "chunk size of 9 digits",
            &req(CL_TE_HEAD, b"100000000\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "chunk size of 17 digits",
            &req(CL_TE_HEAD, b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "garbage chunk size",
            &req(CL_TE_HEAD, b"zz\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "empty chunk size",
            &req(CL_TE_HEAD, b"\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        // ... but leading zeros are no overflow (1.4)
        case(
            "chunk size 17 digits of leading zeros",
            &req(CL_TE_HEAD, b"00000000000000005\r\nhello\r\n0\r\n\r\n"),
            &[200],
            vec![fwd(CL_TE_HEAD, b"00000000000000005\r\nhello\r\n0\r\n\r\n")],
        ),
        case(
            "chunk extensions and trailers",
            &req(
                CL_TE_HEAD,
                b"5;a=b;c\r\nhello\r\n0;x=y\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
            ),
            &[200],
            vec![fwd(
                CL_TE_HEAD,
                b"5;a=b;c\r\nhello\r\n0;x=y\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
            )],
        ),
        // a request line without a version is a whole HTTP/0.9 request
        case(
            "GET / CRLF (HTTP/0.9)",
            b"GET /\r\n",
            &[200],
            vec![b"GET / HTTP/1.0\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n".to_vec()],
        ),
        // header count: 1.4's index has 204 slots, forwardfor takes one
        case(
            "203 header lines",
            &req(&format!("GET / HTTP/1.1\r\n{}", many_headers(203)), b""),
            &[200],
            vec![fwd(
                &format!("GET / HTTP/1.1\r\n{}", many_headers(203)),
                b"",
            )],
        ),
        case(
            "205 header lines",
            &req(&format!("GET / HTTP/1.1\r\n{}", many_headers(205)), b""),
            &[400],
            none(),
        ),
        // pipelining: under httpclose 1.4 parses the first request only;
        // what follows goes through the same connection untouched
        case(
            "pipelined after a CL body",
            &cat(&req(&h("Content-Length: 3\r\n"), b"abc"), GET_TWO),
            &[200],
            vec![cat(&fwd(&h("Content-Length: 3\r\n"), b"abc"), GET_TWO)],
        ),
        case(
            "pipelined after CL+TE",
            &cat(
                &req(
                    &h("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                    CHUNKS,
                ),
                GET_TWO,
            ),
            &[200],
            vec![cat(&chunked_fwd, GET_TWO)],
        ),
        case(
            "pipelined after CL 0",
            &cat(
                &req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n", b""),
                GET_TWO,
            ),
            &[200],
            vec![cat(
                &fwd("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n", b""),
                GET_TWO,
            )],
        ),
    ];
    run_matrix("    option httpclose\n    option forwardfor\n", &cases);
}

/// A subset with option http-server-close: each request of a pipeline on
/// its own server connection, cut where the proxy framed it.
#[test]
fn smuggling_matrix_http_server_close() {
    let p = "POST / HTTP/1.1\r\nHost: x\r\n";
    let h = |extra: &str| format!("{p}{extra}");
    let none = Vec::new;
    let chunked_fwd = fwd(CL_TE_HEAD, CHUNKS);
    let two = fwd("GET /two HTTP/1.1\r\nHost: x\r\n", b"");
    let cases = vec![
        case(
            "pipelined after a CL body",
            &cat(&req(&h("Content-Length: 3\r\n"), b"abc"), GET_TWO),
            &[200, 200],
            vec![fwd(&h("Content-Length: 3\r\n"), b"abc"), two.clone()],
        ),
        case(
            "pipelined after CL+TE",
            &cat(
                &req(
                    &h("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
                    CHUNKS,
                ),
                GET_TWO,
            ),
            &[200, 200],
            vec![chunked_fwd.clone(), two.clone()],
        ),
        case(
            "pipelined after TE+CL 3 (CL shorter than the chunks)",
            &cat(
                &req(
                    &h("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"),
                    CHUNKS,
                ),
                GET_TWO,
            ),
            &[200, 200],
            vec![chunked_fwd.clone(), two.clone()],
        ),
        case(
            "pipelined after extensions and trailers",
            &cat(
                &req(CL_TE_HEAD, b"5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
                GET_TWO,
            ),
            &[200, 200],
            vec![
                fwd(CL_TE_HEAD, b"5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
                two.clone(),
            ],
        ),
        case(
            "pipelined after Content-Length: 5, 5",
            &cat(&req(&h("Content-Length: 5, 5\r\n"), b"hello"), GET_TWO),
            &[200, 200],
            vec![fwd(&h("Content-Length: 5, 5\r\n"), b"hello"), two.clone()],
        ),
        case(
            "second request with two Content-Lengths",
            &cat(
                &req(&h("Content-Length: 3\r\n"), b"abc"),
                b"GET /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            ),
            &[200, 400],
            vec![fwd(&h("Content-Length: 3\r\n"), b"abc")],
        ),
        case(
            "Connection: close ends the pipeline",
            &cat(
                &req(&h("Content-Length: 3\r\nConnection: close\r\n"), b"abc"),
                GET_TWO,
            ),
            &[200],
            vec![req(
                &h("Content-Length: 3\r\nConnection: close\r\nX-Forwarded-For: 127.0.0.1\r\n"),
                b"abc",
            )],
        ),
        case(
            "two different Content-Lengths",
            &req(&h("Content-Length: 5\r\nContent-Length: 6\r\n"), b"hello!"),
            &[400],
            none(),
        ),
        case(
            "TE gzip + CL",
            &req(
                &h("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"),
                b"hello",
            ),
            &[400],
            none(),
        ),
        case(
            "HTTP/1.0 with TE chunked",
            &req(
                "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n",
                CHUNKS,
            ),
            &[400],
            none(),
        ),
        case(
            "folded Transfer-Encoding",
            &req(&h("Transfer-Encoding:\r\n chunked\r\n"), CHUNKS),
            &[400],
            none(),
        ),
        case(
            "chunk size 0x80000000",
            &req(CL_TE_HEAD, b"80000000\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "garbage chunk size",
            &req(CL_TE_HEAD, b"zz\r\nhello\r\n0\r\n\r\n"),
            &[],
            none(),
        ),
        case(
            "GET / CRLF (HTTP/0.9)",
            b"GET /\r\n",
            &[200],
            vec![b"GET / HTTP/1.0\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n".to_vec()],
        ),
    ];
    run_matrix(
        "    option http-server-close\n    option forwardfor\n",
        &cases,
    );
}

/// 1.4 parses up to 204 header lines; without forwardfor nothing else
/// takes a slot of its index.
#[test]
fn header_line_limit_httpclose() {
    let head = |n| format!("GET / HTTP/1.1\r\n{}", many_headers(n));
    let with_close = |n| {
        let mut v = head(n).into_bytes();
        v.extend_from_slice(b"Connection: close\r\n\r\n");
        v
    };
    let cases = vec![
        case(
            "204 header lines",
            &req(&head(204), b""),
            &[200],
            vec![with_close(204)],
        ),
        case("205 header lines", &req(&head(205), b""), &[400], vec![]),
        case("300 header lines", &req(&head(300), b""), &[400], vec![]),
    ];
    run_matrix("    option httpclose\n", &cases);
}

/// 1.4.25 answers 400 when forwardfor cannot add its header because the
/// request already has 204 header lines (its header index is full).
#[test]
fn header_line_limit_with_forwardfor() {
    let head = format!("GET / HTTP/1.1\r\n{}", many_headers(204));
    let cases = vec![case(
        "204 header lines + forwardfor",
        &req(&head, b""),
        &[400],
        vec![],
    )];
    run_matrix("    option httpclose\n    option forwardfor\n", &cases);
}

// ---------------------------------------------------------------------
// Leak checks: clients (and a server) that end badly

#[derive(Clone, Copy, Debug)]
enum Bad {
    HalfCloseHead,
    HalfCloseClBody,
    HalfCloseChunk,
    ResetHead,
    ResetBody,
    SilentClient,
    PartialBodySilent,
    SilentServer,
}

impl Bad {
    /// What the client gets before the close, as 1.4.25 answers it: the
    /// start of a status line, or nothing at all.
    fn answer(self) -> &'static [u8] {
        match self {
            // a head cut by the client's close is a bad request
            Bad::HalfCloseHead => b"HTTP/1.0 400 ",
            // a body cut by the client's close aborts both ways at once,
            // without a message (not a 504 when the server times out)
            Bad::HalfCloseClBody | Bad::HalfCloseChunk => b"",
            Bad::ResetHead | Bad::ResetBody => b"",
            Bad::SilentClient => b"HTTP/1.0 408 ",
            Bad::PartialBodySilent | Bad::SilentServer => b"HTTP/1.0 504 ",
        }
    }
}

const CLIENTS: usize = 200;

/// The timeouts of the issue: connect 1s, client 2s, server 1s,
/// http-request 1s.
const SHORT: &str = "    timeout connect 1s\n    timeout client 2s\n    timeout server 1s\n    timeout http-request 1s\n";
/// Client and server timeouts longer than the whole wait: a session the
/// proxy does not end by itself stays open through it.
const LONG: &str = "    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\n    timeout http-request 1s\n";
const THREADS: usize = 4;

fn fd_list(pid: u32) -> Vec<String> {
    let Ok(d) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    d.filter_map(|e| e.ok())
        .map(|e| {
            let t = std::fs::read_link(e.path())
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            format!("{}->{t}", e.file_name().to_string_lossy())
        })
        .collect()
}

/// For a "N->socket:[inode]" entry of `fd_list`: its line in the
/// kernel's tcp or unix tables (addresses in hex, state), to say what
/// was left open.
fn socket_state(fd: &str) -> String {
    let Some(inode) = fd
        .split("socket:[")
        .nth(1)
        .and_then(|r| r.strip_suffix(']'))
    else {
        return String::new();
    };
    for table in ["tcp", "tcp6", "unix", "udp"] {
        let t = std::fs::read_to_string(format!("/proc/net/{table}")).unwrap_or_default();
        if let Some(l) = t.lines().find(|l| l.split_whitespace().any(|w| w == inode)) {
            return format!("{table}: {}", l.trim());
        }
    }
    String::new()
}

/// `CurrConns` from the stats socket's `show info`; None while the
/// socket does not answer.
fn curr_conns(sock: &std::path::Path) -> Option<u64> {
    let mut s = std::os::unix::net::UnixStream::connect(sock).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    s.write_all(b"show info\n").ok()?;
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines()
        .find_map(|l| l.strip_prefix("CurrConns: "))
        .and_then(|v| v.trim().parse().ok())
}

/// One bad client: what it sends, then how it leaves. Returns the socket
/// to read to its end, or None when the client is already gone (reset).
fn bad_client(port: u16, bad: Bad) -> Option<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(6)));
    let send: &[u8] = match bad {
        Bad::HalfCloseHead | Bad::ResetHead => b"GET / HTTP/1.1\r\nHost: x\r\nX-A: ",
        Bad::HalfCloseClBody | Bad::ResetBody | Bad::PartialBodySilent => {
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
        }
        Bad::HalfCloseChunk => {
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe"
        }
        Bad::SilentClient => b"",
        Bad::SilentServer => b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    let _ = s.write_all(send);
    match bad {
        Bad::HalfCloseHead | Bad::HalfCloseClBody | Bad::HalfCloseChunk => {
            let _ = s.shutdown(Shutdown::Write);
        }
        Bad::ResetHead | Bad::ResetBody => {
            haproxy_rs::sys::set_nolinger(std::os::unix::io::AsRawFd::as_raw_fd(&s));
            return None;
        }
        Bad::SilentClient | Bad::PartialBodySilent | Bad::SilentServer => {}
    }
    Some(s)
}

/// Starts a proxy whose default backend is a recording backend (or, for
/// `SilentServer`, a backend that never answers) and whose `/ok` goes to
/// a well-behaved one; runs `CLIENTS` bad clients in `THREADS` threads;
/// then waits (bounded) until the proxy is back to the open fds and
/// CurrConns it had before, and checks it still serves.
fn leak_check(bad: Bad, timeouts: &str) {
    let good = Recorder::new(true, Duration::from_secs(20));
    let victim = Recorder::new(!matches!(bad, Bad::SilentServer), Duration::from_secs(20));
    let dir = tmpdir("hostile-leak");
    let sock = dir.join("s.sock");
    let mut log = Syslog::new();
    let fe = fe_addr();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    maxconn 300\n    stats socket {}\n\ndefaults\n    log global\n    mode http\n    option httplog\n{timeouts}\nfrontend fe\n    bind {fe}\n    option httpclose\n    option forwardfor\n    acl ok path_beg /ok\n    use_backend good if ok\n    default_backend victim\n\nbackend good\n    server g 127.0.0.1:{}\n\nbackend victim\n    server v 127.0.0.1:{}\n",
        log.port,
        sock.display(),
        good.port,
        victim.port
    );
    let p = start(&cfg, &mut log, 3);
    let pid = p.child.id();
    // the stats socket answering means the event loop runs: only then
    // are all of its fds open (1.4 binds it after its started lines)
    let ready = Instant::now() + Duration::from_secs(5);
    let mut cur0 = curr_conns(&sock);
    while cur0.is_none() && Instant::now() < ready {
        thread::sleep(Duration::from_millis(10));
        cur0 = curr_conns(&sock);
    }
    let cur0 = cur0.expect("CurrConns before");
    let before = fd_list(pid);
    let port = fe.port();

    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            thread::spawn(move || {
                let socks: Vec<_> = (0..CLIENTS / THREADS)
                    .map(|_| bad_client(port, bad))
                    .collect();
                // the proxy must end each one (by its timeouts at worst),
                // all within one deadline
                let end = Instant::now() + Duration::from_secs(6);
                let mut stuck = Vec::new();
                for mut s in socks.into_iter().flatten() {
                    let left = end.saturating_duration_since(Instant::now());
                    let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(10))));
                    let mut got = Vec::new();
                    let me = s.local_addr().map(|a| a.port()).unwrap_or(0);
                    if read_some(&mut s, &mut got, |_| false) == End::Timeout {
                        stuck.push(format!("client port {me} never closed, got {}", show(&got)));
                    } else if !got.starts_with(bad.answer())
                        || (bad.answer().is_empty() && !got.is_empty())
                    {
                        stuck.push(format!("client port {me} got {}", show(&got)));
                    }
                }
                stuck
            })
        })
        .collect();
    let stuck: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_else(|_| vec!["worker panicked".into()]))
        .collect();

    let end = Instant::now() + Duration::from_secs(7);
    let mut cur = curr_conns(&sock);
    let mut fds = fd_list(pid);
    while (fds.len() != before.len() || cur != Some(cur0)) && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        cur = curr_conns(&sock);
        fds = fd_list(pid);
    }
    let extra: Vec<String> = fds
        .iter()
        .filter(|f| !before.contains(f))
        .map(|f| format!("{f} {}", socket_state(f)))
        .collect();
    assert!(
        stuck.is_empty() && fds.len() == before.len() && cur == Some(cur0),
        "{bad:?}: {} clients not answered {:?} and closed: {:?}; {} fds open (was {}), CurrConns {cur:?} (was {cur0}); new fds: {extra:?}; gone: {:?}",
        stuck.len(),
        show(bad.answer()),
        &stuck[..stuck.len().min(5)],
        fds.len(),
        before.len(),
        before.iter().filter(|f| !fds.contains(f)).collect::<Vec<_>>()
    );
    let r = get(fe.port(), "/ok", "");
    assert!(
        r.starts_with("HTTP/1.1 200 OK\r\n"),
        "{bad:?}: afterwards: {r}"
    );
    drop(p);
}

#[test]
fn leak_half_close_during_head() {
    leak_check(Bad::HalfCloseHead, SHORT);
}

#[test]
fn leak_half_close_during_content_length_body() {
    leak_check(Bad::HalfCloseClBody, SHORT);
}

/// The same with long client and server timeouts: the proxy must end a
/// body cut by the client's close by itself, not leave it to a timeout.
#[test]
fn leak_half_close_during_body_long_timeouts() {
    leak_check(Bad::HalfCloseClBody, LONG);
}

#[test]
fn leak_half_close_during_chunk_long_timeouts() {
    leak_check(Bad::HalfCloseChunk, LONG);
}

#[test]
fn leak_half_close_during_chunk() {
    leak_check(Bad::HalfCloseChunk, SHORT);
}

#[test]
fn leak_reset_during_head() {
    leak_check(Bad::ResetHead, SHORT);
}

#[test]
fn leak_reset_during_body() {
    leak_check(Bad::ResetBody, SHORT);
}

#[test]
fn leak_silent_client() {
    leak_check(Bad::SilentClient, SHORT);
}

#[test]
fn leak_head_and_partial_body_then_silent() {
    leak_check(Bad::PartialBodySilent, SHORT);
}

#[test]
fn leak_silent_server() {
    leak_check(Bad::SilentServer, SHORT);
}

/// A burst of more than tune.maxaccept (100) connections waiting at once:
/// one wake-up accepts 100, and the edge-triggered listener must still be
/// looked at again for the rest (they once waited in the backlog until
/// another connection arrived, and never got their 408). 1.4.25 takes all
/// 200.
#[test]
fn accept_burst_beyond_maxaccept() {
    let mut log = Syslog::new();
    let dead = dead_port();
    let fe = fe_addr();
    let cfg = format!(
        "global\n    log 127.0.0.1:{} local0\n    maxconn 300\n\ndefaults\n    log global\n    mode http\n    timeout connect 1s\n    timeout client 2s\n    timeout server 1s\n    timeout http-request 1s\n\nlisten app {fe}\n    server s1 127.0.0.1:{}\n",
        log.port,
        dead
    );
    let p = start(&cfg, &mut log, 1);
    // all 200 wait in the backlog while the proxy is stopped
    p.signal("STOP");
    let socks: Vec<TcpStream> = (0..CLIENTS)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", fe.port())).ok())
        .collect();
    p.signal("CONT");
    assert_eq!(socks.len(), CLIENTS);
    let end = Instant::now() + Duration::from_secs(5);
    let mut answered = 0;
    for mut s in socks {
        let left = end.saturating_duration_since(Instant::now());
        let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(10))));
        let mut got = Vec::new();
        read_some(&mut s, &mut got, |_| false);
        if got.starts_with(b"HTTP/1.0 408 ") {
            answered += 1;
        }
    }
    assert_eq!(answered, CLIENTS, "silent clients answered 408 in time");
}

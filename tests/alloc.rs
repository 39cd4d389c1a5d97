//! The hot path allocates nothing per request: a request and a response
//! head of the classic config (cookie prefix, forwardfor, httpclose) go
//! through parsing, rewriting and serialising with heads and buffers
//! reused from the pool, under a counting allocator. (The full binary is
//! measured the same way with valgrind's DHAT; see the README.)
use haproxy_rs::buffer::Pool;
use haproxy_rs::http::{body, cookie, head::Status, rewrite};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    // only the measuring thread counts (the test runner's own threads may
    // allocate meanwhile); a const-initialised Cell needs no allocation
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    if COUNTING.with(|c| c.get()) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

const REQ: &[u8] = b"GET /app/page?id=42 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\nCookie: lang=en; JSESSIONID=A~f00dcafe; theme=dark\r\nConnection: keep-alive\r\n\r\n";
const RSP: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\nSet-Cookie: JSESSIONID=f00dcafe; path=/\r\nConnection: keep-alive\r\n\r\nhello";

fn one_exchange(pool: &mut Pool, to_srv: &mut Vec<u8>, to_cli: &mut Vec<u8>) {
    let mut h = pool.take_head();
    assert_eq!(h.parse_request(REQ, 8192, false), Status::Done);
    h.set_cap(16384);
    let mut srv = None;
    cookie::process_request_each(&mut h, "JSESSIONID", true, false, |id, _| {
        srv = Some(id == b"A")
    });
    assert_eq!(srv, Some(true));
    let ip = std::net::IpAddr::from([192, 168, 1, 10]);
    assert!(h.add_with(|o| {
        o.extend_from_slice(b"X-Forwarded-For: ");
        let _ = write!(o, "{ip}");
    }));
    rewrite::want_connection(&mut h, true, false);
    assert!(body::request_framing(&h, true).is_ok());
    to_srv.clear();
    h.write_to(to_srv);
    pool.put_head(h);

    let mut r = pool.take_head();
    assert_eq!(r.parse_response(RSP, 8192, false), Status::Done);
    r.set_cap(16384);
    assert!(cookie::process_response(
        &mut r,
        "JSESSIONID",
        b"A",
        true,
        false,
        false
    ));
    rewrite::want_connection(&mut r, true, false);
    let _ = body::response_framing(&r, false, true);
    to_cli.clear();
    r.write_to(to_cli);
    pool.put_head(r);
}

#[test]
fn parsing_and_rewriting_heads_allocates_nothing_once_warm() {
    let mut pool = Pool::new(16384, 8);
    let (mut to_srv, mut to_cli) = (Vec::new(), Vec::new());
    pool.fill(&mut to_srv);
    pool.fill(&mut to_cli);
    // warm-up: the pool's heads grow to their working size
    one_exchange(&mut pool, &mut to_srv, &mut to_cli);
    assert_eq!(
        to_srv,
        b"GET /app/page?id=42 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\nCookie: lang=en; JSESSIONID=f00dcafe; theme=dark\r\nX-Forwarded-For: 192.168.1.10\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(
        to_cli,
        b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 5\r\nSet-Cookie: JSESSIONID=A~f00dcafe; path=/\r\nConnection: close\r\n\r\n"
    );
    let before = ALLOCS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    for _ in 0..1000 {
        one_exchange(&mut pool, &mut to_srv, &mut to_cli);
    }
    COUNTING.with(|c| c.set(false));
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "allocations in 1000 exchanges");
}

//! The head parser's and editor's tests: 1.4's quirks, folding, edits in
//! place, the rewrite reserve, responses.

use super::*;

fn done(p: Parse) -> Head {
    match p {
        Parse::Done(h) => h,
        o => panic!("not done: {o:?}"),
    }
}

#[test]
fn accept_invalid_lets_odd_header_names_through() {
    let r = b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n";
    assert_eq!(parse_request_opts(r, 8192, false), Parse::Invalid);
    assert!(matches!(parse_request_opts(r, 8192, true), Parse::Done(_)));
    let s = b"HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n";
    assert_eq!(parse_response_opts(s, 8192, false), Parse::Invalid);
    assert!(matches!(parse_response_opts(s, 8192, true), Parse::Done(_)));
}

#[test]
fn simple_request_roundtrip() {
    let r = b"GET /a?b HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\n\r\nBODY";
    let h = done(parse_request(r, 8192));
    assert_eq!(h.len, r.len() - 4);
    assert_eq!(h.uri(), b"/a?b");
    assert_eq!(h.get("host"), Some(&b"x"[..]));
    assert_eq!(h.to_bytes(), &r[..r.len() - 4]);
    assert_eq!(h.wire_len(), r.len() - 4);
    assert!(h.is_11(true));
}

#[test]
fn quirks() {
    // a version-less line ending in CRLF is a whole request (1.4)
    let mut h = done(parse_request(b"GARBAGE\r\n\r\n", 8192));
    assert_eq!(h.len, 9);
    h.add(b"X-Forwarded-For: 127.0.0.1");
    assert_eq!(
        h.to_bytes(),
        b"GARBAGE / HTTP/1.0\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n"
    );
    // with a bare LF, headers are still waited for
    assert!(matches!(
        parse_request(b"GET /\nHost: a\n", 8192),
        Parse::Partial
    ));
    assert_eq!(h.wire_len(), h.to_bytes().len());
    let mut h = done(parse_request(b"GET /lf HTTP/1.1\nHost: t\n\n", 8192));
    h.add(b"Connection: close");
    assert_eq!(
        h.to_bytes(),
        b"GET /lf HTTP/1.1\nHost: t\nConnection: close\r\n\n"
    );
    assert_eq!(
        parse_request(b"GET /a b HTTP/1.1\r\n\r\n", 8192),
        Parse::Invalid
    );
    assert_eq!(
        parse_request(b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 8192),
        Parse::Invalid
    );
    assert_eq!(
        parse_request(b"GET / HTTP/1.1\r\nHost: te", 8192),
        Parse::Partial
    );
    assert_eq!(parse_request(&[b'a'; 8192], 8192), Parse::Invalid);
}

#[test]
fn folded_lines_are_joined_with_spaces() {
    let r = b"GET / HTTP/1.1\r\nX-A: one\r\n  two\r\nHost: h\r\n\r\n";
    let h = done(parse_request(r, 8192));
    assert_eq!(h.hdr_count(), 2);
    assert_eq!(h.hdr(0).line, b"X-A: one    two");
    assert_eq!(
        h.to_bytes(),
        b"GET / HTTP/1.1\r\nX-A: one    two\r\nHost: h\r\n\r\n"
    );
}

#[test]
fn edits_stay_in_place_when_they_fit() {
    let mut h = Head::default();
    let r = b"GET / HTTP/1.1\r\nCookie: SRV=A~abc\r\nConnection: keep-alive\r\n\r\n";
    assert_eq!(h.parse_request(r, 8192, false), Status::Done);
    let arena = h.text.len();
    assert!(h.set_hdr(0, b"Cookie: SRV=abc"));
    h.remove_hdr(1);
    assert_eq!(h.text.len(), arena, "shorter edits reuse the line's bytes");
    assert!(h.edit_hdr(0, |old, new| {
        new.extend_from_slice(old);
        new.extend_from_slice(b"; more=1");
    }));
    assert_eq!(
        h.to_bytes(),
        b"GET / HTTP/1.1\r\nCookie: SRV=abc; more=1\r\n\r\n"
    );
    assert_eq!(h.wire_len(), h.to_bytes().len());
    // a reused head keeps its allocations
    let (p, c) = (h.text.as_ptr(), h.text.capacity());
    assert_eq!(
        h.parse_request(b"GET /x HTTP/1.0\r\n\r\n", 8192, false),
        Status::Done
    );
    assert_eq!((h.text.as_ptr(), h.text.capacity()), (p, c));
    assert_eq!(h.uri(), b"/x");
}

#[test]
fn rewrites_must_fit_the_reserve() {
    let mut h = done(parse_request(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 8192));
    let w = h.wire_len();
    h.set_cap(w + 10);
    assert!(h.add(b"X: 1234"), "9 bytes fit under 10");
    assert!(!h.add(b"Y: 1"), "the reserve is full");
    assert!(!h.set_start(b"GET /longer HTTP/1.1"));
    assert!(h.set_start(b"GET / HTTP/1.0"));
    assert_eq!(
        h.to_bytes(),
        b"GET / HTTP/1.0\r\nHost: h\r\nX: 1234\r\n\r\n"
    );
}

#[test]
fn responses() {
    let h = done(parse_response(
        b"HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nbody",
        8192,
    ));
    assert_eq!(h.status(), 200);
    assert!(!h.is_11(false));
    assert_eq!(
        parse_response(b"THIS IS NOT HTTP\r\n\r\n", 8192),
        Parse::Invalid
    );
    assert_eq!(parse_response(b"HTTP/1.1 2", 8192), Parse::Partial);
    let h = done(parse_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        8192,
    ));
    assert_eq!(h.last_value("transfer-encoding"), Some(&b"chunked"[..]));
}

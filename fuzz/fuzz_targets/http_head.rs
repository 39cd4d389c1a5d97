//! Request and response heads and their framing on arbitrary bytes: the
//! parsers (strict and lax), the in-place edits the proxy makes (Connection
//! rewrite, cookies, added lines), and request/response framing, which must
//! never panic and must keep the head's wire length in step with its bytes.
//! The first byte picks options; the rest is the message.
#![no_main]
use haproxy_rs::http::{body, cookie, head, rewrite};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&opts, data)) = input.split_first() else {
        return;
    };
    let lax = opts & 1 != 0;
    let limit = if opts & 2 != 0 { 8192 } else { 256 };
    if let head::Parse::Done(h) = head::parse_request_opts(data, limit, lax) {
        request(&h, data, limit, lax);
    }
    if let head::Parse::Done(h) = head::parse_response_opts(data, limit, lax) {
        response(&h, data, opts & 4 != 0);
    }
});

fn request(h: &head::Head, data: &[u8], limit: usize, lax: bool) {
    assert!(h.len <= data.len());
    let _ = (h.method(), h.uri(), h.req_version(), h.get("Host"));
    let mut h2 = h.clone();
    rewrite::want_connection(&mut h2, true, false);
    let _ = cookie::process_request(&mut h2, "JSESSIONID", true, false);
    let _ = cookie::process_request(&mut h2, "SRV", false, true);
    // in-place edits keep the wire length they announce, and a head
    // reused for another parse forgets everything of the last one
    assert_eq!(h2.wire_len(), h2.to_bytes().len());
    h2.set_cap(h2.wire_len() + data.len() % 97 + 1);
    let _ = h2.add(&data[..data.len().min(64)]);
    if h2.hdr_count() > 0 {
        let _ = h2.edit_hdr(0, |old, new| {
            new.extend_from_slice(&old[..old.len() / 2]);
        });
    }
    h2.remove("Content-Length");
    assert_eq!(h2.wire_len(), h2.to_bytes().len());
    let again = h2.parse_request(data, limit, lax);
    assert_eq!(again, head::Status::Done);
    assert_eq!(h2.to_bytes(), h.to_bytes());
    if let Ok(f) = body::request_framing(h, h.is_11(true)) {
        let mut b = body::Body::new(f);
        let rest = &data[h.len..];
        let n = b.feed(rest);
        assert!(n <= rest.len());
    }
}

fn response(h: &head::Head, data: &[u8], head_req: bool) {
    assert!(h.len <= data.len());
    let _ = (h.status(), h.rsp_version(), h.status_slot());
    let mut h2 = h.clone();
    let _ = cookie::process_response(&mut h2, "JSESSIONID", b"s1", true, false, false);
    let _ = cookie::process_response(&mut h2, "SRV", b"s1", false, true, true);
    assert_eq!(h2.wire_len(), h2.to_bytes().len());
    let Ok(f) = body::response_framing(h, head_req, h.is_11(false)) else {
        return;
    };
    let mut b = body::Body::new(f);
    let rest = &data[h.len..];
    // feeding in two halves must agree with feeding at once
    let mut b2 = b.clone();
    let whole = b.feed(rest);
    let mid = rest.len() / 2;
    let first = b2.feed(&rest[..mid]);
    let second = if first == mid {
        b2.feed(&rest[mid..])
    } else {
        0
    };
    assert!(whole <= rest.len());
    if first == mid && !b2.error && !b.error {
        assert_eq!(whole, first + second);
    }
}

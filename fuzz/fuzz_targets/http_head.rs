//! Request and response heads and body framing on arbitrary bytes.
#![no_main]
use haproxy_rs::http::{body, cookie, head, rewrite};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let head::Parse::Done(h) = head::parse_request(data, 8192) {
        assert!(h.len <= data.len());
        let mut h2 = h.clone();
        rewrite::want_connection(&mut h2, true, false);
        let _ = cookie::process_request(&mut h2, "JSESSIONID", true, false);
        let _ = cookie::process_request(&mut h2, "SRV", false, true);
        // in-place edits keep the wire length they announce, and a head
        // reused for another parse forgets everything of the last one
        assert_eq!(h2.wire_len(), h2.to_bytes().len());
        h2.set_cap(h2.wire_len() + data.len() % 97 + 1);
        let fits = h2.add(&data[..data.len().min(64)]);
        if h2.hdr_count() > 0 {
            let _ = h2.edit_hdr(0, |old, new| {
                new.extend_from_slice(&old[..old.len() / 2]);
            });
        }
        assert_eq!(h2.wire_len(), h2.to_bytes().len());
        let _ = fits;
        let again = h2.parse_request(data, 8192, false);
        assert_eq!(again, head::Status::Done);
        assert_eq!(h2.to_bytes(), h.to_bytes());
        if let Ok(f) = body::request_framing(&h) {
            let mut b = body::Body::new(f);
            let rest = &data[h.len..];
            let n = b.feed(rest);
            assert!(n <= rest.len());
        }
    }
    if let head::Parse::Done(h) = head::parse_response(data, 8192) {
        assert!(h.len <= data.len());
        let mut h2 = h.clone();
        let _ = cookie::process_response(&mut h2, "JSESSIONID", b"s1", true, false, false);
        assert_eq!(h2.wire_len(), h2.to_bytes().len());
        let mut b = body::Body::new(body::response_framing(&h, false));
        let rest = &data[h.len..];
        // feeding in two halves must agree with feeding at once
        let mut b2 = b.clone();
        let whole = b.feed(rest);
        let mid = rest.len() / 2;
        let first = b2.feed(&rest[..mid]);
        let second = if first == mid { b2.feed(&rest[mid..]) } else { 0 };
        assert!(whole <= rest.len());
        if first == mid && !b2.error && !b.error {
            assert_eq!(whole, first + second);
        }
    }
});

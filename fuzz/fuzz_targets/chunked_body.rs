//! The chunked body parser (and Content-Length/close framing) on arbitrary
//! bytes cut at arbitrary points: it must never panic, never claim more
//! bytes than it was given, stop at the first byte that breaks the
//! framing, and reach the same verdict however the input is split (the
//! proxy feeds it whatever each read returned).
#![no_main]
use haproxy_rs::http::body::{Body, Framing};
use libfuzzer_sys::fuzz_target;

/// Feeds `data` in pieces of the sizes the cut list gives; returns the
/// bytes taken and the final state.
fn feed_split(framing: Framing, data: &[u8], cuts: &[u8]) -> (usize, Body) {
    let mut b = Body::new(framing);
    let mut at = 0;
    for &c in cuts.iter().cycle().take(data.len() + 1) {
        if at >= data.len() || b.done || b.error {
            break;
        }
        let end = (at + 1 + c as usize).min(data.len());
        let n = b.feed(&data[at..end]);
        assert!(n <= end - at);
        at += n;
        // a piece not taken whole ends the message or breaks its framing
        if at < end {
            assert!(b.done || b.error, "stopped early without a verdict");
            break;
        }
    }
    (at, b)
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, rest)) = input.split_first() else {
        return;
    };
    // the first byte chooses how many leading bytes are cut sizes
    let ncuts = (sel as usize % 8).min(rest.len());
    let (cuts, data) = rest.split_at(ncuts);
    let cuts = if cuts.is_empty() { &[255u8][..] } else { cuts };
    let framing = match sel >> 6 {
        0 | 1 => Framing::Chunked,
        2 => Framing::Length(u64::from(sel & 0x3f) * 7),
        _ => Framing::Close,
    };
    let mut whole = Body::new(framing);
    let n = whole.feed(data);
    assert!(n <= data.len());
    let (m, split) = feed_split(framing, data, cuts);
    assert_eq!(whole.done, split.done);
    assert_eq!(whole.error, split.error);
    assert_eq!(n, m);
    // a finished or broken body takes nothing more
    if whole.done || whole.error {
        assert_eq!(whole.feed(b"0\r\n\r\n"), 0);
    }
    let _ = whole.length_left();
    whole.consume(u64::from(sel));
});

//! The whole config front end on arbitrary bytes: lexer, every keyword
//! family and the post-parse checks must never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    haproxy_rs::log::msg::set_silent(true);
    haproxy_rs::config::units::set_no_dns(true);
    let _ = haproxy_rs::config::lexer::split_words(data);
    let _ = haproxy_rs::config::parse::parse_text("fuzz.cfg", data);
});

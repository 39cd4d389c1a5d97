//! HTTP/1.x as 1.4 handles it: head parsing with its quirks, header
//! rewriting, message framing, cookies and built-in responses.

pub mod body;
pub mod cookie;
pub mod cookie_capture;
pub mod errors;
pub mod errpos;
pub mod head;
pub mod rewrite;

//! Config front end: text -> words with file:line (lexer) -> validated,
//! immutable model (parse + validate), exactly as 1.4 judges it.

pub mod captures;
mod cookie;
pub mod diag;
pub mod global;
pub mod global_kw;
pub mod kw;
pub mod lexer;
pub mod model;
pub mod option_kw;
pub mod options;
pub mod parse;
pub use crate::posix_re;
pub mod proxy;
mod proxy_header;
pub mod proxy_kw;
mod resolve;
pub mod reuse_kw;
pub mod rules;
pub mod rules_kw;
pub mod server;
pub mod server_kw;
pub mod server_ssl;
pub mod ssl;
pub mod stats_kw;
pub mod sticking;
pub use crate::units;
pub mod validate;

pub use parse::parse_files;

#[cfg(test)]
mod diag_tests;
#[cfg(test)]
mod validate_tests;

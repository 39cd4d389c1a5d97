//! haproxy-rs: a drop-in replacement for HAProxy 1.4 (library part: every
//! module, so that tests and fuzz targets reach the parsers).

// parse errors carry no detail on purpose: 1.4 prints one generic line
#![allow(clippy::result_unit_err)]
// every libc call and `unsafe` block lives in the sys modules
#![deny(unsafe_code)]
pub mod acl;
pub mod balance;
pub mod buffer;
pub mod checks;
pub mod cli;
pub mod cli_sock;
pub mod config;
pub mod engine;
pub mod fd_listen;
pub mod freq_ctr;
pub mod http;
pub mod idle_pool;
pub mod lifecycle;
pub mod log;
pub mod master;
pub mod payload;
pub mod pools;
pub mod posix_re;
pub mod queue;
pub mod server_state;
pub mod session;
pub mod splice;
pub mod state;
pub mod stats;
pub mod stick_table;
#[allow(unsafe_code)]
pub mod sys;
pub mod tls;
pub mod tokens;
pub mod txn;
pub mod units;

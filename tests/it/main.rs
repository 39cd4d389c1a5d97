//! The integration tests, one binary (one link, one process): each module
//! is the tests of one area, all starting the real binary on 127.0.0.1.
//! `tests/alloc.rs` (a counting global allocator) and
//! `tests/hostile_load.rs` (thousands of sockets, an fd limit) stay binaries
//! of their own, so nothing else runs in their process.
mod balance;
mod checks;
mod cli;
#[path = "../common/mod.rs"]
mod common;
mod compat_configs;
mod compat_table;
mod config_messages;
mod content;
mod corpus;
mod engine;
mod fd_bind;
mod features;
mod hostile;
mod layering;
mod layouts;
mod lifecycle;
mod limits;
mod logs;
mod master;
mod proofs;
mod proxy;
mod reuse;
mod reuse_support;
mod rules;
mod scale;
mod splice;
mod splice_upload;
mod srv_ssl;
mod stats;
mod tcp;
mod tls;
mod tls_data;
mod tls_helpers;

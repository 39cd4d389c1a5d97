//! Logging: stderr alerts, syslog targets and 1.4's log line formats.

/// Where a proxy's (or the global) `log` line sends: a UDP address or
/// a unix socket path.
#[derive(Debug, Clone, PartialEq)]
pub enum LogAddr {
    Udp(std::net::SocketAddr),
    Unix(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    pub addr: LogAddr,
    pub facility: u8,
    pub level: u8,
    pub minlevel: u8,
}

pub mod format;
pub mod msg;
pub mod syslog;

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn now_ms() -> (i64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.subsec_millis())
}

pub const EMERG: u8 = 0;
pub const ALERT: u8 = 1;
pub const ERR: u8 = 3;
pub const WARNING: u8 = 4;
pub const NOTICE: u8 = 5;
pub const INFO: u8 = 6;

pub const LEVELS: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];
pub const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "auth2",
    "ftp", "ntp", "audit", "alert", "cron2", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

pub fn facility(name: &str) -> Option<u8> {
    FACILITIES.iter().position(|f| *f == name).map(|p| p as u8)
}
pub fn level(name: &str) -> Option<u8> {
    LEVELS.iter().position(|f| *f == name).map(|p| p as u8)
}

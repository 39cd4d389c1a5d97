//! The syslog sender: one datagram per line, never blocking the loop.

use super::{LogAddr, LogTarget};
use std::net::UdpSocket;
use std::os::unix::net::UnixDatagram;

pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// 1.4 sends at most this many bytes per line.
pub const MAX_LINE: usize = 1024;

pub struct Syslog {
    udp4: Option<UdpSocket>,
    udp6: Option<UdpSocket>,
    unix: Option<UnixDatagram>,
    tag: String,
    hostname: Option<String>,
    pid: i32,
    /// The datagram being built, reused from line to line.
    line: std::cell::RefCell<Vec<u8>>,
}

impl Syslog {
    pub fn new(tag: &str, hostname: Option<String>) -> Syslog {
        let udp4 = UdpSocket::bind("0.0.0.0:0").ok();
        if let Some(s) = &udp4 {
            let _ = s.set_nonblocking(true);
        }
        let udp6 = UdpSocket::bind("[::]:0").ok();
        if let Some(s) = &udp6 {
            let _ = s.set_nonblocking(true);
        }
        let unix = UnixDatagram::unbound().ok();
        if let Some(s) = &unix {
            let _ = s.set_nonblocking(true);
        }
        Syslog {
            udp4,
            udp6,
            unix,
            tag: tag.to_string(),
            hostname,
            pid: crate::sys::getpid(),
            line: std::cell::RefCell::new(Vec::with_capacity(MAX_LINE + 1)),
        }
    }

    /// After fork the pid in every line changes.
    pub fn refresh_pid(&mut self) {
        self.pid = crate::sys::getpid();
    }

    fn write_header(&self, out: &mut Vec<u8>, pri: u32, secs: i64) {
        use std::io::Write;
        let tm = crate::sys::localtime(secs);
        let mon = MONTHS.get(tm.mon as usize).copied().unwrap_or("Jan");
        let _ = write!(
            out,
            "<{}>{} {:2} {:02}:{:02}:{:02} ",
            pri, mon, tm.mday, tm.hour, tm.min, tm.sec
        );
        if let Some(h) = &self.hostname {
            out.extend_from_slice(h.as_bytes());
            out.push(b' ');
        }
        let _ = write!(out, "{}[{}]: ", self.tag, self.pid);
    }

    /// Sends `msg` at `level` to every target that accepts that level.
    pub fn send(&self, targets: &[LogTarget], level: u8, msg: &str) {
        if targets.is_empty() {
            return;
        }
        let secs = crate::log::now_secs();
        for t in targets {
            if level > t.level {
                continue;
            }
            let lvl = level.max(t.minlevel) as u32;
            let pri = t.facility as u32 * 8 + lvl;
            let Ok(mut line) = self.line.try_borrow_mut() else {
                return;
            };
            line.clear();
            self.write_header(&mut line, pri, secs);
            line.extend_from_slice(msg.as_bytes());
            if line.len() >= MAX_LINE {
                line.truncate(MAX_LINE - 1);
            }
            line.push(b'\n');
            // a full socket drops the line, as 1.4 does: never wait
            match &t.addr {
                LogAddr::Udp(a) => {
                    let s = if a.is_ipv4() { &self.udp4 } else { &self.udp6 };
                    if let Some(s) = s {
                        let _ = s.send_to(&line, a);
                    }
                }
                LogAddr::Unix(p) => {
                    if let Some(s) = &self.unix {
                        let _ = s.send_to(&line, p);
                    }
                }
            }
        }
    }
}

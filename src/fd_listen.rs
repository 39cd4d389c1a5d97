//! `bind fd@<n>` (and `listen NAME fd@<n>`): HAProxy 1.5's syntax for a
//! listener on a socket that whoever started the process already bound and
//! handed down as descriptor <n> (a test harness that binds port 0 and reads
//! the port back, a supervisor passing sockets). 1.4.25 does not have it;
//! it is an extension here. As in 1.5 the address is read from the socket
//! while the configuration is parsed, so `-c` checks the descriptor and the
//! stats page, `so_id`, `dst` and servers without a port see the real
//! address; at start-up the socket is taken as it is (no bind), made
//! non-blocking and close-on-exec, and listen() is called only if it is
//! not listening yet. 1.5's messages are reproduced; the checks it lacks
//! (a unix or datagram socket, an unbound one, a descriptor used twice)
//! are refused at parse time here, since only bound TCP listeners exist.
//! A pause (SIGTTOU, `disable frontend`) shuts the socket down as 1.4 does
//! its own; Linux then releases a port that was chosen by the kernel (the
//! owner bound port 0), so whoever passes a socket should bind its port by
//! number (tests/common does: port 0 first, then the number read back).

use crate::sys::fd::{getsockopt_int, local_addr, setsockopt_int, strerror};
use std::net::SocketAddr;
use std::os::unix::io::RawFd;

/// Whether a listener list entry is of the `fd@<n>` form.
pub fn is_fd_entry(entry: &str) -> bool {
    entry.starts_with("fd@")
}

/// strtol() as 1.5 applies it to the text after `fd@`: leading blanks, a
/// sign, digits, nothing after; the value is then stored in 32 bits.
fn parse_number(s: &str) -> Option<i32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // strtol saturates; the value lands in a 32-bit field, then in an int
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    let v = if neg { v.saturating_neg() } else { v };
    Some(v as u32 as i32)
}

/// Reads one `fd@<n>` entry of a listener list: the descriptor and the
/// address it is bound to, or the message (1.5's words where 1.5 has them).
pub fn parse_entry(entry: &str) -> Result<(RawFd, SocketAddr), String> {
    let num = &entry[3..];
    let Some(fd) = parse_number(num) else {
        return Err(format!(
            "file descriptor '{}' is not a valid integer in '{}'",
            num, entry
        ));
    };
    let cannot = |why: String| format!("cannot use file descriptor '{}' : {}.", fd, why);
    // 1.5 asks getsockname() first: a closed descriptor or a file answers
    // with the system's words (EBADF, ENOTSOCK)
    let domain = match getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_DOMAIN) {
        Ok(d) => d,
        Err(e) => return Err(cannot(strerror(&e))),
    };
    let kind = getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_TYPE).unwrap_or(-1);
    if (domain != libc::AF_INET && domain != libc::AF_INET6) || kind != libc::SOCK_STREAM {
        return Err(cannot("not a TCP socket".into()));
    }
    let addr = local_addr(fd).map_err(|e| cannot(strerror(&e)))?;
    if addr.port() == 0 {
        return Err(cannot("socket is not bound to a port".into()));
    }
    Ok((fd, addr))
}

/// `parse_entry`, refused when another listener of the configuration
/// (`used`) has the descriptor already: it would be taken, and closed, twice.
pub fn parse_unused(
    entry: &str,
    mut used: impl Iterator<Item = RawFd>,
) -> Result<(RawFd, SocketAddr), String> {
    let (fd, addr) = parse_entry(entry)?;
    if used.any(|u| u == fd) {
        return Err(format!(
            "file descriptor '{}' is already used by another listener.",
            fd
        ));
    }
    Ok((fd, addr))
}

/// The options of a `bind` line that still apply to a socket bound by
/// someone else (1.5 skips SO_REUSEADDR/REUSEPORT and `interface` for it).
pub struct Adopt {
    pub backlog: i32,
    pub defer_accept: bool,
    pub no_quickack: bool,
    pub mss: Option<i32>,
}

/// Takes the inherited socket `fd` as a listener: non-blocking, not
/// passed on to programs this process executes, the `bind` options set,
/// listening. Err carries 1.5's reason, for "Starting proxy X: <reason>".
pub fn adopt(fd: RawFd, o: &Adopt) -> Result<RawFd, &'static str> {
    if !crate::sys::fd::set_nonblock_cloexec(fd) {
        return Err("cannot make socket non-blocking");
    }
    // accepted sockets inherit TCP_NODELAY from here, as with our own
    crate::sys::set_nodelay(fd);
    if o.defer_accept {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT, 1);
    }
    if let Some(m) = o.mss {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_MAXSEG, m.abs());
    }
    let listening = getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN).unwrap_or(0) != 0;
    if !listening && !crate::sys::fd::listen(fd, o.backlog) {
        return Err("cannot listen to socket");
    }
    if o.no_quickack {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 0);
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_strtol_reads_them() {
        assert_eq!(parse_number("3"), Some(3));
        assert_eq!(parse_number("+4"), Some(4));
        assert_eq!(parse_number("-1"), Some(-1));
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("3x"), None);
        assert_eq!(parse_number("x"), None);
    }

    #[test]
    fn entries_checked_at_parse() {
        let e = parse_entry("fd@abc").unwrap_err();
        assert_eq!(
            e,
            "file descriptor 'abc' is not a valid integer in 'fd@abc'"
        );
        let e = parse_entry("fd@-1").unwrap_err();
        assert_eq!(e, "cannot use file descriptor '-1' : Bad file descriptor.");
        let f = std::fs::File::open("/proc/self/stat").unwrap();
        let n = std::os::unix::io::AsRawFd::as_raw_fd(&f);
        let e = parse_entry(&format!("fd@{n}")).unwrap_err();
        assert_eq!(
            e,
            format!("cannot use file descriptor '{n}' : Socket operation on non-socket.")
        );
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let n = std::os::unix::io::AsRawFd::as_raw_fd(&u);
        let e = parse_entry(&format!("fd@{n}")).unwrap_err();
        assert!(e.ends_with(": not a TCP socket."), "{e}");
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let n = std::os::unix::io::AsRawFd::as_raw_fd(&l);
        let (fd, addr) = parse_entry(&format!("fd@{n}")).unwrap();
        assert_eq!((fd, addr), (n, l.local_addr().unwrap()));
    }
}

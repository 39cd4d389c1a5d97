//! The system calls of master-worker mode (`src/master.rs`): pipes that say
//! a worker is ready, waiting on them and on the signal pipe, reaping
//! children and systemd's readiness datagrams. Kept apart from the
//! rest of `sys` because only the master process uses them.

use std::io;
use std::os::unix::io::RawFd;

/// A pipe (read end, write end), both close-on-exec.
pub fn pipe() -> io::Result<(RawFd, RawFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((fds[0], fds[1]))
}

/// Writes one byte to `fd` (a worker saying it listens); errors are moot,
/// since the reader also learns from EOF.
pub fn write_byte(fd: RawFd) {
    let b = [1u8];
    // SAFETY: b is readable for its length.
    let _ = unsafe { libc::write(fd, b.as_ptr() as *const libc::c_void, 1) };
}

/// Waits up to `ms` for any of `fds` to become readable (or hang up);
/// returns one flag per fd. EINTR counts as "nothing yet".
pub fn poll_readable(fds: &[RawFd], ms: i32) -> Vec<bool> {
    let mut p: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: p is a valid array of p.len() pollfd structures.
    let n = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, ms) };
    p.iter()
        .map(|x| n > 0 && x.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0)
        .collect()
}

/// Every child that has ended, with its exit code (128 + signal when a
/// signal ended it), without blocking.
pub fn reap() -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    loop {
        let mut st: libc::c_int = 0;
        // SAFETY: st is a valid out-pointer.
        let pid = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
        let code = if libc::WIFEXITED(st) {
            libc::WEXITSTATUS(st)
        } else {
            128 + libc::WTERMSIG(st)
        };
        out.push((pid, code));
    }
    out
}

/// Back to the default action for `sig` (a worker must not report its
/// signals into the master's pipe).
pub fn default_signal(sig: i32) {
    // SAFETY: SIG_DFL is a valid disposition.
    unsafe { libc::signal(sig, libc::SIG_DFL) };
}

/// A copy of `fd` that an exec'd program inherits (no close-on-exec).
pub fn dup_inheritable(fd: RawFd) -> Option<RawFd> {
    // SAFETY: dup of a descriptor the caller owns; the copy is new.
    let n = unsafe { libc::dup(fd) };
    (n >= 0).then_some(n)
}

/// A new session without a controlling terminal (a `-W -D` master and its
/// workers).
pub fn setsid() {
    // SAFETY: setsid has no memory preconditions.
    unsafe { libc::setsid() };
}

pub const SIGUSR2: i32 = libc::SIGUSR2;
pub const SIGCHLD: i32 = libc::SIGCHLD;

/// One sd_notify(3) datagram ("READY=1", ...) to $NOTIFY_SOCKET, a path
/// or, with a leading '@', an abstract name. Nothing when unset.
pub fn sd_notify(state: &str) {
    let Ok(dest) = std::env::var("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() else {
        return;
    };
    if let Some(name) = dest.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        if let Ok(addr) = std::os::unix::net::SocketAddr::from_abstract_name(name) {
            let _ = sock.send_to_addr(state.as_bytes(), &addr);
        }
    } else {
        let _ = sock.send_to(state.as_bytes(), dest);
    }
}

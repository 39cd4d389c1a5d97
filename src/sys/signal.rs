//! Signals: the self-pipe their handler writes to (the event loop reads
//! it), SIGPIPE ignored, and kill().

use super::check;
use std::io;
use std::os::unix::io::RawFd;

pub fn kill(pid: i32, sig: i32) -> bool {
    // SAFETY: plain arguments.
    unsafe { libc::kill(pid, sig) == 0 }
}

pub const SIGUSR1: i32 = libc::SIGUSR1;
pub const SIGTERM: i32 = libc::SIGTERM;
pub const SIGINT: i32 = libc::SIGINT;
pub const SIGHUP: i32 = libc::SIGHUP;
pub const SIGTTOU: i32 = libc::SIGTTOU;
pub const SIGTTIN: i32 = libc::SIGTTIN;
pub const SIGQUIT: i32 = libc::SIGQUIT;

static mut SIG_PIPE_WR: RawFd = -1;

extern "C" fn on_signal(sig: libc::c_int) {
    let b = sig as u8;
    // SAFETY: write(2) is async-signal-safe; SIG_PIPE_WR is set once before
    // handlers are installed and never changed afterwards.
    unsafe {
        let fd = SIG_PIPE_WR;
        if fd >= 0 {
            libc::write(fd, &b as *const u8 as *const libc::c_void, 1);
        }
    }
}

/// Creates the self-pipe and routes the given signals into it. Returns the
/// non-blocking read end, which the event loop watches.
pub fn signal_pipe(sigs: &[i32]) -> io::Result<RawFd> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for two descriptors.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) })?;
    // SAFETY: single-threaded start-up, before any handler can run.
    unsafe { SIG_PIPE_WR = fds[1] };
    for &s in sigs {
        // SAFETY: sa is fully initialised; the handler only calls write().
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(s, &sa, std::ptr::null_mut());
        }
    }
    ignore_sigpipe();
    Ok(fds[0])
}

pub fn ignore_sigpipe() {
    // SAFETY: SIG_IGN is a valid disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Reads pending signal numbers from the self-pipe.
pub fn read_signals(fd: RawFd) -> Vec<i32> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
        if n <= 0 {
            break;
        }
        out.extend(buf[..n as usize].iter().map(|&b| b as i32));
    }
    out
}

//! sys: the system calls on a descriptor this process inherited or was
//! handed (`bind fd@<n>`, src/fd_listen.rs): its socket options, its
//! address, its flags. Every `unsafe` of that path lives here, each with
//! its SAFETY note; fd_listen.rs keeps the rules (what 1.5 accepts and how
//! it words a refusal).
use std::io;
use std::mem::ManuallyDrop;
use std::net::SocketAddr;
use std::os::unix::io::{FromRawFd, RawFd};

/// The system's words for an error (strerror), as 1.5 prints them.
pub fn strerror(e: &io::Error) -> String {
    let code = e.raw_os_error().unwrap_or(0);
    // SAFETY: strerror returns a valid NUL-terminated static string.
    let s = unsafe { std::ffi::CStr::from_ptr(libc::strerror(code)) };
    s.to_string_lossy().into_owned()
}

pub fn getsockopt_int(fd: RawFd, level: i32, opt: i32) -> io::Result<i32> {
    let mut v: i32 = 0;
    let mut len = std::mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: v and len live for the call and len is v's size.
    let r = unsafe {
        libc::getsockopt(
            fd,
            level,
            opt,
            &mut v as *mut i32 as *mut libc::c_void,
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(v)
}

pub fn setsockopt_int(fd: RawFd, level: i32, opt: i32, v: i32) -> bool {
    // SAFETY: v lives for the call and the size matches.
    unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            &v as *const i32 as *const libc::c_void,
            std::mem::size_of::<i32>() as libc::socklen_t,
        ) == 0
    }
}

/// The local address of a TCP socket, read without taking ownership.
pub fn local_addr(fd: RawFd) -> io::Result<SocketAddr> {
    // SAFETY: the listener is never dropped (ManuallyDrop), so the
    // descriptor is neither closed nor owned by it; local_addr() only
    // calls getsockname().
    let l = ManuallyDrop::new(unsafe { std::net::TcpListener::from_raw_fd(fd) });
    l.local_addr()
}

/// Non-blocking, and not passed on to programs this process executes.
pub fn set_nonblock_cloexec(fd: RawFd) -> bool {
    // SAFETY: plain fcntl calls on a descriptor this process was given.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return false;
        }
        let fdf = libc::fcntl(fd, libc::F_GETFD);
        if fdf >= 0 {
            libc::fcntl(fd, libc::F_SETFD, fdf | libc::FD_CLOEXEC);
        }
    }
    true
}

pub fn listen(fd: RawFd, backlog: i32) -> bool {
    // SAFETY: plain arguments.
    unsafe { libc::listen(fd, backlog) == 0 }
}

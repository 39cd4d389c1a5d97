//! The process: its id and host name, users and groups, privileges,
//! chroot, resource limits, fork and daemon detach, heap trimming.

use super::check;
use std::ffi::CString;
use std::io;

/// Hands the heap's free pages back to the kernel (glibc), after the
/// buffer pool let go of what a burst of traffic left idle.
pub fn malloc_trim() {
    // SAFETY: malloc_trim only walks the allocator's own free lists; it
    // takes no pointer from us and is called from the loop's one thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

pub fn getpid() -> i32 {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its full length.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// uid and primary gid of a user name.
pub fn user_id(name: &str) -> Option<(u32, u32)> {
    let c = CString::new(name).ok()?;
    // SAFETY: c is a valid NUL-terminated string; getpwnam returns NULL or a
    // pointer to static storage we read at once (start-up is single threaded).
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: pw is non-null and points to a valid passwd record.
    unsafe { Some(((*pw).pw_uid, (*pw).pw_gid)) }
}

pub fn group_id(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: as for getpwnam.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        return None;
    }
    // SAFETY: gr is non-null and points to a valid group record.
    unsafe { Some((*gr).gr_gid) }
}

/// Drops to `group` then `user`, as 1.4: the supplementary groups are
/// cleared first (only a warning, returned, when that fails), and a failed
/// setgid/setuid is fatal (the alert text is the error). The texts come
/// without 1.4's `[argv0.main()] ` prefix, which the caller adds.
pub fn drop_privileges(uid: Option<u32>, gid: Option<u32>) -> Result<Option<String>, String> {
    let mut warning = None;
    if let Some(g) = gid {
        // SAFETY: getgroups(0, NULL) only counts; setgroups(0, NULL) clears.
        let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
        // SAFETY: an empty list, as above.
        if n > 0 && unsafe { libc::setgroups(0, std::ptr::null()) } == -1 {
            warning = Some(
                "Failed to drop supplementary groups. Using 'gid'/'group' without 'uid'/'user' is generally useless."
                    .to_string(),
            );
        }
        // SAFETY: plain id argument.
        if unsafe { libc::setgid(g) } < 0 {
            return Err(format!("Cannot set gid {}.", g));
        }
    }
    if let Some(u) = uid {
        // SAFETY: plain id argument.
        if unsafe { libc::setuid(u) } < 0 {
            return Err(format!("Cannot set uid {}.", u));
        }
    }
    Ok(warning)
}

pub fn chroot(dir: &str) -> io::Result<()> {
    let c = CString::new(dir).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: c is a valid path string.
    check(unsafe { libc::chroot(c.as_ptr()) })?;
    let root = CString::new("/").map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: valid path string.
    check(unsafe { libc::chdir(root.as_ptr()) })
}

pub fn set_nofile(n: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: n,
        rlim_max: n,
    };
    // SAFETY: lim is a valid rlimit.
    check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) })
}

/// The soft RLIMIT_NOFILE (0 if it cannot be read, as 1.4 zeroes it first).
pub fn get_nofile() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == -1 {
        return 0;
    }
    lim.rlim_cur
}

pub fn set_as_limit(bytes: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: lim is a valid rlimit.
    check(unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) })
}

pub enum Forked {
    Parent(i32),
    Child,
}

pub fn fork() -> io::Result<Forked> {
    // SAFETY: start-up is single threaded, so the child may go on running
    // Rust code freely.
    let r = unsafe { libc::fork() };
    match r {
        r if r < 0 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Detaches a daemon child: new session, stdio on /dev/null.
pub fn detach() {
    // SAFETY: setsid has no memory preconditions.
    unsafe { libc::setsid() };
    let dn = CString::new("/dev/null").unwrap_or_default();
    // SAFETY: dn is valid; dup2 targets the standard descriptors.
    unsafe {
        let fd = libc::open(dn.as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

pub fn chown(path: &str, uid: Option<u32>, gid: Option<u32>) {
    if let Ok(c) = CString::new(path) {
        // SAFETY: valid path; -1 keeps an id unchanged.
        unsafe { libc::chown(c.as_ptr(), uid.unwrap_or(u32::MAX), gid.unwrap_or(u32::MAX)) };
    }
}

pub fn errno_str(e: &io::Error) -> String {
    // strerror text without Rust's " (os error N)" suffix
    let s = e.to_string();
    match s.find(" (os error") {
        Some(p) => s[..p].to_string(),
        None => s,
    }
}

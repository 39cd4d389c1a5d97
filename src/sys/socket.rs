//! Sockets: listening and connecting (with `source` binding), socket
//! options, reuseport steering for reloads, TCP counters, name lookup,
//! and the raw reads and writes the session uses.

use super::check;
use std::io;
use std::os::unix::io::RawFd;

/// A host name's first IPv4 address, looked up as 1.4's gethostbyname()
/// does: the hosts file, then DNS for an A record only (one query: the A
/// and AAAA pair of an unspecified family doubles the exposure to a lost
/// UDP answer and its 5 s resolver timeout). The name ends at a NUL, as
/// the C string 1.4 passes does.
pub fn resolve_ipv4(host: &str) -> Option<std::net::Ipv4Addr> {
    let c = std::ffi::CString::new(host.split('\0').next().unwrap_or("")).ok()?;
    // SAFETY: an all-zero addrinfo is a valid "no hints" value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_INET;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: c is NUL-terminated, hints and res are valid for the call.
    let rc = unsafe { libc::getaddrinfo(c.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 || res.is_null() {
        return None;
    }
    // SAFETY: res is the list getaddrinfo returned, read before it is
    // freed; an AF_INET entry's address is a sockaddr_in.
    unsafe {
        let ai = &*res;
        let ip = (!ai.ai_addr.is_null() && ai.ai_family == libc::AF_INET).then(|| {
            let sin = &*(ai.ai_addr as *const libc::sockaddr_in);
            std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))
        });
        libc::freeaddrinfo(res);
        ip
    }
}

/// How many more bytes a TCP socket surely takes now without keeping
/// them in its send buffer: none while any byte written earlier waits
/// unsent (SIOCOUTQNSD: the peer's window is closed, it is not reading),
/// else half of SO_SNDBUF (the kernel counts its overhead against it)
/// less what is sent and not yet acknowledged (SIOCOUTQ). An
/// underestimate, so a read sized by it leaves little that the peer
/// cannot take. None on error.
pub fn send_space(fd: RawFd) -> Option<usize> {
    let mut unsent: libc::c_int = 0;
    // SAFETY: SIOCOUTQNSD writes one int.
    if unsafe { libc::ioctl(fd, libc::SIOCOUTQNSD as _, &mut unsent) } != 0 {
        return None;
    }
    if unsent != 0 {
        return Some(0);
    }
    let mut sndbuf: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: sndbuf and len are valid for getsockopt to fill.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            &mut sndbuf as *mut libc::c_int as *mut libc::c_void,
            &mut len,
        )
    };
    if r != 0 {
        return None;
    }
    let mut queued: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ) writes one int.
    if unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut queued) } != 0 {
        return None;
    }
    Some((sndbuf.max(0) as usize / 2).saturating_sub(queued.max(0) as usize))
}

/// The destination a connection had before netfilter redirected it
/// (SO_ORIGINAL_DST, IPv4 only), as 1.4's get_frt_addr() asks first;
/// None when there was no such translation to ask about.
pub fn original_dst(fd: RawFd) -> Option<std::net::SocketAddr> {
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: sin and len describe a writable buffer of that size.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_IP,
            libc::SO_ORIGINAL_DST,
            &mut sin as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    if r < 0 || sin.sin_family != libc::AF_INET as libc::sa_family_t {
        return None;
    }
    let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
    Some(std::net::SocketAddr::new(
        ip.into(),
        u16::from_be(sin.sin_port),
    ))
}

/// Closes a descriptor this process owns and no longer uses.
pub fn close_fd(fd: RawFd) {
    // SAFETY: the caller owns fd and drops every use of it.
    unsafe { libc::close(fd) };
}

/// SO_LINGER 0: the next close sends an RST, as 1.4 does to servers it
/// aborts.
pub fn set_nolinger(fd: RawFd) {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: l is a valid linger struct of the size passed.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
}

fn setsockopt_int(fd: RawFd, level: i32, opt: i32, v: i32) -> io::Result<()> {
    // SAFETY: v lives for the call and the size matches.
    check(unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            &v as *const i32 as *const libc::c_void,
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    })
}

pub fn set_keepalive(fd: RawFd) {
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1).ok();
}

/// Asks for immediate ACKs again: a smart-accept client that has not sent
/// its whole request yet must not wait on our delayed ACK.
pub fn set_quickack(fd: RawFd) {
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 1).ok();
}

pub fn set_nodelay(fd: RawFd) {
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1).ok();
}

/// A listening TCP socket with 1.4's options, non-blocking.
pub fn listen_socket(
    addr: &std::net::SocketAddr,
    backlog: i32,
    defer_accept: bool,
    no_quickack: bool,
    mss: Option<i32>,
    interface: Option<&str>,
) -> io::Result<RawFd> {
    let fam = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain arguments.
    let fd = unsafe {
        libc::socket(
            fam,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fail = |fd: RawFd| {
        let e = io::Error::last_os_error();
        // SAFETY: fd is ours and closed once.
        unsafe { libc::close(fd) };
        e
    };
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1).ok();
    // as 1.4 does: lets a reloading process bind next to the old one
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT, 1).ok();
    // as 1.4: no Nagle delay on the client side; accepted sockets inherit
    // it from here, which saves a setsockopt per connection
    set_nodelay(fd);
    if defer_accept {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT, 1).ok();
    }
    if let Some(m) = mss {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_MAXSEG, m.abs()).ok();
    }
    if let Some(ifname) = interface {
        bind_to_device(fd, ifname);
    }
    let (sa, len) = to_sockaddr(addr);
    // SAFETY: sa holds a sockaddr of the given length.
    if unsafe { libc::bind(fd, &sa as *const _ as *const libc::sockaddr, len) } < 0 {
        return Err(fail(fd));
    }
    // SAFETY: plain arguments.
    if unsafe { libc::listen(fd, backlog) } < 0 {
        return Err(fail(fd));
    }
    if no_quickack {
        // after listen(), which resets the ACK state; accepted sockets
        // inherit it: the request's ACK waits for the response instead of
        // leaving alone (1.4's smart accept)
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 0).ok();
    }
    Ok(fd)
}

fn to_sockaddr(addr: &std::net::SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data, zero is a valid pattern.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    match addr {
        std::net::SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in fits in sockaddr_storage.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in, sin) };
            (
                ss,
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            )
        }
        std::net::SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_in6 fits in sockaddr_storage.
            unsafe { std::ptr::write(&mut ss as *mut _ as *mut libc::sockaddr_in6, sin6) };
            (
                ss,
                std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
            )
        }
    }
}

/// Where outgoing connections are bound (1.4's `source` on a backend or
/// a server): an address, maybe a port range to pick from, maybe an
/// interface (SO_BINDTODEVICE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindSrc {
    pub addr: std::net::SocketAddr,
    /// `addr:low-high` on a server: each connection takes a free port
    pub ports: Option<(u16, u16)>,
    pub iface: Option<String>,
}

/// Rotates the first port tried in a source range, as 1.4 hands out the
/// ports of a range in turn rather than always the lowest free one.
static SPORT_NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn bind_to_device(fd: RawFd, ifname: &str) {
    // SAFETY: the name pointer/length pair is valid for the call.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ifname.as_ptr() as *const libc::c_void,
            ifname.len() as libc::socklen_t,
        )
    };
}

fn bind_addr(fd: RawFd, addr: &std::net::SocketAddr) -> io::Result<()> {
    let (sa, len) = to_sockaddr(addr);
    // SAFETY: sa holds a sockaddr of the given length.
    if unsafe { libc::bind(fd, &sa as *const _ as *const libc::sockaddr, len) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Binds fd as `src` says: a port range is walked from a rotating start
/// until a port is free; the interface is set after the bind, as in 1.4.
fn bind_source(fd: RawFd, src: &BindSrc) -> io::Result<()> {
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1).ok();
    match src.ports {
        None => bind_addr(fd, &src.addr)?,
        Some((lo, hi)) => {
            let n = u32::from(hi - lo) + 1;
            let start = SPORT_NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % n;
            let mut last = io::Error::from_raw_os_error(libc::EADDRINUSE);
            let free = (0..n).any(|k| {
                let port = lo + ((start + k) % n) as u16;
                let mut a = src.addr;
                a.set_port(port);
                match bind_addr(fd, &a) {
                    Ok(()) => true,
                    Err(e) => {
                        last = e;
                        false
                    }
                }
            });
            if !free {
                return Err(last);
            }
        }
    }
    if let Some(ifname) = &src.iface {
        bind_to_device(fd, ifname);
    }
    Ok(())
}

/// Starts a non-blocking connect, optionally bound as `source` says; the
/// fd's completion is reported by writability. `smart` clears TCP_QUICKACK
/// first so that the handshake's last ACK leaves with the request
/// (`option tcp-smart-connect`).
pub fn connect_nonblock_opts(
    addr: &std::net::SocketAddr,
    source: Option<&BindSrc>,
    smart: bool,
) -> io::Result<RawFd> {
    let fam = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain arguments.
    let fd = unsafe {
        libc::socket(
            fam,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    if let Some(src) = source {
        if let Err(e) = bind_source(fd, src) {
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return Err(e);
        }
    }
    set_nodelay(fd);
    if smart {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 0).ok();
    }
    let (sa, len) = to_sockaddr(addr);
    // SAFETY: sa holds a sockaddr of the given length.
    let r = unsafe { libc::connect(fd, &sa as *const _ as *const libc::sockaddr, len) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return Err(e);
        }
    }
    Ok(fd)
}

/// A non-blocking connect bound to a source address, as a mio stream.
pub fn connect_from(
    addr: &std::net::SocketAddr,
    src: Option<&BindSrc>,
    smart: bool,
) -> io::Result<mio::net::TcpStream> {
    use std::os::unix::io::FromRawFd;
    let fd = connect_nonblock_opts(addr, src, smart)?;
    // SAFETY: fd is a fresh, connected-or-connecting socket that nothing
    // else owns; the stream takes ownership and closes it.
    Ok(unsafe { mio::net::TcpStream::from_raw_fd(fd) })
}

/// Wraps a listening socket made by `listen_socket` in a mio listener.
pub fn listener_from_fd(fd: RawFd) -> mio::net::TcpListener {
    use std::os::unix::io::FromRawFd;
    // SAFETY: fd comes from listen_socket(), is owned by no one else, and
    // the listener becomes its only owner.
    unsafe { mio::net::TcpListener::from_raw_fd(fd) }
}

/// Reloads: a classic BPF program on the SO_REUSEPORT group that sends
/// every new connection to the socket at `index` (the new process's), so
/// the old process only drains what it already queued.
pub fn steer_reuseport(fd: RawFd, index: u32) -> bool {
    // BPF_RET | BPF_K: "return index"
    let prog = [libc::sock_filter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: index,
    }];
    let fprog = libc::sock_fprog {
        len: 1,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points to `prog`, which outlives the call; the size
    // passed is the struct's.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_REUSEPORT_CBPF,
            &fprog as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        ) == 0
    }
}

/// Stops a listening socket from accepting (SIGTTOU); `relisten` resumes it.
pub fn unlisten(fd: RawFd) -> bool {
    // SAFETY: plain arguments on a descriptor we own.
    unsafe { libc::shutdown(fd, libc::SHUT_RD) == 0 }
}

pub fn relisten(fd: RawFd, backlog: i32, no_quickack: bool) -> bool {
    // SAFETY: plain arguments on a descriptor we own.
    let ok = unsafe { libc::listen(fd, backlog) == 0 };
    if ok && no_quickack {
        // listen() reset the ACK mode: smart accept again
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 0).ok();
    }
    ok
}

/// tune.rcvbuf/sndbuf: SO_RCVBUF and SO_SNDBUF when set (0 leaves the
/// kernel's default).
pub fn set_bufs(fd: RawFd, rcv: u32, snd: u32) {
    if rcv > 0 {
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, rcv as i32).ok();
    }
    if snd > 0 {
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, snd as i32).ok();
    }
}

/// A few TCP_INFO counters of a socket, for tests and diagnostics that
/// check how many packets an exchange took.
#[derive(Debug, Clone, Copy)]
pub struct TcpCounts {
    pub segs_in: u32,
    pub segs_out: u32,
    /// segments sent and not yet acknowledged
    pub unacked: u32,
}

pub fn tcp_counts(fd: RawFd) -> Option<TcpCounts> {
    // SAFETY: tcp_info is plain data, zero is a valid pattern; the kernel
    // writes at most `len` bytes into it.
    let mut ti: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: ti and len are valid for writes of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            &mut ti as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    (r == 0).then_some(TcpCounts {
        segs_in: ti.tcpi_segs_in,
        segs_out: ti.tcpi_segs_out,
        unacked: ti.tcpi_unacked,
    })
}

/// Whether the socket ACKs at once (TCP_QUICKACK), as the kernel reports it.
pub fn quickack(fd: RawFd) -> Option<bool> {
    let mut v: i32 = 0;
    let mut len = std::mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: v and len are valid for writes of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            &mut v as *mut i32 as *mut libc::c_void,
            &mut len,
        )
    };
    (r == 0).then_some(v != 0)
}

/// send(2) with MSG_MORE: the bytes wait in the kernel for what follows
/// (our FIN) and leave with it, one segment instead of two.
pub fn send_more(fd: RawFd, buf: &[u8]) -> std::io::Result<usize> {
    // SAFETY: buf is readable for its length.
    let n = unsafe {
        libc::send(
            fd,
            buf.as_ptr() as *const libc::c_void,
            buf.len(),
            libc::MSG_NOSIGNAL | libc::MSG_MORE,
        )
    };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// Reads at most `max` bytes from `fd` straight into the spare capacity of
/// `buf` (no zeroing, no bounce buffer). Returns what read(2) returned.
pub fn read_into(fd: RawFd, buf: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    buf.reserve(max);
    let len = buf.len();
    // SAFETY: reserve() guarantees at least `max` bytes of allocated
    // capacity after `len`; read(2) writes at most `max` bytes there, and
    // set_len only covers the `n` bytes the kernel initialized.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().add(len) as *mut libc::c_void, max) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: see above; n <= max.
    unsafe { buf.set_len(len + n as usize) };
    Ok(n as usize)
}

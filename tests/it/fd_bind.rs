//! `bind fd@<n>` and `listen NAME fd@<n>` (HAProxy 1.5's syntax, an
//! extension over 1.4.25): the proxy listens on a socket it inherited, as
//! every other integration test now starts it. These tests prove the
//! keyword itself: both places, a socket handed over bound but not yet
//! listening or already listening, what the descriptor looks like in the
//! proxy, `-c`, and 1.5's messages for the errors.
use super::common;
use common::*;
use std::process::{Command, Stdio};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";

/// `haproxy -c -f CFG` with whatever `handed()` bound on this thread.
fn check(cfg: &str) -> (Option<i32>, String) {
    let dir = tmpdir("fdc");
    let path = dir.join("h.cfg");
    std::fs::write(&path, cfg).expect("cfg");
    let mut cmd = Command::new(bin());
    cmd.arg("-c").arg("-f").arg(&path);
    let held = hand_over(&mut cmd);
    let o = cmd.output().expect("run");
    drop(held);
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    // the alerts without their date and pid prefix, and the file's path
    let text = text
        .lines()
        .map(|l| match l.split_once(") : ") {
            Some((_, rest)) if l.starts_with('[') => rest.to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&path.display().to_string(), "F");
    (o.status.code(), text)
}

#[test]
fn listen_line_and_bind_line_serve_on_the_inherited_sockets() {
    let mut log = Syslog::new();
    let b = Backend::http(OK);
    // the first socket as it comes (bound only): the proxy calls listen();
    // the second already listening (a supervisor may pass one like that)
    let (a, f) = (handed(), handed());
    let cfg = format!(
        "{}\nlisten app {a}\n    option httpclose\n    server s1 127.0.0.1:{}\n\
         frontend web\n    bind {f} name public\n    option httpclose\n    default_backend app\n",
        global(log.port),
        b.port
    );
    let p = Proxy::start(&cfg, &mut log, 2);
    assert!(get(a.port, "/", "").ends_with("ok\n"));
    assert!(get(f.port, "/", "").ends_with("ok\n"));
    // in the proxy: the descriptor it was given, non-blocking and
    // close-on-exec now (octal flags of /proc/PID/fdinfo)
    for fd in [3, 4] {
        let info = std::fs::read_to_string(format!("/proc/{}/fdinfo/{fd}", p.child.id()))
            .unwrap_or_default();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            .unwrap_or(0);
        assert!(flags & 0o4000 != 0, "fd {fd} blocking: {info}");
        assert!(
            flags & 0o2000000 != 0,
            "fd {fd} inherited by children: {info}"
        );
    }
    drop(p);
    // the test's copies were closed once the proxy had them: with the proxy
    // gone, nothing listens there
    assert!(std::net::TcpStream::connect(("127.0.0.1", a.port)).is_err());
}

#[test]
fn an_already_listening_socket_is_taken_as_it_is() {
    let mut log = Syslog::new();
    let b = Backend::http(OK);
    let l = dead_port().listen();
    let port = l.local_addr().expect("addr").port();
    let cfg = format!(
        "{}\nlisten app fd@3\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        b.port
    );
    let dir = tmpdir("fdl");
    let path = dir.join("h.cfg");
    std::fs::write(&path, cfg).expect("cfg");
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(&l);
    let mut cmd = Command::new(bin());
    cmd.arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only dup2 runs in the child between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            if libc::dup2(fd, 3) < 0 || (fd == 3 && libc::fcntl(3, libc::F_SETFD, 0) < 0) {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn");
    drop(l);
    let p = Proxy { child, cfg: path };
    assert!(log.wait_for("started.", 1, 10), "{:?}", log.lines);
    assert!(get(port, "/", "").ends_with("ok\n"));
    drop(p);
}

#[test]
fn check_mode_reads_the_descriptor_as_1_5_does() {
    let head = DEFAULTS.to_string();
    // handed over: valid
    let fe = handed();
    let (code, out) = check(&format!(
        "{head}listen app {fe}\n    server s 127.0.0.1:80\n"
    ));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Configuration file is valid"), "{out}");
    // not open (nothing handed over as 40 or 44): 1.5's words, for the
    // `listen` line and for `bind`
    let (code, out) = check(&format!(
        "{head}listen app fd@40\n    server s 127.0.0.1:80\nfrontend web\n    bind fd@44\n    default_backend app\n"
    ));
    assert_eq!(code, Some(1), "{out}");
    let want = [
        "parsing [F:8] : 'listen app' : cannot use file descriptor '40' : Bad file descriptor.",
        "parsing [F:11] : 'bind' : cannot use file descriptor '44' : Bad file descriptor.",
    ];
    for w in want {
        assert!(out.lines().any(|l| l == w), "{w:?} not in:\n{out}");
    }
    let (code, out) = check(&format!("{head}frontend web\n    bind fd@x3\n"));
    assert_eq!(code, Some(1), "{out}");
    let w = "parsing [F:9] : 'bind' : file descriptor 'x3' is not a valid integer in 'fd@x3'";
    assert!(out.lines().any(|l| l == w), "{w:?} not in:\n{out}");
    // one descriptor, one listener
    let fe = handed();
    let (code, out) = check(&format!(
        "{head}frontend web\n    bind {fe}\n    bind {fe}\n    default_backend app\nbackend app\n    server s 127.0.0.1:80\n"
    ));
    assert_eq!(code, Some(1), "{out}");
    let w = "parsing [F:10] : 'bind' : file descriptor '3' is already used by another listener.";
    assert!(out.lines().any(|l| l == w), "{w:?} not in:\n{out}");
}

/// Starts `haproxy -D -p PIDFILE -f CFG [extra]` with `sock` as its
/// descriptor 3 (the same socket each time); the command must succeed.
fn daemon_on(
    sock: &std::net::TcpListener,
    cfg: &std::path::Path,
    pidf: &std::path::Path,
    extra: &[String],
) {
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(sock);
    let mut cmd = Command::new(bin());
    cmd.arg("-D")
        .arg("-f")
        .arg(cfg)
        .arg("-p")
        .arg(pidf)
        .args(extra);
    // SAFETY: only fcntl/dup2 run in the child between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            let tmp = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 4);
            if tmp < 0 || libc::dup2(tmp, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::close(tmp);
            Ok(())
        });
    }
    assert!(cmd.status().expect("run").success());
}

fn pid_in(f: &std::path::Path) -> i32 {
    std::fs::read_to_string(f)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0)
}

/// A reload (`-sf`) whose new process is handed the same socket: it
/// listens at once, the old one is not paused (no address is bound twice,
/// so no SIGTTOU) and finishes; no request is refused meanwhile.
/// Waits (bounded) until the backend has answered `n` more requests.
fn served(b: &Backend, n: usize) {
    let from = b.requests().len();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while b.requests().len() < from + n && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_reload_takes_the_socket_it_is_handed() {
    let mut log = Syslog::new();
    let b = Backend::http_n(OK, 10_000);
    let (sock, port) = {
        let h = handed();
        // the test keeps this one: it starts both processes with it
        let socks = hand_over(&mut Command::new("true"));
        (socks.into_iter().next().expect("socket"), h.port)
    };
    let dir = tmpdir("fdreload");
    let (cfg, pid_a, pid_b) = (dir.join("h.cfg"), dir.join("a.pid"), dir.join("b.pid"));
    let conf = format!(
        "{}\nlisten app fd@3\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        b.port
    );
    std::fs::write(&cfg, conf).expect("cfg");
    daemon_on(&sock, &cfg, &pid_a, &[]);
    let old = pid_in(&pid_a);
    assert!(old > 0 && log.wait_for("Proxy app started.", 1, 5));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut ok, mut bad) = (0, 0);
            let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !stop.load(std::sync::atomic::Ordering::Relaxed)
                && std::time::Instant::now() < end
            {
                // paced, so that the request log lines do not flood the
                // test's syslog socket (UDP drops what overflows it)
                std::thread::sleep(std::time::Duration::from_millis(5));
                if get(port, "/", "").ends_with("ok\n") {
                    ok += 1;
                } else {
                    bad += 1;
                }
            }
            (ok, bad)
        })
    };
    // the reload once the old process has served requests (bounded)
    served(&b, 15);
    daemon_on(&sock, &cfg, &pid_b, &["-sf".to_string(), old.to_string()]);
    drop(sock);
    let new = pid_in(&pid_b);
    assert!(new > 0 && new != old);
    // the new process logs (its started line may be lost among the
    // client's request lines: syslog is UDP), then serves
    assert!(
        log.wait_for(&format!("haproxy[{new}]"), 1, 5),
        "{:?}",
        log.lines.len()
    );
    // the old one stops softly (its "stopped" line) and exits
    assert!(
        log.wait_for("Proxy app stopped", 1, 5),
        "{} lines",
        log.lines.len()
    );
    let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{old}")).exists() && std::time::Instant::now() < end
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // and the new one has served requests of its own
    served(&b, 15);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (ok, bad) = client.join().unwrap_or((0, 1));
    let _ = Command::new("kill")
        .arg("-USR1")
        .arg(new.to_string())
        .status();
    assert!(
        !std::path::Path::new(&format!("/proc/{old}")).exists(),
        "old process {old} still runs"
    );
    assert!(ok > 20 && bad == 0, "{ok} answered, {bad} failed");
    assert!(
        !log.lines.iter().any(|l| l.contains("Pausing")),
        "the old process was paused: {:?}",
        log.lines
    );
}

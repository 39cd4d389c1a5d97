//! The process as an init script drives it: daemon, privileges, chroot,
//! signals, bind failures and lossless -sf reloads under load.
use super::common;
use common::*;
use std::io::{Read, Write};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const OK1: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n";

fn pid_alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{}", pid)).exists()
        && !std::fs::read_to_string(format!("/proc/{}/stat", pid))
            .unwrap_or_default()
            .contains(") Z ")
}

/// Sends SIGKILL to its processes when dropped (a failed assertion
/// must not leave daemon children running).
struct Reaper(Vec<i32>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if pid > 1 && pid_alive(pid) {
                kill("KILL", pid);
            }
        }
    }
}

/// Whether process `pid` holds a socket listening on 127.0.0.1:`port`
/// (its descriptors' inodes against /proc/net/tcp's LISTEN entries).
fn listens_on(pid: i32, port: u16) -> bool {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", pid))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|t| {
                    let t = t.to_string_lossy().into_owned();
                    t.strip_prefix("socket:[")
                        .and_then(|r| r.strip_suffix(']'))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    let want = format!("0100007F:{:04X}", port);
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 9 && f[1] == want && f[3] == "0A" && inodes.iter().any(|i| i == f[9])
        })
}

fn wait_gone(pid: i32, secs: u64) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if !pid_alive(pid) {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

fn read_pid(f: &std::path::Path) -> i32 {
    std::fs::read_to_string(f)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0)
}

/// `haproxy -D -f CFG -p PIDFILE [extra]`, as an init script starts or
/// reloads it; the command must succeed.
fn start_daemon(cfg: &std::path::Path, pidf: &std::path::Path, extra: &[String]) {
    let st = Command::new(bin())
        .args(["-D", "-f"])
        .arg(cfg)
        .arg("-p")
        .arg(pidf)
        .args(extra)
        .status()
        .expect("run");
    assert!(st.success());
}

/// The reload tests' address: a real one, since each reload binds it
/// again beside the old process (the subject of those tests). The test
/// holds the port (`reserved()`) until the first process has bound it;
/// from then on a running proxy always holds it.
fn reload_addr() -> Reserved {
    reserved()
}

fn kill(sig: &str, pid: i32) {
    // never 0 or -1 (a pid file not written yet): `kill 0` would signal
    // the test's own process group, cargo included
    if pid <= 1 {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{}", sig))
        .arg(pid.to_string())
        .status();
}

#[test]
fn reloads_under_load_lose_nothing() {
    let b = Backend::http_n(OK1, 1_000_000);
    let held = reload_addr();
    let fe = held.port;
    let dir = tmpdir("reload");
    let (cfgp, pidf) = (dir.join("h.cfg"), dir.join("h.pid"));
    let cfg = format!(
        "global\n    maxconn 500\n{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        DEFAULTS,
        held,
        b.port
    );
    std::fs::write(&cfgp, cfg).expect("cfg");
    let start = |extra: &[String]| start_daemon(&cfgp, &pidf, extra);
    start(&[]);
    drop(held);
    let mut pid = read_pid(&pidf);
    assert!(pid > 0);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let loader = {
        let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
        thread::spawn(move || {
            let end = Instant::now() + Duration::from_secs(40);
            while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                let good = std::net::TcpStream::connect(("127.0.0.1", fe))
                    .ok()
                    .and_then(|mut s| {
                        s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
                        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
                        let mut r = Vec::new();
                        s.read_to_end(&mut r).ok()?;
                        Some(r.ends_with(b"s1\n"))
                    });
                if good == Some(true) {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    // About 20 s of continuous load across 8 reloads.
    for _ in 0..8 {
        thread::sleep(Duration::from_millis(2300));
        start(&["-sf".to_string(), pid.to_string()]);
        let newpid = read_pid(&pidf);
        assert!(newpid > 0 && newpid != pid);
        assert!(wait_gone(pid, 5), "old process {pid} did not exit");
        pid = newpid;
    }
    thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let _ = loader.join();
    kill("USR1", pid);
    wait_gone(pid, 5);
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!(
        "reload test: {} requests over 8 reloads, {} failed",
        ok + failed,
        failed
    );
    assert!(ok > 100);
    assert_eq!(failed, 0);
}

#[test]
fn soft_stop_finishes_inflight_and_signals_pause() {
    // a backend that answers after 800 ms
    let (got, holding) = std::sync::mpsc::channel();
    let sport = Backend::spawn(8, move |mut c| {
        let mut b = [0u8; 1024];
        let _ = c.read(&mut b);
        let _ = got.send(());
        thread::sleep(Duration::from_millis(800));
        let _ = c.write_all(OK1);
    })
    .port;
    let mut log = Syslog::new();
    let fe = handed();
    let cfg = format!(
        "{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        global(log.port),
        fe,
        sport
    );
    let fe = fe.port;
    let p = Proxy::start(&cfg, &mut log, 1);
    // SIGTTOU stops accepting, SIGTTIN resumes
    p.signal("TTOU");
    assert!(log.wait_for("Pausing proxy app.", 1, 3));
    // paused: the listener is shut, connections are refused (the port is
    // this test's alone: the proxy holds the only socket bound to it)
    let r = std::net::TcpStream::connect(("127.0.0.1", fe));
    assert!(
        r.as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused),
        "a paused proxy accepted: {r:?}"
    );
    p.signal("TTIN");
    assert!(log.wait_for("Enabling proxy app.", 1, 3));
    let inflight = thread::spawn(move || get(fe, "/", ""));
    // the soft stop comes once the request is at the server
    holding
        .recv_timeout(Duration::from_secs(3))
        .expect("the request reached the server");
    p.signal("USR1");
    assert!(
        inflight.join().unwrap_or_default().ends_with("s1\n"),
        "in-flight request cut by soft stop"
    );
    let err = p.stop();
    assert!(err.contains("Stopping proxy app in 0 ms."), "{err}");
    assert!(
        err.contains("Proxy app stopped (FE: 1 conns, BE: 1 conns)."),
        "{err}"
    );
}

/// Keep-alive clients through -sf reloads (http-server-close), as wrk
/// drives them: a response that was promised keep-alive is never followed
/// by a close from the stopping process; the next request is served with
/// "Connection: close" (1.4), so no request is lost. (Before the fix one
/// reload cost about half of 50 wrk connections a read error.)
#[test]
fn keepalive_clients_lose_nothing_across_reloads() {
    let b = Backend::http_n(OK1, 1_000_000);
    let held = reload_addr();
    let fe = held.port;
    let dir = tmpdir("reload-ka");
    let (cfgp, pidf) = (dir.join("h.cfg"), dir.join("h.pid"));
    let cfg = format!(
        "global\n    maxconn 500\n{}\nlisten app {}\n    option http-server-close\n    timeout http-keep-alive 10s\n    server s1 127.0.0.1:{}\n",
        DEFAULTS, held, b.port
    );
    std::fs::write(&cfgp, cfg).expect("cfg");
    let start = |extra: &[String]| start_daemon(&cfgp, &pidf, extra);
    start(&[]);
    drop(held);
    let mut pid = read_pid(&pidf);
    assert!(pid > 0);
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clients: Vec<_> = (0..20)
        .map(|_| {
            let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
            thread::spawn(move || {
                let end = Instant::now() + Duration::from_secs(30);
                let mut conn: Option<std::net::TcpStream> = None;
                while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                    let c = match conn.take() {
                        Some(c) => c,
                        None => match std::net::TcpStream::connect(("127.0.0.1", fe)) {
                            Ok(c) => c,
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        },
                    };
                    let mut c = c;
                    let _ = c.set_read_timeout(Some(Duration::from_secs(3)));
                    if c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let r = read_until(&mut c, |r| r.ends_with(b"s1\n"));
                    if !r.ends_with(b"s1\n") {
                        failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    ok.fetch_add(1, Ordering::Relaxed);
                    let close = String::from_utf8_lossy(&r)
                        .to_ascii_lowercase()
                        .contains("connection: close");
                    if !close {
                        conn = Some(c);
                    }
                }
            })
        })
        .collect();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(1500));
        start(&["-sf".to_string(), pid.to_string()]);
        let newpid = read_pid(&pidf);
        assert!(newpid > 0 && newpid != pid);
        assert!(wait_gone(pid, 5), "old process {pid} did not exit");
        pid = newpid;
    }
    thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.join();
    }
    kill("USR1", pid);
    wait_gone(pid, 5);
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert!(ok > 100, "{ok} requests answered");
    assert_eq!(failed, 0, "{failed} of {} requests lost", ok + failed);
}

/// SIGTERM and SIGINT are not caught by 1.4.25 (its handlers exist only
/// under DEBUG_MEMORY): the process dies by the signal, even with a
/// connection open, and a shell sees 128+n.
#[test]
fn sigterm_and_sigint_kill_as_1_4() {
    use std::os::unix::process::ExitStatusExt;
    for (name, num) in [("TERM", 15), ("INT", 2)] {
        let mut log = Syslog::new();
        let (fe, dead) = (handed(), dead_port());
        let cfg = format!(
            "{}\nlisten app {}\n    server s1 127.0.0.1:{}\n",
            global(log.port),
            fe,
            dead
        );
        let mut p = Proxy::start(&cfg, &mut log, 1);
        let _open = std::net::TcpStream::connect(("127.0.0.1", fe.port)).expect("connect");
        p.signal(name);
        let end = Instant::now() + Duration::from_secs(5);
        let mut status = None;
        while Instant::now() < end && status.is_none() {
            status = p.child.try_wait().ok().flatten();
            thread::sleep(Duration::from_millis(20));
        }
        let Some(status) = status else {
            let st = std::fs::read_to_string(format!("/proc/{}/status", p.child.id()))
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with("State") || l.starts_with("Sig"))
                .collect::<Vec<_>>()
                .join(", ");
            panic!("still running after SIG{name}: {st}");
        };
        assert_eq!(status.signal(), Some(num), "SIG{name}: {status:?}");
    }
}

#[test]
fn bind_failure_alert() {
    // a port another socket listens on
    let busy = dead_port().listen();
    let port = busy.local_addr().expect("a").port();
    let dir = tmpdir("bindfail");
    let f = dir.join("b.cfg");
    std::fs::write(
        &f,
        format!(
            "{}listen app 127.0.0.1:{}\n    server s 127.0.0.1:1\n",
            DEFAULTS, port
        ),
    )
    .expect("w");
    let o = Command::new(bin())
        .arg("-db")
        .arg("-f")
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let alert = err
        .lines()
        .find(|l| l.starts_with("[ALERT] "))
        .unwrap_or("");
    assert!(
        alert.ends_with(": Starting proxy app: cannot bind socket"),
        "{err}"
    );
}

#[test]
fn daemon_drops_privileges_and_chroots() {
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:\t0\t"));
    let has_user = Command::new("getent")
        .args(["passwd", "haproxy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !root || !has_user {
        // CI runs as root with the user created: there a skip is a failure
        assert!(
            std::env::var("CI").is_err(),
            "needs root and a 'haproxy' user"
        );
        eprintln!("skipped: needs root and a 'haproxy' user");
        return;
    }
    let b = Backend::http(OK1);
    let fe = handed();
    let dir = tmpdir("priv");
    let jail = dir.join("jail");
    std::fs::create_dir_all(&jail).expect("jail");
    let (cfgp, pidf) = (dir.join("h.cfg"), dir.join("h.pid"));
    let cfg = format!(
        "global\n    user haproxy\n    group haproxy\n    chroot {}\n    daemon\n{}\nlisten app {}\n    option httpclose\n    server s1 127.0.0.1:{}\n",
        jail.display(),
        DEFAULTS,
        fe,
        b.port
    );
    std::fs::write(&cfgp, cfg).expect("w");
    let mut cmd = Command::new(bin());
    cmd.arg("-f").arg(&cfgp).arg("-p").arg(&pidf);
    let held = hand_over(&mut cmd);
    let st = cmd.status().expect("run");
    drop(held);
    assert!(st.success());
    let pid = read_pid(&pidf);
    assert!(get(fe.port, "/", "").ends_with("s1\n"));
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid)).unwrap_or_default();
    let uid = String::from_utf8_lossy(
        &Command::new("id")
            .args(["-u", "haproxy"])
            .output()
            .expect("id")
            .stdout,
    )
    .trim()
    .to_string();
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid.as_str())),
        "{status}"
    );
    // 1.4 clears the supplementary groups (root's included) before setgid
    let groups = status
        .lines()
        .find(|l| l.starts_with("Groups:"))
        .map(|l| l.trim_start_matches("Groups:").trim().to_string());
    assert_eq!(groups.as_deref(), Some(""), "{status}");
    let proot = std::fs::read_link(format!("/proc/{}/root", pid)).unwrap_or_default();
    assert_eq!(proot, jail.canonicalize().unwrap_or(jail.clone()));
    let ppid = status
        .lines()
        .find(|l| l.starts_with("PPid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("");
    assert_eq!(ppid, "1", "daemon is reparented to init");
    kill("USR1", pid);
    assert!(wait_gone(pid, 5));
}

#[test]
fn daemon_children_serve_only_their_bind_process_proxies() {
    // nbproc 2: "one" runs in process 1 only, "two" in process 2 only;
    // each child closes the other's listener, so both ports still answer
    // (one child each), while "none" (bound to process 3) answers nowhere
    let b = Backend::http_n(OK1, 100);
    let (h1, h2, h3) = (handed(), handed(), handed());
    let (p1, p2, p3) = (h1.port, h2.port, h3.port);
    let dir = tmpdir("bindproc");
    let (cfgp, pidf) = (dir.join("h.cfg"), dir.join("h.pid"));
    let cfg = format!(
        "global\n    daemon\n    nbproc 2\n{}\nlisten one {h1}\n    bind-process 1\n    option httpclose\n    server s1 127.0.0.1:{bp}\nlisten two {h2}\n    bind-process 2\n    option httpclose\n    server s1 127.0.0.1:{bp}\nlisten none {h3}\n    bind-process 3\n    option httpclose\n    server s1 127.0.0.1:{bp}\n",
        DEFAULTS,
        bp = b.port
    );
    std::fs::write(&cfgp, cfg).expect("cfg");
    let mut cmd = Command::new(bin());
    cmd.arg("-q").arg("-f").arg(&cfgp).arg("-p").arg(&pidf);
    let held = hand_over(&mut cmd);
    let st = cmd.status().expect("run");
    drop(held);
    assert!(st.success());
    let pids: Vec<i32> = std::fs::read_to_string(&pidf)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    // the children are stopped however the test ends
    let mut children = Reaper(pids.clone());
    assert_eq!(pids.len(), 2, "one pid per process");
    // the children listen before the pidfile is written; wait (bounded)
    // until each port answers
    for port in [p1, p2] {
        let end = Instant::now() + Duration::from_secs(3);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() && Instant::now() < end {
            thread::sleep(Duration::from_millis(20));
        }
    }
    assert!(get(p1, "/", "").ends_with("s1\n"));
    assert!(get(p2, "/", "").ends_with("s1\n"));
    // asked of the children themselves, not by connecting: once they
    // closed it, p3 is a free port another test may be using
    for &pid in &pids {
        assert!(!listens_on(pid, p3), "process {} runs 'none'", pid);
        assert!(
            listens_on(pid, p1) != listens_on(pid, p2),
            "process {} runs exactly one of 'one' and 'two'",
            pid
        );
    }
    for &pid in &pids {
        kill("USR1", pid);
    }
    for &pid in &pids {
        assert!(wait_gone(pid, 5));
    }
    // stopped as asked: nothing left for the reaper (their pids may be
    // reused from now on)
    children.0.clear();
}

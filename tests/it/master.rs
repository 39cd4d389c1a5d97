//! Master-worker mode (`-W`, `-Ws`), which haproxy 2.x's systemd unit
//! uses: the master stays in the foreground with its pid in the pidfile,
//! tells $NOTIFY_SOCKET it is ready, reloads on SIGUSR2 with a new worker
//! (the old one leaves), keeps the old worker when the new configuration
//! is refused, and stops everything on SIGTERM. The full unit, reloads
//! under load included, is driven by scripts/test-debian-init.sh.
use super::common;
use common::*;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn worker_pid(sock: &Path) -> Option<i32> {
    std::os::unix::net::UnixStream::connect(sock).ok()?;
    stats_ask(sock, "show info\n")
        .lines()
        .find_map(|l| l.strip_prefix("Pid: "))
        .and_then(|p| p.trim().parse().ok())
}

fn alive(pid: i32) -> bool {
    if pid <= 1 {
        return false;
    }
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Polls `f` every 50 ms for up to 5 s.
fn within_5s(mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn kill(sig: &str, pid: i32) {
    // never 0 or -1 (a pid file not written yet): `kill 0` would signal
    // the test's own process group, cargo included
    if pid <= 1 {
        return;
    }
    let _ = Command::new("kill").args([sig, &pid.to_string()]).status();
}

#[test]
fn master_reloads_on_usr2_and_stops_on_term() {
    let be = Backend::http(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let dir = tmpdir("master");
    let (cfg, sock, pidf) = (dir.join("h.cfg"), dir.join("s.sock"), dir.join("h.pid"));
    let notify = dir.join("notify");
    let ready = UnixDatagram::bind(&notify).expect("notify socket");
    ready
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let fe = handed();
    let port = fe.port;
    // `daemon` as in distribution configs: -W keeps the master in front
    let good = format!(
        "global\n daemon\n stats socket {}\ndefaults\n mode http\n timeout connect 1s\n timeout client 3s\n timeout server 3s\nlisten a {fe}\n server s 127.0.0.1:{}\n",
        sock.display(),
        be.port
    );
    std::fs::write(&cfg, &good).expect("cfg");
    let mut cmd = Command::new(bin());
    cmd.arg("-Ws")
        .arg("-f")
        .arg(&cfg)
        .arg("-p")
        .arg(&pidf)
        .env("NOTIFY_SOCKET", &notify)
        .stderr(Stdio::null());
    let held = hand_over(&mut cmd);
    let mut master = cmd.spawn().expect("spawn");
    drop(held);
    let mpid = master.id() as i32;
    let mut buf = [0u8; 256];
    let n = ready.recv(&mut buf).unwrap_or(0);
    assert_eq!(
        String::from_utf8_lossy(&buf[..n]),
        format!("READY=1\nMAINPID={mpid}")
    );
    let w1 = worker_pid(&sock).unwrap_or(0);
    assert!(w1 > 0 && w1 != mpid, "worker {w1}, master {mpid}");
    let pidfile = std::fs::read_to_string(&pidf).unwrap_or_default();
    assert_eq!(pidfile.trim(), mpid.to_string());
    assert!(get(port, "/", "").ends_with("ok"));

    kill("-USR2", mpid);
    assert!(within_5s(|| worker_pid(&sock).is_some_and(|w| w != w1)));
    let w2 = worker_pid(&sock).unwrap_or(0);
    assert!(within_5s(|| !alive(w1)), "old worker {w1} still runs");
    assert!(get(port, "/", "").ends_with("ok"));

    // a refused configuration: the worker in place goes on serving
    std::fs::write(&cfg, format!("{good} bogus_keyword\n")).expect("cfg");
    kill("-USR2", mpid);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(worker_pid(&sock), Some(w2));
    assert!(get(port, "/", "").ends_with("ok"));

    kill("-TERM", mpid);
    let exited = within_5s(|| matches!(master.try_wait(), Ok(Some(_))));
    let _ = master.kill();
    let _ = master.wait();
    assert!(exited, "master did not stop on SIGTERM");
    assert!(within_5s(|| !alive(w2)), "worker {w2} outlived the master");
}

/// `-W -D`: the command returns once the worker listens, the master runs in
/// the background with the worker as its child, and SIGTERM to the master
/// stops the worker.
#[test]
fn daemon_master_owns_its_worker() {
    let dir = tmpdir("master-d");
    let (cfg, sock, pidf) = (dir.join("h.cfg"), dir.join("s.sock"), dir.join("h.pid"));
    let fe = handed();
    std::fs::write(
        &cfg,
        format!(
            "global\n stats socket {}\ndefaults\n mode tcp\n timeout connect 1s\n timeout client 3s\n timeout server 3s\nlisten a {fe}\n server s 127.0.0.1:9\n",
            sock.display()
        ),
    )
    .expect("cfg");
    let mut cmd = Command::new(bin());
    cmd.args(["-W", "-D", "-f"]).arg(&cfg).arg("-p").arg(&pidf);
    let held = hand_over(&mut cmd);
    let st = cmd.status().expect("run");
    drop(held);
    assert!(st.success());
    let mpid: i32 = std::fs::read_to_string(&pidf)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0);
    let w = worker_pid(&sock).unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{w}/stat")).unwrap_or_default();
    // the fourth field of /proc/PID/stat (after the parenthesised name)
    let ppid = stat
        .rsplit(") ")
        .next()
        .and_then(|r| r.split_whitespace().nth(1))
        .unwrap_or("");
    kill("-TERM", mpid);
    assert!(mpid > 0 && w > 0 && w != mpid, "master {mpid}, worker {w}");
    assert_eq!(ppid, mpid.to_string());
    assert!(within_5s(|| !alive(w)), "worker {w} outlived the master");
}

/// A reload runs the program file as it is now, as 1.8+'s master does: the
/// binary is replaced (a package upgrade) by a wrapper that records its
/// command line, and the new worker comes from it, told the old pid.
#[test]
fn reload_executes_the_upgraded_binary() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmpdir("master-up");
    let (cfg, sock, prog) = (dir.join("h.cfg"), dir.join("s.sock"), dir.join("hap"));
    std::fs::copy(bin(), &prog).expect("copy");
    let fe = handed();
    std::fs::write(
        &cfg,
        format!(
            "global\n stats socket {}\ndefaults\n mode tcp\n timeout connect 1s\n timeout client 3s\n timeout server 3s\nlisten a {fe}\n server s 127.0.0.1:9\n",
            sock.display()
        ),
    )
    .expect("cfg");
    let mut cmd = Command::new(&prog);
    cmd.arg("-W").arg("-f").arg(&cfg).stderr(Stdio::null());
    let held = hand_over(&mut cmd);
    let mut master = cmd.spawn().expect("spawn");
    drop(held);
    let mpid = master.id() as i32;
    let w1 = within_5s(|| worker_pid(&sock).is_some())
        .then(|| worker_pid(&sock))
        .flatten()
        .unwrap_or(0);
    let log = dir.join("exec.log");
    let new = dir.join("hap.new");
    std::fs::write(
        &new,
        format!(
            "#!/bin/sh\necho \"$@\" > {}\nexec {} \"$@\"\n",
            log.display(),
            bin()
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::rename(&new, &prog).expect("upgrade");
    kill("-USR2", mpid);
    let changed = within_5s(|| worker_pid(&sock).is_some_and(|w| w != w1));
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    kill("-TERM", mpid);
    let _ = within_5s(|| matches!(master.try_wait(), Ok(Some(_))));
    let _ = master.kill();
    let _ = master.wait();
    assert!(w1 > 0 && changed, "no new worker after USR2");
    assert_eq!(logged.trim(), format!("-db -f {} -sf {w1}", cfg.display()));
}

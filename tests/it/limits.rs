//! The file descriptor limit as 1.4.25 sets and reports it: the process is
//! started under `prlimit` with a low hard limit, and its warnings, its
//! real RLIMIT_NOFILE and the limits of `show info` are compared with what
//! the 1.4.25 oracle printed in the same situation (recorded by hand with
//! `prlimit --nofile=S:H haproxy -f CFG ...`; the oracle's argv[0] appears
//! in its `[<argv0>.main()]` prefix, here the test's path to our binary).
use super::common;
use common::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    /// stderr lines without the `[WARNING] ddd/hhmmss (pid) : ` prefix
    warnings: Vec<String>,
    /// Ulimit-n, Maxsock, Maxconn of `show info`
    info: (String, String, String),
    /// the soft RLIMIT_NOFILE of the running process
    nofile: String,
}

fn prlimit_available() -> bool {
    let ok = Command::new("prlimit")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(std::env::var("CI").is_err(), "prlimit is missing in CI");
        eprintln!("skipped: prlimit (util-linux) not installed");
    }
    ok
}

fn info_value(info: &str, key: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or("?")
        .to_string()
}

/// Starts the binary with `-db` under `prlimit --nofile=LIM`, asks `show
/// info` once it answers, reads its limit from /proc, then kills it.
fn run(lim: &str, global: &str, args: &[&str]) -> Run {
    let dir = tmpdir("limits");
    let sock = dir.join("stats.sock");
    let cfg = dir.join("h.cfg");
    let fe = handed();
    std::fs::write(
        &cfg,
        format!(
            "global\n{global}    stats socket {}\ndefaults\n mode http\n timeout connect 5s\n timeout client 5s\n timeout server 5s\nlisten a {fe}\n server s1 127.0.0.1:9\n",
            sock.display()
        ),
    )
    .expect("cfg");
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--nofile={lim}"))
        .arg(bin())
        .arg("-db")
        .arg("-f")
        .arg(&cfg)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let held = hand_over(&mut cmd);
    let mut child = cmd.spawn().expect("spawn");
    drop(held);
    let end = Instant::now() + Duration::from_secs(5);
    let mut info = String::new();
    while Instant::now() < end && info.is_empty() {
        std::thread::sleep(Duration::from_millis(50));
        if std::os::unix::net::UnixStream::connect(&sock).is_ok() {
            info = stats_ask(&sock, "show info\n");
        }
    }
    let limits =
        std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap_or_default();
    let nofile = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .unwrap_or("?")
        .to_string();
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let warnings = err
        .lines()
        .map(|l| match l.find(") : ") {
            Some(i) if l.starts_with("[WARNING] ") => l[i + 4..].to_string(),
            _ => l.to_string(),
        })
        .collect();
    Run {
        warnings,
        info: (
            info_value(&info, "Ulimit-n"),
            info_value(&info, "Maxsock"),
            info_value(&info, "Maxconn"),
        ),
        nofile,
    }
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn info(u: &str, s: &str, c: &str) -> (String, String, String) {
    (u.into(), s.into(), c.into())
}

#[test]
fn hard_limit_too_low_warns_twice() {
    if !prlimit_available() {
        return;
    }
    let b = bin();
    // 10 reserved + 1 listener + 1 stats socket + 2 * maxconn
    let r = run("256:256", "    maxconn 2000\n", &[]);
    assert_eq!(
        r.warnings,
        owned(&[
            &format!("[{b}.main()] Cannot raise FD limit to 4012."),
            &format!("[{b}.main()] FD limit (256) too low for maxconn=2000/maxsock=4012. Please raise 'ulimit-n' to 4012 or more to avoid any trouble."),
        ])
    );
    assert_eq!(r.info, info("4012", "4012", "2000"));
    assert_eq!(r.nofile, "256");
}

#[test]
fn configured_ulimit_n_is_set_and_reported() {
    if !prlimit_available() {
        return;
    }
    let b = bin();
    let g = "    maxconn 2000\n    ulimit-n 300\n";
    let r = run("256:256", g, &[]);
    assert_eq!(
        r.warnings,
        owned(&[
            &format!("[{b}.main()] Cannot raise FD limit to 300."),
            &format!("[{b}.main()] FD limit (256) too low for maxconn=2000/maxsock=4012. Please raise 'ulimit-n' to 4012 or more to avoid any trouble."),
        ])
    );
    assert_eq!(r.info, info("300", "4012", "2000"));
    // the hard limit allows 300: set, but still below maxsock
    let r = run("256:20000", g, &[]);
    assert_eq!(
        r.warnings,
        owned(&[&format!("[{b}.main()] FD limit (300) too low for maxconn=2000/maxsock=4012. Please raise 'ulimit-n' to 4012 or more to avoid any trouble.")])
    );
    assert_eq!(
        (r.info, r.nofile),
        (info("300", "4012", "2000"), "300".into())
    );
}

#[test]
fn raised_to_exactly_maxsock_without_a_word() {
    if !prlimit_available() {
        return;
    }
    let r = run("256:20000", "    maxconn 2000\n", &[]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        (r.info, r.nofile),
        (info("4012", "4012", "2000"), "4012".into())
    );
    // -n overrides the config's maxconn in maxsock too
    let r = run("256:20000", "    maxconn 2000\n", &["-n", "100"]);
    assert_eq!(
        (r.info, r.nofile),
        (info("212", "212", "100"), "212".into())
    );
}

#[test]
fn quiet_mode_hides_the_limit_warnings() {
    if !prlimit_available() {
        return;
    }
    let r = run("256:256", "    maxconn 2000\n", &["-q"]);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let r = run("256:256", "    maxconn 2000\n    quiet\n", &[]);
    // -db keeps the config's quiet off, as in 1.4 (debug/foreground win)
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
}

#[test]
fn a_daemon_warns_before_it_forks() {
    if !prlimit_available() {
        return;
    }
    // 1.4's -D does not make it quiet: both warnings reach the terminal
    let dir = tmpdir("limits-d");
    let (cfg, pidf) = (dir.join("h.cfg"), dir.join("h.pid"));
    let fe = handed();
    std::fs::write(
        &cfg,
        format!("global\n maxconn 100\ndefaults\n mode tcp\n timeout connect 1s\n timeout client 1s\n timeout server 1s\nlisten a {fe}\n server s1 127.0.0.1:9\n"),
    )
    .expect("cfg");
    let mut cmd = Command::new("prlimit");
    cmd.arg("--nofile=64:64")
        .arg(bin())
        .args(["-D", "-p"])
        .arg(&pidf)
        .arg("-f")
        .arg(&cfg);
    let held = hand_over(&mut cmd);
    let o = cmd.output().expect("run");
    drop(held);
    let pid = std::fs::read_to_string(&pidf).unwrap_or_default();
    if pid.trim().parse::<i32>().is_ok_and(|p| p > 1) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let b = bin();
    assert!(
        err.contains(&format!("[{b}.main()] Cannot raise FD limit to 211.\n")),
        "{err}"
    );
    assert!(err.contains(&format!("[{b}.main()] FD limit (64) too low for maxconn=100/maxsock=211. Please raise 'ulimit-n' to 211 or more to avoid any trouble.\n")), "{err}");
}

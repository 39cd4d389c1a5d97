//! The command line and `-c` as an init script uses them.
use super::common;
use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(bin()).args(args).output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn version_and_usage() {
    let (rc, out, _) = run(&["-v"]);
    assert_eq!(rc, 0);
    assert!(out.starts_with("HA-Proxy version 1.4.25"), "{out}");
    let (rc, out, _) = run(&["-vv"]);
    assert_eq!(rc, 0);
    assert!(out.contains("maxconn = 2000, bufsize = 16384, maxrewrite = 8192, maxpollevents = 200"));
    let (rc, out, err) = run(&[]);
    assert_eq!(rc, 1);
    assert!(out.starts_with("HA-Proxy version"));
    assert!(err.starts_with("Usage : "), "{err}");
    let (rc, _, _) = run(&["-f", "x", "-sf", "abc"]);
    assert_eq!(rc, 1);
}

#[test]
fn check_mode_verdicts() {
    let dir = tmpdir("cli");
    let good = dir.join("good.cfg");
    std::fs::write(&good, "defaults\n mode http\n contimeout 1s\n clitimeout 1s\n srvtimeout 1s\nlisten a 127.0.0.1:1\n server s 127.0.0.1:2\n").expect("w");
    let g = good.to_string_lossy().to_string();
    let (rc, out, err) = run(&["-c", "-f", &g]);
    assert_eq!(
        (rc, out.as_str(), err.as_str()),
        (0, "Configuration file is valid\n", "")
    );
    let (rc, out, _) = run(&["-c", "-q", "-f", &g]);
    assert_eq!((rc, out.as_str()), (0, ""));
    let bad = dir.join("bad.cfg");
    std::fs::write(&bad, "listen a 127.0.0.1:1\n frobnicate yes\n").expect("w");
    let b = bad.to_string_lossy().to_string();
    let (rc, out, err) = run(&["-c", "-f", &b]);
    assert_eq!(rc, 1);
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].ends_with(&format!(
            "parsing [{}:2] : unknown keyword 'frobnicate' in 'listen' section",
            b
        )),
        "{err}"
    );
    assert!(lines[1].ends_with(&format!("Error(s) found in configuration file : {}", b)));
    assert!(lines
        .last()
        .is_some_and(|l| l.ends_with("Fatal errors found in configuration.")));
    assert!(lines[0].starts_with("[ALERT] "));
    let (rc, _, err) = run(&["-c", "-f", "/nonexistent/x.cfg"]);
    assert_eq!(rc, 1);
    assert!(
        err.ends_with(
            "Could not open configuration file /nonexistent/x.cfg : No such file or directory\n"
        ),
        "{err}"
    );
}

/// `make demo` is the first thing a newcomer runs: its config must start
/// without a single [WARNING] (1.4 prints the same check-time warnings).
#[test]
fn demo_config_starts_without_warnings() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-configs/demo.cfg");
    let (rc, out, err) = run(&["-c", "-f", &p.to_string_lossy()]);
    assert_eq!(
        (rc, out.as_str(), err.as_str()),
        (0, "Configuration file is valid\n", "")
    );
}

#[test]
fn our_compat_configs_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-configs");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("compat-configs").flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("cfg") {
            continue;
        }
        let (rc, out, err) = run(&["-c", "-f", &p.to_string_lossy()]);
        if rc != 0 && err.contains("cannot find user id for 'haproxy'") {
            // seed.cfg runs as user haproxy, like the 1.4 hosts; `.ci/run` creates it
            skip(&format!(
                "{}: no 'haproxy' user on this machine",
                p.display()
            ));
            continue;
        }
        assert_eq!(rc, 0, "{}: {err}", p.display());
        // `quiet` in global hides the success line, as -q does
        let quiet = std::fs::read_to_string(&p).is_ok_and(|t| t.contains("\n    quiet\n"));
        let want = if quiet {
            ""
        } else {
            "Configuration file is valid\n"
        };
        assert_eq!(out, want, "{}", p.display());
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn degenerate_bind_lists_do_not_crash() {
    // found by the config fuzzer: a bind list without any address
    let dir = tmpdir("bind");
    let f = dir.join("b.cfg");
    std::fs::write(
        &f,
        "listen a\n bind ,:\n bind :80, name x\n server s 127.0.0.1:2\n",
    )
    .expect("w");
    let (rc, _, err) = run(&["-c", "-f", &f.to_string_lossy()]);
    // 1.4.25: the empty entry before the comma has no port
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains(") : Missing port number: ''\n"), "{err}");
}

/// Runs our binary through a symlink named `name`, by full and by relative
/// path: 1.4 prints the bare name in its usage and argv[0] as given in its
/// `[argv0.main()]` alerts (checked against the oracle started both ways).
#[test]
fn program_name_as_1_4_prints_it() {
    let dir = tmpdir("progname");
    let link = dir.join("hrs-name");
    std::os::unix::fs::symlink(bin(), &link).expect("symlink");
    let cfg = dir.join("h.cfg");
    std::fs::write(&cfg, "defaults\n mode tcp\n timeout connect 1s\n timeout client 1s\n timeout server 1s\nlisten a fd@3\n server s 127.0.0.1:2\n").expect("cfg");
    for (prog, cwd) in [
        (link.to_string_lossy().to_string(), "/"),
        ("./hrs-name".to_string(), ""),
    ] {
        let cwd = if cwd.is_empty() {
            dir.clone()
        } else {
            cwd.into()
        };
        let o = Command::new(&prog)
            .arg("-Z")
            .current_dir(&cwd)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with("Usage : hrs-name [-f <cfgfile>]*"),
            "{prog}: {err}"
        );
        // it listens before it writes the pidfile: a socket of its own
        let fe = handed();
        assert_eq!(fe.fd, 3);
        let mut cmd = Command::new(&prog);
        cmd.args(["-D", "-p", "/nonexistent/dir/h.pid", "-f"])
            .arg(&cfg)
            .current_dir(&cwd);
        let held = hand_over(&mut cmd);
        let o = cmd.output().expect("run");
        drop(held);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            err.ends_with(&format!(
                "[{prog}.main()] Cannot create pidfile /nonexistent/dir/h.pid\n"
            )),
            "{prog}: {err}"
        );
    }
}

/// `-f DIR` reads as an empty file, as in 1.4.25 (haproxy 1.7+ reads the
/// directory's `*.cfg` files instead; 1.4's verdict wins, and EL9's unit,
/// `-f $CONFIG -f $CFGDIR`, still starts with its conf.d left unread).
#[test]
fn config_directory_reads_as_empty_as_1_4() {
    let dir = tmpdir("cfgdir");
    let d = dir.join("conf.d");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(
        d.join("20-listen.cfg"),
        "listen a 127.0.0.1:1\n server s 127.0.0.1:2\n",
    )
    .expect("w");
    let (rc, _, err) = run(&["-c", "-f", &d.to_string_lossy()]);
    assert_eq!(rc, 1, "{err}");
    assert!(
        err.contains("config : no <listen> line. Nothing to do !"),
        "{err}"
    );
    let empty = d;
    let main = dir.join("main.cfg");
    std::fs::write(&main, "defaults\n mode tcp\n timeout connect 1s\n timeout client 1s\n timeout server 1s\nlisten a 127.0.0.1:1\n server s 127.0.0.1:2\n").expect("w");
    let (rc, _, err) = run(&[
        "-c",
        "-f",
        &main.to_string_lossy(),
        "-f",
        &empty.to_string_lossy(),
    ]);
    assert_eq!(rc, 0, "{err}");
}

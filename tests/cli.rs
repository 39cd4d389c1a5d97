//! The command line and `-c` as an init script uses them.
mod common;
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
            eprintln!("skipped {}: no 'haproxy' user on this machine", p.display());
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
    assert!(rc == 0 || rc == 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

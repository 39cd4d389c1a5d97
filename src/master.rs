//! Master-worker mode (`-W`, and `-Ws` for systemd's Type=notify), which
//! 1.4 does not have and refuses: accepted so that haproxy 1.8+'s systemd
//! unit runs us unchanged (`ExecStart=haproxy -Ws -f $CONFIG -p $PIDFILE`,
//! `ExecReload=kill -USR2 $MAINPID`). The master holds no socket: it forks
//! a worker that runs the ordinary 1.4 start-up in the foreground, and on
//! SIGUSR2 starts a new worker that re-reads the configuration and takes
//! over from the old ones exactly as `-sf` does (SIGTTOU, bind, SIGUSR1), so
//! a reload loses no connection. A refused configuration leaves the old
//! worker serving. SIGTERM/SIGINT stop the workers then the master;
//! SIGUSR1 lets them finish first; SIGHUP is passed on (state dump).
//! `-S` (the 1.8+ master CLI socket) is accepted and ignored with a warning.
//! As in 1.8+, a reload's worker executes the program file anew, so a
//! reload after a package upgrade runs the new binary.

use crate::cli::Args;
use crate::config::model::Config;
use crate::log::msg;
use crate::sys;
use crate::sys::master as msys;
use std::io::Write;
use std::os::unix::io::RawFd;

const SIGNALS: &[i32] = &[
    sys::SIGUSR1,
    msys::SIGUSR2,
    sys::SIGTERM,
    sys::SIGINT,
    sys::SIGHUP,
    msys::SIGCHLD,
];

/// A worker being started: its pid and the pipe it writes a byte to once
/// its listeners are bound (EOF without the byte: it failed).
struct Pending {
    pid: i32,
    ready: RawFd,
}

/// Forks a worker. `cfg` is the configuration the master parsed at start;
/// a reload's worker parses the files again itself.
fn spawn(args: &Args, cfg: Option<Config>, sigfd: RawFd, old: &[i32]) -> Option<Pending> {
    let (r, w) = match msys::pipe() {
        Ok(p) => p,
        Err(_) => return None,
    };
    match sys::fork() {
        Ok(sys::Forked::Parent(pid)) => {
            sys::close_fd(w);
            Some(Pending { pid, ready: r })
        }
        Ok(sys::Forked::Child) => {
            sys::close_fd(r);
            sys::close_fd(sigfd);
            for &s in SIGNALS {
                msys::default_signal(s);
            }
            std::process::exit(run_worker(args, cfg, w, old))
        }
        Err(_) => {
            sys::close_fd(r);
            sys::close_fd(w);
            msg::alert(&format!("[{}.main()] Cannot fork.", args.argv0));
            None
        }
    }
}

/// Environment variable naming the descriptor an exec'd worker reports
/// readiness on (read by main.rs).
pub const READY_FD_ENV: &str = "HAPROXY_RS_READY_FD";

fn run_worker(args: &Args, cfg: Option<Config>, ready: RawFd, old: &[i32]) -> i32 {
    let Some(cfg) = cfg else {
        return exec_worker(args, ready, old);
    };
    let mut wargs = args.clone();
    // the ordinary start-up, in the foreground: the master is the daemon
    wargs.daemon = false;
    wargs.foreground = true;
    wargs.pidfile = None;
    wargs.oldpids = old.to_vec();
    wargs.oldpids_sig = sys::SIGUSR1;
    crate::lifecycle::set_ready_fd(ready);
    crate::lifecycle::start(wargs, cfg)
}

/// A reload's worker runs the program file as it is now (after a package
/// upgrade, the new binary), as haproxy 1.8+'s master re-executes itself:
/// `argv0 -db [-q] [-V] [-d] -f FILE... [-n N] [-N N] [-m MB] [-sf OLD...]`,
/// which re-reads the configuration (directories listed again), with the
/// ready pipe inherited under $HAPROXY_RS_READY_FD. Returns only on failure.
fn exec_worker(args: &Args, ready: RawFd, old: &[i32]) -> i32 {
    use std::os::unix::process::CommandExt;
    let Some(fd) = msys::dup_inheritable(ready) else {
        return 1;
    };
    let mut v: Vec<String> = vec!["-db".into()];
    for (on, flag) in [
        (args.quiet_flag, "-q"),
        (args.verbose, "-V"),
        (args.debug, "-d"),
    ] {
        if on {
            v.push(flag.into());
        }
    }
    for f in &args.files {
        v.extend(["-f".to_string(), f.clone()]);
    }
    let nums = [
        ("-n", args.maxconn.map(u64::from)),
        ("-N", args.maxpconn.map(u64::from)),
        ("-m", args.memmax_mb),
    ];
    for (flag, n) in nums {
        if let Some(n) = n {
            v.extend([flag.to_string(), n.to_string()]);
        }
    }
    if !old.is_empty() {
        v.push("-sf".into());
        v.extend(old.iter().map(|p| p.to_string()));
    }
    let err = std::process::Command::new(&args.argv0)
        .args(&v)
        .env(READY_FD_ENV, fd.to_string())
        .exec();
    msg::alert(&format!(
        "[{}.main()] Cannot execute {} for the new worker: {}",
        args.argv0, args.argv0, err
    ));
    1
}

/// Waits (bounded: 30 s) for a starting worker to say it listens; false if
/// it exited first. Signals arriving meanwhile stay in the pipe.
fn wait_ready(p: &Pending) -> bool {
    let mut buf = Vec::new();
    for _ in 0..300 {
        if msys::poll_readable(&[p.ready], 100)[0] {
            let n = sys::read_into(p.ready, &mut buf, 1).unwrap_or(0);
            return n == 1;
        }
    }
    false
}

/// The master: starts the first worker, writes its own pid to the pidfile,
/// tells systemd it is ready, then serves signals until no worker is left.
pub fn run(args: Args, cfg: Config) -> i32 {
    if let Some(s) = &args.master_cli {
        msg::warning(&format!(
            "[{}.main()] master CLI socket '{}' (-S) is not supported by this 1.4 replacement; ignored.",
            args.argv0, s
        ));
    }
    let pidfile = args.pidfile.clone().or(cfg.global.pidfile.clone());
    // -D: the master goes to the background first, so that the workers are
    // its children; the command exits 0 once the first worker listens
    let told = if args.daemon {
        match daemonize() {
            Some(fd) => Some(fd),
            None => return 1,
        }
    } else {
        None
    };
    let sigfd = match sys::signal_pipe(SIGNALS) {
        Ok(fd) => fd,
        Err(_) => return 1,
    };
    // -sf/-st pids given with -W: the first worker takes over from them
    let first = match spawn(&args, Some(cfg), sigfd, &args.oldpids) {
        Some(p) => p,
        None => return 1,
    };
    let ok = wait_ready(&first);
    sys::close_fd(first.ready);
    if !ok {
        // the worker said why on stderr; its exit code is ours
        let code = reap_until(first.pid, &mut Vec::new());
        return if code == 0 { 1 } else { code };
    }
    // the pid file is written before the command returns: an init script
    // reads it as soon as `haproxy -W -D` exits
    if let Some(pf) = &pidfile {
        let _ = std::fs::remove_file(pf);
        match std::fs::File::create(pf) {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", sys::getpid());
            }
            Err(_) => msg::alert(&format!(
                "[{}.main()] Cannot create pidfile {}",
                args.argv0, pf
            )),
        }
    }
    if let Some(fd) = told {
        msys::write_byte(fd);
        sys::close_fd(fd);
        sys::detach();
    }
    if args.sd_notify {
        msys::sd_notify(&format!("READY=1\nMAINPID={}", sys::getpid()));
    }
    serve(&args, sigfd, vec![first.pid])
}

/// Forks; the parent waits until the child (the master) says its first
/// worker listens, and exits 0, or 1 if it fails. Returns, in the child, the
/// pipe to say so on (closing it unsaid means failure).
fn daemonize() -> Option<RawFd> {
    let (r, w) = msys::pipe().ok()?;
    match sys::fork() {
        Ok(sys::Forked::Parent(pid)) => {
            sys::close_fd(w);
            let ok = wait_ready(&Pending { pid, ready: r });
            std::process::exit(if ok { 0 } else { 1 })
        }
        Ok(sys::Forked::Child) => {
            sys::close_fd(r);
            msys::setsid();
            Some(w)
        }
        Err(_) => None,
    }
}

/// Blocks (bounded: 30 s) until `pid` has ended; its exit code. Other
/// children reaped meanwhile leave `workers`.
fn reap_until(pid: i32, workers: &mut Vec<i32>) -> i32 {
    for _ in 0..3000 {
        let gone = msys::reap();
        workers.retain(|w| !gone.iter().any(|(p, _)| p == w));
        if let Some(&(_, code)) = gone.iter().find(|(p, _)| *p == pid) {
            return code;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    1
}

fn serve(args: &Args, sigfd: RawFd, mut workers: Vec<i32>) -> i32 {
    let mut last_code = 0;
    loop {
        msys::poll_readable(&[sigfd], 1000);
        for sig in sys::read_signals(sigfd) {
            match sig {
                s if s == msys::SIGUSR2 => reload(args, sigfd, &mut workers),
                s if s == sys::SIGTERM || s == sys::SIGINT || s == sys::SIGUSR1 => {
                    for &w in &workers {
                        sys::kill(w, s);
                    }
                }
                s if s == sys::SIGHUP => {
                    for &w in &workers {
                        sys::kill(w, s);
                    }
                }
                _ => {}
            }
        }
        for (pid, code) in msys::reap() {
            workers.retain(|&w| w != pid);
            last_code = code;
        }
        if workers.is_empty() {
            return last_code;
        }
    }
}

/// SIGUSR2: a new worker from the files as they are now; it sends the old
/// ones SIGUSR1 itself once it listens. A worker that fails leaves the
/// old ones serving.
fn reload(args: &Args, sigfd: RawFd, workers: &mut Vec<i32>) {
    if args.sd_notify {
        msys::sd_notify("RELOADING=1");
    }
    if let Some(p) = spawn(args, None, sigfd, workers) {
        let ok = wait_ready(&p);
        sys::close_fd(p.ready);
        if ok {
            workers.push(p.pid);
        } else {
            let _ = reap_until(p.pid, workers);
            msg::alert(&format!(
                "[{}.main()] Reload failed: the new worker did not start; the previous one keeps running.",
                args.argv0
            ));
        }
    }
    if args.sd_notify {
        msys::sd_notify("READY=1");
    }
}

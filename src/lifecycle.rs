//! Start-up in 1.4's order: limits, bind, started lines, stats socket,
//! pidfile, chroot, old pids, privileges, daemon fork; then the loop.

use crate::cli::Args;
use crate::cli_sock::CliSock;
use crate::config::model::{Bind, Config, Global, Proxy};
use crate::engine::{Engine, Listener};
use crate::log::msg;
use crate::log::syslog::Syslog;
use crate::state::Runtime;
use std::fs::File;
use std::io::Write;
use std::os::unix::io::RawFd;
use std::time::Duration;

/// Master-worker mode: the pipe on which this worker says it listens.
static READY_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// A worker of `-W` mode writes one byte to `fd` once its listeners are
/// registered, then closes it (src/master.rs waits for it).
pub fn set_ready_fd(fd: i32) {
    READY_FD.store(fd, std::sync::atomic::Ordering::Relaxed);
}

/// The signals the event loop handles through its self-pipe. SIGTERM and
/// SIGINT are not among them: 1.4.25 (built without DEBUG_MEMORY) leaves
/// them at their inherited disposition, so the process dies by the signal
/// (exit status 128+n to a shell), or ignores it where its parent did.
const SIGNALS: &[i32] = &[
    crate::sys::SIGUSR1,
    crate::sys::SIGHUP,
    crate::sys::SIGTTOU,
    crate::sys::SIGTTIN,
    crate::sys::SIGQUIT,
];

/// The processes a reload replaces (`-sf`/`-st`): asked to release their
/// ports (SIGTTOU) when ours collide with theirs, and to take them back
/// (SIGTTIN) if we fail to start.
struct OldProcs<'a> {
    pids: &'a [i32],
    paused: bool,
}

impl OldProcs<'_> {
    /// Pauses the old processes' listeners, once.
    fn pause(&mut self) {
        if !self.paused {
            for &pid in self.pids {
                crate::sys::kill(pid, crate::sys::SIGTTOU);
            }
            self.paused = true;
        }
    }

    /// Gives the old processes their listeners back, if they were paused.
    fn resume(&self) {
        if self.paused {
            for &pid in self.pids {
                crate::sys::kill(pid, crate::sys::SIGTTIN);
            }
        }
    }
}

fn bind_all(cfg: &Config, oldpids: &[i32]) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    let mut old = OldProcs {
        pids: oldpids,
        paused: false,
    };
    for (pi, p) in cfg.proxies.iter().enumerate() {
        if p.disabled || !p.is_fe() {
            continue;
        }
        for (bi, b) in p.binds.iter().enumerate() {
            let fd = match bind_one(p, b, &mut old) {
                Ok(fd) => fd,
                Err(why) => {
                    old.resume();
                    return Err(format!("Starting {} {}: {}", p.kind.word(), p.name, why));
                }
            };
            out.push(Listener {
                px: pi,
                bind: bi,
                sock: Some(crate::sys::listener_from_fd(fd)),
                registered: false,
                closed: false,
            });
        }
    }
    Ok(out)
}

/// The listening socket of one `bind`: adopted (`fd@<n>`) or bound, with
/// the reload dance when an old process still holds the port.
fn bind_one(p: &Proxy, b: &Bind, old: &mut OldProcs) -> Result<RawFd, &'static str> {
    let backlog = if p.backlog > 0 {
        p.backlog
    } else {
        p.maxconn.max(1)
    } as i32;
    if let Some(fd) = b.fd {
        // `fd@<n>`: bound by whoever started us; no reload dance
        let o = crate::fd_listen::Adopt {
            backlog,
            defer_accept: b.defer_accept,
            no_quickack: p.smart_accept(),
            mss: b.mss,
        };
        return crate::fd_listen::adopt(fd, &o);
    }
    let mut tries = 0;
    loop {
        match crate::sys::listen_socket(
            &b.addr,
            backlog,
            b.defer_accept,
            p.smart_accept(),
            b.mss,
            b.interface.as_deref(),
        ) {
            Ok(fd) => {
                if !old.pids.is_empty() {
                    // the old process's socket is first in the reuseport
                    // group: new connections now come to ours (index 1)
                    crate::sys::steer_reuseport(fd, 1);
                }
                return Ok(fd);
            }
            Err(e)
                if e.raw_os_error() == Some(libc_eaddrinuse())
                    && !old.pids.is_empty()
                    && tries < 200 =>
            {
                // reload: ask the old process to release its ports
                old.pause();
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => return Err("cannot bind socket"),
        }
    }
}

/// 1.4's ulimits: RLIMIT_NOFILE set (soft and hard) to `ulimit-n` or else
/// to maxsock, and the memory limit of `-m` shared by the processes; a
/// refusal is only a warning, as in 1.4.
fn set_limits(prog: &str, ulimit_n: u32, maxsock: u32, memmax_mb: Option<u64>, nbproc: u32) {
    let nofile = if ulimit_n > 0 { ulimit_n } else { maxsock };
    if nofile > 0 && crate::sys::set_nofile(u64::from(nofile)).is_err() {
        msg::warning(&format!(
            "[{}.main()] Cannot raise FD limit to {}.",
            prog, nofile as i32
        ));
    }
    if let Some(mb) = memmax_mb.filter(|&mb| mb > 0) {
        if crate::sys::set_as_limit(mb * 1024 * 1024 / u64::from(nbproc)).is_err() {
            msg::warning(&format!(
                "[{}.main()] Cannot fix MEM limit to {} megs.",
                prog, mb as i32
            ));
        }
    }
}

fn libc_eaddrinuse() -> i32 {
    98
}

/// The running modes after 1.4's precedence between the command line and
/// the global section: -d/-db drop the config's daemon and quiet, -D drops
/// debug and foreground (the config's `debug` included), -q/-V add up, and
/// debug mode then wins over daemon and quiet with a warning.
#[derive(Debug, PartialEq, Eq)]
struct Modes {
    daemon: bool,
    quiet: bool,
    debug: bool,
    /// debug won over daemon/quiet and the warning shows (1.4 prints it
    /// only when not quiet at that moment, or with -V)
    warn_conflict: bool,
}

impl Modes {
    fn of(args: &Args, cfg_daemon: bool, cfg_quiet: bool, cfg_debug: bool) -> Modes {
        let (mut daemon, mut quiet, mut debug) = (cfg_daemon, cfg_quiet, cfg_debug);
        if args.debug || args.foreground {
            daemon = false;
            quiet = false;
            debug |= args.debug;
        }
        if args.daemon {
            debug = false;
            daemon = true;
        }
        quiet |= args.quiet;
        let mut warn_conflict = false;
        if debug && (daemon || quiet) {
            warn_conflict = !quiet || args.verbose;
            daemon = false;
            quiet = false;
        }
        Modes {
            daemon,
            quiet,
            debug,
            warn_conflict,
        }
    }
}

/// 1.4's running modes set from the command line and the global section,
/// with their start-up messages.
fn set_modes(args: &Args, g: &Global) -> Modes {
    let m = Modes::of(args, g.daemon, g.quiet, g.debug);
    if m.warn_conflict {
        msg::warning("<debug> mode incompatible with <quiet> and <daemon>. Keeping <debug> only.");
    }
    // until the fork, warnings follow 1.4's MODE_QUIET, which -D does not
    // set: a daemon still prints the start-up warnings (fd limits, groups)
    let startup_quiet = m.quiet && !(args.daemon && !args.quiet_flag && !g.quiet);
    msg::set_quiet(startup_quiet);
    msg::set_debug(m.debug && (!m.quiet || args.verbose));
    if m.debug || args.verbose {
        // 1.4 lists its pollers on stderr, whatever the quiet mode
        eprint!("{}", crate::cli::POLLERS);
    }
    m
}

/// The number of processes: `nbproc` counts in daemon mode only.
fn nbproc(args: &Args, g: &Global, daemon: bool) -> u32 {
    let nbproc = g.nbproc.max(1);
    if nbproc > 1 && !daemon {
        if !(args.foreground || args.debug) {
            msg::warning("<nbproc> is only meaningful in daemon mode. Setting limit to 1 process.");
        }
        return 1;
    }
    nbproc
}

/// The stats socket, bound before the privileges drop.
fn bind_cli(g: &Global) -> Result<Option<CliSock>, ()> {
    let Some(s) = &g.stats_socket else {
        return Ok(None);
    };
    match CliSock::bind(s, g.stats_timeout_ms, g.stats_maxconn) {
        Ok(c) => Ok(Some(c)),
        Err(_) => {
            msg::alert(&format!(
                "Starting frontend GLOBAL: error when trying to create unix socket {}",
                s.path
            ));
            Err(())
        }
    }
}

/// A daemon's pidfile, created anew (written once the children are forked).
fn open_pidfile(prog: &str, daemon: bool, pidfile: Option<&str>) -> Result<Option<File>, ()> {
    let (true, Some(pf)) = (daemon, pidfile) else {
        return Ok(None);
    };
    let _ = std::fs::remove_file(pf);
    match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(pf)
    {
        Ok(f) => {
            use std::os::unix::fs::PermissionsExt;
            let _ = f.set_permissions(std::fs::Permissions::from_mode(0o644));
            Ok(Some(f))
        }
        Err(_) => {
            msg::alert(&format!("[{}.main()] Cannot create pidfile {}", prog, pf));
            Err(())
        }
    }
}

/// chroot, the old processes told to go (`-sf`/`-st`), privileges
/// dropped, and 1.4's warning when the fd limit is below maxsock.
fn take_over(prog: &str, args: &Args, g: &Global, maxsock: u32) -> Result<(), ()> {
    if let Some(root) = &g.chroot {
        if crate::sys::chroot(root).is_err() {
            msg::alert(&format!("[{}.main()] Cannot chroot({}).", prog, root));
            for &pid in &args.oldpids {
                crate::sys::kill(pid, crate::sys::SIGTTIN);
            }
            return Err(());
        }
    }
    for &pid in &args.oldpids {
        crate::sys::kill(pid, args.oldpids_sig);
    }
    match crate::sys::drop_privileges(g.uid, g.gid) {
        Ok(Some(w)) => msg::warning(&format!("[{}.main()] {}", prog, w)),
        Ok(None) => {}
        Err(m) => {
            msg::alert(&format!("[{}.main()] {}", prog, m));
            return Err(());
        }
    }
    let nofile = crate::sys::get_nofile();
    if nofile < u64::from(maxsock) {
        msg::warning(&format!(
            "[{}.main()] FD limit ({}) too low for maxconn={}/maxsock={}. Please raise 'ulimit-n' to {} or more to avoid any trouble.",
            prog, nofile as i32, g.maxconn, maxsock, maxsock
        ));
    }
    Ok(())
}

/// Everything the event loop starts with.
struct Ready {
    rt: Runtime,
    listeners: Vec<Listener>,
    syslog: Syslog,
    sigfd: i32,
    cli: Option<CliSock>,
}

pub fn start(args: Args, mut cfg: Config) -> i32 {
    cfg.global.memmax_mb = args.memmax_mb.unwrap_or(0);
    let cfg: &'static Config = Box::leak(Box::new(cfg));
    let g = &cfg.global;
    let m = set_modes(&args, g);
    let (daemon, quiet) = (m.daemon, m.quiet);
    let nbproc = nbproc(&args, g, daemon);
    let prog = args.argv0.as_str();
    let maxsock = crate::stats::info::maxsock(cfg);
    set_limits(prog, g.ulimit_n, maxsock, args.memmax_mb, nbproc);
    let listeners = match bind_all(cfg, &args.oldpids) {
        Ok(l) => l,
        Err(m) => {
            msg::alert(&m);
            return 1;
        }
    };
    let hostname = g.log_send_hostname.clone();
    // 1.4 tags its logs with its program name unless `log-tag` says otherwise
    let tag = g.log_tag.as_deref().unwrap_or(crate::cli::progname(prog));
    let syslog = Syslog::new(tag, hostname);
    let rt = Runtime::new(cfg);
    let Ok(cli) = bind_cli(g) else { return 1 };
    let pidfile = args.pidfile.clone().or(g.pidfile.clone());
    let Ok(pidf) = open_pidfile(prog, daemon, pidfile.as_deref()) else {
        return 1;
    };
    if take_over(prog, &args, g, maxsock).is_err() {
        return 1;
    }
    msg::set_quiet(quiet);
    let sigfd = match crate::sys::signal_pipe(SIGNALS) {
        Ok(fd) => fd,
        Err(_) => return 1,
    };
    let ready = Ready {
        rt,
        listeners,
        syslog,
        sigfd,
        cli,
    };
    if daemon {
        return daemonize(prog, nbproc, pidf, ready);
    }
    run_loop(ready)
}

/// 1.4's daemon mode: `nbproc` children forked, each detached with its
/// own signal pipe and only the proxies bound to it; the parent writes
/// their pids to the pidfile and exits.
fn daemonize(prog: &str, nbproc: u32, pidf: Option<File>, ready: Ready) -> i32 {
    let mut pids = Vec::new();
    for proc in 0..nbproc {
        match crate::sys::fork() {
            Ok(crate::sys::Forked::Parent(pid)) => pids.push(pid),
            Ok(crate::sys::Forked::Child) => {
                drop(pidf);
                crate::sys::detach();
                let mut ready = ready;
                ready.syslog.refresh_pid();
                stop_unbound_proxies(&mut ready.rt, &mut ready.listeners, proc);
                // a pipe of its own: with a shared one, a sibling could
                // read (and lose) the signals sent to this process
                if let Ok(fd) = crate::sys::signal_pipe(SIGNALS) {
                    crate::sys::close_fd(ready.sigfd);
                    ready.sigfd = fd;
                }
                return run_loop(ready);
            }
            Err(_) => {
                msg::alert(&format!("[{}.main()] Cannot fork.", prog));
                return 1;
            }
        }
    }
    if let Some(mut f) = pidf {
        for p in pids {
            let _ = writeln!(f, "{}", p);
        }
    }
    0
}

/// 1.4's stop_proxy() in each daemon child for the proxies whose
/// bind-process leaves that child out: their listeners close there and the
/// proxy counts as stopped (no checks, "STOP" on the stats page).
fn stop_unbound_proxies(rt: &mut Runtime, listeners: &mut Vec<Listener>, proc: u32) {
    let bit = 1u32.checked_shl(proc).unwrap_or(0);
    let unbound: Vec<bool> = rt
        .cfg
        .proxies
        .iter()
        .map(|p| p.bind_proc != 0 && p.bind_proc & bit == 0)
        .collect();
    for (i, &u) in unbound.iter().enumerate() {
        if u {
            rt.px[i].stopped = true;
        }
    }
    // dropping a listener closes its socket in this process only
    listeners.retain(|l| !unbound.get(l.px).copied().unwrap_or(false));
}

fn run_loop(ready: Ready) -> i32 {
    let Ready {
        rt,
        listeners,
        syslog,
        sigfd,
        cli,
    } = ready;
    msg::set_started();
    // logged by the process that serves, so its lines carry one pid
    for p in rt.cfg.proxies.iter().filter(|p| !p.disabled) {
        syslog.send(
            &p.logs,
            crate::log::NOTICE,
            &format!("Proxy {} started.", p.name),
        );
    }
    let mut eng = match Engine::new(rt, listeners, syslog) {
        Ok(e) => e,
        Err(_) => return 1,
    };
    eng.sigfd = Some(sigfd);
    eng.cli = cli;
    if eng.register_all().is_err() {
        msg::alert("Cannot register listeners in the event loop.");
        return 1;
    }
    let ready = READY_FD.swap(-1, std::sync::atomic::Ordering::Relaxed);
    if ready >= 0 {
        crate::sys::master::write_byte(ready);
        crate::sys::close_fd(ready);
    }
    eng.run();
    0
}

#[cfg(test)]
mod tests {
    use super::Modes;
    use crate::cli::Args;

    fn args(f: impl Fn(&mut Args)) -> Args {
        let mut a = Args::default();
        f(&mut a);
        a
    }

    #[test]
    fn command_line_daemon_drops_config_debug() {
        let a = args(|a| {
            a.daemon = true;
            a.quiet = true;
        });
        let m = Modes::of(&a, false, false, true);
        assert!(m.daemon && !m.debug && !m.warn_conflict);
    }

    #[test]
    fn debug_wins_over_config_daemon_with_a_warning() {
        let m = Modes::of(&args(|_| {}), true, false, true);
        assert!(!m.daemon && m.debug && m.warn_conflict);
        // quiet at that moment hides the warning (1.4's Warning())
        let m = Modes::of(&args(|_| {}), true, true, true);
        assert!(!m.daemon && !m.quiet && m.debug && !m.warn_conflict);
    }

    #[test]
    fn foreground_drops_config_daemon_and_quiet() {
        let a = args(|a| a.foreground = true);
        let m = Modes::of(&a, true, true, false);
        assert!(!m.daemon && !m.quiet && !m.debug);
        let a = args(|a| {
            a.debug = true;
            a.quiet = true;
            a.quiet_flag = true;
        });
        let m = Modes::of(&a, false, false, false);
        assert!(m.debug && !m.quiet && !m.warn_conflict);
    }
}

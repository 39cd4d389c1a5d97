//! The 1.4 command line: `haproxy -f CFG [-c] [-D] [-p PID] [-sf PID...]`.

use getopts::Options;

pub const VERSION_LINE: &str = "HA-Proxy version 1.4.25 2014/03/27 (haproxy-rs 0.1.0)";

#[derive(Debug, Default, Clone)]
pub struct Args {
    /// argv[0] as invoked: 1.4 names itself so in `[<argv0>.main()]` alerts
    pub argv0: String,
    pub files: Vec<String>,
    pub check: bool,
    pub daemon: bool,
    /// -q or -D: quiet once started (1.4 makes a daemon quiet only then)
    pub quiet: bool,
    /// -q alone: what hides warnings while the config is parsed and checked
    pub quiet_flag: bool,
    pub verbose: bool,
    pub debug: bool,
    pub foreground: bool,
    pub maxconn: Option<u32>,
    pub maxpconn: Option<u32>,
    pub memmax_mb: Option<u64>,
    pub pidfile: Option<String>,
    pub oldpids: Vec<i32>,
    /// SIGUSR1 for -sf, SIGTERM for -st
    pub oldpids_sig: i32,
    /// -W / -Ws (not in 1.4): master-worker mode, src/master.rs
    pub master_worker: bool,
    /// -Ws: tell systemd (Type=notify) when ready
    pub sd_notify: bool,
    /// -S <socket> (not in 1.4): accepted and ignored in -W mode
    pub master_cli: Option<String>,
}

pub enum Cli {
    Run(Args),
    /// Print this and exit 0 (-v, -vv)
    Version(bool),
    Usage,
}

/// 1.4's list_pollers() output for the one poller we have (epoll), as
/// `-vv` prints it and `-d`/`-V`/`debug` print it at start-up.
pub const POLLERS: &str =
    "Available polling systems :\n      epoll : pref=300,  test result OK\nTotal: 1 (1 usable), will use epoll.\n";

pub fn version_text(build: bool) -> String {
    let mut s = format!(
        "{}\nCopyright 2026 the haproxy-rs authors, a Rust rewrite of HAProxy 1.4\n\n",
        VERSION_LINE
    );
    if build {
        s.push_str("Build options :\n  TARGET  = linux26\n  CPU     = generic\n  CC      = rustc\n  CFLAGS  = -O3\n  OPTIONS = \n\n");
        s.push_str("Default settings :\n  maxconn = 2000, bufsize = 16384, maxrewrite = 8192, maxpollevents = 200\n\n");
        s.push_str("Encrypted password support via crypt(3): yes\n\n");
        s.push_str(POLLERS);
        s.push('\n');
    }
    s
}

/// The banner 1.4's usage() prints on stdout before the usage text: its
/// display_version() lines, unchanged, since scripts parse that output.
pub const USAGE_BANNER: &str =
    "HA-Proxy version 1.4.25 2014/03/27\nCopyright 2000-2014 Willy Tarreau <w@1wt.eu>\n\n";

/// The program name 1.4 prints in its usage: argv[0] without its directories.
pub fn progname(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}

pub fn usage_text(name: &str) -> String {
    format!(
        "Usage : {} [-f <cfgfile>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n        [ -p <pidfile> ] [ -m <max megs> ]\n        -v displays version ; -vv shows known build options.\n        -d enters debug mode ; -db only disables background mode.\n        -V enters verbose mode (disables quiet mode)\n        -D goes daemon\n        -q quiet mode : don't display messages\n        -c check mode : only check config files and exit\n        -n sets the maximum total # of connections (2000)\n        -m limits the usable amount of memory (in MB)\n        -N sets the default, per-proxy maximum # of connections (2000)\n        -p writes pids of all children to this file\n        -de disables epoll() usage even when available\n        -ds disables speculative epoll() usage even when available\n        -dp disables poll() usage even when available\n        -sf/-st [pid ]* finishes/terminates old pids. Must be last arguments.\n\n",
        name
    )
}

fn atol(s: &str) -> i64 {
    crate::units::atoi(s)
}

/// Parses argv (without argv[0]) the way 1.4 does: flags by their leading
/// letters, `-sf`/`-st` followed by pids; unlike 1.4, options may follow
/// the pid list.
pub fn parse(argv: &[String]) -> Cli {
    let mut a = Args {
        oldpids_sig: crate::sys::SIGUSR1,
        ..Default::default()
    };
    // 1.4-only shapes getopts cannot express are taken out first
    let mut rest: Vec<String> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        match one_word(argv, i, &mut a, &mut rest) {
            Ok(next) => i = next,
            Err(Early::Usage) => return Cli::Usage,
            Err(Early::Version(vv)) => return Cli::Version(vv),
        }
    }
    getopts_words(&rest, a)
}

/// What one word decides for the whole command line before getopts runs.
enum Early {
    Usage,
    /// -v (false) or -vv (true)
    Version(bool),
}

/// Word i of argv: taken here when getopts cannot express it, else passed
/// on (normalised) in `rest`. Returns the index of the next word, or Err
/// with what the whole command line means at once (usage, version).
fn one_word(
    argv: &[String],
    i: usize,
    a: &mut Args,
    rest: &mut Vec<String>,
) -> Result<usize, Early> {
    let w = &argv[i];
    let f = w.strip_prefix('-').unwrap_or("");
    if !w.starts_with('-') {
        return Err(Early::Usage);
    }
    if f.starts_with('v') {
        return Err(Early::Version(f.as_bytes().get(1) == Some(&b'v')));
    }
    if f.starts_with("sf") || f.starts_with("st") {
        a.oldpids_sig = if f.starts_with("sf") {
            crate::sys::SIGUSR1
        } else {
            crate::sys::SIGTERM
        };
        return old_pids(argv, i + 1, a);
    }
    // haproxy 1.8+'s master-worker flags, which its systemd unit uses
    if f == "W" || f == "Ws" {
        a.master_worker = true;
        a.sd_notify |= f == "Ws";
        return Ok(i + 1);
    }
    if f == "S" {
        match argv.get(i + 1) {
            Some(s) => a.master_cli = Some(s.clone()),
            None => return Err(Early::Usage),
        }
        return Ok(i + 2);
    }
    if let Some(d) = f.strip_prefix('d') {
        match d.chars().next() {
            Some('b') => a.foreground = true,
            // -de/-ds/-dp/-dk/-dS pick pollers; we always run one epoll loop
            Some('e') | Some('s') | Some('p') => {}
            _ => a.debug = true,
        }
        return Ok(i + 1);
    }
    match f.chars().next() {
        Some('c') | Some('D') | Some('q') | Some('V') => rest.push(format!("-{}", &f[..1])),
        Some(c @ ('n' | 'm' | 'N' | 'f' | 'p')) => {
            if i + 1 >= argv.len() {
                return Err(Early::Usage);
            }
            rest.push(format!("-{}", c));
            rest.push(argv[i + 1].clone());
            return Ok(i + 2);
        }
        _ => return Err(Early::Usage),
    }
    Ok(i + 1)
}

/// The pids after `-sf`/`-st`, from word i. 1.4 takes every remaining
/// word as a pid; a word starting with '-' ends the list here instead (as
/// 1.5 and later do), so init scripts that append options after the pids
/// work (Debian 12: `-sf $(cat $PIDFILE) -D $EXTRAOPTS`), while every
/// command line 1.4 accepts means the same.
fn old_pids(argv: &[String], mut i: usize, a: &mut Args) -> Result<usize, Early> {
    while i < argv.len() && !argv[i].starts_with('-') {
        let v = atol(&argv[i]);
        if v <= 0 {
            return Err(Early::Usage);
        }
        a.oldpids.push(v as i32);
        i += 1;
    }
    Ok(i)
}

/// The flags getopts reads, into `a`.
fn getopts_words(rest: &[String], mut a: Args) -> Cli {
    let mut o = Options::new();
    o.optflag("c", "", "check mode");
    o.optflag("D", "", "daemon");
    o.optflag("q", "", "quiet");
    o.optflag("V", "", "verbose");
    o.optmulti("f", "", "config file", "FILE");
    o.optopt("n", "", "maxconn", "N");
    o.optopt("N", "", "per-proxy maxconn", "N");
    o.optopt("m", "", "memory limit", "MB");
    o.optmulti("p", "", "pidfile", "FILE");
    let m = match o.parse(rest) {
        Ok(m) => m,
        Err(_) => return Cli::Usage,
    };
    if !m.free.is_empty() {
        return Cli::Usage;
    }
    a.check = m.opt_present("c");
    a.daemon = m.opt_present("D");
    a.quiet_flag = m.opt_present("q");
    a.quiet = a.quiet_flag || a.daemon;
    a.verbose = m.opt_present("V");
    a.files = m.opt_strs("f");
    a.maxconn = m
        .opt_str("n")
        .map(|v| atol(&v).max(0) as u32)
        .filter(|&v| v > 0);
    a.maxpconn = m.opt_str("N").map(|v| atol(&v).max(0) as u32);
    a.memmax_mb = m.opt_str("m").map(|v| atol(&v).max(0) as u64);
    a.pidfile = m.opt_strs("p").pop();
    if a.files.is_empty() {
        return Cli::Usage;
    }
    Cli::Run(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn init_script_shapes() {
        match parse(&v("-D -f /etc/haproxy.cfg -p /run/h.pid -sf 12 34")) {
            Cli::Run(a) => {
                assert!(a.daemon && a.quiet);
                assert_eq!(a.files, vec!["/etc/haproxy.cfg"]);
                assert_eq!(a.pidfile.as_deref(), Some("/run/h.pid"));
                assert_eq!(a.oldpids, vec![12, 34]);
            }
            _ => panic!("expected run"),
        }
        assert!(
            matches!(parse(&v("-c -q -f a -f b")), Cli::Run(a) if a.check && a.files.len() == 2)
        );
        assert!(matches!(parse(&v("-vv")), Cli::Version(true)));
        assert!(matches!(parse(&v("-c")), Cli::Usage));
        assert!(matches!(parse(&v("-f a -sf x")), Cli::Usage));
        assert!(matches!(parse(&v("-f a -db")), Cli::Run(a) if a.foreground));
        assert!(matches!(parse(&v("-f")), Cli::Usage));
        assert!(matches!(parse(&v("-s -f a")), Cli::Usage));
    }

    #[test]
    fn options_after_the_pid_list() {
        // Debian 12's reload: -sf PIDS -D $EXTRAOPTS
        match parse(&v("-f /etc/h.cfg -p /run/h.pid -sf 12 34 -D -de -m 16")) {
            Cli::Run(a) => {
                assert_eq!(a.oldpids, vec![12, 34]);
                assert!(a.daemon);
                assert_eq!(a.memmax_mb, Some(16));
                assert_eq!(a.oldpids_sig, crate::sys::SIGUSR1);
            }
            _ => panic!("expected run"),
        }
        // an empty pid list (no old process yet), then options
        assert!(
            matches!(parse(&v("-f a -sf -D")), Cli::Run(a) if a.oldpids.is_empty() && a.daemon)
        );
        assert!(
            matches!(parse(&v("-st 7 -f a")), Cli::Run(a) if a.oldpids == vec![7] && a.oldpids_sig == crate::sys::SIGTERM)
        );
        // still refused: a word that is neither a pid nor an option
        assert!(matches!(parse(&v("-f a -sf 12 abc -D")), Cli::Usage));
        assert!(matches!(parse(&v("-f a -sf 12 -D x")), Cli::Usage));
    }

    #[test]
    fn master_worker_flags_of_the_systemd_unit() {
        let unit = "-Ws -f /etc/h.cfg -p /run/h.pid -S /run/haproxy-master.sock";
        match parse(&v(unit)) {
            Cli::Run(a) => {
                assert!(a.master_worker && a.sd_notify && !a.daemon);
                assert_eq!(a.master_cli.as_deref(), Some("/run/haproxy-master.sock"));
            }
            _ => panic!("expected run"),
        }
        assert!(
            matches!(parse(&v("-W -f a -c -q")), Cli::Run(a) if a.master_worker && !a.sd_notify && a.check)
        );
        assert!(matches!(parse(&v("-f a -S")), Cli::Usage));
        assert!(matches!(parse(&v("-f a -Wx")), Cli::Usage));
    }
}

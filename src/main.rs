//! haproxy-rs: a drop-in replacement for HAProxy 1.4.
#![deny(unsafe_code)]

use haproxy_rs::{cli, config, lifecycle, log, master};

fn main() {
    // args() would panic on a word that is not UTF-8: such a path is kept
    // lossily and then fails to open with 1.4's alert instead
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let name = argv.first().cloned().unwrap_or_else(|| "haproxy".into());
    match cli::parse(argv.get(1..).unwrap_or(&[])) {
        cli::Cli::Version(b) => {
            print!("{}", cli::version_text(b));
            std::process::exit(0);
        }
        cli::Cli::Usage => {
            print!("{}", cli::USAGE_BANNER);
            eprint!("{}", cli::usage_text(cli::progname(&name)));
            std::process::exit(1);
        }
        cli::Cli::Run(mut a) => {
            a.argv0 = name;
            // a worker exec'd by a -W master on reload: where to say it listens
            if let Some(fd) = std::env::var(master::READY_FD_ENV)
                .ok()
                .and_then(|v| v.parse().ok())
            {
                std::env::remove_var(master::READY_FD_ENV);
                lifecycle::set_ready_fd(fd);
            }
            log::msg::set_quiet(a.quiet_flag);
            log::msg::set_verbose(a.verbose);
            // a directory given with -f reads as an empty file, as in 1.4
            // (so EL9's `-f $CONFIG -f $CFGDIR` starts, its conf.d unread)
            let r = config::parse_files(&a.files, a.maxpconn.unwrap_or(2000), a.maxconn);
            match r {
                Err(_) => std::process::exit(1),
                Ok(out) => {
                    if a.check {
                        // qprint honours -q and the global `quiet` keyword
                        log::msg::qprint("Configuration file is valid\n");
                        std::process::exit(0);
                    }
                    if a.master_worker {
                        std::process::exit(master::run(a, out.config));
                    }
                    std::process::exit(lifecycle::start(a, out.config));
                }
            }
        }
    }
}

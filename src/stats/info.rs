//! `show info` and the process limits the HTML page shows too, computed as
//! 1.4 computes them: the file descriptors it reserves (`maxsock`) and the
//! `ulimit-n` it derives from them.

use crate::state::Runtime;
use std::fmt::Write;

/// The process-wide values of `show info` and the page's general section.
pub struct Limits {
    pub maxsock: u32,
    /// `ulimit-n`: configured, or maxsock
    pub ulimit_n: u32,
    pub maxconn: u32,
    /// 1.4 computes pipes only for `option splice-*`, which we do not parse
    pub maxpipes: u32,
    /// current connections, stats socket ones included (1.4's `actconn`)
    pub actconn: u32,
    /// 1.4's task count: one per session, per server with `check` (in
    /// every proxy, stopped ones included: 1.4 creates them all), per
    /// stick table with an expiry, and one for all appsessions
    pub tasks: u32,
    /// tasks woken in this pass, the request being answered included
    pub run_queue: u32,
    /// `-m`: the memory limit in megabytes, 0 for none
    pub memmax_mb: u64,
}

impl Limits {
    pub fn of(rt: &Runtime) -> Limits {
        let g = &rt.cfg.global;
        let maxpipes = 0;
        let maxsock = maxsock(rt.cfg);
        let mut tasks = rt.actconn + rt.cli_conns;
        let mut appsession = false;
        for p in &rt.cfg.proxies {
            tasks += p.servers.iter().filter(|s| s.check).count() as u32;
            tasks += p.stick_table.as_ref().is_some_and(|t| t.expire.is_some()) as u32;
            appsession |= p.appsession.is_some();
        }
        tasks += appsession as u32;
        Limits {
            tasks,
            run_queue: rt.run_queue.max(1),
            memmax_mb: g.memmax_mb,
            maxsock,
            ulimit_n: if g.ulimit_n > 0 { g.ulimit_n } else { maxsock },
            maxconn: g.maxconn,
            maxpipes,
            actconn: rt.actconn + rt.cli_conns,
        }
    }
}

/// The file descriptors 1.4 reserves (`global.maxsock`): 10, then one per
/// listener, per checked server and for the stats socket; `stats maxconn`
/// moves it by its difference with the default of 10; then two per
/// connection and per pipe (1.4 computes pipes only for `option splice-*`,
/// none here). Start-up sets RLIMIT_NOFILE from it too.
pub fn maxsock(cfg: &crate::config::model::Config) -> u32 {
    let g = &cfg.global;
    let maxpipes: i64 = 0;
    let mut maxsock: i64 = 10;
    for p in &cfg.proxies {
        maxsock += p.binds.len() as i64;
        maxsock += p.servers.iter().filter(|s| s.check).count() as i64;
    }
    if g.stats_socket.is_some() {
        maxsock += 1;
    }
    maxsock += i64::from(g.stats_maxconn) - 10;
    maxsock += 2 * i64::from(g.maxconn) + 2 * maxpipes;
    maxsock.clamp(0, u32::MAX as i64) as u32
}

/// `Nd HHhMMmSSs` as the page and `show info` print an uptime.
pub fn uptime(secs: u64) -> String {
    format!(
        "{}d {}h{:02}m{:02}s",
        secs / 86400,
        (secs % 86400) / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// The node name: `node` from the global section, else the host name.
pub fn node(rt: &Runtime) -> String {
    let g = &rt.cfg.global;
    if g.node.is_empty() {
        crate::sys::hostname()
    } else {
        g.node.clone()
    }
}

/// `show info` lines.
pub fn info(rt: &Runtime) -> String {
    let up = rt.start.elapsed().as_secs();
    let g = &rt.cfg.global;
    let l = Limits::of(rt);
    let mut o = String::new();
    let _ = write!(
        o,
        "Name: HAProxy\nVersion: 1.4.25\nRelease_date: 2014/03/27\nNbproc: {}\nProcess_num: {}\nPid: {}\n",
        g.nbproc,
        super::RELATIVE_PID,
        crate::sys::getpid()
    );
    let _ = write!(
        o,
        "Uptime: {}\nUptime_sec: {}\nMemmax_MB: {}\nUlimit-n: {}\nMaxsock: {}\nMaxconn: {}\nMaxpipes: {}\n",
        uptime(up),
        up,
        l.memmax_mb,
        l.ulimit_n,
        l.maxsock,
        l.maxconn,
        l.maxpipes
    );
    let _ = write!(
        o,
        "CurrConns: {}\nPipesUsed: 0\nPipesFree: 0\nTasks: {}\nRun_queue: {}\nnode: {}\ndescription: {}\n",
        l.actconn,
        l.tasks,
        l.run_queue,
        node(rt),
        g.description.clone().unwrap_or_default()
    );
    o
}

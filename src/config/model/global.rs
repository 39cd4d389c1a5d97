//! The model of the `global` section (process settings, stats sockets)
//! and of `userlist` sections (users and groups for http_auth).

use super::LogTarget;

#[derive(Debug, Clone, Default)]
pub struct StatsSocket {
    pub path: String,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
    /// 0 user, 1 operator, 2 admin
    pub level: u8,
}

#[derive(Debug, Clone)]
pub struct Global {
    /// `nosplice`: large bodies are copied through our buffers instead
    pub nosplice: bool,
    /// `-m` from the command line (MB, 0: none), for `show info`
    pub memmax_mb: u64,
    pub maxconn: u32,
    pub maxconn_set: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub daemon: bool,
    pub chroot: Option<String>,
    pub pidfile: Option<String>,
    pub nbproc: u32,
    pub logs: Vec<LogTarget>,
    pub stats_socket: Option<StatsSocket>,
    /// 1.4's stats_fe exists (a `stats socket` or `stats timeout` line):
    /// what the multi-process warning looks at
    pub stats_fe: bool,
    pub stats_timeout_ms: u64,
    pub stats_maxconn: u32,
    pub ulimit_n: u32,
    pub spread_checks: u32,
    pub node: String,
    pub description: Option<String>,
    pub quiet: bool,
    pub debug: bool,
    pub log_send_hostname: Option<String>,
    pub log_tag: Option<String>,
    pub bufsize: usize,
    pub maxrewrite: usize,
    pub chksize: usize,
    pub maxaccept: u32,
    pub maxpollevents: u32,
    /// tune.rcvbuf/sndbuf.client/server (0: the kernel's default)
    pub rcvbuf_client: u32,
    pub rcvbuf_server: u32,
    pub sndbuf_client: u32,
    pub sndbuf_server: u32,
    /// `ssl-server-verify` (HAProxy 1.5 syntax): servers' certificates
    /// are verified unless a `server` line says `verify none`
    pub ssl_server_verify: bool,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            nosplice: false,
            memmax_mb: 0,
            maxconn: 2000,
            maxconn_set: false,
            uid: None,
            gid: None,
            daemon: false,
            chroot: None,
            pidfile: None,
            nbproc: 1,
            logs: Vec::new(),
            stats_socket: None,
            stats_fe: false,
            stats_timeout_ms: 10_000,
            stats_maxconn: 10,
            ulimit_n: 0,
            spread_checks: 0,
            node: String::new(),
            description: None,
            quiet: false,
            debug: false,
            log_send_hostname: None,
            log_tag: None,
            bufsize: 16384,
            maxrewrite: 8192,
            chksize: 16384,
            maxaccept: 100,
            maxpollevents: 200,
            rcvbuf_client: 0,
            rcvbuf_server: 0,
            sndbuf_client: 0,
            sndbuf_server: 0,
            ssl_server_verify: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password: String,
    pub insecure: bool,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Userlist {
    pub name: String,
    pub users: Vec<User>,
    pub groups: Vec<(String, Vec<String>)>,
}

//! The validated, immutable runtime model built once before the loop.
//! This file holds the proxy model (modes, listeners, timeouts, options,
//! balancing, cookies, stats); the global section and userlists, the
//! servers and checks, and the rules live in model/*.rs, re-exported here.

use crate::acl::Cond;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};

/// The stats page's basic-auth realm when `stats realm` is not set.
pub const DEFAULT_REALM: &str = "HAProxy Statistics";

pub use crate::log::{LogAddr, LogTarget};

mod global;
mod rules;
mod server;
pub use global::*;
pub use rules::*;
pub use server::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Tcp,
    Http,
    Health,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Defaults,
    Listen,
    Frontend,
    Backend,
    /// 1.4's `ruleset`: rules only, neither frontend nor backend, so it
    /// never carries traffic
    Ruleset,
}

impl Kind {
    /// The word 1.4 uses in stop/pause messages.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Listen | Kind::Defaults => "proxy",
            Kind::Frontend => "frontend",
            Kind::Backend => "backend",
            Kind::Ruleset => "ruleset",
        }
    }
    pub fn section(self) -> &'static str {
        match self {
            Kind::Defaults => "defaults",
            Kind::Listen => "listen",
            Kind::Frontend => "frontend",
            Kind::Backend => "backend",
            Kind::Ruleset => "ruleset",
        }
    }
    pub fn is_fe(self) -> bool {
        matches!(self, Kind::Listen | Kind::Frontend | Kind::Defaults)
    }
    pub fn is_be(self) -> bool {
        matches!(self, Kind::Listen | Kind::Backend | Kind::Defaults)
    }
}

#[derive(Debug, Clone)]
pub struct Bind {
    pub addr: SocketAddr,
    /// `fd@<n>` (1.5's syntax): the inherited socket to listen on, whose
    /// address `addr` was read from
    pub fd: Option<i32>,
    pub interface: Option<String>,
    pub mss: Option<i32>,
    pub defer_accept: bool,
    /// `ssl crt ...` (1.5 syntax): the TLS listener's setup
    pub tls: Option<Box<crate::tls::SslBind>>,
    pub name: Option<String>,
    pub id: Option<u32>,
    /// where it was declared, for the duplicate `id` message
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Timeouts {
    pub client: Option<u64>,
    pub server: Option<u64>,
    pub connect: Option<u64>,
    pub queue: Option<u64>,
    pub http_request: Option<u64>,
    pub http_keep_alive: Option<u64>,
    pub check: Option<u64>,
    pub tarpit: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Default,
    Tcp,
    Http,
    HttpClf,
}

/// How an HTTP connection is handled after each message (1.4 modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum HttpConnMode {
    #[default]
    Tunnel,
    /// `option http-keep-alive` (1.5, an extension): both sides stay open
    /// between transactions. Ranked above Tunnel because a 1.4 proxy
    /// without any mode option says nothing (1.5's default is keep-alive),
    /// below every close mode, which wins over it as in 1.5's matrix.
    KeepAlive,
    Close,
    ServerClose,
    ForceClose,
}

#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub dontlognull: bool,
    pub redispatch: bool,
    pub httpclose: bool,
    pub http_server_close: bool,
    pub forceclose: bool,
    pub pretend_keepalive: bool,
    pub abortonclose: bool,
    pub allbackups: bool,
    pub persist: bool,
    pub log_separate_errors: bool,
    pub dontlog_normal: bool,
    pub logasap: bool,
    pub clitcpka: bool,
    pub srvtcpka: bool,
    pub nolinger: bool,
    pub checkcache: bool,
    pub log_health_checks: bool,
    pub http_proxy: bool,
    pub accept_invalid_req: bool,
    pub accept_invalid_rsp: bool,
    pub contstats: bool,
    pub socket_stats: bool,
    pub independant_streams: bool,
    pub http_use_proxy_header: bool,
    pub http_no_delay: bool,
    pub tcp_smart_accept: bool,
    pub tcp_smart_connect: bool,
    /// `option transparent`: without a balance algorithm, connect to the
    /// address the client connected to
    pub transparent: bool,
    /// `no option tcp-smart-accept` seen: HTTP mode's automatic smart
    /// accept is off (1.4 keeps the explicit "no" apart from the flag)
    pub no_tcp_smart_accept: bool,
    /// `no option tcp-smart-connect` seen: see `Proxy::smart_connect`
    pub no_tcp_smart_connect: bool,
    /// `option http-keep-alive` (1.5): see `HttpConnMode::KeepAlive`
    pub http_keep_alive: bool,
    /// `option prefer-last-server` (1.5): a kept-alive server connection
    /// is used again when the balancer would move off it
    pub prefer_last_server: bool,
}

/// `http-reuse` (1.6): which requests may go on an idle server connection
/// that another client session left in the server's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HttpReuse {
    Never,
    /// a session's first request always gets a connection of its own
    Safe,
    /// a first request may take a connection that served two or more
    Aggressive,
    Always,
}

#[derive(Debug, Clone)]
pub struct ForwardFor {
    pub header: String,
    pub except: Option<(Ipv4Addr, Ipv4Addr)>,
    pub if_none: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Balance {
    RoundRobin,
    StaticRr,
    LeastConn,
    Source,
    Uri {
        len: usize,
        depth: usize,
        whole: bool,
    },
    UrlParam {
        name: String,
        check_post: Option<usize>,
    },
    Hdr {
        name: String,
        domain_only: bool,
    },
    RdpCookie {
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieMode {
    #[default]
    Passive,
    Rewrite,
    Insert,
    Prefix,
}

#[derive(Debug, Clone, Default)]
pub struct CookieCfg {
    pub name: String,
    pub mode: CookieMode,
    pub indirect: bool,
    pub nocache: bool,
    pub postonly: bool,
    pub preserve: bool,
    pub httponly: bool,
    pub secure: bool,
    pub domains: Vec<String>,
    pub maxidle: u64,
    pub maxlife: u64,
}

impl CookieCfg {
    /// 1.4's `ck_opts != 0`: a mode or flag word was given (a bare
    /// `cookie NAME`, even with domain/maxidle/maxlife, has none). Only
    /// then does the log show the two cookie characters.
    pub fn has_options(&self) -> bool {
        self.mode != CookieMode::Passive
            || self.indirect
            || self.nocache
            || self.postonly
            || self.preserve
            || self.httponly
            || self.secure
    }
}

#[derive(Debug, Clone, Default)]
pub struct StatsCfg {
    pub enabled: bool,
    pub uri: String,
    pub realm: String,
    pub auths: Vec<(String, String)>,
    pub refresh: u64,
    pub hide_version: bool,
    pub scopes: Vec<String>,
    pub admin: Vec<Cond>,
    /// `stats http-request`: 1.4 runs this list instead of the proxy's
    /// http-request rules for the requests the stats page answers
    pub http_req_rules: Vec<HttpReqRule>,
    pub show_node: Option<String>,
    pub show_desc: Option<String>,
    pub show_legends: bool,
    /// still the defaults section's settings: 1.4 shares them until the
    /// proxy's first `stats` line, which starts the proxy's own from
    /// scratch
    pub inherited: bool,
}

#[derive(Debug, Clone)]
pub struct Proxy {
    pub name: String,
    pub kind: Kind,
    pub id: u32,
    /// its position in `Config::proxies`, set once by validation
    pub idx: usize,
    pub file: String,
    pub line: usize,
    pub mode: Mode,
    pub binds: Vec<Bind>,
    pub disabled: bool,
    /// `bind-process`: bit n-1 for process n; 0 means every process
    pub bind_proc: u32,
    pub maxconn: u32,
    pub backlog: u32,
    pub fullconn: u32,
    pub retries: u32,
    pub timeouts: Timeouts,
    pub flags: Flags,
    pub logs: Vec<LogTarget>,
    pub log_format: LogFormat,
    pub balance: Balance,
    /// a `balance` line was seen here or in defaults (1.4's algo bits)
    pub balance_set: bool,
    /// no load balancing: a backend without `balance` that is transparent,
    /// has a dispatch address or is an HTTP proxy sends to that instead of
    /// its servers (set by check_config_validity, as 1.4 leaves algo 0)
    pub lb_off: bool,
    pub hash_consistent: bool,
    /// `persist rdp-cookie[(name)]`: the cookie naming the server
    pub persist_rdp: Option<String>,
    pub cookie: Option<CookieCfg>,
    pub servers: Vec<Server>,
    pub default_server: DefaultServer,
    pub default_backend: Option<String>,
    pub default_be_idx: Option<usize>,
    pub switching_rules: Vec<SwitchRule>,
    /// the switching rules' runs of exact-match rules, indexed
    pub switch_plan: crate::acl::RulePlan,
    pub acls: crate::acl::AclList,
    /// anonymous `{ }` ACLs, each with the number of named ACLs declared
    /// before it: 1.4 keeps both in one list, in creation order, and
    /// checks their targets in that order
    pub anon_acls: Vec<(usize, crate::acl::Acl)>,
    pub block_rules: Vec<Cond>,
    pub http_req_rules: Vec<HttpReqRule>,
    pub req_exps: Vec<HdrExp>,
    pub rsp_exps: Vec<HdrExp>,
    pub req_adds: Vec<HdrAdd>,
    pub rsp_adds: Vec<HdrAdd>,
    pub redirects: Vec<Redirect>,
    pub errorfiles: BTreeMap<u16, Vec<u8>>,
    pub monitor_uri: Option<String>,
    pub monitor_nets: Vec<(Ipv4Addr, Ipv4Addr)>,
    pub monitor_fail: Vec<Cond>,
    pub req_captures: Vec<Capture>,
    pub rsp_captures: Vec<Capture>,
    pub capture_cookie: Option<Capture>,
    pub stats: StatsCfg,
    pub forwardfor: Option<ForwardFor>,
    pub originalto: Option<ForwardFor>,
    pub check: CheckCfg,
    pub grace: u64,
    pub rate_limit: u32,
    pub dispatch: Option<SocketAddr>,
    pub source: Option<crate::sys::BindSrc>,
    pub description: Option<String>,
    pub send_name_header: Option<String>,
    pub tcp_inspect_delay: Option<u64>,
    pub tcp_content_rules: Vec<(bool, Option<Cond>)>,
    pub appsession: Option<AppSession>,
    pub stick_table: Option<StickTable>,
    /// size/expire/nopurge as `stick-table` lines set them, kept even when
    /// a line fails (1.4 writes them into the table as it reads them)
    pub stick_params: StickTable,
    pub stick_rules: Vec<StickRule>,
    /// `force-persist` (true) and `ignore-persist` (false) rules, in one
    /// list as 1.4 keeps them: the first matching one decides
    pub persist_rules: Vec<(bool, Cond)>,
    /// `http-reuse` (1.6, an extension); None: unset (`safe` under
    /// keep-alive)
    pub http_reuse: Option<HttpReuse>,
}

impl Proxy {
    pub fn new(name: &str, kind: Kind, file: &str, line: usize) -> Proxy {
        Proxy {
            name: name.to_string(),
            kind,
            id: 0,
            idx: 0,
            file: file.to_string(),
            line,
            mode: Mode::Tcp,
            binds: Vec::new(),
            disabled: false,
            bind_proc: 0,
            maxconn: 2000,
            backlog: 0,
            fullconn: 0,
            retries: 3,
            timeouts: Timeouts::default(),
            flags: Flags::default(),
            logs: Vec::new(),
            log_format: LogFormat::Default,
            balance: Balance::RoundRobin,
            balance_set: false,
            lb_off: false,
            hash_consistent: false,
            persist_rdp: None,
            cookie: None,
            servers: Vec::new(),
            default_server: DefaultServer::default(),
            default_backend: None,
            default_be_idx: None,
            switching_rules: Vec::new(),
            switch_plan: Default::default(),
            acls: Default::default(),
            anon_acls: Vec::new(),
            block_rules: Vec::new(),
            http_req_rules: Vec::new(),
            req_exps: Vec::new(),
            rsp_exps: Vec::new(),
            req_adds: Vec::new(),
            rsp_adds: Vec::new(),
            redirects: Vec::new(),
            errorfiles: BTreeMap::new(),
            monitor_uri: None,
            monitor_nets: Vec::new(),
            monitor_fail: Vec::new(),
            req_captures: Vec::new(),
            rsp_captures: Vec::new(),
            capture_cookie: None,
            stats: StatsCfg::default(),
            forwardfor: None,
            originalto: None,
            check: CheckCfg::default(),
            grace: 0,
            rate_limit: 0,
            dispatch: None,
            source: None,
            description: None,
            send_name_header: None,
            tcp_inspect_delay: None,
            tcp_content_rules: Vec::new(),
            appsession: None,
            stick_table: None,
            stick_params: StickTable {
                kind: StickType::Ip,
                size: 0,
                expire: None,
                nopurge: false,
            },
            stick_rules: Vec::new(),
            persist_rules: Vec::new(),
            http_reuse: None,
        }
    }

    pub fn is_fe(&self) -> bool {
        self.kind.is_fe()
    }
    pub fn is_be(&self) -> bool {
        self.kind.is_be()
    }

    /// Whether listeners hold back the ACK of a request so that it leaves
    /// with the response: `option tcp-smart-accept`, automatic in HTTP mode
    /// unless explicitly disabled, as in 1.4.
    pub fn smart_accept(&self) -> bool {
        self.flags.tcp_smart_accept || (self.mode == Mode::Http && !self.flags.no_tcp_smart_accept)
    }

    /// Whether server connections hold back the handshake's last ACK so
    /// that it leaves with the request: `option tcp-smart-connect`, and
    /// (better than 1.4) automatic in HTTP mode, where a request is always
    /// waiting when the connection opens; `no option tcp-smart-connect`
    /// turns it off.
    pub fn smart_connect(&self) -> bool {
        self.flags.tcp_smart_connect
            || (self.mode == Mode::Http && !self.flags.no_tcp_smart_connect)
    }

    /// The `http-reuse` mode of this backend for a transaction whose
    /// connection mode is `keep_alive` or not: as set, else `safe` under
    /// keep-alive, else `never` (a 1.4 config never reuses).
    pub fn reuse_mode(&self, keep_alive: bool) -> HttpReuse {
        match self.http_reuse {
            Some(r) => r,
            None if keep_alive => HttpReuse::Safe,
            None => HttpReuse::Never,
        }
    }

    /// The connection mode 1.4 derives from the options (strongest wins).
    pub fn conn_mode(&self) -> HttpConnMode {
        if self.flags.http_keep_alive {
            // parsing cleared the close options (1.5: the last one wins)
            HttpConnMode::KeepAlive
        } else if self.flags.forceclose {
            HttpConnMode::ForceClose
        } else if self.flags.http_server_close {
            HttpConnMode::ServerClose
        } else if self.flags.httpclose {
            HttpConnMode::Close
        } else {
            HttpConnMode::Tunnel
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub global: Global,
    pub proxies: Vec<Proxy>,
    pub userlists: Vec<Userlist>,
}

//! The model of a backend's servers: each `server` line, the proxy's
//! `default-server` values, and the health check the servers share.

use regex::bytes::Regex;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckType {
    #[default]
    Tcp,
    Http,
    SslHello,
    Smtp,
    Mysql,
    Ldap,
}

#[derive(Debug, Clone)]
pub enum ExpectKind {
    Status(String),
    Rstatus(Regex),
    String(String),
    Rstring(Regex),
}

#[derive(Debug, Clone)]
pub struct HttpExpect {
    pub inverse: bool,
    pub kind: ExpectKind,
}

#[derive(Debug, Clone, Default)]
pub struct CheckCfg {
    pub kind: CheckType,
    /// The request sent by httpchk/smtpchk/mysql-check (already built).
    pub send: Vec<u8>,
    pub expect: Option<HttpExpect>,
    /// 1.4's expect type bits: set once the type word had its argument,
    /// even if the regex then fails, so the next line is "already specified"
    pub expect_typed: bool,
    /// 1.4's inversion bit: each `!` toggles it, even on a failing line
    pub expect_inv: bool,
    pub disable_on_404: bool,
    pub send_state: bool,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub name: String,
    pub id: u32,
    pub line: usize,
    pub addr: IpAddr,
    pub port: u16,
    pub port_relative: bool,
    pub cookie: Option<String>,
    pub check: bool,
    pub check_addr: Option<IpAddr>,
    pub check_port: Option<u16>,
    pub inter: u64,
    pub fastinter: u64,
    pub downinter: u64,
    pub rise: u32,
    pub fall: u32,
    pub weight: u32,
    pub backup: bool,
    pub disabled: bool,
    pub maxconn: u32,
    pub minconn: u32,
    pub maxqueue: u32,
    pub slowstart: u64,
    pub redir: Option<String>,
    pub source: Option<crate::sys::BindSrc>,
    pub track: Option<String>,
    pub error_limit: u32,
    /// `observe`: 0 none, 1 layer4, 2 layer7
    pub observe: u8,
    /// `on-error`: 0 fastinter, 1 fail-check, 2 sudden-death, 3 mark-down
    pub on_error: u8,
    /// `pool-max-conn` (1.6, an extension): idle connections kept for
    /// reuse, -1 unlimited, 0 none
    pub pool_max_conn: i32,
    /// `ssl`, `check-ssl` and their options (HAProxy 1.5 syntax)
    pub ssl: Option<Box<SrvSsl>>,
}

/// A server's TLS (HAProxy 1.5 syntax, an extension): its options as
/// read, and the client context built from them once the global section
/// is known (`config/server_ssl.rs::prepare`).
#[derive(Debug, Clone, Default)]
pub struct SrvSsl {
    /// `ssl`: the traffic to the server is encrypted
    pub use_ssl: bool,
    /// `check-ssl`, or `ssl` on a server whose checks have neither `port`
    /// nor `addr` (1.5 inherits the traffic's TLS for checks only on the
    /// server's own address and port): the health checks are encrypted
    pub check_ssl: bool,
    /// `verify none|required` when given (else `ssl-server-verify`)
    pub verify: Option<bool>,
    pub opts: crate::tls::client::SrvSslOpts,
    pub ctx: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl Server {
    /// The client context of a server whose traffic is encrypted.
    pub fn tls_ctx(&self) -> Option<&std::sync::Arc<rustls::ClientConfig>> {
        self.ssl.as_ref().filter(|t| t.use_ssl)?.ctx.as_ref()
    }

    /// The client context of the health checks when they are encrypted
    /// (`check_ssl`, settled when the server line was read).
    pub fn check_tls_ctx(&self) -> Option<&std::sync::Arc<rustls::ClientConfig>> {
        self.ssl.as_ref().filter(|t| t.check_ssl)?.ctx.as_ref()
    }
}

#[derive(Debug, Clone)]
pub struct DefaultServer {
    pub inter: u64,
    pub fastinter: u64,
    pub downinter: u64,
    pub rise: u32,
    pub fall: u32,
    pub weight: u32,
    pub maxconn: u32,
    pub minconn: u32,
    pub maxqueue: u32,
    pub slowstart: u64,
    pub port: Option<u16>,
    pub error_limit: u32,
    pub on_error: u8,
    /// 1.4 names the default-server of a proxy "default-server" when the
    /// proxy is set up from the defaults; the defaults section's own and
    /// that of a proxy whose address failed are unnamed ("(null)")
    pub unnamed: bool,
}

impl Default for DefaultServer {
    fn default() -> Self {
        DefaultServer {
            inter: 2000,
            fastinter: 0,
            downinter: 0,
            rise: 2,
            fall: 3,
            weight: 1,
            maxconn: 0,
            minconn: 0,
            maxqueue: 0,
            slowstart: 0,
            port: None,
            error_limit: 10,
            on_error: 0,
            unnamed: true,
        }
    }
}

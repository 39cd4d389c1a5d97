//! The model of a proxy's rules: header rewrites (reqrep family and
//! reqadd), redirects, http-request rules, use_backend switching, header
//! captures, and stickiness (stick tables, stick rules, appsession).

use crate::acl::Cond;
use regex::bytes::Regex;

/// One `reqrep`-family rule.
#[derive(Debug, Clone)]
pub enum HdrAction {
    Replace(Vec<u8>),
    Delete,
    Deny,
    Allow,
    Pass,
    Tarpit,
    /// `reqsetbe`: the backend's name, and its index once validation
    /// resolved it (1.4 replaces the name by the proxy at the same point)
    SetBe(String, Option<usize>),
}

#[derive(Debug, Clone)]
pub struct HdrExp {
    pub re: Regex,
    pub action: HdrAction,
    pub cond: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct HdrAdd {
    pub line: Vec<u8>,
    pub cond: Option<Cond>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectKind {
    Location,
    Prefix,
    Scheme,
}

#[derive(Debug, Clone)]
pub struct Redirect {
    pub kind: RedirectKind,
    pub target: String,
    pub code: u16,
    pub drop_query: bool,
    pub append_slash: bool,
    pub set_cookie: Option<String>,
    pub clear_cookie: Option<String>,
    pub cond: Option<Cond>,
}

#[derive(Debug, Clone)]
pub enum HttpReqAction {
    Allow,
    Deny,
    Auth { realm: Option<String> },
}

#[derive(Debug, Clone)]
pub struct HttpReqRule {
    pub action: HttpReqAction,
    pub cond: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct SwitchRule {
    pub backend: String,
    pub be_idx: usize,
    pub cond: Cond,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StickType {
    Ip,
    Integer,
    String(usize),
}

#[derive(Debug, Clone)]
pub struct StickTable {
    pub kind: StickType,
    pub size: u64,
    pub expire: Option<u64>,
    pub nopurge: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StickFetch {
    Src,
    Dst,
    DstPort,
    Hdr(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StickAction {
    Match,
    Store,
    On,
    StoreResponse,
}

#[derive(Debug, Clone)]
pub struct StickRule {
    pub action: StickAction,
    pub fetch: StickFetch,
    /// lower/upper/ipmask converters, applied in order
    pub conv: Vec<String>,
    pub table: Option<String>,
    pub table_idx: usize,
    pub cond: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct AppSession {
    pub cookie: String,
    pub len: usize,
    pub timeout: u64,
    pub request_learn: bool,
    pub prefix: bool,
    pub query_string: bool,
}

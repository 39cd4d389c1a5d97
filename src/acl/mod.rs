//! ACLs and conditions as 1.4 reads and evaluates them. One home per
//! concern: the types and what a session exposes (`Sample`) here, the
//! `acl` line and `if`/`unless` parsers in `parse`, the pattern lists
//! and their indexes (hash sets, prefix tables) in `patset`, the
//! evaluation of expressions and conditions in `eval`, the index of a
//! rule list's exact-match runs in `rule_index`.

mod eval;
mod parse;
mod patset;
mod rule_index;
#[cfg(test)]
mod tests;

pub use eval::{
    acl_match, cond_match, cond_uses, cond_verdict, opt_cond_match, uri_path, uri_path_and_query,
    Verdict,
};
pub use parse::{enable_tls_criteria, paren_warning_text, parse_cond, parse_cond_warn, parse_expr};
pub use patset::PatSet;
pub use rule_index::RulePlan;

use regex::bytes::Regex;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// Calls `f` with `s` lower-cased, for `-i` lookups: in a stack buffer
/// when it fits (host names, paths), so that a case-insensitive match
/// allocates nothing per request; longer samples take a heap copy.
pub(crate) fn with_lower<R>(s: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    const STACK: usize = 256;
    if s.len() <= STACK {
        let mut buf = [0u8; STACK];
        let low = &mut buf[..s.len()];
        low.copy_from_slice(s);
        low.make_ascii_lowercase();
        f(low)
    } else {
        f(&s.to_ascii_lowercase())
    }
}

/// What an ACL criterion looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    Src,
    SrcPort,
    Dst,
    DstPort,
    DstConn,
    SoId,
    FeId,
    BeId,
    SrvId,
    AlwaysTrue,
    AlwaysFalse,
    WaitEnd,
    NbSrv,
    BeConn,
    FeConn,
    Queue,
    AvgQueue,
    ConnSlots,
    BeSessRate,
    FeSessRate,
    SrvIsUp,
    Path,
    Url,
    UrlIp,
    UrlPort,
    Hdr,
    HdrCnt,
    Method,
    ReqVer,
    HttpAuth,
    HttpAuthGroup,
    HttpFirstReq,
    ReqLen,
    ReqSslVer,
    ReqRdpCookie,
    ReqRdpCookieCnt,
    ReqProtoHttp,
    Status,
    RespVer,
    Shdr,
    ShdrCnt,
    /// 1.5's TLS criteria (an extension): the client connection is TLS,
    /// its SNI, protocol and cipher, and whether it sent a certificate
    SslFc,
    SslFcSni,
    SslFcProtocol,
    SslFcCipher,
    SslFcHasCrt,
}

/// How the fetched sample is compared with the patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Str,
    Beg,
    End,
    Sub,
    Dir,
    Dom,
    Reg,
    Len,
    Int,
    Ip,
    Nothing,
    Ver,
}

#[derive(Debug, Clone)]
pub enum Pattern {
    Str(Vec<u8>),
    /// A string read under `-i`, lower-cased.
    StrI(Vec<u8>),
    Reg(Regex),
    Int(i64, i64),
    Net(Ipv4Addr, Ipv4Addr),
}

#[derive(Debug, Clone)]
pub struct AclExpr {
    pub fetch: Fetch,
    pub kind: MatchKind,
    pub arg: Option<String>,
    pub pats: PatSet,
}

#[derive(Debug, Clone)]
pub struct Acl {
    pub name: String,
    /// Several `acl` lines with one name are ORed.
    pub exprs: Vec<AclExpr>,
}

/// A proxy's named ACLs in declaration order (conditions refer to them by
/// index), with their index by name so that a config of thousands of
/// ACLs and rules resolves each name once, in constant time.
#[derive(Debug, Clone, Default)]
pub struct AclList {
    list: Vec<Acl>,
    by_name: HashMap<String, usize>,
}

impl std::ops::Deref for AclList {
    type Target = [Acl];
    fn deref(&self) -> &[Acl] {
        &self.list
    }
}

impl AclList {
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// One more `acl NAME ...` line: several lines of one name are ORed.
    pub fn add_expr(&mut self, name: &str, e: AclExpr) {
        match self.by_name.get(name) {
            Some(&i) => {
                if let Some(a) = self.list.get_mut(i) {
                    a.exprs.push(e);
                }
            }
            None => {
                self.by_name.insert(name.to_string(), self.list.len());
                self.list.push(Acl {
                    name: name.to_string(),
                    exprs: vec![e],
                });
            }
        }
    }

    pub fn clear(&mut self) {
        self.list.clear();
        self.by_name.clear();
    }
}

#[derive(Debug, Clone)]
pub enum AclRef {
    Named(usize),
    Builtin(Box<Acl>),
}

#[derive(Debug, Clone)]
pub struct Term {
    pub neg: bool,
    pub acl: AclRef,
}

/// `if`/`unless` followed by ORed groups of ANDed terms.
#[derive(Debug, Clone)]
pub struct Cond {
    pub unless: bool,
    pub groups: Vec<Vec<Term>>,
}

/// Whether a criterion inspects layer 7 request contents.
pub fn needs_http(f: Fetch) -> bool {
    use Fetch::*;
    matches!(
        f,
        Path | Url
            | UrlIp
            | UrlPort
            | Hdr
            | HdrCnt
            | Method
            | ReqVer
            | HttpAuth
            | HttpAuthGroup
            | HttpFirstReq
    )
}

/// Whether a criterion only makes sense on responses.
pub fn is_response(f: Fetch) -> bool {
    matches!(
        f,
        Fetch::Status | Fetch::RespVer | Fetch::Shdr | Fetch::ShdrCnt
    )
}

/// Everything a session exposes to ACLs. Absent data reads as no match.
pub trait Sample {
    fn src(&self) -> Option<IpAddr>;
    fn src_port(&self) -> i64;
    fn dst(&self) -> Option<IpAddr>;
    fn dst_port(&self) -> i64;
    fn method(&self) -> Option<&[u8]>;
    fn url(&self) -> Option<&[u8]>;
    fn req_ver(&self) -> Option<&[u8]>;
    /// Values of a request header (or all headers' values with None),
    /// comma-split when `split` is set.
    ///
    /// Each value is handed to `f` in order until it returns true (so
    /// nothing is collected per request); the answer is whether it did.
    fn req_hdr_any(
        &self,
        name: Option<&str>,
        split: bool,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool;
    fn rsp_hdr_any(
        &self,
        name: Option<&str>,
        split: bool,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool;
    fn status(&self) -> Option<i64>;
    fn rsp_ver(&self) -> Option<&[u8]>;
    fn req_len(&self) -> i64;
    /// The request bytes received so far, for layer-4 content criteria.
    fn req_payload(&self) -> &[u8] {
        &[]
    }
    fn is_http(&self) -> bool;
    fn first_req(&self) -> bool;
    /// Content inspection still waiting for data (1.4's ACL_PARTIAL).
    fn partial(&self) -> bool {
        false
    }
    /// Integer counters by criterion (nbsrv, be_conn, ...), with an
    /// optional backend/frontend name argument.
    fn counter(&self, fetch: Fetch, arg: Option<&str>) -> Option<i64>;
    fn auth_ok(&self, userlist: Option<&str>, groups: Option<&[Vec<u8>]>) -> bool;
    /// The client connection's TLS facts (`ssl_fc*`): None without TLS;
    /// for `SslFc` an empty value, for the others their text if known.
    fn ssl(&self, _fetch: Fetch) -> Option<&str> {
        None
    }
}

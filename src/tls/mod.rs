//! TLS termination on a `bind ... ssl crt PATH` listener (HAProxy 1.5
//! syntax, an extension to 1.4): the certificates and options of a bind
//! turned into one rustls `ServerConfig` at config time (so `-c` checks
//! every certificate), the SNI resolver (exact names, then `*.` wildcards,
//! else the first certificate, as 1.5), and the client-side stream
//! wrapper the session reads and writes through (`conn.rs`).
//!
//! Why rustls: memory-safe TLS in pure Rust that links into the static
//! binary, no OpenSSL to ship, and its API is sans-I/O (bytes in, bytes
//! out), which fits a single-threaded mio loop without blocking. The
//! crypto provider is aws-lc-rs (faster handshakes than ring here); the
//! `tls-ring` feature swaps in ring. This module imports no other layer.

pub mod certs;
pub mod ciphers;
pub mod client;
pub mod conn;

pub use conn::TlsConn;

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::sync::Arc;

/// The `bind` options that shape a TLS listener.
#[derive(Debug, Clone, Default)]
pub struct SslOpts {
    pub crts: Vec<String>,
    pub ciphers: Option<String>,
    /// `force-tlsv12`: TLS 1.2 only (else 1.2 and 1.3)
    pub tls12_only: bool,
    /// `alpn` protocols, in the order given
    pub alpn: Vec<Vec<u8>>,
    /// `no-tls-tickets`
    pub no_tickets: bool,
    /// `ciphersuites` (HAProxy 1.9 syntax): the TLS 1.3 suites, in order
    pub ciphersuites: Option<String>,
    /// `prefer-client-ciphers` (HAProxy 1.8 syntax): the client's order
    /// of preference decides, not the server's
    pub prefer_client: bool,
}

/// The crypto provider of every TLS listener.
pub fn provider() -> CryptoProvider {
    #[cfg(feature = "tls-ring")]
    return rustls::crypto::ring::default_provider();
    #[cfg(not(feature = "tls-ring"))]
    rustls::crypto::aws_lc_rs::default_provider()
}

fn ticketer() -> Result<Arc<dyn rustls::server::ProducesTickets>, rustls::Error> {
    #[cfg(feature = "tls-ring")]
    return rustls::crypto::ring::Ticketer::new();
    #[cfg(not(feature = "tls-ring"))]
    rustls::crypto::aws_lc_rs::Ticketer::new()
}

/// The TLS part of one listener: its options, its certificates (loaded
/// when `crt` was read) and the context built from them.
#[derive(Debug, Clone, Default)]
pub struct SslBind {
    /// `ssl` was given: the listener speaks TLS
    pub enabled: bool,
    pub opts: SslOpts,
    pub loaded: Vec<Arc<certs::Loaded>>,
    pub ctx: Option<Arc<rustls::ServerConfig>>,
}

/// Why a listener's TLS context could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// the `ciphers` list selects no suite (1.5: unable to set SSL cipher list)
    Ciphers,
    /// a `ciphersuites` name is unknown (unable to set TLS 1.3 cipher suites)
    Ciphersuites,
    /// rustls refused the combination (its message)
    Other(String),
}

/// The certificates of a bind: `certs::load` for each `crt`, in order.
pub fn load_all(crts: &[String]) -> (Vec<certs::Loaded>, Vec<(String, String)>) {
    let p = provider();
    let (mut all, mut errs) = (Vec::new(), Vec::new());
    for c in crts {
        let (ok, e) = certs::load(c, &p);
        all.extend(ok);
        errs.extend(e.into_iter().map(|m| (c.clone(), m)));
    }
    (all, errs)
}

/// The rustls server configuration of one TLS bind. The server's order
/// of preference decides, as HAProxy sets SSL_OP_CIPHER_SERVER_PREFERENCE
/// (`prefer-client-ciphers` turns that off): `ciphers` orders the TLS 1.2
/// suites and `ciphersuites` the TLS 1.3 ones, else `ciphers::DEFAULT*`.
pub fn build(
    certs: &[Arc<certs::Loaded>],
    o: &SslOpts,
) -> Result<Arc<rustls::ServerConfig>, BuildError> {
    let mut p = provider();
    let order12 = match &o.ciphers {
        Some(list) => ciphers::select(list),
        None => ciphers::DEFAULT12.to_vec(),
    };
    if order12.is_empty() {
        return Err(BuildError::Ciphers);
    }
    let order13 = match &o.ciphersuites {
        Some(list) => ciphers::select13(list).ok_or(BuildError::Ciphersuites)?,
        None => ciphers::DEFAULT13.to_vec(),
    };
    let all = std::mem::take(&mut p.cipher_suites);
    let by_id = |id: &rustls::CipherSuite| all.iter().find(|s| s.suite() == *id).copied();
    p.cipher_suites = order13.iter().chain(&order12).filter_map(by_id).collect();
    // an empty `ciphersuites` turns TLS 1.3 off, as in OpenSSL
    let versions: &[&rustls::SupportedProtocolVersion] = if o.tls12_only || order13.is_empty() {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(p))
        .with_protocol_versions(versions)
        .map_err(|e| BuildError::Other(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Sni::new(certs)));
    cfg.alpn_protocols = o.alpn.clone();
    cfg.ignore_client_order = !o.prefer_client;
    if !o.no_tickets {
        cfg.ticketer = ticketer().map_err(|e| BuildError::Other(e.to_string()))?;
    }
    Ok(Arc::new(cfg))
}

/// Certificate choice by SNI: an exact name, then the wildcard covering
/// the name's first label, else the bind's first certificate. A name two
/// certificates claim goes to the first loaded (1.5's order).
#[derive(Debug)]
struct Sni {
    certs: Vec<Arc<CertifiedKey>>,
    exact: HashMap<String, usize>,
    /// `*.example.com` stored under `example.com`
    wild: HashMap<String, usize>,
}

impl Sni {
    fn new(loaded: &[Arc<certs::Loaded>]) -> Sni {
        let mut s = Sni {
            certs: Vec::new(),
            exact: HashMap::new(),
            wild: HashMap::new(),
        };
        for (i, l) in loaded.iter().enumerate() {
            for n in l.names.iter().cloned() {
                match n.strip_prefix("*.") {
                    Some(rest) => s.wild.entry(rest.to_string()).or_insert(i),
                    None => s.exact.entry(n).or_insert(i),
                };
            }
            s.certs.push(l.key.clone());
        }
        s
    }

    fn pick(&self, name: Option<&str>) -> Option<usize> {
        let Some(name) = name.map(|n| n.trim_end_matches('.').to_ascii_lowercase()) else {
            return if self.certs.is_empty() { None } else { Some(0) };
        };
        let parent = name.split_once('.').map(|(_, p)| p);
        self.exact
            .get(&name)
            .or_else(|| parent.and_then(|p| self.wild.get(p)))
            .copied()
            .or(if self.certs.is_empty() { None } else { Some(0) })
    }
}

impl ResolvesServerCert for Sni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.pick(hello.server_name())
            .and_then(|i| self.certs.get(i).cloned())
    }
}

/// An I/O error as C's strerror() words it (1.5 prints those).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_order() {
        let s = Sni {
            certs: Vec::new(),
            exact: [("a.example.com".to_string(), 1)].into_iter().collect(),
            wild: [("example.com".to_string(), 2)].into_iter().collect(),
        };
        assert_eq!(s.pick(Some("A.example.com")), Some(1));
        assert_eq!(s.pick(Some("b.example.com")), Some(2));
        assert_eq!(s.pick(Some("x.b.example.com")), None);
    }
}

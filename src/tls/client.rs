//! TLS towards a server (`server ... ssl`, HAProxy 1.5 syntax, an
//! extension to 1.4): the one rustls `ClientConfig` of a server, built at
//! config time from its options, and the certificate check 1.5 makes.
//!
//! 1.5's semantics, which differ from a browser's: `verify required`
//! checks the chain against `ca-file` only; the certificate's name is
//! checked only when `verifyhost NAME` is given, against its DNS SANs and
//! then its CNs, with a wildcard allowed in the first label alone
//! (ssl_sock_srv_hostcheck). `verify none` checks nothing but the
//! handshake's own signatures. No SNI is sent (1.5 has no `sni`
//! keyword). The last sessions are kept per server, so reconnects resume.
//! `crt` gives the client certificate a server may ask for.

use super::ciphers;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, Tls12Resumption, WebPkiServerVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// The TLS options of one `server` line.
#[derive(Debug, Clone, Default)]
pub struct SrvSslOpts {
    /// the chain is checked against `ca_file`
    pub verify: bool,
    pub ca_file: Option<String>,
    /// `verifyhost`: the name the certificate must carry
    pub verify_host: Option<String>,
    pub ciphers: Option<String>,
    /// `crt`: the client certificate (PEM: chain and key) shown to the
    /// server when it asks for one
    pub crt: Option<String>,
    /// `force-tlsv12`
    pub tls12_only: bool,
    /// `no-tls-tickets`: TLS 1.2 resumes by session id only
    pub no_tickets: bool,
}

/// Why a server's TLS context could not be built.
#[derive(Debug)]
pub enum ClientBuildError {
    /// `ca-file` unreadable or without a usable certificate
    CaFile,
    /// the `ciphers` list selects no suite
    Ciphers,
    /// the `crt` file did not load (1.5's sentence, without its prefix)
    Crt(String),
    /// rustls refused the combination (its message)
    Other(String),
}

/// The CA certificates of `path` (PEM), as a trust store.
pub fn load_ca(path: &str) -> Result<RootCertStore, ClientBuildError> {
    let data = std::fs::read(path).map_err(|_| ClientBuildError::CaFile)?;
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&data) {
        let c = c.map_err(|_| ClientBuildError::CaFile)?;
        roots.add(c).map_err(|_| ClientBuildError::CaFile)?;
    }
    if roots.is_empty() {
        return Err(ClientBuildError::CaFile);
    }
    Ok(roots)
}

/// The rustls client configuration of one server.
pub fn build_client(o: &SrvSslOpts) -> Result<Arc<rustls::ClientConfig>, ClientBuildError> {
    let mut p = super::provider();
    if let Some(list) = &o.ciphers {
        let order12 = ciphers::select(list);
        if order12.is_empty() {
            return Err(ClientBuildError::Ciphers);
        }
        let all = std::mem::take(&mut p.cipher_suites);
        let is13 = |s: &&rustls::SupportedCipherSuite| s.tls13().is_some();
        let by_id = |id: &rustls::CipherSuite| all.iter().find(|s| s.suite() == *id).copied();
        p.cipher_suites = all.iter().filter(is13).copied().collect();
        p.cipher_suites.extend(order12.iter().filter_map(by_id));
    }
    let algs = p.signature_verification_algorithms;
    let p = Arc::new(p);
    let chain = if o.verify {
        let path = o.ca_file.as_deref().ok_or(ClientBuildError::CaFile)?;
        let roots = Arc::new(load_ca(path)?);
        let v = WebPkiServerVerifier::builder_with_provider(roots, p.clone())
            .build()
            .map_err(|e| ClientBuildError::Other(e.to_string()))?;
        Some(v)
    } else {
        None
    };
    let versions: &[&rustls::SupportedProtocolVersion] = if o.tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let verifier = Arc::new(Verifier {
        chain,
        host: o.verify_host.as_ref().map(|h| h.to_ascii_lowercase()),
        algs,
    });
    let cfg = rustls::ClientConfig::builder_with_provider(p)
        .with_protocol_versions(versions)
        .map_err(|e| ClientBuildError::Other(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut cfg = match &o.crt {
        Some(path) => {
            let l =
                super::certs::load_file(path, &super::provider()).map_err(ClientBuildError::Crt)?;
            cfg.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(l.key)))
        }
        None => cfg.with_no_client_auth(),
    };
    cfg.enable_sni = false;
    // 1.5 keeps the server's last session; one name per config here
    let mut r = Resumption::in_memory_sessions(4);
    if o.no_tickets {
        r = r.tls12_resumption(Tls12Resumption::SessionIdOnly);
    }
    cfg.resumption = r;
    Ok(Arc::new(cfg))
}

/// The name a server's connections are made under: its address (an IP
/// name is never sent as SNI, and keys the session cache).
pub fn server_name(ip: std::net::IpAddr) -> ServerName<'static> {
    ServerName::IpAddress(ip.into())
}

/// 1.5's server certificate check (see the module's comment).
#[derive(Debug)]
struct Verifier {
    /// the CA check (`verify required`), None for `verify none`
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// `verifyhost`, lower-cased
    host: Option<String>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let Some(v) = &self.chain else {
            // verify none: OpenSSL ignores the verify callback's verdict
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the chain, then the name: a name error means the
        // chain was good, and 1.5 checks no name but `verifyhost`'s
        match v.verify_server_cert(end_entity, intermediates, name, ocsp, now) {
            Ok(_) => {}
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(e) => return Err(e),
        }
        if let Some(h) = &self.host {
            if !cert_has_name(end_entity, h) {
                return Err(Error::InvalidCertificate(CertificateError::NotValidForName));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Whether the certificate's DNS SANs or CNs match `host`.
fn cert_has_name(cert: &CertificateDer<'_>, host: &str) -> bool {
    match x509_parser::parse_x509_certificate(cert) {
        Ok((_, x)) => super::certs::names_of(&x)
            .iter()
            .any(|p| host_matches(p, host)),
        Err(_) => false,
    }
}

/// A certificate name `pattern` against `host` (both lower-cased): equal,
/// or a `*` within the first label standing for what the host's first
/// label has between the pattern's prefix and suffix (possibly nothing,
/// as 1.5's length test allows), the rest equal.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    if pattern == host {
        return true;
    }
    let Some(star) = pattern.find('*') else {
        return false;
    };
    let (Some(pdot), Some(hdot)) = (pattern.find('.'), host.find('.')) else {
        return false;
    };
    if pdot < star || pattern[pdot..] != host[hdot..] {
        return false;
    }
    let (pl, hl) = (&pattern[..pdot], &host[..hdot]);
    let (pre, suf) = (&pl[..star], &pl[star + 1..]);
    hl.len() >= pre.len() + suf.len() && hl.starts_with(pre) && hl.ends_with(suf)
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn wildcards_as_1_5() {
        assert!(host_matches("a.example.com", "a.example.com"));
        assert!(host_matches("*.example.com", "a.example.com"));
        assert!(host_matches("w*.example.com", "www.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("a.*.com", "a.example.com"));
        assert!(host_matches("ww*w.example.com", "www.example.com"));
        assert!(!host_matches("ww*ww.example.com", "www.example.com"));
        assert!(!host_matches("b.example.com", "a.example.com"));
    }
}

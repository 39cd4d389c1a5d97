//! Loading the certificates of `crt PATH` (a PEM file with its chain and
//! private key, or a directory of them read in name order, as 1.5 does)
//! and checking each as `-c` must: readable, a key that parses, at least
//! one certificate, the key matching the first certificate, not expired.
//! Errors are 1.5's sentences where 1.5 has one (ssl_sock.c), without the
//! `file:line` prefix the config parser adds. The names each certificate
//! answers for (CN and DNS SANs, wildcards kept) feed the SNI resolver.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::sync::Arc;

/// One loaded certificate chain with its key and the names it serves.
#[derive(Debug)]
pub struct Loaded {
    pub key: Arc<CertifiedKey>,
    /// lower-cased CN and DNS SAN entries, `*.example.com` kept as is
    pub names: Vec<String>,
}

/// Loads `path`: a file, or every regular file of a directory in name
/// order (`.issuer` and `.ocsp` files skipped, as 1.5 does). Returns the
/// certificates loaded and the errors met (each one alert).
pub fn load(path: &str, provider: &CryptoProvider) -> (Vec<Loaded>, Vec<String>) {
    let (mut ok, mut errs) = (Vec::new(), Vec::new());
    match std::fs::read_dir(path) {
        Ok(dir) => {
            let base = path.trim_end_matches('/');
            let mut names: Vec<String> = dir
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".issuer") && !n.ends_with(".ocsp"))
                .collect();
            names.sort();
            for n in names {
                let fp = format!("{}/{}", base, n);
                match std::fs::metadata(&fp) {
                    Ok(m) if m.is_file() => match load_file(&fp, provider) {
                        Ok(l) => ok.push(l),
                        Err(e) => errs.push(e),
                    },
                    Ok(_) => {}
                    Err(e) => errs.push(format!(
                        "unable to stat SSL certificate from file '{}' : {}.",
                        fp,
                        crate::tls::strerror(&e)
                    )),
                }
            }
        }
        Err(_) => match load_file(path, provider) {
            Ok(l) => ok.push(l),
            Err(e) => errs.push(e),
        },
    }
    (ok, errs)
}

/// One PEM file: its private key, its chain, the two matching, the first
/// certificate parsable and within its validity period.
pub fn load_file(path: &str, provider: &CryptoProvider) -> Result<Loaded, String> {
    let no_key = || format!("unable to load SSL private key from PEM file '{}'.", path);
    let no_cert = || format!("unable to load SSL certificate from PEM file '{}'.", path);
    let data = std::fs::read(path).map_err(|_| no_key())?;
    let key = PrivateKeyDer::from_pem_slice(&data).map_err(|_| no_key())?;
    let key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|_| no_key())?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&data)
        .collect::<Result<_, _>>()
        .map_err(|_| no_cert())?;
    let first = chain.first().ok_or_else(no_cert)?;
    let (_, x509) = x509_parser::parse_x509_certificate(first).map_err(|_| no_cert())?;
    let ck = CertifiedKey::new(chain.clone(), key);
    if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
        ck.keys_match()
    {
        return Err(format!(
            "inconsistencies between private key and certificate loaded from PEM file '{}'.",
            path
        ));
    }
    let not_after = x509.validity().not_after;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if not_after.timestamp() < now {
        return Err(format!(
            "certificate loaded from PEM file '{}' has expired (notAfter {}).",
            path, not_after
        ));
    }
    Ok(Loaded {
        key: Arc::new(ck),
        names: names_of(&x509),
    })
}

/// The DNS names of a certificate: its SAN DNS entries, then its CNs
/// (1.5 indexes both), lower-cased.
pub(crate) fn names_of(x: &x509_parser::certificate::X509Certificate<'_>) -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(Some(san)) = x.subject_alternative_name() {
        for g in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(n) = g {
                v.push(n.to_ascii_lowercase());
            }
        }
    }
    for cn in x.subject().iter_common_name() {
        if let Ok(s) = cn.as_str() {
            v.push(s.to_ascii_lowercase());
        }
    }
    v
}

//! The TLS options of `bind` (HAProxy 1.5 syntax, an extension to 1.4):
//! `ssl`, `crt PATH` (loaded and checked at once, as 1.5 does, so `-c`
//! alerts on a missing file, a key that does not match, an expired or
//! unparsable certificate), `ciphers` (and 1.8/1.9's `ciphersuites`,
//! `prefer-client-ciphers`), the protocol switches, `alpn`,
//! `npn` (accepted with a warning) and `no-tls-tickets`. Messages are
//! 1.5's (cfgparse.c and ssl_sock.c) where it has one. The context is
//! built once the whole line is read (`finish_bind`).

use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL};
use crate::tls::{SslBind, SslOpts};
use std::sync::Arc;

/// Whether any of the files has a `bind` line with the word `ssl`: the
/// `ssl_fc*` ACL criteria are known then, wherever they stand in the
/// config (a backend may come before its TLS frontend). Unreadable files
/// are left to the parser's own message.
pub fn uses_tls(files: &[String]) -> bool {
    files.iter().any(|f| {
        std::fs::read(f).is_ok_and(|data| {
            data.split(|&c| c == b'\n').any(|line| {
                let mut w = line
                    .split(|c| c.is_ascii_whitespace())
                    .filter(|w| !w.is_empty());
                w.next() == Some(b"bind") && w.any(|x| x == b"ssl")
            })
        })
    })
}

/// Applies `f` to the TLS part of the listeners this `bind` line added.
fn with_ssl(p: &mut Parser, start: usize, f: impl Fn(&mut SslBind)) {
    if let Some(px) = p.cur_proxy() {
        for b in px.binds.iter_mut().skip(start) {
            f(b.tls.get_or_insert_with(Default::default));
        }
    }
}

fn opts_of(p: &mut Parser, start: usize) -> SslOpts {
    p.cur_proxy()
        .and_then(|px| px.binds.get(start))
        .and_then(|b| b.tls.as_ref())
        .map(|t| t.opts.clone())
        .unwrap_or_default()
}

/// `'bind ADDR' : ` as 1.5 prefixes its bind keyword errors.
fn prefix(l: &Line) -> String {
    format!("{} : '{} {}'", l.at(), l.arg(0), l.arg(1))
}

/// One TLS option at word i: None when the word is not one (the caller
/// then gives 1.4's message), else Ok(words used) or the error bits.
pub fn bind_option(p: &mut Parser, l: &Line, i: usize, start: usize) -> Option<Result<usize, u32>> {
    let kw = l.arg(i);
    let val = l.arg(i + 1).to_string();
    let missing = |p: &Parser, what: &str| {
        p.alert(&format!("{} : '{}' : missing {}", prefix(l), kw, what));
        Err(ERR_ALERT | ERR_FATAL)
    };
    Some(match kw {
        "ssl" => {
            crate::acl::enable_tls_criteria(true);
            with_ssl(p, start, |t| t.enabled = true);
            Ok(1)
        }
        "crt" => {
            if val.is_empty() {
                return Some(missing(p, "certificate location"));
            }
            load_crt(p, l, start, &val).map(|_| 2)
        }
        "ciphers" => {
            if val.is_empty() {
                return Some(missing(p, "cipher suite"));
            }
            with_ssl(p, start, |t| t.opts.ciphers = Some(val.clone()));
            Ok(2)
        }
        // HAProxy 1.9 syntax: the TLS 1.3 suites, in order of preference
        "ciphersuites" => {
            if val.is_empty() {
                return Some(missing(p, "cipher suite"));
            }
            with_ssl(p, start, |t| t.opts.ciphersuites = Some(val.clone()));
            Ok(2)
        }
        // HAProxy 1.8 syntax: the client's order of preference decides
        "prefer-client-ciphers" => {
            with_ssl(p, start, |t| t.opts.prefer_client = true);
            Ok(1)
        }
        // TLS 1.2 and 1.3 only: refusing the older ones is what we do anyway
        "no-sslv3" | "no-tlsv10" | "no-tlsv11" | "no-tls-tickets" | "force-tlsv12" => {
            let (t12, nt) = (kw == "force-tlsv12", kw == "no-tls-tickets");
            with_ssl(p, start, |t| {
                t.opts.tls12_only |= t12;
                t.opts.no_tickets |= nt;
            });
            Ok(1)
        }
        "force-sslv3" | "force-tlsv10" | "force-tlsv11" => {
            let v = match kw {
                "force-sslv3" => "SSLv3",
                "force-tlsv10" => "TLSv1.0",
                _ => "TLSv1.1",
            };
            p.alert(&format!(
                "{} : '{}' : library does not support protocol {}",
                prefix(l),
                kw,
                v
            ));
            Err(ERR_ALERT | ERR_FATAL)
        }
        "alpn" | "npn" => proto_list(p, l, i, start),
        "ecdhe" => {
            if val.is_empty() {
                return Some(missing(p, "named curve"));
            }
            Ok(2) // rustls negotiates X25519/P-256/P-384 itself
        }
        "ca-file" | "crl-file" | "crt-list" | "verify" | "ca-ignore-err" | "crt-ignore-err" => {
            p.alert(&format!(
                "{} : '{}' option is not implemented in this version (check build options).",
                prefix(l),
                kw
            ));
            Err(ERR_ALERT | ERR_FATAL)
        }
        _ => return None,
    })
}

/// `alpn LIST` keeps the HTTP/1.x protocols (the only ones spoken here,
/// others are dropped with a warning); `npn LIST` is accepted and ignored
/// with a warning (rustls has no NPN, a pre-ALPN extension).
fn proto_list(p: &mut Parser, l: &Line, i: usize, start: usize) -> Result<usize, u32> {
    let kw = l.arg(i);
    let val = l.arg(i + 1).to_string();
    if val.is_empty() {
        let what = format!(
            "the comma-delimited {} protocol suite",
            kw.to_ascii_uppercase()
        );
        p.alert(&format!("{} : '{}' : missing {}", prefix(l), kw, what));
        return Err(ERR_ALERT | ERR_FATAL);
    }
    if kw == "npn" {
        p.warn(&format!(
            "{} : 'npn' is accepted but ignored (NPN is not supported, 'alpn' is).",
            prefix(l)
        ));
        return Ok(2);
    }
    let (keep, drop): (Vec<&str>, Vec<&str>) = val
        .split(',')
        .filter(|s| !s.is_empty())
        .partition(|s| s.starts_with("http/1."));
    if !drop.is_empty() {
        p.warn(&format!(
            "{} : 'alpn' : only HTTP/1.x is spoken here, '{}' not offered.",
            prefix(l),
            drop.join(",")
        ));
    }
    let list: Vec<Vec<u8>> = keep.iter().map(|s| s.as_bytes().to_vec()).collect();
    with_ssl(p, start, |t| t.opts.alpn = list.clone());
    Ok(2)
}

/// `crt PATH`: loads (and so checks) the certificates now, one alert per
/// file that fails, with 1.5's sentence.
fn load_crt(p: &mut Parser, l: &Line, start: usize, path: &str) -> Result<(), u32> {
    let (ok, errs) = crate::tls::load_all(&[path.to_string()]);
    for (_, e) in &errs {
        p.alert(&format!("{} : 'crt' : {}", prefix(l), e));
    }
    let ok: Vec<_> = ok.into_iter().map(Arc::new).collect();
    with_ssl(p, start, |t| {
        t.opts.crts.push(path.to_string());
        t.loaded.extend(ok.iter().cloned());
    });
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ERR_ALERT | ERR_FATAL)
    }
}

/// The end of a `bind` line with `ssl`: at least one certificate, then
/// the rustls context (which checks `ciphers`), shared by its listeners.
pub fn finish_bind(p: &mut Parser, l: &Line, start: usize) -> u32 {
    let o = opts_of(p, start);
    let Some(px) = p.cur_proxy() else { return 0 };
    let name = px.name.clone();
    let Some(t) = px.binds.get(start).and_then(|b| b.tls.as_ref()) else {
        return 0;
    };
    if !t.enabled {
        return 0;
    }
    let loaded = t.loaded.clone();
    if o.crts.is_empty() {
        p.alert(&format!(
            "Proxy '{}': no SSL certificate specified for bind '{}' at [{}:{}] (use 'crt').",
            name,
            l.arg(1),
            l.file,
            l.num
        ));
        return ERR_ALERT | ERR_FATAL;
    }
    match crate::tls::build(&loaded, &o) {
        Ok(ctx) => {
            with_ssl(p, start, |t| t.ctx = Some(ctx.clone()));
            0
        }
        Err(e @ (crate::tls::BuildError::Ciphers | crate::tls::BuildError::Ciphersuites)) => {
            // 1.5's sentence for `ciphers`, 1.9's for `ciphersuites`
            let (what, list) = match e {
                crate::tls::BuildError::Ciphers => ("SSL cipher list", o.ciphers),
                _ => ("TLS 1.3 cipher suites", o.ciphersuites),
            };
            p.alert(&format!(
                "Proxy '{}': unable to set {} to '{}' for bind '{}' at [{}:{}].",
                name,
                what,
                list.unwrap_or_default(),
                l.arg(1),
                l.file,
                l.num
            ));
            ERR_ALERT | ERR_FATAL
        }
        Err(crate::tls::BuildError::Other(e)) => {
            p.alert(&format!(
                "Proxy '{}': unable to set up SSL for bind '{}' at [{}:{}]: {}.",
                name,
                l.arg(1),
                l.file,
                l.num,
                e
            ));
            ERR_ALERT | ERR_FATAL
        }
    }
}

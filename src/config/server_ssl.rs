//! The TLS options of `server` lines (HAProxy 1.5 syntax, an extension to
//! 1.4): `ssl`, `check-ssl`, `verify none|required`, `verifyhost`,
//! `ca-file`, `ciphers`, `no-tls-tickets`, the protocol switches, and the
//! global `ssl-server-verify`. Messages are 1.5's (ssl_sock.c, cfgparse.c)
//! where it has one: option errors as `'server NAME' : ...`, and the
//! context built once the whole configuration is read (`prepare`, from
//! the validity checks), because `ssl-server-verify` may come later.
//! `crt` (a client certificate) is loaded with the context; `crl-file`
//! is refused as 1.5 refuses an option its build lacks.

use super::model::{Server, SrvSsl};
use super::parse::{Line, Parser, ERR_ALERT, ERR_FATAL};
use super::server_kw::SrvLine;
use super::validate::{Cur, Tally};
use crate::tls::client::{build_client, ClientBuildError};

/// The words this file takes on a `server` line.
const KW: &[&str] = &[
    "ssl",
    "check-ssl",
    "verify",
    "verifyhost",
    "ca-file",
    "ciphers",
    "no-tls-tickets",
    "no-sslv3",
    "no-tlsv10",
    "no-tlsv11",
    "force-tlsv12",
    "force-sslv3",
    "force-tlsv10",
    "force-tlsv11",
    "crt",
    "crl-file",
];

pub fn is_ssl_kw(w: &str) -> bool {
    KW.contains(&w)
}

/// Whether the option takes a value (1.5's `skip`).
fn takes_value(kw: &str) -> bool {
    matches!(
        kw,
        "verify" | "verifyhost" | "ca-file" | "ciphers" | "crt" | "crl-file"
    )
}

/// One TLS option at word `w.i`; Ok(words used) or the error bits.
pub fn server_option(
    p: &mut Parser,
    w: &mut SrvLine,
    s: &mut Server,
    defsrv: bool,
) -> Result<usize, u32> {
    let (kw, val) = (w.l.arg(w.i), w.l.arg(w.i + 1));
    let used = 1 + takes_value(kw) as usize;
    let head = format!("{} : '{} {}'", w.at, w.l.arg(0), w.l.arg(1));
    if defsrv {
        // 1.5 keeps its TLS options off default-server lines
        p.alert(&format!(
            "{} : '{}' option is not accepted in default-server sections.",
            head, kw
        ));
        w.err |= ERR_ALERT;
        return Ok(used);
    }
    let fail = |p: &Parser, text: String| {
        p.alert(&format!("{} : {}", head, text));
        Err(ERR_ALERT | ERR_FATAL)
    };
    if takes_value(kw) && val.is_empty() {
        let what = match kw {
            "verify" => "missing verify method",
            "verifyhost" => "missing hostname to verify against",
            "ca-file" => "missing CAfile path",
            "ciphers" => "missing cipher suite",
            "crt" => "missing certificate file path",
            _ => "missing CRLfile path",
        };
        return fail(p, format!("'{}' : {}", kw, what));
    }
    let t = s.ssl.get_or_insert_with(Box::<SrvSsl>::default);
    match kw {
        "ssl" => t.use_ssl = true,
        "check-ssl" => t.check_ssl = true,
        "verify" => match val {
            "none" => t.verify = Some(false),
            "required" => t.verify = Some(true),
            _ => {
                return fail(
                    p,
                    format!(
                    "'{}' : unknown verify method '{}', only 'none' and 'required' are supported",
                    kw, val
                ),
                )
            }
        },
        "verifyhost" => t.opts.verify_host = Some(val.to_string()),
        "ca-file" => t.opts.ca_file = Some(val.to_string()),
        "ciphers" => t.opts.ciphers = Some(val.to_string()),
        "crt" => t.opts.crt = Some(val.to_string()),
        "no-tls-tickets" => t.opts.no_tickets = true,
        "force-tlsv12" => t.opts.tls12_only = true,
        // only TLS 1.2 and 1.3 are spoken: refusing older ones is a given
        "no-sslv3" | "no-tlsv10" | "no-tlsv11" => {}
        "force-sslv3" | "force-tlsv10" | "force-tlsv11" => {
            let v = match kw {
                "force-sslv3" => "SSLv3",
                "force-tlsv10" => "TLSv1.0",
                _ => "TLSv1.1",
            };
            return fail(
                p,
                format!("'{}' : library does not support protocol {}", kw, v),
            );
        }
        _ => {
            // crl-file: as 1.5 answers an option its build lacks
            p.alert(&format!(
                "{} : '{}' option is not implemented in this version (check build options).",
                head, kw
            ));
            return Err(ERR_ALERT | ERR_FATAL);
        }
    }
    Ok(used)
}

/// Once the server line is read: `ssl` makes the checks encrypted too
/// when they go to the server's own address and port (1.5's rule).
pub fn settle_check(s: &mut Server) {
    let own = s.check_port.unwrap_or(0) == 0 && s.check_addr.is_none();
    if let Some(t) = s.ssl.as_mut() {
        t.check_ssl |= t.use_ssl && own;
    }
}

/// `ssl-server-verify none|required` in the global section.
pub fn global_verify(p: &mut Parser, l: &Line) -> u32 {
    match l.arg(1) {
        "none" => p.cfg.global.ssl_server_verify = false,
        "required" => p.cfg.global.ssl_server_verify = true,
        v => {
            // 1.5's words, the empty case's included
            let what = if v.is_empty() {
                "an integer argument"
            } else {
                "'none' or 'required' as argument"
            };
            p.alert(&format!("{} : '{}' expects {}.", l.at(), l.arg(0), what));
            return ERR_ALERT | ERR_FATAL;
        }
    }
    0
}

/// The server's TLS context (1.5's ssl_sock_prepare_srv_ctx): verify
/// required by default or explicitly needs a CA file, which must load;
/// a `ciphers` list must select something.
pub(super) fn prepare(p: &mut Parser, cx: &Cur, t: &mut Tally, si: usize) {
    let verify_default = p.cfg.global.ssl_server_verify;
    let px = &mut p.cfg.proxies[cx.i];
    // a proxy's section lies in one file: its servers' file
    let file = px.file.clone();
    let s = &mut px.servers[si];
    let Some(ssl) = s.ssl.as_mut() else {
        return;
    };
    if !ssl.use_ssl && !ssl.check_ssl {
        return;
    }
    let at = format!(
        "Proxy '{}', server '{}' [{}:{}]",
        cx.name, s.name, file, s.line
    );
    ssl.opts.verify = ssl.verify.unwrap_or(verify_default);
    if ssl.opts.verify && ssl.opts.ca_file.is_none() {
        let text = if verify_default {
            format!("{} verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.", at)
        } else {
            format!("{} verify is enabled but no CA file specified.", at)
        };
        return t.fail(p, &text);
    }
    match build_client(&ssl.opts) {
        Ok(ctx) => ssl.ctx = Some(ctx),
        Err(e) => {
            let text = match e {
                ClientBuildError::CaFile => format!(
                    "{} unable to load CA file '{}'.",
                    at,
                    ssl.opts.ca_file.as_deref().unwrap_or("")
                ),
                ClientBuildError::Ciphers => format!(
                    "{} : unable to set SSL cipher list to '{}'.",
                    at,
                    ssl.opts.ciphers.as_deref().unwrap_or("")
                ),
                ClientBuildError::Crt(m) => format!(
                    "config : {} '{}', server '{}': {}",
                    cx.ts, cx.name, s.name, m
                ),
                ClientBuildError::Other(m) => format!("{} : {}.", at, m),
            };
            t.fail(p, &text);
        }
    }
}

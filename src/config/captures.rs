//! `capture` in all its forms, and the error pages (`errorfile`,
//! `errorloc`, `errorloc302`, `errorloc303`).

use super::model::*;
use super::parse::{Line, Parser, ERR_WARN};
use super::proxy::{warn_if_not_cap, CAP_BE, CAP_FE};
use super::rules::ERR;
use super::units::atoi;

pub(super) fn parse_capture(p: &mut Parser, l: &Line) -> u32 {
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_FE, "capture", "") {
        err |= ERR_WARN;
    }
    let r = match (l.arg(1), l.arg(2)) {
        ("cookie", _) => capture_cookie(p, l),
        ("request", "header") | ("response", "header") => capture_header(p, l),
        _ => {
            p.alert(&format!(
                "{} : '{}' expects 'cookie' or 'request header' or 'response header'.",
                l.at(),
                l.arg(0)
            ));
            return ERR;
        }
    };
    match r {
        Ok(e) => err | e,
        Err(e) => e,
    }
}

/// Captures belong to a proxy, not to `defaults`.
fn not_in_defaults(p: &Parser, l: &Line) -> Result<(), u32> {
    if p.is_defaults() {
        p.alert(&format!(
            "{} : '{} {}' not allowed in 'defaults' section.",
            l.at(),
            l.arg(0),
            l.arg(1)
        ));
        return Err(ERR);
    }
    Ok(())
}

/// `capture cookie <name> len <len>`: Ok holds the bits of the
/// truncation warning.
fn capture_cookie(p: &mut Parser, l: &Line) -> Result<u32, u32> {
    not_in_defaults(p, l)?;
    let at = l.at();
    if l.arg(4).is_empty() {
        p.alert(&format!(
            "{} : '{}' expects 'cookie' <cookie_name> 'len' <len>.",
            at,
            l.arg(0)
        ));
        return Err(ERR);
    }
    let mut err = 0;
    let mut len = atoi(l.arg(4)).max(0) as usize;
    if len >= 64 {
        err |= p.warn(&format!("{} : truncating capture length to 63 bytes.", at));
        len = 63;
    }
    let c = Capture {
        name: l.arg(2).to_string(),
        len,
    };
    if let Some(px) = p.cur_proxy() {
        px.capture_cookie = Some(c);
    }
    Ok(err)
}

/// `capture request|response header <name> len <len>`.
fn capture_header(p: &mut Parser, l: &Line) -> Result<u32, u32> {
    not_in_defaults(p, l)?;
    if l.arg(3).is_empty() || l.arg(4) != "len" || l.arg(5).is_empty() {
        p.alert(&format!(
            "{} : '{} {}' expects 'header' <header_name> 'len' <len>.",
            l.at(),
            l.arg(0),
            l.arg(1)
        ));
        return Err(ERR);
    }
    let c = Capture {
        name: l.arg(3).to_string(),
        len: atoi(l.arg(5)).max(0) as usize,
    };
    let req = l.arg(1) == "request";
    if let Some(px) = p.cur_proxy() {
        if req {
            px.req_captures.push(c);
        } else {
            px.rsp_captures.push(c);
        }
    }
    Ok(0)
}

pub const ERR_CODES: [u16; 8] = [200, 400, 403, 408, 500, 502, 503, 504];

pub use crate::units::read_bounded;

/// An errorfile as 1.4 reads it: open and fstat (Err if either fails),
/// then one read of min(st_size, max) bytes. Returns the bytes, or None
/// when the read came short (a directory), and whether st_size was over
/// `max`, which 1.4 warns about before reading.
fn read_errorfile(path: &str, max: usize) -> Result<(Option<Vec<u8>>, bool), ()> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|_| ())?;
    let size = f.metadata().map_err(|_| ())?.len();
    let want = size.min(max as u64);
    let mut out = Vec::new();
    let complete = f.take(want).read_to_end(&mut out).is_ok() && out.len() as u64 == want;
    Ok((complete.then_some(out), size > max as u64))
}

pub(super) fn parse_errorfile(p: &mut Parser, l: &Line) -> u32 {
    let at = l.at();
    let kw = l.arg(0);
    let mut err = 0;
    if warn_if_not_cap(p, l, CAP_FE | CAP_BE, kw, "") {
        err |= ERR_WARN;
    }
    if l.arg(2).is_empty() {
        let what = if kw == "errorfile" { "<file>" } else { "<url>" };
        p.alert(&format!(
            "{} : <{}> expects <status_code> and {} as arguments.",
            at, kw, what
        ));
        return ERR;
    }
    let code = atoi(l.arg(1));
    let body = if kw == "errorfile" {
        let max = p.cfg.global.bufsize;
        match read_errorfile(l.arg(2), max) {
            Ok((b, truncated)) => {
                if truncated {
                    err |= p.warn(&format!(
                        "{} : custom error message file <{}> larger than {} bytes. Truncating.",
                        at,
                        l.arg(2),
                        max
                    ));
                }
                match b {
                    Some(b) => b,
                    None => {
                        p.alert(&format!(
                            "{} : error reading file <{}> for custom error message <{}>.",
                            at,
                            l.arg(2),
                            l.arg(1)
                        ));
                        return err | ERR;
                    }
                }
            }
            Err(()) => {
                p.alert(&format!(
                    "{} : error opening file <{}> for custom error message <{}>.",
                    at,
                    l.arg(2),
                    l.arg(1)
                ));
                return ERR;
            }
        }
    } else {
        let head = if kw == "errorloc303" {
            crate::http::errors::HTTP_303
        } else {
            crate::http::errors::HTTP_302
        };
        format!("{}{}\r\n\r\n", head, l.arg(2)).into_bytes()
    };
    if !ERR_CODES.contains(&(code as u16)) || code <= 0 {
        let what = if kw == "errorfile" {
            "error customization"
        } else {
            "error relocation"
        };
        let w = p.warn(&format!(
            "{} : status code {} not handled, {} will be ignored.",
            at, code, what
        ));
        if kw == "errorfile" {
            err |= w;
        }
        return err;
    }
    if let Some(px) = p.cur_proxy() {
        px.errorfiles.insert(code as u16, body);
    }
    err
}

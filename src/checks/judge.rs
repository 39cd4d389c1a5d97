//! Reading a check's answer, per check type, as 1.4's event_srv_chk_r
//! does: how many bytes each type waits for, what makes an answer invalid,
//! and the status, code and description each answer yields. The answer is
//! handled as 1.4's C string: descriptions stop at the first NUL.

use super::Verdict;
use crate::config::model::{CheckType, ExpectKind, HttpExpect, Proxy};
use crate::state::CheckStatus;

/// `b` up to its first NUL (1.4 keeps the answer as a C string).
fn c_str(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |p| &b[..p])
}

/// `b` up to its first CR, LF or NUL (1.4's cut_crlf).
fn line(b: &[u8]) -> &[u8] {
    b.iter()
        .position(|&c| c == 0 || c == b'\r' || c == b'\n')
        .map_or(b, |p| &b[..p])
}

/// `b` without its leading spaces (1.4's ltrim).
fn ltrim(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

fn v(status: CheckStatus, code: Option<u16>, desc: &[u8]) -> Verdict {
    Verdict {
        status,
        code,
        desc: desc.to_vec(),
    }
}

fn digits(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_digit())
}

fn code3(b: &[u8]) -> u16 {
    b.iter().fold(0u16, |n, &d| n * 10 + (d - b'0') as u16)
}

/// The verdict on what the server sent so far, or None to wait for more.
/// `done`: the server closed or the buffer is full; `running`: the server
/// is UP (a 404 can only stop load balancing of a running server).
pub fn judge(px: &Proxy, b: &[u8], done: bool, running: bool) -> Option<Verdict> {
    match px.check.kind {
        CheckType::Tcp => Some(v(CheckStatus::L4Ok, None, b"")),
        CheckType::Http => http(px, b, done, running),
        CheckType::SslHello => {
            if !done && b.len() < 5 {
                return None;
            }
            if b.len() >= 5 && (b[0] == 0x15 || b[0] == 0x16) {
                Some(v(CheckStatus::L6Ok, None, b""))
            } else {
                Some(v(CheckStatus::L6Rsp, None, b""))
            }
        }
        CheckType::Smtp => smtp(b, done),
        CheckType::Mysql => mysql(!px.check.send.is_empty(), b, done),
        CheckType::Ldap => ldap(b, done),
    }
}

/// `option httpchk`: needs "HTTP/1.x NNN" followed by a space or CR.
fn http(px: &Proxy, b: &[u8], done: bool, running: bool) -> Option<Verdict> {
    const MIN: usize = 13; // "HTTP/1.0 000\r"
    if !done && b.len() < MIN {
        return None;
    }
    if b.len() < MIN
        || !b.starts_with(b"HTTP/1.")
        || (b[12] != b' ' && b[12] != b'\r')
        || !digits(&b[9..12])
    {
        return Some(v(CheckStatus::L7Rsp, None, line(b)));
    }
    let code = code3(&b[9..12]);
    let desc = line(ltrim(&b[12..]));
    if px.check.disable_on_404 && running && code == 404 {
        return Some(v(CheckStatus::L7Okc, Some(code), desc));
    }
    if let Some(exp) = &px.check.expect {
        return expect(exp, b, code, done);
    }
    let st = if matches!(b[9], b'2' | b'3') {
        CheckStatus::L7Ok
    } else {
        CheckStatus::L7Sts
    };
    Some(v(st, Some(code), desc))
}

/// `http-check expect` (1.4's httpchk_expect).
fn expect(exp: &HttpExpect, b: &[u8], code: u16, done: bool) -> Option<Verdict> {
    let (ok, ko) = (CheckStatus::L7Ok, CheckStatus::L7Rsp);
    let matched = match &exp.kind {
        ExpectKind::Status(_) | ExpectKind::Rstatus(_) => {
            let c = &b[9..12];
            let m = match &exp.kind {
                ExpectKind::Status(s) => s.as_bytes().iter().take(3).eq(c.iter()),
                ExpectKind::Rstatus(r) => r.is_match(c),
                _ => false,
            };
            let desc = format!(
                "HTTP status check returned code <{}>",
                String::from_utf8_lossy(c)
            );
            let st = if m != exp.inverse {
                CheckStatus::L7Ok
            } else {
                CheckStatus::L7Sts
            };
            return Some(v(st, Some(code), desc.as_bytes()));
        }
        ExpectKind::String(s) => {
            let body = body_of(c_str(b), done)?;
            match body {
                Err(d) => return Some(v(ko, None, d)),
                Ok(body) => body.windows(s.len().max(1)).any(|w| w == s.as_bytes()) || s.is_empty(),
            }
        }
        ExpectKind::Rstring(r) => {
            let body = body_of(c_str(b), done)?;
            match body {
                Err(d) => return Some(v(ko, None, d)),
                Ok(body) => r.is_match(body),
            }
        }
    };
    if !matched && !done {
        return None;
    }
    Some(match (matched, exp.inverse) {
        (true, false) => v(ok, Some(code), b"HTTP content check matched"),
        (true, true) => v(ko, None, b"HTTP check matched unwanted content"),
        (false, true) => v(ok, Some(code), b"HTTP check did not match unwanted content"),
        (false, false) => v(ko, None, b"HTTP content check did not match"),
    })
}

/// The body after the first empty line (LFs counted, CRs ignored): None to
/// wait, Err(desc) when there is none once the answer is complete.
fn body_of(b: &[u8], done: bool) -> Option<Result<&[u8], &'static [u8]>> {
    let mut lf = 0;
    let mut at = b.len();
    for (i, &c) in b.iter().enumerate() {
        if lf >= 2 {
            at = i;
            break;
        }
        match c {
            b'\r' => {}
            b'\n' => lf += 1,
            _ => lf = 0,
        }
    }
    if lf < 2 {
        return (done).then_some(Err(b"HTTP content check could not find a response body"));
    }
    if at >= b.len() {
        return (done).then_some(Err(b"HTTP content check found empty response body"));
    }
    Some(Ok(&b[at..]))
}

/// `option smtpchk`: "NNN" followed by a space or CR.
fn smtp(b: &[u8], done: bool) -> Option<Verdict> {
    if !done && b.len() < 4 {
        return None;
    }
    if b.len() < 4 || (b[3] != b' ' && b[3] != b'\r') || !digits(&b[..3]) {
        return Some(v(CheckStatus::L7Rsp, None, line(b)));
    }
    let st = if b[0] == b'2' {
        CheckStatus::L7Ok
    } else {
        CheckStatus::L7Sts
    };
    Some(v(st, Some(code3(&b[..3])), line(ltrim(&b[3..]))))
}

fn le24(b: &[u8]) -> usize {
    b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16
}

/// `option mysql-check`: the greeting alone (no `user`), or the greeting
/// and the answer to the authentication (`user`). 1.4 never sets a code.
fn mysql(with_user: bool, b: &[u8], done: bool) -> Option<Verdict> {
    if !done && b.len() < 5 {
        return None;
    }
    let at = |i: usize| c_str(b.get(i..).unwrap_or(b""));
    if b.len() < 5 {
        // 1.4 reads past the answer here; the only sane outcome is invalid
        return Some(v(CheckStatus::L7Rsp, None, at(0)));
    }
    if !with_user {
        if b[4] == 0xff {
            return Some(v(CheckStatus::L7Sts, Some(0), ltrim(at(7))));
        }
        if b.len() > 51 {
            return Some(v(CheckStatus::L7Ok, Some(0), ltrim(at(5))));
        }
        return done.then(|| v(CheckStatus::L7Rsp, None, at(0)));
    }
    let p1 = le24(b) + 4;
    if b.len() == p1 {
        if b[4] == 0xff {
            return Some(v(CheckStatus::L7Sts, Some(0), at(7)));
        }
        // a greeting alone: the answer to the login is still to come; if
        // the server closed now, the check ends as a timeout
        return None;
    }
    if b.len() > p1 {
        if b.len() < p1 + 3 {
            return None;
        }
        let p2 = le24(&b[p1..]) + 4;
        if b.len() == p1 + p2 {
            return Some(if b.get(p1 + 4) != Some(&0xff) {
                v(CheckStatus::L7Ok, Some(0), at(5))
            } else {
                v(CheckStatus::L7Sts, Some(0), at(p1 + 7))
            });
        }
        return None;
    }
    done.then(|| v(CheckStatus::L7Rsp, None, at(5)))
}

/// `option ldap-check`: an LDAPv3 bindResponse to messageID 1.
fn ldap(b: &[u8], done: bool) -> Option<Verdict> {
    const NOT_LDAP: &[u8] = b"Not LDAPv3 protocol";
    if !done && b.len() < 14 {
        return None;
    }
    let bad = || Some(v(CheckStatus::L7Rsp, None, NOT_LDAP));
    if b.len() < 14 || b[0] != 0x30 {
        return bad();
    }
    let mut n = if b[1] & 0x80 != 0 {
        (b[1] & 0x7f) as usize
    } else {
        0
    };
    if n > 2 || &b[2 + n..6 + n] != b"\x02\x01\x01\x61" {
        return bad();
    }
    if b[n + 6] & 0x80 != 0 {
        n += (b[n + 6] & 0x7f) as usize;
    }
    if n > 4 || &b[7 + n..9 + n] != b"\x0a\x01" {
        return bad();
    }
    let code = b[n + 9] as u16;
    Some(if code == 0 {
        v(CheckStatus::L7Ok, Some(0), b"Success")
    } else {
        v(
            CheckStatus::L7Sts,
            Some(code),
            b"See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9",
        )
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Kind;

    fn px(kind: CheckType) -> Proxy {
        let mut p = Proxy::new("app", Kind::Listen, "t", 1);
        p.check.kind = kind;
        p
    }

    fn got(p: &Proxy, b: &[u8], done: bool) -> Option<(CheckStatus, Option<u16>, String)> {
        judge(p, b, done, true).map(|v| {
            (
                v.status,
                v.code,
                String::from_utf8_lossy(&v.desc).into_owned(),
            )
        })
    }

    #[test]
    fn http_status_line_as_14_reads_it() {
        let p = px(CheckType::Http);
        // 13 bytes are enough, no LF needed
        assert_eq!(got(&p, b"HTTP/1.0 200", false), None);
        assert_eq!(
            got(&p, b"HTTP/1.0 200\r", false),
            Some((CheckStatus::L7Ok, Some(200), String::new()))
        );
        // byte 12 must be a space or CR
        let g = got(&p, b"HTTP/1.0 200OK\r\n", false).map(|g| (g.0, g.2));
        assert_eq!(g, Some((CheckStatus::L7Rsp, "HTTP/1.0 200OK".into())));
        let g = got(&p, b"HTTP/1.1 502    Spaced   Out  \r\n", false).map(|g| g.2);
        assert_eq!(g.as_deref(), Some("Spaced   Out  "));
        let g = got(&p, b"SSH-2.0-x", true).map(|g| (g.0, g.2));
        assert_eq!(g, Some((CheckStatus::L7Rsp, "SSH-2.0-x".into())));
    }

    #[test]
    fn smtp_needs_a_space_or_cr_after_the_code() {
        let p = px(CheckType::Smtp);
        let g = got(&p, b"250-multi\r\n", false).map(|g| (g.0, g.2));
        assert_eq!(g, Some((CheckStatus::L7Rsp, "250-multi".into())));
        assert_eq!(got(&p, b"25", false), None);
        let g = got(&p, b"421 busy\r\n", false);
        assert_eq!(g, Some((CheckStatus::L7Sts, Some(421), "busy".into())));
    }

    #[test]
    fn ldap_bind_response() {
        let p = px(CheckType::Ldap);
        let ok = b"\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00";
        assert_eq!(
            got(&p, ok, false),
            Some((CheckStatus::L7Ok, Some(0), "Success".into()))
        );
        let mut bad = ok.to_vec();
        bad[9] = 49;
        assert_eq!(
            got(&p, &bad, false).map(|g| (g.0, g.1)),
            Some((CheckStatus::L7Sts, Some(49)))
        );
        let mut wrong_id = ok.to_vec();
        wrong_id[4] = 2;
        let g = got(&p, &wrong_id, false).map(|g| g.2);
        assert_eq!(g.as_deref(), Some("Not LDAPv3 protocol"));
    }

    #[test]
    fn mysql_with_user_wants_both_packets() {
        let mut p = px(CheckType::Mysql);
        p.check.send = crate::checks::mysql_packet("haproxy");
        let greeting = b"\x0c\x00\x00\x00\x0a5.5.5-test\x00";
        assert_eq!(got(&p, greeting, true), None);
        let mut both = greeting.to_vec();
        both.extend_from_slice(b"\x07\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00");
        let g = got(&p, &both, false);
        assert_eq!(g, Some((CheckStatus::L7Ok, Some(0), "5.5.5-test".into())));
    }
}

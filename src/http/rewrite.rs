//! Connection-header handling and header-line rules (pure).

use super::head::{trim, Head};

/// Tokens found in the Connection headers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ConnTokens {
    pub close: bool,
    pub keep_alive: bool,
}

impl ConnTokens {
    fn note(&mut self, tok: &[u8]) {
        self.close |= tok.eq_ignore_ascii_case(b"close");
        self.keep_alive |= tok.eq_ignore_ascii_case(b"keep-alive");
    }
}

/// Reads the Connection tokens and removes the unwanted ones; a header
/// left without tokens is removed, as 1.4 does.
pub fn connection_tokens(h: &mut Head, del_close: bool, del_ka: bool) -> ConnTokens {
    connection_tokens_in(h, "Connection", del_close, del_ka)
}

/// `connection_tokens` on another header: `Proxy-Connection` for proxy
/// requests under `option http-use-proxy-header`. Edits happen in the
/// head's arena, without allocating.
pub fn connection_tokens_in(h: &mut Head, name: &str, del_close: bool, del_ka: bool) -> ConnTokens {
    let mut t = ConnTokens::default();
    let dropped = |tt: &[u8]| {
        (del_close && tt.eq_ignore_ascii_case(b"close"))
            || (del_ka && tt.eq_ignore_ascii_case(b"keep-alive"))
    };
    let mut i = 0;
    while i < h.hdr_count() {
        let hd = h.hdr(i);
        if !hd.is(name) {
            i += 1;
            continue;
        }
        let line = hd.line;
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let (mut kept, mut changed) = (0, false);
        for tok in line[colon + 1..].split(|&c| c == b',') {
            let tt = trim(tok);
            t.note(tt);
            if dropped(tt) {
                changed = true;
            } else if !tt.is_empty() {
                kept += 1;
            }
        }
        if changed {
            if kept == 0 {
                h.remove_hdr(i);
                continue;
            }
            // never longer than before: done where the line stands
            h.edit_hdr(i, |old, nl| {
                nl.extend_from_slice(&old[..colon + 1]);
                nl.push(b' ');
                let mut first = true;
                for tok in old[colon + 1..].split(|&c| c == b',') {
                    let tt = trim(tok);
                    if tt.is_empty() || dropped(tt) {
                        continue;
                    }
                    if !first {
                        nl.extend_from_slice(b", ");
                    }
                    first = false;
                    nl.extend_from_slice(tt);
                }
            });
        }
        i += 1;
    }
    t
}

/// 1.4's http_change_connection_header(): leave exactly the wanted token.
pub fn want_connection(h: &mut Head, close: bool, keep_alive: bool) {
    want_connection_in(h, "Connection", close, keep_alive)
}

/// `want_connection` on the named header.
pub fn want_connection_in(h: &mut Head, name: &str, close: bool, keep_alive: bool) {
    let t = connection_tokens_in(h, name, !close, !keep_alive);
    let add = |h: &mut Head, tok: &[u8]| {
        h.add_with(|o| {
            o.extend_from_slice(name.as_bytes());
            o.extend_from_slice(b": ");
            o.extend_from_slice(tok);
        })
    };
    if close && !t.close {
        add(h, b"close");
    }
    if keep_alive && !t.keep_alive {
        add(h, b"keep-alive");
    }
}

/// Reads the Connection tokens of a head without changing it.
pub fn peek_connection_tokens(h: &Head, name: &str) -> ConnTokens {
    let mut t = ConnTokens::default();
    for hd in h.hdrs().filter(|x| x.is(name)) {
        for tok in hd.value().split(|&c| c == b',') {
            let tt = trim(tok);
            t.note(tt);
        }
    }
    t
}

/// Applies a regex replacement to one header line, with `\N` references.
pub fn regex_replace(re: &regex::bytes::Regex, line: &[u8], repl: &[u8]) -> Option<Vec<u8>> {
    let caps = re.captures(line)?;
    let m = caps.get(0)?;
    let mut out = line[..m.start()].to_vec();
    let mut i = 0;
    while i < repl.len() {
        let c = repl[i];
        if c == b'\\' && i + 1 < repl.len() {
            let n = repl[i + 1];
            if n.is_ascii_digit() {
                if let Some(g) = caps.get((n - b'0') as usize) {
                    out.extend_from_slice(g.as_bytes());
                }
                i += 2;
                continue;
            }
            if n == b'x' && i + 3 < repl.len() {
                let hx = std::str::from_utf8(&repl[i + 2..i + 4])
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok());
                if let Some(b) = hx {
                    out.push(b);
                    i += 4;
                    continue;
                }
            }
            // 1.4's exp_replace(): any other escaped character is copied
            // as is (`\\` gives `\`, `\a` gives `a`)
            out.push(n);
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out.extend_from_slice(&line[m.end()..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::{parse_request, Parse};

    fn req(s: &[u8]) -> Head {
        match parse_request(s, 8192) {
            Parse::Done(h) => h,
            _ => panic!(),
        }
    }

    #[test]
    fn keepalive_becomes_close() {
        let mut h = req(b"GET / HTTP/1.1\r\nConnection: keep-alive\r\nX: y\r\n\r\n");
        want_connection(&mut h, true, false);
        assert_eq!(
            h.to_bytes(),
            b"GET / HTTP/1.1\r\nX: y\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn replace_backrefs() {
        let re = regex::bytes::Regex::new("^GET /old/(.*) HTTP/1.1").unwrap_or_else(|_| panic!());
        let r = regex_replace(&re, b"GET /old/page?q=1 HTTP/1.1", br"GET /new/\1 HTTP/1.1");
        assert_eq!(r.as_deref(), Some(&b"GET /new/page?q=1 HTTP/1.1"[..]));
    }

    #[test]
    fn replace_other_escapes_copy_the_character() {
        // 1.4's exp_replace(): `\a` is `a`, `\\` is `\`, `\x41` is `A`
        let re = regex::bytes::Regex::new("^X: (.*)").unwrap_or_else(|_| panic!());
        let r = regex_replace(&re, b"X: y", br"X: \a\\\x41\1");
        assert_eq!(r.as_deref(), Some(&b"X: a\\Ay"[..]));
    }
}

//! Cookie persistence rewriting as 1.4 does it (pure functions).

use super::head::{trim, Head};

/// Finds the persistence cookie in the request, strips a `prefix` id
/// (`ID~value` becomes `value`) and, for `indirect` insert mode, removes it
/// (dropping a Cookie header that becomes empty). The id found (empty for
/// a prefix cookie without `~`) goes to `lookup`, whose answer is returned;
/// nothing is allocated.
pub fn process_request_with<R>(
    h: &mut Head,
    name: &str,
    prefix: bool,
    remove: bool,
    lookup: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    let mut lookup = Some(lookup);
    let mut found: Option<R> = None;
    let mut i = 0;
    while i < h.hdr_count() && found.is_none() {
        let hd = h.hdr(i);
        if !hd.is("Cookie") {
            i += 1;
            continue;
        }
        let line = hd.line;
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        // which part holds the cookie, and whether it is rewritten or removed
        let mut hit: Option<(usize, bool)> = None;
        let mut parts = 0;
        for (j, part) in line[colon + 1..].split(|&c| c == b';').enumerate() {
            parts += 1;
            let (n, v) = split_cookie(trim(part));
            if n != name.as_bytes() || hit.is_some() {
                continue;
            }
            let id = match (prefix, v.iter().position(|&c| c == b'~')) {
                (true, Some(tl)) => {
                    hit = Some((j, true));
                    &v[..tl]
                }
                (true, None) => {
                    hit = Some((j, false));
                    &b""[..]
                }
                (false, _) => {
                    hit = Some((j, remove));
                    v
                }
            };
            if let Some(f) = lookup.take() {
                found = Some(f(id));
            }
        }
        match hit {
            Some((_, false)) | None => {}
            Some((_, true)) if !prefix && parts == 1 => {
                h.remove_hdr(i);
                continue;
            }
            Some((hj, true)) => {
                h.edit_hdr(i, |old, nl| {
                    nl.extend_from_slice(&old[..colon + 1]);
                    nl.push(b' ');
                    let mut first = true;
                    for (j, part) in old[colon + 1..].split(|&c| c == b';').enumerate() {
                        let t = trim(part);
                        if j == hj && !prefix {
                            continue;
                        }
                        if !first {
                            nl.extend_from_slice(b"; ");
                        }
                        first = false;
                        if j == hj {
                            let (n, v) = split_cookie(t);
                            let tl = v.iter().position(|&c| c == b'~').map_or(0, |p| p + 1);
                            nl.extend_from_slice(n);
                            nl.push(b'=');
                            nl.extend_from_slice(&v[tl..]);
                        } else {
                            nl.extend_from_slice(t);
                        }
                    }
                });
            }
        }
        i += 1;
    }
    found
}

fn split_cookie(t: &[u8]) -> (&[u8], &[u8]) {
    match t.iter().position(|&c| c == b'=') {
        Some(e) => (&t[..e], &t[e + 1..]),
        None => (t, &b""[..]),
    }
}

/// `process_request_with`, returning the id itself.
pub fn process_request(h: &mut Head, name: &str, prefix: bool, remove: bool) -> Option<Vec<u8>> {
    process_request_with(h, name, prefix, remove, |id| id.to_vec())
}

/// `capture cookie` cuts cookies with 1.4's cookie grammar.
pub use super::cookie_capture::capture;

/// Response side: prefix/rewrite the server's Set-Cookie for `name`.
/// Returns true when a Set-Cookie for the name was present.
pub fn process_response(
    h: &mut Head,
    name: &str,
    srv_id: &[u8],
    prefix: bool,
    rewrite: bool,
    delete: bool,
) -> bool {
    let mut seen = false;
    let mut i = 0;
    while i < h.hdr_count() {
        let line = h.hdr(i).line;
        if !h.hdr(i).is("Set-Cookie") {
            i += 1;
            continue;
        }
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let vstart = colon
            + 1
            + line[colon + 1..]
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
        let v = &line[vstart..];
        let Some(eq) = v.iter().position(|&c| c == b'=') else {
            i += 1;
            continue;
        };
        if &v[..eq] != name.as_bytes() {
            i += 1;
            continue;
        }
        seen = true;
        if delete {
            h.remove_hdr(i);
            continue;
        }
        h.edit_hdr(i, |line, nl| {
            let v = &line[vstart..];
            nl.extend_from_slice(&line[..vstart + eq + 1]);
            if prefix {
                nl.extend_from_slice(srv_id);
                nl.push(b'~');
                nl.extend_from_slice(&v[eq + 1..]);
            } else if rewrite {
                nl.extend_from_slice(srv_id);
                let vend = v[eq + 1..]
                    .iter()
                    .position(|&c| c == b';')
                    .map(|p| eq + 1 + p)
                    .unwrap_or(v.len());
                nl.extend_from_slice(&v[vend..]);
            } else {
                nl.extend_from_slice(&v[eq + 1..]);
            }
        });
        i += 1;
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::{parse_request, parse_response, Parse};

    fn req(s: &[u8]) -> Head {
        match parse_request(s, 8192) {
            Parse::Done(h) => h,
            _ => panic!(),
        }
    }

    #[test]
    fn prefix_strip() {
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: JSESSIONID=s2~xyz789\r\n\r\n");
        assert_eq!(
            process_request(&mut h, "JSESSIONID", true, false),
            Some(b"s2".to_vec())
        );
        assert_eq!(h.hdr(0).line, b"Cookie: JSESSIONID=xyz789");
    }

    #[test]
    fn indirect_removal() {
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: a=1; SRVID=s2; b=2\r\n\r\n");
        assert_eq!(
            process_request(&mut h, "SRVID", false, true),
            Some(b"s2".to_vec())
        );
        assert_eq!(h.hdr(0).line, b"Cookie: a=1; b=2");
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: SRVID=s2\r\n\r\n");
        process_request(&mut h, "SRVID", false, true);
        assert_eq!(h.hdr_count(), 0);
    }

    #[test]
    fn set_cookie_prefix() {
        let mut h = match parse_response(
            b"HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=abc123; path=/\r\n\r\n",
            8192,
        ) {
            Parse::Done(h) => h,
            _ => panic!(),
        };
        assert!(process_response(
            &mut h,
            "JSESSIONID",
            b"s1",
            true,
            false,
            false
        ));
        assert_eq!(h.hdr(0).line, b"Set-Cookie: JSESSIONID=s1~abc123; path=/");
    }
}

//! Cookie persistence rewriting as 1.4 does it (pure functions).

use super::head::{trim, Head};

/// Finds the persistence cookie in the request, strips a `prefix` id
/// (`ID~value` becomes `value`) and, for `indirect` insert mode, removes it
/// (dropping a Cookie header that becomes empty). Returns the id found.
pub fn process_request(h: &mut Head, name: &str, prefix: bool, remove: bool) -> Option<Vec<u8>> {
    let mut found: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < h.hdrs.len() {
        if !h.hdrs[i].is("Cookie") {
            i += 1;
            continue;
        }
        let line = h.hdrs[i].line.clone();
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let value = &line[colon + 1..];
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut changed = false;
        for part in value.split(|&c| c == b';') {
            let t = trim(part);
            let (n, v) = match t.iter().position(|&c| c == b'=') {
                Some(e) => (&t[..e], &t[e + 1..]),
                None => (t, &b""[..]),
            };
            if n == name.as_bytes() && found.is_none() {
                if prefix {
                    if let Some(tl) = v.iter().position(|&c| c == b'~') {
                        found = Some(v[..tl].to_vec());
                        let mut nv = n.to_vec();
                        nv.push(b'=');
                        nv.extend_from_slice(&v[tl + 1..]);
                        parts.push(nv);
                        changed = true;
                        continue;
                    }
                    found = Some(Vec::new());
                } else {
                    found = Some(v.to_vec());
                    if remove {
                        changed = true;
                        continue;
                    }
                }
            }
            parts.push(t.to_vec());
        }
        if changed {
            if parts.is_empty() {
                h.hdrs.remove(i);
                continue;
            }
            let mut nl = line[..colon + 1].to_vec();
            nl.push(b' ');
            nl.extend_from_slice(&parts.join(&b"; "[..]));
            h.hdrs[i].line = nl;
        }
        i += 1;
    }
    found
}

/// First `NAME...=value` cookie (by name prefix) for `capture cookie`.
pub fn capture(h: &Head, hdr: &str, prefix: &str, len: usize) -> Option<Vec<u8>> {
    for hd in h.hdrs.iter().filter(|x| x.is(hdr)) {
        for part in hd.value().split(|&c| c == b';') {
            let t = trim(part);
            if t.starts_with(prefix.as_bytes()) && t.contains(&b'=') {
                return Some(t[..t.len().min(len)].to_vec());
            }
        }
    }
    None
}

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
    while i < h.hdrs.len() {
        if !h.hdrs[i].is("Set-Cookie") {
            i += 1;
            continue;
        }
        let line = h.hdrs[i].line.clone();
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let vstart = colon
            + 1
            + line[colon + 1..]
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
        let v = &line[vstart..];
        let eq = v.iter().position(|&c| c == b'=');
        let Some(eq) = eq else {
            i += 1;
            continue;
        };
        if &v[..eq] != name.as_bytes() {
            i += 1;
            continue;
        }
        seen = true;
        if delete {
            h.hdrs.remove(i);
            continue;
        }
        let mut nl = line[..vstart + eq + 1].to_vec();
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
        h.hdrs[i].line = nl;
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
        assert_eq!(h.hdrs[0].line, b"Cookie: JSESSIONID=xyz789");
    }

    #[test]
    fn indirect_removal() {
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: a=1; SRVID=s2; b=2\r\n\r\n");
        assert_eq!(
            process_request(&mut h, "SRVID", false, true),
            Some(b"s2".to_vec())
        );
        assert_eq!(h.hdrs[0].line, b"Cookie: a=1; b=2");
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: SRVID=s2\r\n\r\n");
        process_request(&mut h, "SRVID", false, true);
        assert!(h.hdrs.is_empty());
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
        assert_eq!(h.hdrs[0].line, b"Set-Cookie: JSESSIONID=s1~abc123; path=/");
    }
}

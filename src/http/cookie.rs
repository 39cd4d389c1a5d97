//! Cookie persistence rewriting as 1.4 does it (pure functions), with
//! the `|last|first` date suffix of `cookie ... maxidle/maxlife`.

use super::head::{trim, Head};

/// The dates a persistence cookie carries after its server id, in unix
/// seconds (multiples of 4; 0 when absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CookieDates {
    pub last: u32,
    pub first: u32,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// 1.4's s30tob64(): the low 30 bits as 5 base64 digits, MSB first.
pub fn s30tob64(v: u32) -> [u8; 5] {
    let mut out = [0u8; 5];
    for (k, o) in out.iter_mut().enumerate() {
        *o = B64[((v >> (24 - 6 * k)) & 0x3F) as usize];
    }
    out
}

/// 1.4's b64tos30(): 5 base64 digits back to a value, None on any other
/// character.
pub fn b64tos30(s: &[u8]) -> Option<u32> {
    s.get(..5)?.iter().try_fold(0u32, |acc, &c| {
        let d = B64.iter().position(|&b| b == c)? as u32;
        Some((acc << 6) | d)
    })
}

/// Splits `SRV|last|first` (1.4's insert/rewrite/passive cookie value):
/// the server id and the dates that decode to a positive value.
pub fn split_dates(v: &[u8]) -> (&[u8], CookieDates) {
    let mut d = CookieDates::default();
    let Some(bar) = v.iter().position(|&c| c == b'|') else {
        return (v, d);
    };
    let rest = &v[bar + 1..];
    if let Some(x) = b64tos30(rest).filter(|&x| x > 0) {
        d.last = x << 2;
    }
    if let Some(bar2) = rest.iter().position(|&c| c == b'|') {
        if let Some(x) = b64tos30(&rest[bar2 + 1..]).filter(|&x| x > 0) {
            d.first = x << 2;
        }
    }
    (&v[..bar], d)
}

/// The wall clock in unix seconds, as the cookie dates count it.
pub fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

/// 1.4's expiry test on a request cookie's dates: 'O' (older than
/// maxlife) or 'E' (idle longer than maxidle); a date more than a day in
/// the future counts as expired too. 0 settings are off.
pub fn cookie_age(d: CookieDates, now: u32, maxidle: u64, maxlife: u64) -> Option<u8> {
    let (now, first, last) = (i64::from(now), i64::from(d.first), i64::from(d.last));
    let stale = |t: i64, max: u64| now - t > max as i64 || t - now > 86400;
    if d.first != 0 && maxlife != 0 && stale(first, maxlife) {
        return Some(b'O');
    }
    if d.last != 0 && maxidle != 0 && stale(last, maxidle) {
        return Some(b'E');
    }
    None
}

/// The date suffix of an inserted cookie: the last-seen date always, the
/// first-seen date (kept from the request, or now) with maxlife.
pub fn date_suffix(out: &mut Vec<u8>, now: u32, first: u32, maxlife: bool) {
    let stamp = (now.wrapping_add(3)) >> 2;
    out.push(b'|');
    out.extend_from_slice(&s30tob64(stamp));
    if maxlife {
        out.push(b'|');
        let f = if first != 0 { first >> 2 } else { stamp };
        out.extend_from_slice(&s30tob64(f));
    }
}

/// Walks every occurrence of the persistence cookie `name` in the
/// request's Cookie headers, in order, as 1.4's manage_client_side_cookies
/// does: each one's server id and dates go to `each` (1.4 evaluates them
/// all, so the last one that names a usable server wins). In prefix mode
/// the id is what precedes `~` (the whole value without one) and `ID~` is
/// stripped; with `remove` (insert indirect) every occurrence is deleted,
/// and a Cookie header left empty goes. Nothing is allocated unless a
/// header is rewritten.
pub fn process_request_each(
    h: &mut Head,
    name: &str,
    prefix: bool,
    remove: bool,
    mut each: impl FnMut(&[u8], CookieDates),
) {
    let name = name.as_bytes();
    let mut i = 0;
    while i < h.hdr_count() {
        let hd = h.hdr(i);
        if !hd.is("Cookie") {
            i += 1;
            continue;
        }
        let line = hd.line;
        let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
        let (mut hits, mut rewrite, mut parts) = (0, false, 0);
        for part in line[colon + 1..].split(|&c| c == b';') {
            parts += 1;
            let (n, v) = split_cookie(trim(part));
            if n != name {
                continue;
            }
            hits += 1;
            let (id, dates) = if prefix {
                match v.iter().position(|&c| c == b'~') {
                    Some(tl) => {
                        rewrite = true;
                        (&v[..tl], CookieDates::default())
                    }
                    None => (v, CookieDates::default()),
                }
            } else {
                rewrite |= remove;
                split_dates(v)
            };
            each(id, dates);
        }
        if !rewrite {
            i += 1;
            continue;
        }
        if remove && !prefix && hits == parts {
            h.remove_hdr(i);
            continue;
        }
        h.edit_hdr(i, |old, nl| {
            nl.extend_from_slice(&old[..colon + 1]);
            nl.push(b' ');
            let mut first = true;
            for part in old[colon + 1..].split(|&c| c == b';') {
                let t = trim(part);
                let (n, v) = split_cookie(t);
                let ours = n == name;
                if ours && remove && !prefix {
                    continue;
                }
                if !first {
                    nl.extend_from_slice(b"; ");
                }
                first = false;
                match v.iter().position(|&c| c == b'~').filter(|_| ours && prefix) {
                    Some(tl) => {
                        nl.extend_from_slice(n);
                        nl.push(b'=');
                        nl.extend_from_slice(&v[tl + 1..]);
                    }
                    None => nl.extend_from_slice(t),
                }
            }
        });
        i += 1;
    }
}

fn split_cookie(t: &[u8]) -> (&[u8], &[u8]) {
    match t.iter().position(|&c| c == b'=') {
        Some(e) => (&t[..e], &t[e + 1..]),
        None => (t, &b""[..]),
    }
}

/// `process_request_each`, returning the last id seen.
pub fn process_request(h: &mut Head, name: &str, prefix: bool, remove: bool) -> Option<Vec<u8>> {
    let mut last = None;
    process_request_each(h, name, prefix, remove, |id, _| last = Some(id.to_vec()));
    last
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
    fn every_occurrence_is_seen_and_rewritten() {
        let mut h =
            req(b"GET / HTTP/1.1\r\nCookie: SRV=a~1; x=2; SRV=b~3\r\nCookie: SRV=c\r\n\r\n");
        let mut seen = Vec::new();
        process_request_each(&mut h, "SRV", true, false, |id, _| seen.push(id.to_vec()));
        assert_eq!(seen, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(h.hdr(0).line, b"Cookie: SRV=1; x=2; SRV=3");
        assert_eq!(h.hdr(1).line, b"Cookie: SRV=c");
        let mut h = req(b"GET / HTTP/1.1\r\nCookie: SRV=s1; SRV=s2\r\nCookie: a=1; SRV=s3\r\n\r\n");
        assert_eq!(
            process_request(&mut h, "SRV", false, true),
            Some(b"s3".to_vec())
        );
        assert_eq!(h.hdr_count(), 1);
        assert_eq!(h.hdr(0).line, b"Cookie: a=1");
    }

    #[test]
    fn cookie_dates() {
        let b = s30tob64(0x1234_5678 >> 2);
        assert_eq!(b64tos30(&b), Some(0x1234_5678 >> 2));
        assert_eq!(b64tos30(b"AB=CD"), None);
        let (id, d) = split_dates(b"s1|AAAAB|AAAAC");
        assert_eq!((id, d.last, d.first), (&b"s1"[..], 4, 8));
        let (id, d) = split_dates(b"s1");
        assert_eq!((id, d), (&b"s1"[..], CookieDates::default()));
        let mut v = b"s1".to_vec();
        date_suffix(&mut v, 101, 0, true);
        assert_eq!(v, b"s1|AAAAa|AAAAa");
        // idle too long, too old, and from more than a day ahead
        let d = |last, first| CookieDates { last, first };
        assert_eq!(cookie_age(d(1000, 0), 1100, 60, 0), Some(b'E'));
        assert_eq!(cookie_age(d(1000, 500), 1010, 60, 300), Some(b'O'));
        assert_eq!(cookie_age(d(100_000, 0), 1000, 60, 0), Some(b'E'));
        assert_eq!(cookie_age(d(1000, 900), 1010, 60, 300), None);
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

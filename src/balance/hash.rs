//! The keys of 1.4's hashing balancers (uri, url_param, hdr, source,
//! rdp-cookie): which bytes each one hashes and how, as pure functions.
//! A `None` key means "no key": 1.4 then falls back to round robin on
//! the map (or the consistent ring).

use crate::http::body::Framing;
use crate::http::head::is_token;

/// 1.4's sdbm step. It hashes `char`, signed on x86, into an unsigned
/// long, so bytes >= 0x80 enter the hash as negative numbers.
pub(super) fn sdbm(hash: u64, c: u8) -> u64 {
    let c = c as i8 as i64 as u64;
    c.wrapping_add(hash << 6)
        .wrapping_add(hash << 16)
        .wrapping_sub(hash)
}

fn sdbm_all(v: &[u8]) -> u64 {
    v.iter().fold(0u64, |h, &c| sdbm(h, c))
}

/// 1.4's HTTP_IS_LWS: space, tab, CR, LF.
fn is_lws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// `balance uri` key: path up to '?', limited by len/depth.
pub fn uri_hash(uri: &[u8], len: usize, depth: usize, whole: bool) -> u64 {
    let mut h: u64 = 0;
    let mut slashes = 0;
    let lim = if len > 0 {
        len.min(uri.len())
    } else {
        uri.len()
    };
    for &c in &uri[..lim] {
        if c == b'/' {
            slashes += 1;
            if depth > 0 && slashes == depth + 1 {
                break;
            }
        } else if c == b'?' && !whole {
            break;
        }
        h = sdbm(h, c);
    }
    h
}

/// Finds `name=` at the start of one of the `&`-separated parameters of
/// `params` and returns what follows the `=` (to the end of `params`).
/// As 1.4, a parameter is only tried while more than `name.len()` bytes
/// remain, so a final bare `name` never matches.
fn find_param<'a>(params: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let n = name.as_bytes();
    let mut rest = params;
    while rest.len() > n.len() {
        if rest[n.len()] == b'=' && rest.starts_with(n) {
            return Some(&rest[n.len() + 1..]);
        }
        let amp = rest.iter().position(|&c| c == b'&')?;
        rest = &rest[amp + 1..];
    }
    None
}

/// `balance url_param`: the value of NAME in the query string, every byte
/// up to the next `&` hashed.
pub fn url_param_hash(uri: &[u8], name: &str) -> Option<u64> {
    let q = uri.iter().position(|&c| c == b'?')?;
    let v = find_param(&uri[q + 1..], name)?;
    let end = v.iter().position(|&c| c == b'&').unwrap_or(v.len());
    Some(sdbm_all(&v[..end]))
}

/// `balance url_param` on a POST body (1.4's get_server_ph_post). `body`
/// is the part of the body 1.4 looks at: the bytes present, at most the
/// known body length. The body must look URL-encoded: a non-token byte
/// in the value means it does not (no key), except LWS, which ends it.
pub fn url_param_post_hash(body: &[u8], name: &str) -> Option<u64> {
    let v = find_param(body, name)?;
    let mut h = 0u64;
    for &c in v.iter().take_while(|&&c| c != b'&') {
        if !is_token(c) {
            if is_lws(c) {
                break;
            }
            return None;
        }
        h = sdbm(h, c);
    }
    Some(h)
}

/// The data of a chunked body's first chunk present in `data` (which
/// starts at the chunk-size line), at most the chunk's size. None while
/// the size line is incomplete or unreadable. The chunk grammar itself
/// was already checked before connecting; this only finds the data.
pub fn first_chunk(data: &[u8]) -> Option<&[u8]> {
    let digits = data.iter().take_while(|c| c.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    let mut size: u64 = 0;
    for &c in &data[..digits] {
        let d = (c as char).to_digit(16)? as u64;
        size = size.checked_mul(16)?.checked_add(d)?;
    }
    let lf = data[digits..].iter().position(|&c| c == b'\n')?;
    let rest = &data[digits + lf + 1..];
    let n = usize::try_from(size).unwrap_or(usize::MAX).min(rest.len());
    Some(&rest[..n])
}

/// The part of a request body 1.4's get_server_ph_post() scans: the
/// bytes present (`data`, from the body's start), at most the known body
/// length. A chunked body's length is only known once its first size line
/// was parsed, which 1.4 does when it waits for the body (`check_post`):
/// then the first chunk's data; otherwise nothing.
pub fn post_window(data: &[u8], framing: Framing, check_post: bool) -> &[u8] {
    match framing {
        Framing::Length(n) => &data[..usize::try_from(n).unwrap_or(usize::MAX).min(data.len())],
        Framing::Chunked if check_post => first_chunk(data).unwrap_or(b""),
        _ => b"",
    }
}

/// The value 1.4's http_find_header2() returns for a header line's value
/// (already stripped of leading LWS): up to the first comma outside a
/// quoted string, trailing LWS removed.
pub fn first_value(v: &[u8]) -> &[u8] {
    let end = crate::http::head::find_hdr_value_end(v, 0);
    let v = &v[..end];
    let e = v.iter().rposition(|&c| !is_lws(c)).map_or(0, |p| p + 1);
    &v[..e]
}

/// `balance hdr(name) [use_domain_only]` on the header's (first) value.
/// With `use_domain_only`, 1.4 walks the value from its last byte back:
/// bytes before (in that walk) the first dot are skipped, then the bytes
/// up to the next dot are hashed in that reversed order. No dot hashes
/// nothing (key 0); a port is not special: it is part of the skipped
/// last label.
pub fn hdr_hash(v: &[u8], domain_only: bool) -> u64 {
    if !domain_only {
        return sdbm_all(v);
    }
    let mut h = 0u64;
    let mut dohash = false;
    for &c in v.iter().rev() {
        if c == b'.' {
            if dohash {
                break;
            }
            dohash = true;
        } else if dohash {
            h = sdbm(h, c);
        }
    }
    h
}

/// `balance rdp-cookie`: the cookie value, hashed as 1.4 does.
pub fn rdp_hash(v: &[u8]) -> u64 {
    sdbm_all(v)
}

/// `balance source`: IPv4 as a big-endian word, IPv6 words XORed.
pub fn source_hash(ip: std::net::IpAddr) -> u64 {
    match ip {
        std::net::IpAddr::V4(a) => u32::from(a) as u64,
        std::net::IpAddr::V6(a) => {
            let o = a.octets();
            o.chunks(4).fold(0u32, |h, c| {
                h ^ u32::from_be_bytes([c[0], c[1], c[2], c[3]])
            }) as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_param() {
        assert_eq!(url_param_hash(b"/?uid=1", "uid"), Some(sdbm_all(b"1")));
        assert_eq!(
            url_param_hash(b"/p?a=1&uid=4&b", "uid"),
            Some(sdbm_all(b"4"))
        );
        assert_eq!(url_param_hash(b"/p?uid=", "uid"), Some(0));
        assert_eq!(url_param_hash(b"/p?uid", "uid"), None);
        assert_eq!(url_param_hash(b"/p?xuid=5", "uid"), None);
        assert_eq!(url_param_hash(b"/p;uid=6", "uid"), None);
        assert_eq!(
            url_param_hash(b"/p?uid=7&uid=8", "uid"),
            Some(sdbm_all(b"7"))
        );
        // the query value is not checked for token bytes
        assert_eq!(url_param_hash(b"/?uid=a b", "uid"), Some(sdbm_all(b"a b")));
    }

    #[test]
    fn post_param() {
        assert_eq!(url_param_post_hash(b"uid=1", "uid"), Some(sdbm_all(b"1")));
        assert_eq!(
            url_param_post_hash(b"a=2&uid=2", "uid"),
            Some(sdbm_all(b"2"))
        );
        assert_eq!(
            url_param_post_hash(b"uid=ab cd", "uid"),
            Some(sdbm_all(b"ab"))
        );
        assert_eq!(
            url_param_post_hash(b"uid=ab\r\n", "uid"),
            Some(sdbm_all(b"ab"))
        );
        assert_eq!(url_param_post_hash(b"uid=a\x01b", "uid"), None);
        assert_eq!(url_param_post_hash(b"uid=a=b", "uid"), None);
        assert_eq!(url_param_post_hash(b"zzz=1", "uid"), None);
        assert_eq!(url_param_post_hash(b"", "uid"), None);
    }

    #[test]
    fn chunk_window() {
        assert_eq!(first_chunk(b"5\r\nuid=1\r\n0\r\n\r\n"), Some(&b"uid=1"[..]));
        assert_eq!(first_chunk(b"A;ext=1\r\nuid"), Some(&b"uid"[..]));
        assert_eq!(first_chunk(b"5\r"), None);
        assert_eq!(first_chunk(b"\r\n"), None);
    }

    #[test]
    fn body_window() {
        let d = b"uid=1&x=2GET / HTTP/1.1";
        assert_eq!(post_window(d, Framing::Length(9), false), b"uid=1&x=2");
        assert_eq!(post_window(b"uid", Framing::Length(9), true), b"uid");
        assert_eq!(
            post_window(b"5\r\nuid=1\r\n", Framing::Chunked, true),
            b"uid=1"
        );
        assert_eq!(post_window(b"5\r\nuid=1\r\n", Framing::Chunked, false), b"");
        assert_eq!(post_window(b"uid=1", Framing::Empty, true), b"");
    }

    #[test]
    fn header_first_value() {
        assert_eq!(first_value(b"alice, bob"), b"alice");
        assert_eq!(first_value(b"bob,alice"), b"bob");
        assert_eq!(first_value(b"alice \t"), b"alice");
        assert_eq!(first_value(b"\"a,b\", c"), b"\"a,b\"");
        assert_eq!(first_value(b", x"), b"");
        assert_eq!(first_value(b""), b"");
    }

    #[test]
    fn domain_only_walks_back() {
        // "www.example.com": skip "moc", hash "elpmaxe"
        assert_eq!(hdr_hash(b"www.example.com", true), sdbm_all(b"elpmaxe"));
        assert_eq!(hdr_hash(b"example.com", true), sdbm_all(b"elpmaxe"));
        assert_eq!(hdr_hash(b"localhost", true), 0);
        // the port belongs to the skipped label
        assert_eq!(
            hdr_hash(b"www.example.com:8080", true),
            sdbm_all(b"elpmaxe")
        );
        assert_eq!(hdr_hash(b"www.example.com.", true), sdbm_all(b"moc"));
        assert_eq!(hdr_hash(b"1.2.3.4", true), sdbm_all(b"3"));
        assert_eq!(hdr_hash(b"abc", false), sdbm_all(b"abc"));
    }

    #[test]
    fn signed_bytes() {
        // a byte >= 0x80 is a negative char in 1.4
        assert_eq!(sdbm(0, 0xff), u64::MAX);
    }
}

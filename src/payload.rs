//! Layer-4 content fetches on the first bytes a client sent, as 1.4 reads
//! them: the RDP cookie of a Remote Desktop connection request and the
//! protocol version of an SSL/TLS client hello. Pure functions.

/// What a fetch found in the bytes received so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched<T> {
    Found(T),
    /// The bytes may still become a match when more arrive.
    TooShort,
    No,
}

/// The value of the RDP cookie `name` (any name when None): the X.224
/// connection request carries `Cookie: name=value\r\n` after its 11-byte
/// TPKT/X.224 header.
pub fn rdp_cookie<'a>(buf: &'a [u8], name: Option<&str>) -> Fetched<&'a [u8]> {
    if buf.len() <= 11 {
        return Fetched::TooShort;
    }
    let mut d = &buf[11..];
    if d.len() <= 7 {
        return Fetched::TooShort;
    }
    if !d[..7].eq_ignore_ascii_case(b"Cookie:") {
        return Fetched::No;
    }
    d = &d[7..];
    while d.first() == Some(&b' ') {
        d = &d[1..];
    }
    match name.filter(|n| !n.is_empty()) {
        Some(n) => {
            let n = n.as_bytes();
            if d.len() <= n.len() {
                return Fetched::TooShort;
            }
            if d[n.len()] != b'=' || !d[..n.len()].eq_ignore_ascii_case(n) {
                return Fetched::No;
            }
            d = &d[n.len() + 1..];
        }
        None => {
            let Some(eq) = d
                .iter()
                .position(|&c| c == b'=' || c == b'\r' || c == b'\n')
            else {
                return Fetched::TooShort;
            };
            if d[eq] != b'=' {
                return Fetched::No;
            }
            d = &d[eq + 1..];
        }
    }
    let Some(cr) = d.iter().position(|&c| c == b'\r') else {
        return Fetched::TooShort;
    };
    if d.len() < cr + 2 {
        return Fetched::TooShort;
    }
    if d[cr + 1] != b'\n' {
        return Fetched::No;
    }
    Fetched::Found(&d[..cr])
}

/// The protocol version (major << 16 | minor) of an SSLv3/TLS record or an
/// SSLv2 client hello, once the whole first message (up to `max` bytes) is
/// there.
pub fn ssl_hello_version(buf: &[u8], max: usize) -> Fetched<i64> {
    let Some(&first) = buf.first() else {
        return Fetched::TooShort;
    };
    let (version, msg_len, rest);
    if (0x14..=0x17).contains(&first) || first == 0xff {
        if buf.len() < 5 {
            return Fetched::TooShort;
        }
        version = ((buf[1] as i64) << 16) + buf[2] as i64;
        let len = ((buf[3] as usize) << 8) + buf[4] as usize;
        if version < 0x0003_0000 || !(1..=(1 << 14) + 2048).contains(&len) {
            return Fetched::No;
        }
        msg_len = len;
        rest = buf.len() - 5;
    } else {
        let (rlen, plen, hdr) = if first & 0x80 != 0 {
            if buf.len() < 3 {
                return Fetched::TooShort;
            }
            (
                (((first & 0x7f) as usize) << 8) | buf[1] as usize,
                0usize,
                2usize,
            )
        } else {
            if buf.len() < 4 {
                return Fetched::TooShort;
            }
            (
                (((first & 0x3f) as usize) << 8) | buf[1] as usize,
                buf[2] as usize,
                2usize,
            )
        };
        let d = &buf[hdr..];
        if d.first() != Some(&0x01) {
            return Fetched::No;
        }
        let d = &d[1..];
        if d.len() < 8 {
            return Fetched::TooShort;
        }
        version = ((d[0] as i64) << 16) + d[1] as i64;
        let cilen = ((d[2] as usize) << 8) + d[3] as usize;
        let silen = ((d[4] as usize) << 8) + d[5] as usize;
        let chlen = ((d[6] as usize) << 8) + d[7] as usize;
        if !cilen.is_multiple_of(3) || (silen != 0 && silen != 16) || !(16..=32).contains(&chlen) {
            return Fetched::No;
        }
        if rlen != 9 + cilen + silen + chlen {
            return Fetched::No;
        }
        msg_len = cilen + silen + chlen + plen;
        rest = d.len() - 8;
    }
    if rest < msg_len.min(max) {
        return Fetched::TooShort;
    }
    Fetched::Found(version)
}

/// 1.4's RDP persistence cookie `a.b.0000`: the server's IPv4 address and
/// port as the numbers their network-order bytes make when read back in
/// host (little-endian) order.
pub fn rdp_persist_target(value: &[u8]) -> Option<(std::net::Ipv4Addr, u16)> {
    let s = std::str::from_utf8(value).ok()?;
    let mut it = s.splitn(3, '.');
    let addr = it.next()?;
    let port = it.next()?;
    it.next()?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    if !digits(addr) || !digits(port) {
        return None;
    }
    let a = addr.parse::<u64>().ok()? as u32;
    let p = port.parse::<u64>().ok()? as u16;
    Some((
        std::net::Ipv4Addr::from(a.to_le_bytes()),
        u16::from_be_bytes(p.to_le_bytes()),
    ))
}

/// The SSLv3 CLIENT HELLO 1.4 sends for `option ssl-hello-chk` (bytes
/// 11..15 get the current time at each check).
pub fn ssl_hello_packet() -> Vec<u8> {
    let mut p = vec![
        0x16, 0x03, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00, 0x75, 0x03, 0x00, 0, 0, 0, 0,
    ];
    p.extend_from_slice(b"HAPROXYSSLCHK\nHAPROXYSSLCHK\n");
    p.push(0x00);
    p.extend_from_slice(&[0x00, 0x4E]);
    let ciphers: Vec<u8> = (0x01..=0x1Bu8).chain(0x2F..=0x3Au8).collect();
    for c in ciphers {
        p.extend_from_slice(&[0x00, c]);
    }
    p.extend_from_slice(&[0x01, 0x00]);
    p
}

/// The MySQL client authentication packet of `option mysql-check user U`
/// followed by a COM_QUIT, laid out as 1.4 builds it.
pub fn mysql_packet(user: &str) -> Vec<u8> {
    let ulen = user.len();
    let packetlen = ulen + 7;
    let reqlen = packetlen + 9;
    let mut p = vec![0u8; reqlen];
    p[0] = (packetlen & 0xff) as u8;
    p[1] = ((packetlen >> 8) & 0xff) as u8;
    p[2] = ((packetlen >> 16) & 0xff) as u8;
    p[3] = 1;
    p[5] = 128;
    p[8] = 1;
    p[9..9 + ulen].copy_from_slice(user.as_bytes());
    p[9 + ulen + 2] = 1;
    p[9 + ulen + 2 + 4] = 1;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rdp(cookie: &str) -> Vec<u8> {
        let mut v = vec![0x03, 0, 0, 0, 0, 0xe0, 0, 0, 0, 0, 0];
        v.extend_from_slice(cookie.as_bytes());
        v
    }

    #[test]
    fn rdp_cookies() {
        let b = rdp("Cookie: mstshash=alice\r\n\x01\x00");
        assert_eq!(
            rdp_cookie(&b, Some("mstshash")),
            Fetched::Found(&b"alice"[..])
        );
        assert_eq!(rdp_cookie(&b, None), Fetched::Found(&b"alice"[..]));
        assert_eq!(rdp_cookie(&b, Some("msts")), Fetched::No);
        assert_eq!(rdp_cookie(&b[..20], Some("mstshash")), Fetched::TooShort);
        assert_eq!(
            rdp_cookie(b"GET /index.html HTTP/1.0\r\n\r\n", None),
            Fetched::No
        );
        // 192.168.1.1:3389 as Windows writes it
        let v = b"16885952.15629.0000";
        assert_eq!(
            rdp_persist_target(v),
            Some((
                "192.168.1.1"
                    .parse()
                    .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
                3389
            ))
        );
        assert_eq!(rdp_persist_target(b"1.2"), None);
    }

    #[test]
    fn ssl_versions() {
        // TLS 1.0 record carrying a 4-byte handshake
        let tls = [0x16, 3, 1, 0, 4, 1, 0, 0, 0];
        assert_eq!(ssl_hello_version(&tls, 16384), Fetched::Found(0x0003_0001));
        assert_eq!(ssl_hello_version(&tls[..6], 16384), Fetched::TooShort);
        // SSLv2 client hello offering 3.0, 3 ciphers, no session, 16-byte challenge
        let mut v2 = vec![0x80, 9 + 3 + 16, 0x01, 3, 0, 0, 3, 0, 0, 0, 16];
        v2.extend_from_slice(&[0; 3 + 16]);
        assert_eq!(ssl_hello_version(&v2, 16384), Fetched::Found(0x0003_0000));
        assert_eq!(ssl_hello_version(b"GET / HTTP/1.0\r\n", 16384), Fetched::No);
    }
}

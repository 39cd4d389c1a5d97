//! Time, size and address values as 1.4 reads them (parse_time_err,
//! parse_size_err, strtoul, atoi, str2sa).

use nom::character::complete::{digit0, one_of};
use nom::combinator::opt;
use nom::IResult;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The leading decimal digits of a value (maybe none) and what follows.
fn digits(s: &str) -> (&str, &str) {
    let r: IResult<&str, &str> = digit0(s);
    r.map(|(rest, d)| (d, rest)).unwrap_or(("", s))
}

/// An optional sign, then what follows: (negative, rest).
fn sign(s: &str) -> (bool, &str) {
    let r: IResult<&str, Option<char>> = opt(one_of("+-"))(s);
    match r {
        Ok((rest, c)) => (c == Some('-'), rest),
        Err(_) => (false, s),
    }
}

/// Decimal digits to a number, saturating (C's overflow is not 1.4's
/// concern at these sizes; the callers bound what they keep).
fn decimal(d: &str) -> u64 {
    d.bytes().fold(0u64, |v, c| {
        v.saturating_mul(10).saturating_add(u64::from(c - b'0'))
    })
}

/// Parses a time with 1.4's units (us, ms, s, m, h, d) into `default_unit`
/// based milliseconds. Returns Err(char) with the first unexpected char.
/// As in 1.4's parse_time_err(), the digits may be missing (value 0, so an
/// empty string is 0 too), only the first unit letter is checked (a `u`
/// without `s` counts as seconds, `m` without `s` as minutes) and anything
/// after it is ignored; sub-unit values are rounded up.
pub fn parse_time_ms(s: &str, default_unit_ms: u64) -> Result<u64, char> {
    let (d, tail) = digits(s);
    // 1.4 computes in unsigned int: the digits and the scaling wrap
    let value = d.bytes().fold(0u32, |v, c| {
        v.wrapping_mul(10).wrapping_add(u32::from(c - b'0'))
    });
    // the output unit: milliseconds, or seconds (TIME_UNIT_S)
    let (mut omult, mut odiv) = (if default_unit_ms == 1000 { 1u32 } else { 1000 }, 1u32);
    let (mut imult, mut idiv) = (1u32, 1u32);
    let rest = tail.as_bytes();
    let second = rest.get(1) == Some(&b's');
    match rest.first() {
        None => (omult, odiv) = (1, 1),
        Some(b's') => {}
        Some(b'u') if second => idiv = 1_000_000,
        Some(b'u') => {}
        Some(b'm') if second => idiv = 1000,
        Some(b'm') => imult = 60,
        Some(b'h') => imult = 3600,
        Some(b'd') => imult = 86400,
        Some(_) => return Err(tail.chars().next().unwrap_or('\0')),
    }
    if omult % idiv == 0 {
        (omult, idiv) = (omult / idiv, 1);
    }
    if idiv % omult == 0 {
        (idiv, omult) = (idiv / omult, 1);
    }
    if imult % odiv == 0 {
        (imult, odiv) = (imult / odiv, 1);
    }
    if odiv % imult == 0 {
        (odiv, imult) = (odiv / imult, 1);
    }
    let v = value
        .wrapping_mul(imult.wrapping_mul(omult))
        .wrapping_add(idiv * odiv - 1)
        / (idiv * odiv);
    Ok(u64::from(v) * default_unit_ms)
}

/// 1.4's parse_size_err(): digits (maybe none), then an optional k/m/g
/// suffix whose tail is ignored; the value must fit an unsigned int.
/// Err carries the character 1.4 reports.
pub fn parse_size(s: &str) -> Result<u64, char> {
    let at = |k: usize| s[k..].chars().next().unwrap_or('\0');
    let mut v: u64 = 0;
    let mut k = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        v = v * 10 + u64::from(c - b'0');
        if v > u64::from(u32::MAX) {
            return Err(at(k));
        }
        k += 1;
    }
    let shift = match s.as_bytes().get(k) {
        None => 0,
        Some(b'k' | b'K') => 10,
        Some(b'm' | b'M') => 20,
        Some(b'g' | b'G') => 30,
        Some(_) => return Err(at(k)),
    };
    if v > u64::from(u32::MAX >> shift) {
        return Err(at(k));
    }
    Ok(v << shift)
}

/// atoi() as C does it: leading digits (with sign), 0 when none.
pub fn atoi(s: &str) -> i64 {
    let (neg, body) = sign(s.trim_start());
    let v = decimal(digits(body).0).min(i64::MAX as u64) as i64;
    if neg {
        -v
    } else {
        v
    }
}

/// strtoul(s, &end, 0) narrowed to an unsigned int, as 1.4 stores it:
/// blanks, a sign, then `0x` hex, `0` octal or decimal digits. Returns
/// the value and what follows the number (all of `s` when there is none).
pub fn strtoul0(s: &str) -> (u32, &str) {
    let (neg, body) = sign(s.trim_start());
    let hex_digits = body.len() > 2 && body.as_bytes()[2].is_ascii_hexdigit();
    let (radix, digits) = if (body.starts_with("0x") || body.starts_with("0X")) && hex_digits {
        (16, &body[2..])
    } else if body.starts_with('0') {
        (8, body)
    } else {
        (10, body)
    };
    let len = digits.chars().take_while(|c| c.is_digit(radix)).count();
    if len == 0 {
        return (0, s);
    }
    let v = digits[..len].chars().fold(0u64, |v, c| {
        let d = u64::from(c.to_digit(radix).unwrap_or(0));
        v.saturating_mul(u64::from(radix)).saturating_add(d)
    });
    // unsigned long saturates at ULONG_MAX; the int store keeps the low bits
    let v = if neg { v.wrapping_neg() } else { v };
    (v as u32, &digits[len..])
}

static NO_DNS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Literal addresses only (fuzzing: no resolver round trips).
pub fn set_no_dns(v: bool) {
    NO_DNS.store(v, std::sync::atomic::Ordering::Relaxed);
}

/// Resolves a host part the way 1.4 does: empty or `*` is any address,
/// a literal IP is taken as is, otherwise a name is resolved at parse time.
pub fn resolve_host(host: &str) -> Option<IpAddr> {
    if host.is_empty() || host == "*" {
        return Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(ip);
    }
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = h.parse::<Ipv6Addr>() {
        return Some(IpAddr::V6(ip));
    }
    if NO_DNS.load(std::sync::atomic::Ordering::Relaxed) || hex_inet_aton(host) {
        return None;
    }
    // start-up only: the loop never resolves names
    crate::sys::resolve_ipv4(host).map(IpAddr::V4)
}

/// An address in inet_aton()'s hexadecimal form (`0x7f000001`,
/// `0x10.1.2.3`): getaddrinfo() takes it as a number, but 1.4's
/// gethostbyname() reads only digits and dots as numbers and looks any
/// other name up, which such a name never survives.
fn hex_inet_aton(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    let numeric = |p: &str| match p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        Some(h) => h.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
    };
    host.contains(['x', 'X']) && parts.len() <= 4 && parts.iter().all(|p| numeric(p))
}

/// Splits `host:port` on the last colon (IPv6 addresses have colons).
pub fn split_host_port(s: &str) -> (&str, Option<&str>) {
    match s.rfind(':') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    }
}

/// `a.b.c.d[/mask]` with a dotted or a CIDR mask, for `monitor-net`,
/// `forwardfor except` and ACL networks.
pub fn parse_net(s: &str) -> Option<(Ipv4Addr, Ipv4Addr)> {
    let (a, m) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let ip: Ipv4Addr = a.parse().ok().or_else(|| match resolve_host(a)? {
        IpAddr::V4(v) => Some(v),
        _ => None,
    })?;
    let mask = match m {
        None => Ipv4Addr::new(255, 255, 255, 255),
        Some(m) if m.contains('.') => m.parse().ok()?,
        Some(m) => {
            let bits: u32 = m.parse().ok()?;
            if bits > 32 {
                return None;
            }
            let v = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            Ipv4Addr::from(v)
        }
    };
    Some((ip, mask))
}

/// Reads at most `max` bytes: a device or a huge file must not hang -c.
pub fn read_bounded(path: &str, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    f.take(max as u64).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time_ms("5000", 1), Ok(5000));
        assert_eq!(parse_time_ms("5s", 1), Ok(5000));
        assert_eq!(parse_time_ms("500ms", 1), Ok(500));
        assert_eq!(parse_time_ms("2m", 1), Ok(120_000));
        assert_eq!(parse_time_ms("1h", 1), Ok(3_600_000));
        assert_eq!(parse_time_ms("1d", 1), Ok(86_400_000));
        assert_eq!(parse_time_ms("1500us", 1), Ok(2));
        assert_eq!(parse_time_ms("10", 1000), Ok(10_000));
        assert_eq!(parse_time_ms("5x", 1), Err('x'));
        // 1.4: no digits is 0, a lone `u` is seconds
        assert_eq!(parse_time_ms("", 1), Ok(0));
        assert_eq!(parse_time_ms("s", 1), Ok(0));
        assert_eq!(parse_time_ms("5u", 1), Ok(5000));
        assert_eq!(parse_time_ms("abc", 1), Err('a'));
        // unsigned int arithmetic as 1.4: 2^32 s is 0 ms, and so on
        assert_eq!(parse_time_ms("4294967296s", 1), Ok(0));
        assert_eq!(parse_time_ms("4294967297", 1), Ok(1));
        assert_eq!(parse_time_ms("50d", 1), Ok(4_320_000_000 % (1 << 32)));
        assert_eq!(parse_time_ms("1500ms", 1000), Ok(2000));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("10k"), Ok(10240));
        // 1.4 ignores what follows the suffix letter
        assert_eq!(parse_size("1mb"), Ok(1 << 20));
        assert_eq!(parse_size("5x"), Err('x'));
        assert_eq!(parse_size("8g"), Err('g'));
    }

    #[test]
    fn strtoul_base0() {
        assert_eq!(strtoul0("20"), (20, ""));
        assert_eq!(strtoul0("0x20"), (32, ""));
        assert_eq!(strtoul0("010"), (8, ""));
        assert_eq!(strtoul0("5k"), (5, "k"));
        assert_eq!(strtoul0("x"), (0, "x"));
        assert_eq!(strtoul0("0x"), (0, "x"));
    }

    #[test]
    fn addresses() {
        assert_eq!(split_host_port("127.0.0.1:80"), ("127.0.0.1", Some("80")));
        assert_eq!(split_host_port("::1:80"), ("::1", Some("80")));
        assert_eq!(resolve_host("*"), Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        assert_eq!(
            parse_net("10.0.0.0/8"),
            Some((Ipv4Addr::new(10, 0, 0, 0), Ipv4Addr::new(255, 0, 0, 0)))
        );
        assert_eq!(atoi("12ab"), 12);
        assert_eq!(atoi("notaport"), 0);
    }
}

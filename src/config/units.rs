//! Time, size and address values as 1.4 reads them (nom parsers).

use nom::bytes::complete::take_while1;
use nom::character::complete::digit1;
use nom::combinator::{map_res, opt};
use nom::IResult;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

fn number(i: &str) -> IResult<&str, u64> {
    map_res(digit1, |s: &str| s.parse::<u64>())(i)
}

fn unit(i: &str) -> IResult<&str, Option<&str>> {
    opt(take_while1(|c: char| c.is_ascii_alphabetic()))(i)
}

/// Parses a time with 1.4's units (us, ms, s, m, h, d) into `default_unit`
/// based milliseconds. Returns Err(char) with the first unexpected char.
/// As in 1.4, an unknown unit is an error but trailing junk after a valid
/// unit is ignored, and sub-unit values are rounded up.
pub fn parse_time_ms(s: &str, default_unit_ms: u64) -> Result<u64, char> {
    let (rest, n) = number(s).map_err(|_| s.chars().next().unwrap_or('\0'))?;
    let (_, u) = unit(rest).map_err(|_| '\0')?;
    // 1.4 checks only the unit's leading letters and ignores the rest
    let v = match u {
        None => {
            if let Some(c) = rest.chars().next() {
                return Err(c);
            }
            n.saturating_mul(default_unit_ms)
        }
        Some(u) => {
            if u.starts_with("us") {
                n.div_ceil(1000)
            } else if u.starts_with("ms") {
                n
            } else if u.starts_with('s') {
                n.saturating_mul(1000)
            } else if u.starts_with('m') {
                n.saturating_mul(60_000)
            } else if u.starts_with('h') {
                n.saturating_mul(3_600_000)
            } else if u.starts_with('d') {
                n.saturating_mul(86_400_000)
            } else {
                return Err(u.chars().next().unwrap_or('\0'));
            }
        }
    };
    Ok(v)
}

/// A size with an optional k/m/g suffix (stick-table sizes, tune values).
pub fn parse_size(s: &str) -> Option<u64> {
    let (rest, n) = number(s).ok()?;
    match rest {
        "" => Some(n),
        "k" | "K" => Some(n * 1024),
        "m" | "M" => Some(n * 1024 * 1024),
        "g" | "G" => Some(n * 1024 * 1024 * 1024),
        _ => None,
    }
}

/// atoi() as C does it: leading digits (with sign), 0 when none.
pub fn atoi(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for c in body.bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.saturating_mul(10).saturating_add((c - b'0') as i64);
    }
    if neg {
        -v
    } else {
        v
    }
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
    if NO_DNS.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    // start-up only: the loop never resolves names
    (host, 0u16)
        .to_socket_addrs()
        .ok()?
        .find(|a| a.is_ipv4())
        .map(|a| a.ip())
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
        assert_eq!(parse_time_ms("abc", 1), Err('a'));
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

//! `capture cookie`: which cookie 1.4 captures for the log and what it
//! keeps of it. 1.4 cuts Cookie and Set-Cookie headers with its cookie
//! parser (quotes, both delimiters, spaces around '='), so the capture
//! follows the same cuts rather than a plain split on ';'.

use super::head::Head;

fn spht(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// 1.4's find_cookie_value_end(): the first ',' or ';' outside a quoted
/// string, from `s`.
fn value_end(v: &[u8], s: usize) -> usize {
    super::head::value_end_at(v, s, b",;")
}

/// Which header a cookie list comes from: the grammars differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Cookie`: ',' and ';' both separate cookies; `$` attributes skipped.
    Cookie,
    /// `Set-Cookie`: only the first cookie counts (commas may be in dates).
    SetCookie,
    /// `Set-Cookie2`: cookies separated by commas.
    SetCookie2,
}

/// The cookies of one header value (`v` starts right after the colon),
/// each as (name, value) with the spaces around '=' left out, as 1.4
/// strips them before capturing. Cookies without '=' are skipped.
fn each_cookie(v: &[u8], kind: Kind, mut f: impl FnMut(&[u8], &[u8]) -> bool) {
    let comma = kind != Kind::SetCookie;
    // each cookie starts after a delimiter (the first: after the colon)
    let mut start = 0;
    loop {
        let mut att_beg = start;
        while att_beg < v.len() && spht(v[att_beg]) {
            att_beg += 1;
        }
        let (mut equal, mut att_end) = (att_beg, att_beg);
        while equal < v.len() {
            let c = v[equal];
            if c == b'=' || c == b';' || (comma && c == b',') {
                break;
            }
            equal += 1;
            if !spht(c) {
                att_end = equal;
            }
        }
        let (val_beg, val_end, mut next) = if equal < v.len() && v[equal] == b'=' {
            let mut b = equal + 1;
            while b < v.len() && spht(v[b]) {
                b += 1;
            }
            let n = value_end(v, b);
            let mut e = n;
            while e > b && spht(v[e - 1]) {
                e -= 1;
            }
            (b, e, n)
        } else {
            (equal, equal, equal)
        };
        if kind != Kind::Cookie && next < v.len() {
            next = if kind == Kind::SetCookie2 {
                super::head::find_hdr_value_end(v, next)
            } else {
                v.len()
            };
        }
        let attr = kind == Kind::Cookie && v.get(att_beg) == Some(&b'$');
        let has_equal = if kind == Kind::Cookie {
            equal != next
        } else {
            equal != val_end
        };
        if !attr && has_equal && f(&v[att_beg..att_end], &v[val_beg..val_end]) {
            return;
        }
        if next >= v.len() {
            return;
        }
        start = next + 1;
    }
}

/// The first cookie whose `name=value` starts with `prefix`, cut to `len`
/// bytes, for `capture cookie`. `hdr` is "Cookie" for the request;
/// "Set-Cookie" for the response, where Set-Cookie2 headers count too.
pub fn capture(h: &Head, hdr: &str, prefix: &str, len: usize) -> Option<Vec<u8>> {
    let request = hdr.eq_ignore_ascii_case("Cookie");
    for hd in h.hdrs() {
        let kind = if request && hd.is("Cookie") {
            Kind::Cookie
        } else if !request && hd.is("Set-Cookie") {
            Kind::SetCookie
        } else if !request && hd.is("Set-Cookie2") {
            Kind::SetCookie2
        } else {
            continue;
        };
        let colon = hd
            .line
            .iter()
            .position(|&c| c == b':')
            .unwrap_or(hd.line.len());
        let v = hd.line.get(colon + 1..).unwrap_or(b"");
        let mut got = None;
        each_cookie(v, kind, |n, val| {
            let p = prefix.as_bytes();
            let whole = n.len() + 1 + val.len();
            let matches =
                whole >= p.len() && n.iter().chain(b"=").chain(val).zip(p).all(|(a, b)| a == b);
            if matches {
                let mut c: Vec<u8> = Vec::with_capacity(whole.min(len));
                c.extend(n.iter().chain(b"=").chain(val).take(len));
                got = Some(c);
            }
            matches
        });
        if got.is_some() {
            return got;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(v: &[u8], kind: Kind) -> Vec<String> {
        let mut out = Vec::new();
        each_cookie(v, kind, |n, val| {
            out.push(format!(
                "{}={}",
                String::from_utf8_lossy(n),
                String::from_utf8_lossy(val)
            ));
            false
        });
        out
    }

    #[test]
    fn request_cookies() {
        assert_eq!(cut(b" a=1; b=2", Kind::Cookie), ["a=1", "b=2"]);
        assert_eq!(
            cut(
                b" $Version=1, SESSX, a=1, SESS = \"q;w\" ; b=2",
                Kind::Cookie
            ),
            ["a=1", "SESS=\"q;w\"", "b=2"]
        );
        assert_eq!(cut(b" SESS; SESS=x,y", Kind::Cookie), ["SESS=x"]);
        assert_eq!(cut(b" e=", Kind::Cookie), ["e="]);
        assert_eq!(cut(b"", Kind::Cookie), Vec::<String>::new());
    }

    #[test]
    fn response_cookies() {
        assert_eq!(cut(b" SESS = v1 ; path=/", Kind::SetCookie), ["SESS=v1"]);
        assert_eq!(cut(b" a=1, SESS=v2", Kind::SetCookie), ["a=1"]);
        assert_eq!(
            cut(b" s=#v\"x; path=/", Kind::SetCookie),
            ["s=#v\"x; path=/"]
        );
        assert_eq!(
            cut(b" a=1; Max-Age=0, b=2", Kind::SetCookie2),
            ["a=1", "b=2"]
        );
    }
}

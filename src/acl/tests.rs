//! Unit tests of ACL parsing and conditions.

use super::*;

struct Req<'a> {
    url: &'a [u8],
    host: &'a [u8],
}
impl Sample for Req<'_> {
    fn src(&self) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))
    }
    fn src_port(&self) -> i64 {
        1234
    }
    fn dst(&self) -> Option<IpAddr> {
        None
    }
    fn dst_port(&self) -> i64 {
        80
    }
    fn method(&self) -> Option<&[u8]> {
        Some(b"GET")
    }
    fn url(&self) -> Option<&[u8]> {
        Some(self.url)
    }
    fn req_ver(&self) -> Option<&[u8]> {
        Some(b"HTTP/1.1")
    }
    fn req_hdr_any(
        &self,
        name: Option<&str>,
        _split: bool,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool {
        name.is_some_and(|n| n.eq_ignore_ascii_case("host")) && f(self.host)
    }
    fn rsp_hdr_any(&self, _: Option<&str>, _: bool, _: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        false
    }
    fn status(&self) -> Option<i64> {
        None
    }
    fn rsp_ver(&self) -> Option<&[u8]> {
        None
    }
    fn req_len(&self) -> i64 {
        0
    }
    fn is_http(&self) -> bool {
        true
    }
    fn first_req(&self) -> bool {
        true
    }
    fn counter(&self, _: Fetch, _: Option<&str>) -> Option<i64> {
        None
    }
    fn auth_ok(&self, _: Option<&str>, _: Option<&[Vec<u8>]>) -> bool {
        false
    }
}

fn by_name(acls: &[Acl]) -> impl Fn(&str) -> Option<usize> + '_ {
    move |w: &str| acls.iter().position(|a| a.name == w)
}

fn ws(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

#[test]
fn path_beg_and_host() {
    let acls = vec![
        Acl {
            name: "api".into(),
            exprs: vec![parse_expr(&ws("path_beg /api")).unwrap_or_else(|_| panic!())],
        },
        Acl {
            name: "h".into(),
            exprs: vec![
                parse_expr(&ws("hdr(host) -i api.example.com")).unwrap_or_else(|_| panic!())
            ],
        },
    ];
    let c = parse_cond(false, &ws("api"), &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(cond_match(
        &c,
        &acls,
        &Req {
            url: b"/api/v1",
            host: b"x"
        }
    ));
    assert!(cond_match(
        &c,
        &acls,
        &Req {
            url: b"/apix",
            host: b"x"
        }
    ));
    assert!(!cond_match(
        &c,
        &acls,
        &Req {
            url: b"/API",
            host: b"x"
        }
    ));
    let c = parse_cond(false, &ws("h"), &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(cond_match(
        &c,
        &acls,
        &Req {
            url: b"/",
            host: b"API.Example.COM"
        }
    ));
    assert!(!cond_match(
        &c,
        &acls,
        &Req {
            url: b"/",
            host: b"api.example.com:80"
        }
    ));
    let c =
        parse_cond(true, &ws("!api or METH_POST"), &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(!cond_match(
        &c,
        &acls,
        &Req {
            url: b"/x",
            host: b""
        }
    ));
}

#[test]
fn integer_patterns_as_1_4_reads_them() {
    let pats = |s: &str| parse_expr(&ws(s)).map(|e| e.pats.linear().to_vec());
    let int = |p: &Pattern| match p {
        Pattern::Int(a, b) => (*a, *b),
        _ => (0, -1),
    };
    // junk ends the number, the first '-' or ':' starts the upper bound
    let p = pats("dst_port 80x 10:abc 1-2-3").unwrap_or_default();
    let got: Vec<_> = p.iter().map(int).collect();
    assert_eq!(got, vec![(80, 80), (10, 0), (1, 2)]);
    // the operator stays for the next patterns; ranges refuse it
    let p = pats("dst_port gt 5 10").unwrap_or_default();
    assert_eq!(
        p.iter().map(int).collect::<Vec<_>>(),
        vec![(6, i64::MAX), (11, i64::MAX)]
    );
    assert!(pats("dst_port ge 1:5").is_err());
    assert!(pats("dst_port -5").is_err());
    assert!(pats("hdr_beg(host www.").is_err());
}

#[test]
fn empty_conditions_and_lone_bangs() {
    let acls = vec![Acl {
        name: "api".into(),
        exprs: vec![parse_expr(&ws("path_beg /api")).unwrap_or_else(|_| panic!())],
    }];
    let req = Req {
        url: b"/api",
        host: b"",
    };
    // no terms: `if` never matches, `unless` always does
    let c = parse_cond(false, &[], &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(!cond_match(&c, &acls, &req));
    let c = parse_cond(true, &[], &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(cond_match(&c, &acls, &req));
    // a `!` word negates the next term; `OR` is case-insensitive
    let c = parse_cond(false, &ws("! api OR FALSE"), &by_name(&acls)).unwrap_or_else(|_| panic!());
    assert!(!cond_match(&c, &acls, &req));
}

#[test]
fn unknown_criterion_and_acl() {
    assert!(parse_expr(&ws("path_begins /a")).is_err());
    assert!(parse_cond(false, &ws("nosuch"), &|_: &str| None).is_err());
    assert_eq!(uri_path(b"http://h/a/b?x"), b"/a/b");
}

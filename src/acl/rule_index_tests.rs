//! Property tests of the rule index: on random rule lists mixing rules
//! that fit (exact host, path, src) and rules that end a run (`unless`,
//! `!`, `||`, prefixes), the plan picks the rule a walk of the conditions
//! picks, for random requests with repeated and comma-listed hosts.

use super::super::{cond_match, parse_cond, parse_expr, AclList, Fetch, Sample};
use super::*;
use std::net::Ipv4Addr;

struct Req {
    url: Vec<u8>,
    hosts: Vec<Vec<u8>>,
    src: Ipv4Addr,
}

impl Sample for Req {
    fn src(&self) -> Option<IpAddr> {
        Some(IpAddr::V4(self.src))
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
        Some(&self.url)
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
        match name {
            Some(n) if n.eq_ignore_ascii_case("host") => self.hosts.iter().any(|h| f(h)),
            _ => false,
        }
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

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
    fn host(&mut self) -> String {
        let names = ["a.com", "B.com", "c.org", "A.COM", "d.net", "b.com"];
        names[self.below(names.len())].to_string()
    }
}

fn ws(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// A random ACL definition and a condition over the ACLs so far.
fn random_rule(rng: &mut Rng, acls: &mut AclList, n: usize) -> Cond {
    let name = format!("a{n}");
    let def = match rng.below(10) {
        0..=2 => format!("hdr(host) -i {} {}", rng.host(), rng.host()),
        3 | 4 => format!("hdr(Host) {}", rng.host()),
        5 => format!("path /p{}", rng.below(4)),
        6 => format!("src 10.0.0.{}", rng.below(4)),
        7 => format!("hdr_beg(host) {}", &rng.host()[..1]),
        8 => format!("src 10.0.0.0/{}", 30 + rng.below(3)),
        _ => format!("url /p{}", rng.below(4)),
    };
    let e = parse_expr(&ws(&def)).unwrap_or_else(|_| panic!("{def}"));
    acls.add_expr(&name, e);
    let named = |w: &str| acls.position(w);
    let cond = match rng.below(12) {
        0 => format!("!{name}"),
        1 => format!("{name} || a0"),
        2 => format!("{name} a0"),
        3 => format!("{{ hdr(host) -i {} }}", rng.host()),
        _ => name.clone(),
    };
    let unless = rng.below(15) == 0;
    parse_cond(unless, &ws(&cond), &named).unwrap_or_else(|_| panic!("{cond}"))
}

#[test]
fn plan_picks_the_rule_the_walk_picks() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut indexed_runs = 0;
    for round in 0..300 {
        let mut acls = AclList::default();
        let n = 1 + rng.below(40);
        let conds: Vec<Cond> = (0..n)
            .map(|i| random_rule(&mut rng, &mut acls, i))
            .collect();
        let plan = RulePlan::build(conds.iter(), &acls);
        assert!(plan.covers(n));
        indexed_runs += plan
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Run(_)))
            .count();
        for _ in 0..50 {
            let hosts = (0..rng.below(3)).map(|_| rng.host().into_bytes()).collect();
            let req = Req {
                url: format!("/p{}", rng.below(5)).into_bytes(),
                hosts,
                src: Ipv4Addr::new(10, 0, 0, rng.below(6) as u8),
            };
            let want = conds.iter().position(|c| cond_match(c, &acls, &req));
            let got = plan.first(&req, |i| cond_match(&conds[i], &acls, &req));
            assert_eq!(got, want, "round {round}");
        }
    }
    // the test means something only if runs were indexed
    assert!(indexed_runs > 300, "{indexed_runs}");
}

#[test]
fn an_earlier_rule_keeps_a_shared_key() {
    let mut acls = AclList::default();
    for (n, d) in [("x", "hdr(host) -i a.com"), ("y", "hdr(host) A.com b.com")] {
        acls.add_expr(n, parse_expr(&ws(d)).unwrap_or_else(|_| panic!()));
    }
    let named = |w: &str| acls.position(w);
    let conds: Vec<Cond> = ["y", "x"]
        .iter()
        .map(|c| parse_cond(false, &ws(c), &named).unwrap_or_else(|_| panic!()))
        .collect();
    let plan = RulePlan::build(conds.iter(), &acls);
    assert!(matches!(plan.steps[..], [Step::Run(_)]));
    let req = |h: &str| Req {
        url: b"/".to_vec(),
        hosts: vec![h.as_bytes().to_vec()],
        src: Ipv4Addr::LOCALHOST,
    };
    assert_eq!(plan.first(&req("A.com"), |_| false), Some(0));
    assert_eq!(plan.first(&req("a.COM"), |_| false), Some(1));
    assert_eq!(plan.first(&req("b.com"), |_| false), Some(0));
    assert_eq!(plan.first(&req("c.com"), |_| false), None);
}

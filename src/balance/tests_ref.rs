//! Property tests: on random farms (up to 1,000 servers, weights, backups,
//! servers going down and up, weight changes, saturated servers, a server
//! to avoid), the tree-based balancers pick exactly what the plain linear
//! references pick, step after step: roundrobin and consistent hashing
//! run on a sorted `Vec` (every operation a scan), leastconn against a
//! scan of every server for the smallest (key, last change).

use super::tree::Node;
use super::*;
use std::collections::BTreeSet;

/// xorshift64*: deterministic, no crate needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn farm(&mut self, n: usize) -> Vec<SrvView> {
        (0..n)
            .map(|i| SrvView {
                usable: self.below(8) != 0,
                backup: self.below(6) == 0,
                weight: self.below(6) as u32,
                full: false,
                served: 0,
                puid: i as u32 + 1,
            })
            .collect()
    }
    /// Changes the farm a little: a server down/up, or its weight.
    fn churn(&mut self, v: &mut [SrvView]) {
        let i = self.below(v.len());
        match self.below(3) {
            0 => v[i].usable = !v[i].usable,
            1 => v[i].weight = self.below(6) as u32,
            _ => {
                let j = self.below(v.len());
                v[j].full = !v[j].full;
            }
        }
    }
}

/// 1.4's leastconn as a scan: every usable server of the group in use,
/// the smallest (key, time of its last change) that is not saturated.
struct LinearLc {
    stamp: Vec<u64>,
    queued: Vec<bool>,
    eweight: Vec<u32>,
    key: Vec<u32>,
    now: u64,
}

impl LinearLc {
    fn requeue(&mut self, i: usize, s: &SrvView) {
        self.now += 1;
        self.stamp[i] = self.now;
        self.queued[i] = true;
        self.eweight[i] = s.weight * 16;
        self.key[i] = s.served * 4096 / (s.weight * 16).max(1);
    }
    fn update(&mut self, v: &[SrvView]) {
        for (i, s) in v.iter().enumerate() {
            if !(s.usable && s.weight > 0) {
                self.queued[i] = false;
            } else if !self.queued[i] || self.eweight[i] != s.weight * 16 {
                self.requeue(i, s);
            }
        }
    }
    fn pick(&self, v: &[SrvView], allbackups: bool, avoid: Option<usize>) -> Option<usize> {
        let ok = |s: &SrvView| s.usable && s.weight > 0;
        let backup = if v.iter().any(|s| !s.backup && ok(s)) {
            false
        } else {
            let first = v.iter().position(|s| s.backup && ok(s));
            if !allbackups && first.is_some() {
                return first;
            }
            first?;
            true
        };
        let mut best: Option<(u32, u64, usize)> = None;
        let mut avoided = None;
        for (i, s) in v.iter().enumerate() {
            if !self.queued[i] || s.backup != backup || s.full {
                continue;
            }
            if Some(i) == avoid {
                avoided = Some(i);
                continue;
            }
            let c = (self.key[i], self.stamp[i], i);
            if best.is_none_or(|b| c < b) {
                best = Some(c);
            }
        }
        best.map(|b| b.2).or(avoided)
    }
}

#[test]
fn leastconn_tree_picks_as_the_linear_scan() {
    let mut r = Rng(0x1234_5678);
    for round in 0..60 {
        let n = if round % 20 == 0 {
            1000
        } else {
            1 + r.below(30)
        };
        let mut v = r.farm(n);
        let allb = r.below(2) == 0;
        let mut lb = Lb::new(Balance::LeastConn, &v, allb, false);
        let mut rf = LinearLc {
            stamp: vec![0; n],
            queued: vec![false; n],
            eweight: vec![0; n],
            key: vec![0; n],
            now: 0,
        };
        rf.update(&v);
        let mut held: Vec<usize> = Vec::new();
        for step in 0..400 {
            if r.below(10) == 0 {
                r.churn(&mut v);
                lb.update(&v);
                rf.update(&v);
            }
            if !held.is_empty() && r.below(3) == 0 {
                let i = held.swap_remove(r.below(held.len()));
                v[i].served -= 1;
                lb.reposition(i, &v[i]);
                if rf.queued[i] {
                    rf.requeue(i, &v[i]);
                }
                continue;
            }
            let avoid = (r.below(4) == 0).then(|| r.below(n));
            let got = lb.pick(&v, None, avoid);
            assert_eq!(got, rf.pick(&v, allb, avoid), "round {round} step {step}");
            if let Some(i) = got {
                v[i].served += 1;
                held.push(i);
                lb.reposition(i, &v[i]);
                if rf.queued[i] {
                    rf.requeue(i, &v[i]);
                }
            }
        }
    }
}

#[test]
fn roundrobin_tree_picks_as_the_linear_reference() {
    let mut r = Rng(0x9e37_79b9);
    for round in 0..60 {
        let n = if round % 20 == 0 {
            1000
        } else {
            1 + r.below(30)
        };
        let mut v = r.farm(n);
        let fbck = |v: &[SrvView]| v.iter().position(|s| s.backup && s.usable && s.weight > 0);
        let mut tree: fwrr::Fwrr<BTreeSet<Node>> = fwrr::Fwrr::new(&v);
        let mut lin: fwrr::Fwrr<Vec<Node>> = fwrr::Fwrr::new(&v);
        for step in 0..600 {
            if r.below(12) == 0 {
                r.churn(&mut v);
                tree.update(&v);
                lin.update(&v);
            }
            let avoid = (r.below(4) == 0).then(|| r.below(n));
            let f = if r.below(2) == 0 { fbck(&v) } else { None };
            let a = tree.next(&v, f, avoid);
            assert_eq!(a, lin.next(&v, f, avoid), "round {round} step {step}");
        }
    }
}

#[test]
fn consistent_ring_answers_as_the_linear_reference() {
    let mut r = Rng(0x51_7cc1);
    for round in 0..30 {
        let n = if round % 10 == 0 {
            1000
        } else {
            1 + r.below(30)
        };
        let mut v = r.farm(n);
        let mut tree: chash::Chash<BTreeSet<Node>> = chash::Chash::new(&v);
        let mut lin: chash::Chash<Vec<Node>> = chash::Chash::new(&v);
        let steps = if n > 100 { 60 } else { 500 };
        for step in 0..steps {
            if r.below(8) == 0 {
                r.churn(&mut v);
                tree.update(&v);
                lin.update(&v);
            }
            let f = v.iter().position(|s| s.backup && s.usable && s.weight > 0);
            let f = f.filter(|_| r.below(2) == 0);
            if r.below(2) == 0 {
                let h = r.next() as u32;
                let a = tree.get_server_hash(&v, f, h);
                assert_eq!(
                    a,
                    lin.get_server_hash(&v, f, h),
                    "round {round} step {step}"
                );
            } else {
                let avoid = (r.below(4) == 0).then(|| r.below(n));
                let a = tree.get_next_server(&v, f, avoid);
                assert_eq!(
                    a,
                    lin.get_next_server(&v, f, avoid),
                    "round {round} step {step}"
                );
            }
        }
    }
}

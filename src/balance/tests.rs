//! Unit tests of the balancers on small farms: 1.4's sequences.

use super::*;

fn views(w: &[u32]) -> Vec<SrvView> {
    w.iter()
        .map(|&w| SrvView {
            usable: true,
            backup: false,
            weight: w,
            full: false,
            served: 0,
            puid: 0,
        })
        .collect()
}

#[test]
fn weighted_rr_matches_14() {
    let v = views(&[1, 3, 2, 0]);
    let mut lb = Lb::new(Balance::RoundRobin, &v, false, false);
    let seq: Vec<usize> = (0..12)
        .filter_map(|_| lb.pick(&v, None, None))
        .map(|i| i + 1)
        .collect();
    assert_eq!(seq, vec![2, 3, 2, 1, 2, 3, 2, 3, 2, 1, 2, 3]);
}

#[test]
fn equal_rr_alternates() {
    let v = views(&[1, 1]);
    let mut lb = Lb::new(Balance::RoundRobin, &v, false, false);
    let seq: Vec<usize> = (0..4).filter_map(|_| lb.pick(&v, None, None)).collect();
    assert_eq!(seq, vec![0, 1, 0, 1]);
}

#[test]
fn uri_and_source_hash() {
    let v = views(&[1, 1, 1, 1]);
    let mut lb = Lb::new(
        Balance::Uri {
            len: 0,
            depth: 0,
            whole: false,
        },
        &v,
        false,
        false,
    );
    let pick = |lb: &mut Lb, u: &[u8]| {
        lb.pick(&v, Some(uri_hash(u, 0, 0, false)), None)
            .map(|i| i + 1)
    };
    assert_eq!(pick(&mut lb, b"/a"), Some(3));
    assert_eq!(pick(&mut lb, b"/b"), Some(4));
    assert_eq!(pick(&mut lb, b"/c/d"), Some(2));
    assert_eq!(pick(&mut lb, b"/k"), Some(1));
    assert_eq!(pick(&mut lb, b"/e?x=2"), Some(3));
    let ip: std::net::IpAddr = "127.0.0.1"
        .parse()
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    assert_eq!(lb.pick(&v, Some(source_hash(ip)), None), Some(1));
}

#[test]
fn map_hash_uses_low_32_bits() {
    // weights 1/1/1/3: map [s1,s4,s2,s4,s3,s4]; 1.4 takes the hash of
    // "/abd" modulo 6 on 32 bits (s3), not on 64 (s1)
    let v = views(&[1, 1, 1, 3]);
    let algo = Balance::Uri {
        len: 0,
        depth: 0,
        whole: false,
    };
    let mut lb = Lb::new(algo, &v, false, false);
    let h = uri_hash(b"/abd", 0, 0, false);
    assert_ne!(h, h as u32 as u64);
    assert_eq!(lb.pick(&v, Some(h), None), Some(2));
}

#[test]
fn backup_takes_over() {
    let mut v = views(&[1, 1]);
    v[1].backup = true;
    let mut lb = Lb::new(Balance::RoundRobin, &v, false, false);
    assert_eq!(lb.pick(&v, None, None), Some(0));
    v[0].usable = false;
    lb.update(&v);
    assert_eq!(lb.pick(&v, None, None), Some(1));
    v[0].usable = true;
    lb.update(&v);
    assert_eq!(lb.pick(&v, None, None), Some(0));
}

/// Takes a session on `i` as the runtime does: count, then reposition.
fn take(lb: &mut Lb, v: &mut [SrvView], i: usize) {
    v[i].served += 1;
    lb.reposition(i, &v[i]);
}

fn drop_conn(lb: &mut Lb, v: &mut [SrvView], i: usize) {
    v[i].served -= 1;
    lb.reposition(i, &v[i]);
}

#[test]
fn leastconn_equals_in_order_of_last_change() {
    // s1, s2, s3 each hold one session; s2 ends, then s1: 1.4 puts each
    // server last among its equals when it drops one, so s2 comes first
    let mut v = views(&[1, 1, 1]);
    let mut lb = Lb::new(Balance::LeastConn, &v, false, false);
    for want in 0..3 {
        assert_eq!(lb.pick(&v, None, None), Some(want));
        take(&mut lb, &mut v, want);
    }
    drop_conn(&mut lb, &mut v, 1);
    drop_conn(&mut lb, &mut v, 0);
    assert_eq!(lb.pick(&v, None, None), Some(1));
    take(&mut lb, &mut v, 1);
    assert_eq!(lb.pick(&v, None, None), Some(0));
}

#[test]
fn leastconn_weights_full_and_avoid() {
    // weights 1 and 3: s2 takes three sessions for one of s1's
    let mut v = views(&[1, 3]);
    let mut lb = Lb::new(Balance::LeastConn, &v, false, false);
    let mut seq = Vec::new();
    for _ in 0..8 {
        let s = lb.pick(&v, None, None).unwrap_or(9);
        seq.push(s);
        take(&mut lb, &mut v, s);
    }
    assert_eq!(seq, vec![0, 1, 1, 1, 0, 1, 1, 1]);
    v[1].full = true;
    assert_eq!(lb.pick(&v, None, None), Some(0));
    assert_eq!(lb.pick(&v, None, Some(0)), Some(0));
    v[0].usable = false;
    lb.update(&v);
    assert_eq!(lb.pick(&v, None, None), None);
}

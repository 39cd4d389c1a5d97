//! Property tests of the pattern indexes: on large random lists, every
//! indexed set answers as the plain linear scan of the same patterns
//! (`PatSet::new(kind, false)`), for every string kind, both case modes
//! mixed, and IPv4 networks with contiguous and non-contiguous masks.

use super::*;
use std::net::Ipv4Addr;

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
    /// A short string over a small alphabet with the delimiters of
    /// `dir`/`dom` and both cases, so that random samples do hit.
    fn word(&mut self, max: usize) -> Vec<u8> {
        const ALPHA: &[u8] = b"abAB./?:c";
        let n = self.below(max + 1);
        (0..n).map(|_| ALPHA[self.below(ALPHA.len())]).collect()
    }
}

fn both(kind: MatchKind, pats: &[Pattern]) -> (PatSet, PatSet) {
    let (mut fast, mut slow) = (PatSet::new(kind, true), PatSet::new(kind, false));
    for p in pats {
        fast.push(p.clone());
        slow.push(p.clone());
    }
    fast.finish();
    slow.finish();
    (fast, slow)
}

fn string_patterns(rng: &mut Rng, n: usize, max: usize) -> Vec<Pattern> {
    (0..n)
        .map(|_| {
            // no empty pattern: `beg ""` would match every sample
            let mut w = rng.word(max.saturating_sub(1));
            w.push(b'a' + rng.below(3) as u8);
            if rng.below(2) == 0 {
                Pattern::Str(w)
            } else {
                Pattern::StrI(w.to_ascii_lowercase())
            }
        })
        .collect()
}

#[test]
fn string_indexes_answer_as_the_linear_scan() {
    use MatchKind::*;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for kind in [Str, Beg, End, Sub, Dir, Dom] {
        for &(n, max) in &[(1usize, 3usize), (20, 4), (3000, 6)] {
            let pats = string_patterns(&mut rng, n, max);
            let (fast, slow) = both(kind, &pats);
            let (mut hits, mut total) = (0, 0);
            for _ in 0..3000 {
                let s = rng.word(14);
                let want = slow.match_str(&s);
                assert_eq!(
                    fast.match_str(&s),
                    want,
                    "{:?} n={} sample {:?}",
                    kind,
                    n,
                    String::from_utf8_lossy(&s)
                );
                hits += usize::from(want);
                total += 1;
            }
            // the test only means something when both answers occur
            if n >= 20 {
                assert!(hits > 0 && hits < total, "{:?} n={} hits={}", kind, n, hits);
            }
        }
    }
}

#[test]
fn long_samples_fall_back_to_the_key_scan_with_the_same_answer() {
    // many words in the sample: more spans than keys
    let mut rng = Rng(7);
    for kind in [MatchKind::Dir, MatchKind::Dom] {
        let pats = string_patterns(&mut rng, 5, 4);
        let (fast, slow) = both(kind, &pats);
        for _ in 0..500 {
            let s = rng.word(200);
            assert_eq!(fast.match_str(&s), slow.match_str(&s));
        }
    }
}

#[test]
fn ip_index_answers_as_the_linear_scan() {
    let mut rng = Rng(0xDEAD_BEEF);
    let mut pats = Vec::new();
    for _ in 0..20000 {
        // a narrow address space so random samples fall inside networks
        let a = 0x0A00_0000 | (rng.next() as u32 & 0x0000_FFFF);
        let m = match rng.below(6) {
            0 => 0xFFFF_FF00u32,
            1 => 0xFFFF_FFFF,
            2 => u32::MAX << (32 - (18 + rng.below(15))),
            3 => rng.next() as u32 | 0xFFFF_0000, // mostly non-contiguous
            4 => 0,
            _ => 0xFFFF_FFF0,
        };
        pats.push(Pattern::Net(Ipv4Addr::from(a), Ipv4Addr::from(m)));
    }
    for n in [1usize, 10, 20000] {
        // without the /0 networks (rng choice 4) most samples miss
        let some: Vec<Pattern> = pats
            .iter()
            .filter(|p| !matches!(p, Pattern::Net(_, m) if u32::from(*m) == 0))
            .take(n)
            .cloned()
            .collect();
        let (fast, slow) = both(MatchKind::Ip, &some);
        let mut hits = 0;
        for _ in 0..20000 {
            let a = 0x0A00_0000 | (rng.next() as u32 & 0x0001_FFFF);
            let ip = Some(IpAddr::V4(Ipv4Addr::from(a)));
            let want = slow.match_ip(ip);
            assert_eq!(fast.match_ip(ip), want, "n={} {:x}", n, a);
            hits += usize::from(want);
        }
        if n > 10 {
            assert!(hits > 0 && hits < 20000, "hits={}", hits);
        }
    }
    let (fast, _) = both(MatchKind::Ip, &pats);
    assert!(fast.match_ip(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))));
    // /0 matches every IPv4 address, never an IPv6 one
    assert!(!fast.match_ip(Some(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST))));
}

#[test]
fn strip_and_empty_patterns() {
    let (fast, slow) = both(MatchKind::Dom, &[Pattern::Str(b"..".to_vec())]);
    assert!(!fast.match_str(b"a.b") && !slow.match_str(b"a.b"));
    let (fast, _) = both(MatchKind::Sub, &[Pattern::Str(Vec::new())]);
    assert!(fast.match_str(b"") && fast.match_str(b"xyz"));
    let (fast, _) = both(MatchKind::Beg, &[Pattern::StrI(b"www.".to_vec())]);
    assert!(fast.match_str(b"WWW.x") && !fast.match_str(b"ww"));
    let (fast, _) = both(MatchKind::Dom, &[Pattern::Str(b".example.com.".to_vec())]);
    assert!(fast.match_str(b"www.example.com:80") && !fast.match_str(b"www.example.community"));
}

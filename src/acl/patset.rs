//! The patterns of one ACL expression, indexed so that matching costs the
//! same with ten patterns or a million: exact strings in hash sets,
//! `beg`/`end` prefixes and suffixes in hash sets probed once per distinct
//! pattern length, `dir`/`dom` words in a hash set probed once per word
//! span of the sample, `sub` in an Aho-Corasick automaton, IPv4 networks
//! with contiguous masks in one hash set per prefix length (a
//! longest-prefix table: 33 probes at most). Regexes, integer ranges,
//! non-contiguous masks and `http_auth_group` names stay in a linear list
//! (regexes compiled once, at parse time).
//!
//! 1.4's ACLs are boolean (an expression passes when any pattern matches,
//! and no pattern's identity reaches the result), so any matching pattern
//! is as good as the first; 1.4 itself keeps `-f` patterns in trees. The
//! linear matchers kept here are the reference the property tests compare
//! the indexes with.

use super::{MatchKind, Pattern};
use aho_corasick::AhoCorasick;
use std::collections::HashSet;
use std::net::IpAddr;

/// Strings of one case mode, indexed for the expression's match kind.
#[derive(Debug, Clone, Default)]
struct StrIndex {
    /// Exact keys: the pattern (`str`, `beg`, `end`) or the pattern
    /// without delimiters at its ends (`dir`, `dom`).
    set: HashSet<Box<[u8]>>,
    /// Distinct key lengths, ascending (`beg`/`end` probe each once).
    lens: Vec<usize>,
    max_len: usize,
    /// `sub` patterns, compiled into `ac` by `finish()`.
    subs: Vec<Vec<u8>>,
    ac: Option<AhoCorasick>,
}

impl StrIndex {
    fn insert(&mut self, key: &[u8]) {
        if self.set.insert(key.into()) {
            if let Err(at) = self.lens.binary_search(&key.len()) {
                self.lens.insert(at, key.len());
            }
            self.max_len = self.max_len.max(key.len());
        }
    }

    fn is_empty(&self) -> bool {
        self.set.is_empty() && self.subs.is_empty()
    }

    fn finish(&mut self) {
        if !self.subs.is_empty() && self.ac.is_none() {
            // a build error (none is expected for plain literals) leaves
            // `ac` unset and the scan of `subs` in place
            self.ac = AhoCorasick::new(&self.subs).ok();
        }
    }

    fn lookup(&self, kind: MatchKind, s: &[u8]) -> bool {
        match kind {
            MatchKind::Str => self.set.contains(s),
            MatchKind::Beg => self.probe_lens(s.len(), |l| &s[..l]),
            MatchKind::End => self.probe_lens(s.len(), |l| &s[s.len() - l..]),
            MatchKind::Sub => match &self.ac {
                Some(ac) => ac.is_match(s),
                None => self.subs.iter().any(|p| str_one(kind, s, p)),
            },
            MatchKind::Dir => self.words(s, DIR_DELIMS),
            MatchKind::Dom => self.words(s, DOM_DELIMS),
            _ => false,
        }
    }

    fn probe_lens<'a>(&self, max: usize, cut: impl Fn(usize) -> &'a [u8]) -> bool {
        self.lens
            .iter()
            .take_while(|&&l| l <= max)
            .any(|&l| self.set.contains(cut(l)))
    }

    /// `dir`/`dom`: 1.4's match_word finds the pattern starting at a word
    /// start (the sample's start or just after a delimiter) and ending
    /// at the end or just before a delimiter, so the candidates are the
    /// sample's spans from a word start to a word end. When the sample
    /// has more spans than the set has keys, scanning the keys is cheaper.
    fn words(&self, s: &[u8], delims: &[u8]) -> bool {
        let is_d = |c: u8| delims.contains(&c);
        let starts: Vec<usize> = (0..s.len())
            .filter(|&i| !is_d(s[i]) && (i == 0 || is_d(s[i - 1])))
            .collect();
        let ends: Vec<usize> = (1..=s.len())
            .filter(|&j| j == s.len() || is_d(s[j]))
            .collect();
        if starts.len().saturating_mul(ends.len()) > self.set.len() + 16 {
            return self.set.iter().any(|p| delim_match(s, p, delims));
        }
        starts.iter().any(|&i| {
            ends.iter()
                .filter(|&&j| j > i && j - i <= self.max_len)
                .any(|&j| self.set.contains(&s[i..j]))
        })
    }
}

/// IPv4 networks with contiguous masks: the masked address in the set of
/// its prefix length.
#[derive(Debug, Clone, Default)]
struct NetIndex {
    by_mask: Vec<(u32, HashSet<u32>)>,
}

impl NetIndex {
    fn insert(&mut self, addr: u32, mask: u32) {
        let at = match self.by_mask.iter().position(|(m, _)| *m == mask) {
            Some(at) => at,
            None => {
                self.by_mask.push((mask, HashSet::new()));
                self.by_mask.len() - 1
            }
        };
        if let Some((_, set)) = self.by_mask.get_mut(at) {
            set.insert(addr & mask);
        }
    }

    fn lookup(&self, a: u32) -> bool {
        self.by_mask.iter().any(|(m, set)| set.contains(&(a & m)))
    }
}

/// The case-sensitive and the lower-cased keys of an exact-match set.
pub type KeyLists<'a> = (Vec<&'a [u8]>, Vec<&'a [u8]>);

const DIR_DELIMS: &[u8] = b"/?";
const DOM_DELIMS: &[u8] = b"/?.:";

/// The patterns of one expression.
#[derive(Debug, Clone)]
pub struct PatSet {
    kind: MatchKind,
    indexed: bool,
    cs: StrIndex,
    /// Patterns read under `-i`, lower-cased, matched against the
    /// lower-cased sample.
    ci: StrIndex,
    nets: NetIndex,
    /// Whatever no index holds, in configuration order.
    linear: Vec<Pattern>,
    count: usize,
}

impl PatSet {
    /// An empty set for `kind`; `indexed` false keeps every pattern in the
    /// linear list (the reference for tests, and `http_auth_group`, whose
    /// names are read back as a list).
    pub fn new(kind: MatchKind, indexed: bool) -> Self {
        PatSet {
            kind,
            indexed,
            cs: StrIndex::default(),
            ci: StrIndex::default(),
            nets: NetIndex::default(),
            linear: Vec::new(),
            count: 0,
        }
    }

    pub fn push(&mut self, p: Pattern) {
        self.count += 1;
        if !self.indexed {
            self.linear.push(p);
            return;
        }
        match p {
            Pattern::Str(s) => self.push_str(s, false),
            Pattern::StrI(s) => self.push_str(s, true),
            Pattern::Net(a, m) => {
                let (a, m) = (u32::from(a), u32::from(m));
                // a contiguous mask has only ones on the left
                if m.wrapping_add(m & m.wrapping_neg()) == 0 {
                    self.nets.insert(a, m);
                } else {
                    self.linear.push(Pattern::Net(a.into(), m.into()));
                }
            }
            p => self.linear.push(p),
        }
    }

    fn push_str(&mut self, s: Vec<u8>, icase: bool) {
        let idx = if icase { &mut self.ci } else { &mut self.cs };
        match self.kind {
            MatchKind::Str | MatchKind::Beg | MatchKind::End => idx.insert(&s),
            MatchKind::Sub => idx.subs.push(s),
            // a pattern of delimiters only never matches
            MatchKind::Dir => idx.insert(strip(&s, DIR_DELIMS)),
            MatchKind::Dom => idx.insert(strip(&s, DOM_DELIMS)),
            _ => self.linear.push(if icase {
                Pattern::StrI(s)
            } else {
                Pattern::Str(s)
            }),
        }
    }

    /// Builds what needs all the patterns (the `sub` automatons).
    pub fn finish(&mut self) {
        self.cs.finish();
        self.ci.finish();
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The patterns no index holds (all of them for an unindexed set).
    pub fn linear(&self) -> &[Pattern] {
        &self.linear
    }

    /// For an exact-match set with nothing outside its hash sets: the
    /// case-sensitive keys and the lower-cased `-i` ones (rule indexes
    /// are built from them).
    pub fn exact_keys(&self) -> Option<KeyLists<'_>> {
        if self.kind != MatchKind::Str || !self.linear.is_empty() || !self.indexed {
            return None;
        }
        fn keys(i: &StrIndex) -> Vec<&[u8]> {
            i.set.iter().map(|k| &k[..]).collect()
        }
        Some((keys(&self.cs), keys(&self.ci)))
    }

    /// For a set of single IPv4 addresses (all /32, nothing else): them.
    pub fn host_addrs(&self) -> Option<Vec<u32>> {
        if self.kind != MatchKind::Ip || !self.linear.is_empty() || !self.indexed {
            return None;
        }
        let mut out = Vec::new();
        for (m, set) in &self.nets.by_mask {
            if *m != u32::MAX {
                return None;
            }
            out.extend(set.iter().copied());
        }
        Some(out)
    }

    /// A string sample (or its length for `*_len`).
    pub fn match_str(&self, s: &[u8]) -> bool {
        let kind = self.kind;
        if self.cs.lookup(kind, s) {
            return true;
        }
        let fold = !self.ci.is_empty() || self.linear.iter().any(|p| matches!(p, Pattern::StrI(_)));
        if !fold {
            return self.match_linear(kind, s, s);
        }
        super::with_lower(s, |low| {
            self.ci.lookup(kind, low) || self.match_linear(kind, s, low)
        })
    }

    /// The patterns no index holds, in order (`low` is `s` lower-cased
    /// when a `-i` pattern needs it).
    fn match_linear(&self, kind: MatchKind, s: &[u8], low: &[u8]) -> bool {
        self.linear.iter().any(|p| match p {
            Pattern::Str(p) => str_one(kind, s, p),
            Pattern::StrI(p) => str_one(kind, low, p),
            Pattern::Reg(r) => r.is_match(s),
            Pattern::Int(lo, hi) if kind == MatchKind::Len => {
                (*lo..=*hi).contains(&(s.len() as i64))
            }
            _ => false,
        })
    }

    pub fn match_int(&self, v: i64) -> bool {
        self.linear
            .iter()
            .any(|p| matches!(p, Pattern::Int(lo, hi) if (*lo..=*hi).contains(&v)))
    }

    /// Only IPv4 samples match, as in 1.4.
    pub fn match_ip(&self, ip: Option<IpAddr>) -> bool {
        let Some(IpAddr::V4(v4)) = ip else {
            return false;
        };
        let a = u32::from(v4);
        self.nets.lookup(a)
            || self.linear.iter().any(|p| match p {
                Pattern::Net(n, m) => a & u32::from(*m) == u32::from(*n) & u32::from(*m),
                _ => false,
            })
    }
}

fn strip<'a>(p: &'a [u8], delims: &[u8]) -> &'a [u8] {
    let is_d = |c: &u8| delims.contains(c);
    let start = p.iter().position(|c| !is_d(c)).unwrap_or(p.len());
    let end = p.iter().rposition(|c| !is_d(c)).map_or(start, |e| e + 1);
    &p[start..end.max(start)]
}

pub(super) fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// One string pattern against a sample (both already case-folded when
/// the pattern is case-insensitive): 1.4's acl_match_str/beg/end/sub/
/// dir/dom.
fn str_one(kind: MatchKind, s: &[u8], p: &[u8]) -> bool {
    match kind {
        MatchKind::Str => s == p,
        MatchKind::Beg => s.starts_with(p),
        MatchKind::End => s.ends_with(p),
        MatchKind::Sub => p.is_empty() || find(s, p).is_some(),
        MatchKind::Dir => delim_match(s, p, DIR_DELIMS),
        MatchKind::Dom => delim_match(s, p, DOM_DELIMS),
        _ => false,
    }
}

fn delim_match(s: &[u8], pat: &[u8], delims: &[u8]) -> bool {
    // 1.4's match_word (path_dir, *_dom): the pattern, without delimiters
    // at its ends, found starting at the beginning or just after a
    // delimiter, and ending at the end or just before one; the pattern may
    // hold delimiters itself ("example.com" in a host)
    let is_d = |c: u8| delims.contains(&c);
    let p = strip(pat, delims);
    if p.is_empty() || p.len() > s.len() {
        return false;
    }
    let last = s.len() - p.len();
    let mut may_match = true;
    for i in 0..=last {
        if is_d(s[i]) {
            may_match = true;
            continue;
        }
        if !may_match {
            continue;
        }
        if s[i..].starts_with(p) && (i == last || is_d(s[i + p.len()])) {
            return true;
        }
        may_match = false;
    }
    false
}

#[cfg(test)]
#[path = "patset_tests.rs"]
mod tests;

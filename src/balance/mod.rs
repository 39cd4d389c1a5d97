//! Server choice: 1.4's weighted round robin trees (fwrr), least
//! connections, the static map and the map-based hashes. Pure state,
//! driven by a view of the servers, so every algorithm is unit-tested.

use crate::config::model::Balance;

mod chash;
mod hash;
pub use chash::chash_hash;
pub use hash::{
    first_chunk, first_value, hdr_hash, post_window, rdp_hash, source_hash, uri_hash,
    url_param_hash, url_param_post_hash,
};

const BE_WEIGHT_SCALE: u32 = 16;
const SRV_EWGHT_MAX: u32 = 256 * BE_WEIGHT_SCALE;
const SRV_UWGHT_RANGE: u32 = 256;

/// What the balancer needs to know of a server.
#[derive(Debug, Clone, Copy, Default)]
pub struct SrvView {
    pub usable: bool,
    pub backup: bool,
    pub weight: u32,
    /// At its maxconn (or has a queue): skip for round robin.
    pub full: bool,
    pub served: u32,
    /// The server's id (1.4's puid), which places it on a consistent ring.
    pub puid: u32,
}

/// The servers as a pick reads them. A runtime view computes each one on
/// demand, so a pick over a thousand servers reads only the few it
/// considers (round robin typically one); tests pass a slice.
pub trait Views {
    fn count(&self) -> usize;
    fn at(&self, i: usize) -> SrvView;
    /// Whether any server satisfies `f`, in index order, stopping at the
    /// first.
    fn any(&self, f: impl Fn(&SrvView) -> bool) -> bool {
        (0..self.count()).any(|i| f(&self.at(i)))
    }
}

impl Views for [SrvView] {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> SrvView {
        self.get(i).copied().unwrap_or_default()
    }
}

impl Views for Vec<SrvView> {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> SrvView {
        self.get(i).copied().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default)]
struct Group {
    curr: Vec<(u32, u64, usize)>,
    t: [Vec<(u32, u64, usize)>; 2],
    init: usize,
    curr_pos: u32,
    curr_weight: u32,
    next_weight: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct FwrrSrv {
    npos: u32,
    lpos: u32,
    rweight: u32,
    eweight: u32,
    tree: Option<(bool, TreeTag)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TreeTag {
    Curr,
    T(usize),
}

#[derive(Debug, Clone)]
pub struct Lb {
    algo: Balance,
    act: Group,
    bck: Group,
    srv: Vec<FwrrSrv>,
    seq: u64,
    /// first usable backup (when not `allbackups`)
    fbck: Option<usize>,
    allbackups: bool,
    map: Vec<usize>,
    rr_idx: usize,
    lc_seq: Vec<u64>,
    prev_usable: Vec<bool>,
    /// `hash-type consistent` on a hashing algorithm
    chash: Option<chash::Chash>,
}

fn insert(tree: &mut Vec<(u32, u64, usize)>, key: u32, seq: u64, s: usize) {
    let pos = tree.partition_point(|&(k, q, _)| (k, q) <= (key, seq));
    tree.insert(pos, (key, seq, s));
}

impl Lb {
    pub fn new(algo: Balance, srvs: &[SrvView], allbackups: bool, consistent: bool) -> Lb {
        let hashing = !matches!(
            algo,
            Balance::RoundRobin | Balance::StaticRr | Balance::LeastConn
        );
        let mut lb = Lb {
            chash: (consistent && hashing).then(|| chash::Chash::new(srvs)),
            algo,
            act: Group::default(),
            bck: Group::default(),
            srv: vec![FwrrSrv::default(); srvs.len()],
            seq: 0,
            fbck: None,
            allbackups,
            map: Vec::new(),
            rr_idx: 0,
            lc_seq: vec![0; srvs.len()],
            prev_usable: srvs.iter().map(|s| s.usable && s.weight > 0).collect(),
        };
        lb.init_fwrr(srvs);
        lb.recalc_map(srvs);
        lb.fbck = if allbackups {
            None
        } else {
            srvs.iter().position(|s| s.backup && Self::usable(s))
        };
        lb
    }

    fn usable(s: &SrvView) -> bool {
        s.usable && s.weight > 0
    }

    fn init_fwrr(&mut self, srvs: &[SrvView]) {
        let (mut wact, mut wbck) = (0, 0);
        for (i, s) in srvs.iter().enumerate() {
            self.srv[i].eweight = s.weight * BE_WEIGHT_SCALE;
            if Self::usable(s) {
                if s.backup {
                    wbck += self.srv[i].eweight;
                } else {
                    wact += self.srv[i].eweight;
                }
            }
        }
        self.fbck = if self.allbackups {
            None
        } else {
            srvs.iter().position(|s| s.backup && Self::usable(s))
        };
        for (g, w) in [(&mut self.act, wact), (&mut self.bck, wbck)] {
            *g = Group {
                curr_pos: w,
                curr_weight: w,
                next_weight: w,
                init: 0,
                ..Default::default()
            };
        }
        for (i, s) in srvs.iter().enumerate() {
            if Self::usable(s) {
                let init = if s.backup {
                    self.bck.init
                } else {
                    self.act.init
                };
                self.queue_by_weight(i, s.backup, TreeTag::T(init));
            }
        }
    }

    fn grp(&mut self, backup: bool) -> &mut Group {
        if backup {
            &mut self.bck
        } else {
            &mut self.act
        }
    }

    fn tree_mut(&mut self, backup: bool, t: TreeTag) -> &mut Vec<(u32, u64, usize)> {
        let g = self.grp(backup);
        match t {
            TreeTag::Curr => &mut g.curr,
            TreeTag::T(i) => &mut g.t[i],
        }
    }

    fn queue_by_weight(&mut self, s: usize, backup: bool, t: TreeTag) {
        let key = SRV_EWGHT_MAX - self.srv[s].eweight;
        self.seq += 1;
        let seq = self.seq;
        insert(self.tree_mut(backup, t), key, seq, s);
        self.srv[s].tree = Some((backup, t));
    }

    fn dequeue(&mut self, s: usize) {
        if let Some((b, t)) = self.srv[s].tree.take() {
            self.tree_mut(b, t).retain(|&(_, _, x)| x != s);
        }
    }

    fn queue_srv(&mut self, s: usize, v: &SrvView) {
        let backup = v.backup;
        if !Self::usable(v) {
            self.dequeue(s);
            return;
        }
        let (cw, nw) = {
            let g = self.grp(backup);
            (g.curr_weight, g.next_weight)
        };
        let f = self.srv[s];
        if f.eweight == 0 || f.npos >= 2 * cw || f.npos >= cw + nw {
            self.srv[s].npos = f.npos.wrapping_sub(cw);
            let next = 1 - self.grp(backup).init;
            self.queue_by_weight(s, backup, TreeTag::T(next));
        } else {
            let key = SRV_UWGHT_RANGE.wrapping_mul(f.npos)
                + (SRV_EWGHT_MAX + f.rweight - f.eweight) / BE_WEIGHT_SCALE;
            self.seq += 1;
            let seq = self.seq;
            insert(&mut self.grp(backup).curr, key, seq, s);
            self.srv[s].tree = Some((backup, TreeTag::Curr));
        }
    }

    fn get_from_group(&mut self, backup: bool) -> Option<usize> {
        let (first, curr_pos, init) = {
            let g = self.grp(backup);
            (g.curr.first().map(|e| e.2), g.curr_pos, g.init)
        };
        let hole = match first {
            None => true,
            Some(s) => self.srv[s].npos > curr_pos,
        };
        if hole {
            let first_init = self.grp(backup).t[init].first().map(|e| e.2);
            if let Some(s) = first_init {
                self.srv[s].npos = 0;
                self.srv[s].rweight = 0;
                if self.srv[s].eweight == 0 {
                    return None;
                }
                return Some(s);
            }
        }
        first
    }

    fn update_position(&mut self, backup: bool, s: usize) {
        let (curr_pos, nw) = {
            let g = self.grp(backup);
            (g.curr_pos, g.next_weight)
        };
        let f = &mut self.srv[s];
        if f.npos == 0 {
            f.lpos = curr_pos;
            f.npos = curr_pos + nw / f.eweight;
        } else {
            f.lpos = f.npos;
            f.npos += nw / f.eweight;
        }
        f.rweight += nw % f.eweight;
        if f.rweight >= f.eweight {
            f.rweight -= f.eweight;
            f.npos += 1;
        }
    }

    fn switch_trees(&mut self, backup: bool) {
        let g = self.grp(backup);
        g.init = 1 - g.init;
        g.curr_weight = g.next_weight;
        g.curr_pos = g.curr_weight;
        // the old "next" tree becomes "init"; "curr" is empty here
    }

    fn fwrr_next<V: Views + ?Sized>(&mut self, srvs: &V, avoid: Option<usize>) -> Option<usize> {
        let backup = if srvs.any(|s| !s.backup && Self::usable(s)) {
            false
        } else if let Some(f) = self.fbck {
            return Some(f);
        } else if srvs.any(|s| s.backup && Self::usable(s)) {
            true
        } else {
            return None;
        };
        let mut switched = false;
        let mut avoided: Option<usize> = None;
        let mut full: Vec<usize> = Vec::new();
        let chosen;
        loop {
            if self.grp(backup).curr_weight == 0 {
                let g = self.grp(backup);
                g.curr_weight = g.next_weight;
                g.curr_pos = g.next_weight;
            }
            let mut pick = None;
            loop {
                if let Some(s) = self.get_from_group(backup) {
                    pick = Some(s);
                    break;
                }
                if switched {
                    break;
                }
                switched = true;
                self.switch_trees(backup);
            }
            let Some(s) = pick else {
                chosen = avoided;
                break;
            };
            self.update_position(backup, s);
            self.dequeue(s);
            self.grp(backup).curr_pos += 1;
            if !srvs.at(s).full {
                if Some(s) != avoid || avoided.is_some() {
                    chosen = Some(s);
                    self.queue_srv(s, &srvs.at(s));
                    break;
                }
                avoided = Some(s);
            }
            full.push(s);
        }
        for s in full {
            if Some(s) == chosen && self.srv[s].tree.is_some() {
                continue;
            }
            if Some(s) == chosen {
                self.queue_srv(s, &srvs.at(s));
                continue;
            }
            if switched {
                let init = self.grp(backup).init;
                self.queue_by_weight(s, backup, TreeTag::T(init));
            } else {
                self.queue_srv(s, &srvs.at(s));
            }
        }
        chosen
    }

    /// Rebuilds the map of map-based algorithms (static-rr and hashes).
    fn recalc_map(&mut self, srvs: &[SrvView]) {
        self.map.clear();
        let any_act = srvs.iter().any(|s| !s.backup && Self::usable(s));
        let want_backup = !any_act;
        let first_bck = srvs.iter().position(|s| s.backup && Self::usable(s));
        let cand: Vec<usize> = (0..srvs.len())
            .filter(|&i| Self::usable(&srvs[i]) && srvs[i].backup == want_backup)
            .filter(|&i| !want_backup || self.allbackups || Some(i) == first_bck)
            .collect();
        if cand.is_empty() {
            return;
        }
        let mut g = 0u32;
        for &i in &cand {
            g = gcd(g, srvs[i].weight);
        }
        let g = g.max(1);
        let w: Vec<i64> = cand.iter().map(|&i| (srvs[i].weight / g) as i64).collect();
        let tot: i64 = w.iter().sum();
        if cand.len() == 1 {
            self.map = vec![cand[0]];
            return;
        }
        let mut score = vec![0i64; cand.len()];
        for _ in 0..tot {
            let mut best: Option<usize> = None;
            let mut max = 0;
            for k in 0..cand.len() {
                score[k] += w[k];
                let v = (score[k] + tot) / tot;
                if best.is_none() || v > max {
                    max = v;
                    best = Some(k);
                }
            }
            if let Some(b) = best {
                self.map.push(cand[b]);
                score[b] -= tot;
            }
        }
    }

    /// Call after any server's state or weight changed.
    pub fn update(&mut self, srvs: &[SrvView]) {
        for (i, s) in srvs.iter().enumerate() {
            let now = Self::usable(s);
            if now && self.prev_usable[i] && s.weight * BE_WEIGHT_SCALE != self.srv[i].eweight {
                // a weight change on a running server: move its share
                let backup = s.backup;
                let old = self.srv[i].eweight;
                let new = s.weight * BE_WEIGHT_SCALE;
                let g = self.grp(backup);
                g.next_weight = g.next_weight.saturating_sub(old) + new;
                self.srv[i].eweight = new;
                if self.srv[i].tree.is_some() {
                    self.dequeue(i);
                    self.queue_srv(i, s);
                }
                continue;
            }
            if now == self.prev_usable[i] {
                continue;
            }
            self.prev_usable[i] = now;
            let backup = s.backup;
            if now {
                self.srv[i].eweight = s.weight * BE_WEIGHT_SCALE;
                self.grp(backup).next_weight += self.srv[i].eweight;
                let g = self.grp(backup).clone();
                let e = self.srv[i].eweight.max(1);
                self.srv[i].npos = g.curr_pos + (g.next_weight + g.curr_weight - g.curr_pos) / e;
                self.queue_srv(i, s);
            } else {
                let e = self.srv[i].eweight;
                let g = self.grp(backup);
                g.next_weight = g.next_weight.saturating_sub(e);
                self.dequeue(i);
            }
        }
        self.fbck = if self.allbackups {
            None
        } else {
            srvs.iter().position(|s| s.backup && Self::usable(s))
        };
        self.recalc_map(srvs);
        if let Some(c) = self.chash.as_mut() {
            c.update(srvs);
        }
    }

    /// Picks a server. `key` is the hash for hashing algorithms (None
    /// falls back to round robin, as 1.4 does when the key is absent).
    pub fn pick<V: Views + ?Sized>(
        &mut self,
        srvs: &V,
        key: Option<u64>,
        avoid: Option<usize>,
    ) -> Option<usize> {
        if let Some(c) = self.chash.as_mut() {
            // 1.4 hashes into the ring with the key truncated to 32 bits
            return match key {
                Some(h) => c.get_server_hash(srvs, self.fbck, h as u32),
                None => c.get_next_server(srvs, self.fbck, avoid),
            };
        }
        match (&self.algo, key) {
            (Balance::RoundRobin, _) => self.fwrr_next(srvs, avoid),
            (Balance::LeastConn, _) => self.leastconn(srvs, avoid),
            (Balance::StaticRr, _) | (_, None) => self.map_rr(srvs, avoid),
            (_, Some(h)) => {
                if self.map.is_empty() {
                    return None;
                }
                // 1.4 passes the unsigned long hash as an unsigned int:
                // the modulo is taken on its low 32 bits
                Some(self.map[(h as u32 as usize) % self.map.len()])
            }
        }
    }

    fn map_rr<V: Views + ?Sized>(&mut self, srvs: &V, avoid: Option<usize>) -> Option<usize> {
        if self.map.is_empty() {
            return None;
        }
        let n = self.map.len();
        let start = self.rr_idx % n;
        let mut idx = start;
        let mut avoided = None;
        loop {
            let s = self.map[idx];
            idx = (idx + 1) % n;
            if !srvs.at(s).full {
                if Some(s) != avoid {
                    self.rr_idx = idx;
                    return Some(s);
                }
                avoided = Some((s, idx));
            }
            if idx == start {
                break;
            }
        }
        avoided.map(|(s, i)| {
            self.rr_idx = i;
            s
        })
    }

    fn leastconn<V: Views + ?Sized>(&mut self, srvs: &V, avoid: Option<usize>) -> Option<usize> {
        let any_act = srvs.any(|s| !s.backup && Self::usable(s));
        let first_bck = (0..srvs.count()).find(|&i| {
            let s = srvs.at(i);
            s.backup && Self::usable(&s)
        });
        let mut best: Option<(u64, u64, usize)> = None;
        let mut avoided = None;
        for i in 0..srvs.count() {
            let s = &srvs.at(i);
            if !Self::usable(s) || s.backup == any_act || s.full {
                continue;
            }
            if !any_act && !self.allbackups && Some(i) != first_bck {
                continue;
            }
            if Some(i) == avoid {
                avoided = Some(i);
                continue;
            }
            let key =
                (s.served as u64 * SRV_EWGHT_MAX as u64) / (s.weight * BE_WEIGHT_SCALE) as u64;
            let cand = (key, self.lc_seq[i], i);
            if best.is_none_or(|b| (cand.0, cand.1) < (b.0, b.1)) {
                best = Some(cand);
            }
        }
        let r = best.map(|b| b.2).or(avoided);
        if let Some(i) = r {
            self.seq += 1;
            self.lc_seq[i] = self.seq;
        }
        r
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
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
}

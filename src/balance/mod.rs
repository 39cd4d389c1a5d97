//! Server choice: 1.4's weighted round robin trees (fwrr), least
//! connections, the static map and the map-based hashes. Pure state,
//! driven by a view of the servers, so every algorithm is unit-tested.

use std::collections::BTreeSet;

use crate::config::model::Balance;
use tree::Node;

mod chash;
mod fwrr;
mod hash;
mod lc;
mod tree;
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

#[derive(Debug, Clone)]
pub struct Lb {
    algo: Balance,
    /// roundrobin's trees (built for roundrobin only)
    fwrr: Option<fwrr::Fwrr<BTreeSet<Node>>>,
    /// leastconn's trees (built for leastconn only)
    lc: Option<lc::Lc<BTreeSet<Node>>>,
    /// first usable backup (when not `allbackups`)
    fbck: Option<usize>,
    allbackups: bool,
    map: Vec<usize>,
    rr_idx: usize,
    /// `hash-type consistent` on a hashing algorithm
    chash: Option<chash::Chash>,
}

impl Lb {
    pub fn new(algo: Balance, srvs: &[SrvView], allbackups: bool, consistent: bool) -> Lb {
        let hashing = !matches!(
            algo,
            Balance::RoundRobin | Balance::StaticRr | Balance::LeastConn
        );
        let mut lb = Lb {
            chash: (consistent && hashing).then(|| chash::Chash::new(srvs)),
            fwrr: matches!(algo, Balance::RoundRobin).then(|| fwrr::Fwrr::new(srvs)),
            lc: matches!(algo, Balance::LeastConn).then(|| lc::Lc::new(srvs)),
            algo,
            fbck: None,
            allbackups,
            map: Vec::new(),
            rr_idx: 0,
        };
        if lb.uses_map() {
            lb.recalc_map(srvs);
        }
        lb.fbck = lb.first_backup(srvs);
        lb
    }

    /// static-rr and the map-based hashes (whose missing key falls back
    /// to a round robin on the map).
    fn uses_map(&self) -> bool {
        self.chash.is_none() && !matches!(self.algo, Balance::RoundRobin | Balance::LeastConn)
    }

    fn usable(s: &SrvView) -> bool {
        s.usable && s.weight > 0
    }

    fn first_backup(&self, srvs: &[SrvView]) -> Option<usize> {
        if self.allbackups {
            None
        } else {
            srvs.iter().position(|s| s.backup && Self::usable(s))
        }
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
        if let Some(f) = self.fwrr.as_mut() {
            f.update(srvs);
        }
        if let Some(l) = self.lc.as_mut() {
            l.update(srvs);
        }
        self.fbck = self.first_backup(srvs);
        if self.uses_map() {
            self.recalc_map(srvs);
        }
        if let Some(c) = self.chash.as_mut() {
            c.update(srvs);
        }
    }

    /// Server `i` took or dropped a session (`s` is its view after the
    /// change): leastconn moves it in its tree, as 1.4's take_conn and
    /// drop_conn callbacks do; the other algorithms ignore it.
    pub fn reposition(&mut self, i: usize, s: &SrvView) {
        if let Some(l) = self.lc.as_mut() {
            l.reposition(i, s);
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
            (Balance::RoundRobin, _) => match self.fwrr.as_mut() {
                Some(f) => f.next(srvs, self.fbck, avoid),
                None => None,
            },
            (Balance::LeastConn, _) => match self.lc.as_ref() {
                Some(l) => l.next(srvs, self.fbck, avoid),
                None => None,
            },
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
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ref;

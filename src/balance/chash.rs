//! `hash-type consistent`: 1.4's consistent hashing tree. Each usable
//! server sits on the ring `weight x 16` times, at keys derived from its
//! id, so a server leaving only moves the keys it held. The keys, the
//! lookup (closest of the two neighbours) and the round-robin walk used
//! when the hash key is missing follow 1.4's behaviour.

use std::collections::BTreeSet;

use super::tree::{Node, Ordered};
use super::{SrvView, Views};

const BE_WEIGHT_SCALE: u32 = 16;
/// 1.4's SRV_EWGHT_RANGE: user weight range times the scale.
const SRV_EWGHT_RANGE: u32 = 256 * BE_WEIGHT_SCALE;

/// Bob Jenkins' full avalanche integer hash, then spread by a large prime.
pub fn chash_hash(a: u32) -> u32 {
    let mut a = a;
    a = a.wrapping_add(0x7ed55d16).wrapping_add(a << 12);
    a = (a ^ 0xc761c23c) ^ (a >> 19);
    a = a.wrapping_add(0x165667b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2646c) ^ (a << 9);
    a = a.wrapping_add(0xfd7046c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a4f09) ^ (a >> 16);
    a.wrapping_mul(3221225473)
}

/// The rings (active, backup), in 1.4's tree order: by key, equal keys
/// in insertion order. Lookups and the walk are O(log n) on a
/// `BTreeSet`; the tests run the same code on the linear reference.
#[derive(Debug, Clone, Default)]
pub struct Chash<T = BTreeSet<Node>> {
    act: T,
    bck: T,
    puid: Vec<u32>,
    backup: Vec<bool>,
    nodes_tot: Vec<u32>,
    nodes_now: Vec<u32>,
    last: Option<Node>,
    seq: u64,
}

impl<T: Ordered> Chash<T> {
    pub fn new(srvs: &[SrvView]) -> Chash<T> {
        let mut c = Chash {
            puid: srvs.iter().map(|s| s.puid).collect(),
            backup: srvs.iter().map(|s| s.backup).collect(),
            nodes_tot: srvs.iter().map(|s| s.weight * BE_WEIGHT_SCALE).collect(),
            nodes_now: vec![0; srvs.len()],
            ..Chash::default()
        };
        c.update(srvs);
        c
    }

    fn node_key(&self, s: usize, n: u32) -> u32 {
        chash_hash(self.puid[s].wrapping_mul(SRV_EWGHT_RANGE).wrapping_add(n))
    }

    fn tree(&mut self, s: usize) -> &mut T {
        if self.backup[s] {
            &mut self.bck
        } else {
            &mut self.act
        }
    }

    /// Puts each server on the ring as often as its effective weight says
    /// (none when it is not usable): later occurrences go first.
    pub fn update(&mut self, srvs: &[SrvView]) {
        for (s, v) in srvs.iter().enumerate().take(self.puid.len()) {
            let want = if v.usable && v.weight > 0 {
                (v.weight * BE_WEIGHT_SCALE).min(self.nodes_tot[s])
            } else {
                0
            };
            while self.nodes_now[s] > want {
                self.nodes_now[s] -= 1;
                let key = self.node_key(s, self.nodes_now[s]);
                self.remove(s, key);
            }
            while self.nodes_now[s] < want {
                let key = self.node_key(s, self.nodes_now[s]);
                self.seq += 1;
                let node = (key, self.seq, s);
                self.tree(s).put(node);
                self.nodes_now[s] += 1;
            }
        }
    }

    /// Takes out the first node of server `s` at `key`.
    fn remove(&mut self, s: usize, key: u32) {
        let last = self.last;
        let t = self.tree(s);
        let mut at = t.ge(key);
        while let Some(n) = at.filter(|n| n.0 == key && n.2 != s) {
            at = t.after(&n);
        }
        let Some(node) = at.filter(|n| n.0 == key) else {
            return;
        };
        // the round-robin cursor moves on before its node leaves
        let skip = if t.len() > 1 {
            t.after(&node).or_else(|| t.first())
        } else {
            None
        };
        t.take(&node);
        if last == Some(node) {
            self.last = skip;
        }
    }

    fn root<V: Views + ?Sized>(&self, srvs: &V, fbck: Option<usize>) -> Result<&T, Option<usize>> {
        let act = srvs.any(|s| !s.backup && s.usable && s.weight > 0);
        if act {
            Ok(&self.act)
        } else if let Some(b) = fbck {
            Err(Some(b))
        } else if !self.bck.is_empty() {
            Ok(&self.bck)
        } else {
            Err(None)
        }
    }

    /// The server closest on the ring to `hash`.
    pub fn get_server_hash<V: Views + ?Sized>(
        &self,
        srvs: &V,
        fbck: Option<usize>,
        hash: u32,
    ) -> Option<usize> {
        let t = match self.root(srvs, fbck) {
            Ok(t) => t,
            Err(s) => return s,
        };
        let h = chash_hash(hash);
        let next = t.ge(h).or_else(|| t.first())?;
        let prev = t.below(h).or_else(|| t.last())?;
        if next.2 == prev.2 {
            return Some(next.2);
        }
        let dp = h.wrapping_sub(prev.0);
        let dn = next.0.wrapping_sub(h);
        Some(if dp <= dn { prev.2 } else { next.2 })
    }

    /// Round robin along the ring, for requests without a hash key.
    /// Saturated servers are skipped; `avoid` is used only as a last resort.
    pub fn get_next_server<V: Views + ?Sized>(
        &mut self,
        srvs: &V,
        fbck: Option<usize>,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let t = match self.root(srvs, fbck) {
            Ok(t) => t,
            Err(s) => return s,
        };
        let mut node: Option<Node> = self.last;
        let mut stop = node;
        let mut avoided: Option<Node> = None;
        let mut found = None;
        for _ in 0..=t.len() {
            // a cursor no longer in this ring restarts from its first node
            node = match node {
                Some(n) if t.contains(&n) => t.after(&n).or_else(|| t.first()),
                _ => t.first(),
            };
            let Some(n) = node else { break };
            if stop.is_none() {
                stop = Some(n);
            }
            if !srvs.at(n.2).full {
                if Some(n.2) != avoid {
                    found = Some(n);
                    break;
                }
                avoided = Some(n);
            }
            if Some(n) == stop {
                break;
            }
        }
        self.last = node;
        let n = found.or_else(|| {
            let a = avoided?;
            self.last = Some(a);
            Some(a)
        })?;
        Some(n.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(w: &[u32]) -> Vec<SrvView> {
        w.iter()
            .enumerate()
            .map(|(i, &w)| SrvView {
                usable: true,
                weight: w,
                puid: i as u32 + 1,
                ..SrvView::default()
            })
            .collect()
    }

    #[test]
    fn jenkins_hash_known_values() {
        assert_eq!(chash_hash(0), 0xab4ed927);
        assert_eq!(chash_hash(1), 0x348681b6);
        assert_eq!(chash_hash(4096 + 5), 0x3981f3fd);
    }

    #[test]
    fn removing_a_server_moves_only_its_keys() {
        let mut srvs = v(&[1, 1, 1, 1]);
        let mut c: Chash = Chash::new(&srvs);
        assert_eq!(c.act.len(), 64);
        let before: Vec<_> = (0..2000u32)
            .map(|h| c.get_server_hash(&srvs, None, h))
            .collect();
        let counts = (0..4)
            .map(|s| before.iter().filter(|x| **x == Some(s)).count())
            .collect::<Vec<_>>();
        assert!(counts.iter().all(|&n| n > 250), "{counts:?}");
        srvs[2].usable = false;
        c.update(&srvs);
        assert_eq!(c.act.len(), 48);
        for (h, b) in before.iter().enumerate() {
            let now = c.get_server_hash(&srvs, None, h as u32);
            if *b != Some(2) {
                assert_eq!(now, *b);
            } else {
                assert_ne!(now, Some(2));
            }
        }
        srvs[2].usable = true;
        c.update(&srvs);
        let back: Vec<_> = (0..2000u32)
            .map(|h| c.get_server_hash(&srvs, None, h))
            .collect();
        assert_eq!(back, before);
    }

    #[test]
    fn weights_and_round_robin_walk() {
        let srvs = v(&[3, 1]);
        let mut c: Chash = Chash::new(&srvs);
        let hits = (0..4000u32)
            .filter(|h| c.get_server_hash(&srvs, None, *h) == Some(0))
            .count();
        assert!((2400..3600).contains(&hits), "{hits}");
        let walk: Vec<_> = (0..64)
            .filter_map(|_| c.get_next_server(&srvs, None, None))
            .collect();
        assert_eq!(walk.iter().filter(|s| **s == 0).count(), 48);
        assert_eq!(
            c.get_next_server(&srvs, None, Some(0))
                .map(|s| s == 1 || s == 0),
            Some(true)
        );
    }
}

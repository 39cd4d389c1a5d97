//! 1.4's least connections (fwlc): per group (active, backup) a tree of
//! usable servers keyed by `served x SRV_EWGHT_MAX / eweight`. A server
//! is repositioned (taken out and put back last among its equals) each
//! time its count of sessions changes, and when its weight changes; a
//! pick walks from the first node, skipping saturated servers, so it is
//! O(log n) unless many servers are full.

use super::tree::{Node, Ordered};
use super::{SrvView, Views, BE_WEIGHT_SCALE, SRV_EWGHT_MAX};

#[derive(Debug, Clone, Default)]
pub struct Lc<T> {
    act: T,
    bck: T,
    /// (backup, node) of each server in a tree
    node: Vec<Option<(bool, Node)>>,
    eweight: Vec<u32>,
    seq: u64,
}

fn usable(s: &SrvView) -> bool {
    s.usable && s.weight > 0
}

/// 1.4's key, in its unsigned 32-bit arithmetic.
fn key(s: &SrvView) -> u32 {
    s.served.wrapping_mul(SRV_EWGHT_MAX) / (s.weight * BE_WEIGHT_SCALE).max(1)
}

impl<T: Ordered> Lc<T> {
    pub fn new(srvs: &[SrvView]) -> Lc<T> {
        let mut lc = Lc {
            node: vec![None; srvs.len()],
            eweight: vec![0; srvs.len()],
            ..Lc::default()
        };
        lc.update(srvs);
        lc
    }

    fn tree(&mut self, backup: bool) -> &mut T {
        if backup {
            &mut self.bck
        } else {
            &mut self.act
        }
    }

    fn dequeue(&mut self, i: usize) {
        if let Some((b, n)) = self.node.get_mut(i).and_then(|x| x.take()) {
            self.tree(b).take(&n);
        }
    }

    fn queue(&mut self, i: usize, s: &SrvView) {
        self.seq += 1;
        let n = (key(s), self.seq, i);
        self.tree(s.backup).put(n);
        if let Some(x) = self.node.get_mut(i) {
            *x = Some((s.backup, n));
        }
        if let Some(e) = self.eweight.get_mut(i) {
            *e = s.weight * BE_WEIGHT_SCALE;
        }
    }

    /// Server `i` took or dropped a session: it moves to its new key,
    /// last among its equals (nothing when it is out of the trees).
    pub fn reposition(&mut self, i: usize, s: &SrvView) {
        if self.node.get(i).is_some_and(|n| n.is_some()) {
            self.dequeue(i);
            self.queue(i, s);
        }
    }

    /// Call after any server's state or weight changed.
    pub fn update(&mut self, srvs: &[SrvView]) {
        for (i, s) in srvs.iter().enumerate().take(self.node.len()) {
            let queued = self.node[i].is_some();
            if !usable(s) {
                if queued {
                    self.dequeue(i);
                }
            } else if !queued || self.eweight[i] != s.weight * BE_WEIGHT_SCALE {
                self.dequeue(i);
                self.queue(i, s);
            }
        }
    }

    /// The first server of the tree in use that is not saturated;
    /// `avoid` only when nothing else is left.
    pub fn next<V: Views + ?Sized>(
        &self,
        srvs: &V,
        fbck: Option<usize>,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let t = if srvs.any(|s| !s.backup && usable(s)) {
            &self.act
        } else if fbck.is_some() {
            return fbck;
        } else if srvs.any(|s| s.backup && usable(s)) {
            &self.bck
        } else {
            return None;
        };
        let mut avoided = None;
        let mut at = t.first();
        while let Some(n) = at {
            if !srvs.at(n.2).full {
                if Some(n.2) != avoid {
                    return Some(n.2);
                }
                avoided = Some(n.2);
            }
            at = t.after(&n);
        }
        avoided
    }
}

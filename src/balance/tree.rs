//! The ordered sets the balancers keep their servers in, standing for
//! 1.4's ebtrees: nodes ordered by key, equal keys in insertion order (the
//! sequence number), so the first node is the next server to use. The
//! runtime uses a `BTreeSet` (every operation O(log n)); the tests also
//! run each balancer on a sorted `Vec` (plain linear reference) and
//! compare the sequences.

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included, Unbounded};

/// (key, insertion sequence, server index).
pub type Node = (u32, u64, usize);

pub trait Ordered: Default + Clone + std::fmt::Debug {
    fn put(&mut self, n: Node);
    fn take(&mut self, n: &Node) -> bool;
    fn contains(&self, n: &Node) -> bool;
    fn first(&self) -> Option<Node>;
    fn last(&self) -> Option<Node>;
    /// The node just after `n` (which need not be in the set).
    fn after(&self, n: &Node) -> Option<Node>;
    /// The first node whose key is at least `key`.
    fn ge(&self, key: u32) -> Option<Node>;
    /// The last node whose key is below `key`.
    fn below(&self, key: u32) -> Option<Node>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Ordered for BTreeSet<Node> {
    fn put(&mut self, n: Node) {
        self.insert(n);
    }
    fn take(&mut self, n: &Node) -> bool {
        self.remove(n)
    }
    fn contains(&self, n: &Node) -> bool {
        BTreeSet::contains(self, n)
    }
    fn first(&self) -> Option<Node> {
        BTreeSet::first(self).copied()
    }
    fn last(&self) -> Option<Node> {
        BTreeSet::last(self).copied()
    }
    fn after(&self, n: &Node) -> Option<Node> {
        self.range((Excluded(*n), Unbounded)).next().copied()
    }
    fn ge(&self, key: u32) -> Option<Node> {
        self.range((Included((key, 0, 0)), Unbounded))
            .next()
            .copied()
    }
    fn below(&self, key: u32) -> Option<Node> {
        self.range((Unbounded, Excluded((key, 0, 0))))
            .next_back()
            .copied()
    }
    fn len(&self) -> usize {
        BTreeSet::len(self)
    }
}

/// The linear reference: a sorted vector, searched and shifted in O(n).
impl Ordered for Vec<Node> {
    fn put(&mut self, n: Node) {
        let at = self.iter().take_while(|x| **x < n).count();
        self.insert(at, n);
    }
    fn take(&mut self, n: &Node) -> bool {
        match self.iter().position(|x| x == n) {
            Some(p) => {
                self.remove(p);
                true
            }
            None => false,
        }
    }
    fn contains(&self, n: &Node) -> bool {
        self.iter().any(|x| x == n)
    }
    fn first(&self) -> Option<Node> {
        self.as_slice().first().copied()
    }
    fn last(&self) -> Option<Node> {
        self.as_slice().last().copied()
    }
    fn after(&self, n: &Node) -> Option<Node> {
        self.iter().find(|x| *x > n).copied()
    }
    fn ge(&self, key: u32) -> Option<Node> {
        self.iter().find(|x| x.0 >= key).copied()
    }
    fn below(&self, key: u32) -> Option<Node> {
        self.iter().rev().find(|x| x.0 < key).copied()
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

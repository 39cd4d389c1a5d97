//! 1.4's weighted round robin (fwrr): per group (active, backup) a tree
//! of servers by next position, plus the "init" and "next" trees of
//! servers waiting by weight for the next turn. Picks and requeues are
//! O(log n) on a `BTreeSet`; generic over the set so that the tests run
//! the same algorithm on the linear reference and compare.

use super::tree::{Node, Ordered};
use super::{SrvView, Views, BE_WEIGHT_SCALE, SRV_EWGHT_MAX, SRV_UWGHT_RANGE};

#[derive(Debug, Clone, Default)]
struct Group<T> {
    curr: T,
    t: [T; 2],
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
    /// (backup group, tree, node) while queued
    tree: Option<(bool, TreeTag, Node)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TreeTag {
    Curr,
    T(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Fwrr<T> {
    act: Group<T>,
    bck: Group<T>,
    srv: Vec<FwrrSrv>,
    seq: u64,
    prev_usable: Vec<bool>,
}

fn usable(s: &SrvView) -> bool {
    s.usable && s.weight > 0
}

impl<T: Ordered> Fwrr<T> {
    pub fn new(srvs: &[SrvView]) -> Fwrr<T> {
        let mut f = Fwrr {
            srv: vec![FwrrSrv::default(); srvs.len()],
            prev_usable: srvs.iter().map(usable).collect(),
            ..Fwrr::default()
        };
        let (mut wact, mut wbck) = (0, 0);
        for (i, s) in srvs.iter().enumerate() {
            f.srv[i].eweight = s.weight * BE_WEIGHT_SCALE;
            if usable(s) {
                if s.backup {
                    wbck += f.srv[i].eweight;
                } else {
                    wact += f.srv[i].eweight;
                }
            }
        }
        for (g, w) in [(&mut f.act, wact), (&mut f.bck, wbck)] {
            g.curr_pos = w;
            g.curr_weight = w;
            g.next_weight = w;
        }
        for (i, s) in srvs.iter().enumerate() {
            if usable(s) {
                f.queue_by_weight(i, s.backup, TreeTag::T(0));
            }
        }
        f
    }

    fn grp(&mut self, backup: bool) -> &mut Group<T> {
        if backup {
            &mut self.bck
        } else {
            &mut self.act
        }
    }

    fn put(&mut self, s: usize, backup: bool, t: TreeTag, key: u32) {
        self.seq += 1;
        let node = (key, self.seq, s);
        let g = self.grp(backup);
        match t {
            TreeTag::Curr => g.curr.put(node),
            TreeTag::T(i) => g.t[i].put(node),
        }
        self.srv[s].tree = Some((backup, t, node));
    }

    fn queue_by_weight(&mut self, s: usize, backup: bool, t: TreeTag) {
        let key = SRV_EWGHT_MAX - self.srv[s].eweight;
        self.put(s, backup, t, key);
    }

    fn dequeue(&mut self, s: usize) {
        if let Some((b, t, node)) = self.srv[s].tree.take() {
            let g = self.grp(b);
            match t {
                TreeTag::Curr => g.curr.take(&node),
                TreeTag::T(i) => g.t[i].take(&node),
            };
        }
    }

    fn queue_srv(&mut self, s: usize, v: &SrvView) {
        let backup = v.backup;
        if !usable(v) {
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
            self.put(s, backup, TreeTag::Curr, key);
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

    /// The next server, skipping saturated ones and `avoid` (used only
    /// when nothing else is left).
    pub fn next<V: Views + ?Sized>(
        &mut self,
        srvs: &V,
        fbck: Option<usize>,
        avoid: Option<usize>,
    ) -> Option<usize> {
        let backup = if srvs.any(|s| !s.backup && usable(s)) {
            false
        } else if let Some(f) = fbck {
            return Some(f);
        } else if srvs.any(|s| s.backup && usable(s)) {
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

    /// Call after any server's state or weight changed.
    pub fn update(&mut self, srvs: &[SrvView]) {
        for (i, s) in srvs.iter().enumerate().take(self.srv.len()) {
            let now = usable(s);
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
                let g = self.grp(backup);
                let (cp, nw, cw) = (g.curr_pos, g.next_weight, g.curr_weight);
                let e = self.srv[i].eweight.max(1);
                self.srv[i].npos = cp + (nw + cw - cp) / e;
                self.queue_srv(i, s);
            } else {
                let e = self.srv[i].eweight;
                let g = self.grp(backup);
                g.next_weight = g.next_weight.saturating_sub(e);
                self.dequeue(i);
            }
        }
    }
}

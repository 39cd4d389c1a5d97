//! The buffer pool. A session holds a buffer only while bytes wait in it:
//! it takes one from the pool when a read must land somewhere and gives it
//! back as soon as the bytes are flushed, so an idle connection holds no
//! buffer at all and steady traffic allocates nothing.

use crate::http::head::Head;
use crate::txn::{Txn, TxnSlot};

pub struct Pool {
    free: Vec<Vec<u8>>,
    /// Parsed heads between two messages: their arena and line index keep
    /// their capacity, so parsing the next head allocates nothing.
    heads: Vec<Head>,
    /// Request lines kept for the log, reused the same way.
    lines: Vec<Vec<u8>>,
    /// Transactions between two requests, kept boxed: a session holds
    /// the box itself, so handing it over moves a pointer, not the state.
    #[allow(clippy::vec_box)]
    txns: Vec<Box<Txn>>,
    size: usize,
    max_free: usize,
    /// Buffers handed out and not yet returned (for `show info`-style stats).
    pub used: usize,
    /// The fewest idle buffers seen since the last trim: that many were not
    /// needed meanwhile.
    low_water: usize,
    /// The same for heads, lines and transactions.
    low_heads: usize,
    low_lines: usize,
    low_txns: usize,
}

impl Pool {
    /// `size` is tune.bufsize; at most `max_free` idle buffers are kept.
    pub fn new(size: usize, max_free: usize) -> Pool {
        Pool {
            free: Vec::new(),
            heads: Vec::new(),
            lines: Vec::new(),
            txns: Vec::new(),
            size: size.max(1024),
            max_free,
            used: 0,
            low_water: 0,
            low_heads: 0,
            low_lines: 0,
            low_txns: 0,
        }
    }

    /// Gives `buf` an allocation if it has none.
    pub fn fill(&mut self, buf: &mut Vec<u8>) {
        if buf.capacity() == 0 {
            *buf = self
                .free
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(self.size));
            self.used += 1;
            self.low_water = self.low_water.min(self.free.len());
        }
    }

    /// Takes back the allocation of an empty `buf`. Buffers that grew far
    /// beyond the largest data-phase read (8 x bufsize) are freed.
    pub fn release(&mut self, buf: &mut Vec<u8>) {
        if !buf.is_empty() || buf.capacity() == 0 {
            return;
        }
        let b = std::mem::take(buf);
        self.used = self.used.saturating_sub(1);
        if self.free.len() < self.max_free && b.capacity() <= 8 * self.size {
            self.free.push(b);
        }
    }

    /// A head to parse into (empty).
    pub fn take_head(&mut self) -> Head {
        let h = self.heads.pop().unwrap_or_default();
        self.low_heads = self.low_heads.min(self.heads.len());
        h
    }

    /// Takes a head back once its message is done with. Heads whose arena
    /// grew past two buffers are freed.
    pub fn put_head(&mut self, mut h: Head) {
        if self.heads.len() < self.max_free && h.arena_capacity() <= 2 * self.size {
            h.clear();
            self.heads.push(h);
        }
    }

    /// An empty byte string for a short line (a request line for the log).
    pub fn take_line(&mut self) -> Vec<u8> {
        let l = self.lines.pop().unwrap_or_default();
        self.low_lines = self.low_lines.min(self.lines.len());
        l
    }

    pub fn put_line(&mut self, mut l: Vec<u8>) {
        if self.lines.len() < self.max_free && l.capacity() <= self.size {
            l.clear();
            self.lines.push(l);
        }
    }

    /// An empty transaction.
    /// Gives a session a transaction from the pool if it has none.
    pub fn attach_txn(&mut self, slot: &mut TxnSlot) {
        if slot.0.is_none() {
            slot.0 = Some(self.take_txn());
        }
    }

    /// Ends a session's transaction: its head, request line and box come
    /// back here, leaving the session without one.
    pub fn recycle_txn(&mut self, slot: &mut TxnSlot) {
        if let Some(mut t) = slot.0.take() {
            if let Some(h) = t.req.take() {
                self.put_head(h);
            }
            if let Some(l) = t.req_line.take() {
                self.put_line(l);
            }
            if t.replay.capacity() > 0 {
                self.put_line(std::mem::take(&mut t.replay));
            }
            *t = Txn::EMPTY;
            self.put_txn(t);
        }
    }

    pub fn take_txn(&mut self) -> Box<Txn> {
        let t = self.txns.pop().unwrap_or_default();
        self.low_txns = self.low_txns.min(self.txns.len());
        t
    }

    /// Takes back an emptied transaction.
    pub fn put_txn(&mut self, t: Box<Txn>) {
        if self.txns.len() < self.max_free {
            self.txns.push(t);
        }
    }

    /// Frees what stayed idle since the last call: of each kind (buffers,
    /// heads, lines, transactions), those beyond the lowest idle count seen
    /// meanwhile, keeping `keep`. Memory taken by a burst goes back once it
    /// is over; steady traffic keeps what it uses. Returns how many went.
    pub fn trim(&mut self, keep: usize) -> usize {
        fn cut<T>(v: &mut Vec<T>, low: &mut usize, keep: usize) -> usize {
            let spare = (*low).min(v.len()).saturating_sub(keep);
            v.truncate(v.len() - spare);
            *low = v.len();
            spare
        }
        cut(&mut self.free, &mut self.low_water, keep)
            + cut(&mut self.heads, &mut self.low_heads, keep)
            + cut(&mut self.lines, &mut self.low_lines, keep)
            + cut(&mut self.txns, &mut self.low_txns, keep)
    }

    /// Whether `trim(keep)` could free something.
    pub fn has_spare(&self, keep: usize) -> bool {
        self.free.len() > keep
            || self.heads.len() > keep
            || self.lines.len() > keep
            || self.txns.len() > keep
    }

    pub fn idle(&self) -> usize {
        self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;

    #[test]
    fn buffers_are_reused_and_idle_ones_hold_nothing() {
        let mut p = Pool::new(16384, 2);
        let mut a = Vec::new();
        p.fill(&mut a);
        assert!(a.capacity() >= 16384);
        a.extend_from_slice(b"data");
        p.release(&mut a); // not empty: kept by the session
        assert_eq!(a.len(), 4);
        a.clear();
        let ptr = a.as_ptr();
        p.release(&mut a);
        assert_eq!(a.capacity(), 0);
        assert_eq!((p.idle(), p.used), (1, 0));
        let mut b = Vec::new();
        p.fill(&mut b);
        assert_eq!(b.as_ptr(), ptr);
        assert_eq!((p.idle(), p.used), (0, 1));
    }

    #[test]
    fn a_burst_is_given_back_once_over_and_steady_use_is_kept() {
        let mut p = Pool::new(1024, 256);
        let mut held: Vec<Vec<u8>> = (0..40).map(|_| Vec::new()).collect();
        for b in held.iter_mut() {
            p.fill(b);
        }
        for b in held.iter_mut() {
            p.release(b);
        }
        assert_eq!(p.idle(), 40);
        // the burst drew the pool down to nothing: nothing freed yet
        assert_eq!(p.trim(16), 0);
        assert_eq!(p.idle(), 40);
        // a quiet period: all but 16 go
        assert_eq!(p.trim(16), 24);
        assert_eq!(p.idle(), 16);
        assert!(!p.has_spare(16));
        // steady use below the floor keeps everything
        p.fill(&mut held[0]);
        p.release(&mut held[0]);
        assert_eq!(p.trim(16), 0);
        assert_eq!(p.idle(), 16);
    }
}

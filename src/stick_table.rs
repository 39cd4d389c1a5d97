//! A stick table as 1.4 keeps one, sized for millions of entries: a slab
//! of compact entries (48 bytes, the key inline), an open-addressing hash
//! index of slab positions (constant-time lookup) and the entries linked
//! in expiry order, so that expired entries leave from its head a few at
//! a time (no walk of the table, no pause) and a full table finds its
//! oldest entries at once.
//!
//! 1.4's rules (stick_table.c, session.c), kept here:
//!  * a `stick match`/`stick on` that finds its key sets the entry's
//!    expiry to now + `expire`, whether or not the server is used;
//!  * storing a key already present only changes its server;
//!  * a new entry in a full table first trashes the table's size/256
//!    oldest entries (by expiry date); when that is none (a table of
//!    fewer than 256 entries) or `nopurge` is set, the key is not stored;
//!  * without `expire`, entries never expire, and the oldest are the ones
//!    stored or matched longest ago.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// Longest key held in the entry itself: addresses, integers and most
/// strings; a longer key gets a heap block.
const INLINE: usize = 22;
const NIL: u32 = u32::MAX;

/// A key held without a heap block when short: entries of a
/// million-entry table stay small.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Inline(u8, [u8; INLINE]),
    Heap(Box<[u8]>),
}

impl Key {
    fn new(k: &[u8]) -> Key {
        match u8::try_from(k.len()) {
            Ok(n) if k.len() <= INLINE => {
                let mut b = [0u8; INLINE];
                b[..k.len()].copy_from_slice(k);
                Key::Inline(n, b)
            }
            _ => Key::Heap(k.into()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(n, b) => &b[..usize::from(*n)],
            Key::Heap(b) => b,
        }
    }
}

/// One entry (48 bytes), in a slab; `prev`/`next` link it into the
/// table's age list, or (`next`) the free list when unused.
#[derive(Debug, Clone)]
struct Entry {
    key: Key,
    sid: u32,
    /// the key's hash (low 32 bits), so that growing and deleting from
    /// the index never hash keys again
    hash: u32,
    prev: u32,
    next: u32,
    /// when the entry expires, in ms since the table's epoch (or, in a
    /// table without `expire`, when it was last stored or matched)
    when: u64,
}

/// One table's entries. Every date a table gives is "now + its expire",
/// and now only grows, so the order of expiry is the order in which the
/// entries were last stored or matched: a list, oldest at its head,
/// replaces a tree of dates (equal dates keep their queue order, as
/// 1.4's). The index is an open-addressing table of slab positions
/// (linear probing, backward-shift deletion): 4 bytes a bucket.
#[derive(Debug, Clone)]
pub struct StickTable {
    slots: Vec<Entry>,
    index: Vec<u32>,
    len: usize,
    head: u32,
    tail: u32,
    free: u32,
    hasher: RandomState,
    /// the origin of the dates (the first store), as 1.4 counts in ms
    epoch: Option<Instant>,
}

impl Default for StickTable {
    fn default() -> StickTable {
        StickTable {
            slots: Vec::new(),
            index: Vec::new(),
            len: 0,
            head: NIL,
            tail: NIL,
            free: NIL,
            hasher: RandomState::new(),
            epoch: None,
        }
    }
}

/// What a table was configured with (`stick-table ... size N expire T
/// nopurge`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub size: u64,
    pub expire: Option<Duration>,
    pub nopurge: bool,
}

/// Most expired entries one store drops when the table is not full: the
/// work of a store stays bounded however many entries expire together
/// (a lookup ignores an expired entry still present).
const EXPIRE_BATCH: usize = 64;

impl StickTable {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `now` in ms since the epoch (which the first call sets).
    fn ms(&mut self, now: Instant) -> u64 {
        let epoch = *self.epoch.get_or_insert(now);
        now.saturating_duration_since(epoch).as_millis() as u64
    }

    fn ms_ro(&self, now: Instant) -> u64 {
        self.epoch
            .map_or(0, |e| now.saturating_duration_since(e).as_millis() as u64)
    }

    fn expire_ms(lim: &Limits) -> u64 {
        lim.expire.map_or(0, |d| d.as_millis() as u64)
    }

    fn hash(&self, k: &[u8]) -> u32 {
        self.hasher.hash_one(k) as u32
    }

    fn mask(&self) -> usize {
        self.index.len().wrapping_sub(1)
    }

    /// The slot of `key`, or the empty bucket where it would go.
    fn find(&self, key: &[u8], h: u32) -> Result<u32, usize> {
        if self.index.is_empty() {
            return Err(0);
        }
        let mut b = h as usize & self.mask();
        loop {
            let s = self.index[b];
            if s == NIL {
                return Err(b);
            }
            let e = &self.slots[s as usize];
            if e.hash == h && e.key.bytes() == key {
                return Ok(s);
            }
            b = (b + 1) & self.mask();
        }
    }

    /// Doubles the index when it would pass 7/8 full.
    fn reserve_one(&mut self) {
        if (self.len + 1) * 8 <= self.index.len() * 7 {
            return;
        }
        let n = (self.index.len() * 2).max(16);
        self.index = vec![NIL; n];
        let mut s = self.head;
        while s != NIL {
            let mut b = self.slots[s as usize].hash as usize & self.mask();
            while self.index[b] != NIL {
                b = (b + 1) & self.mask();
            }
            self.index[b] = s;
            s = self.slots[s as usize].next;
        }
    }

    fn unlink(&mut self, s: u32) {
        let (p, n) = (self.slots[s as usize].prev, self.slots[s as usize].next);
        match p {
            NIL => self.head = n,
            p => self.slots[p as usize].next = n,
        }
        match n {
            NIL => self.tail = p,
            n => self.slots[n as usize].prev = p,
        }
    }

    fn push_back(&mut self, s: u32) {
        let t = self.tail;
        self.slots[s as usize].prev = t;
        self.slots[s as usize].next = NIL;
        match t {
            NIL => self.head = s,
            t => self.slots[t as usize].next = s,
        }
        self.tail = s;
    }

    /// Takes slot `s` out of the index, the list and the table.
    fn remove(&mut self, s: u32) {
        let mask = self.mask();
        let mut b = self.slots[s as usize].hash as usize & mask;
        while self.index[b] != s {
            b = (b + 1) & mask;
        }
        // backward shift: later entries of the probe run move up
        let mut j = b;
        loop {
            j = (j + 1) & mask;
            let t = self.index[j];
            if t == NIL {
                break;
            }
            let home = self.slots[t as usize].hash as usize & mask;
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(b) & mask) {
                self.index[b] = t;
                b = j;
            }
        }
        self.index[b] = NIL;
        self.unlink(s);
        let e = &mut self.slots[s as usize];
        e.key = Key::Inline(0, [0; INLINE]);
        e.next = self.free;
        self.free = s;
        self.len -= 1;
    }

    /// The server id stored for `key`, when present and not expired.
    pub fn get(&self, key: &[u8], now: Instant, lim: &Limits) -> Option<u32> {
        let s = self.find(key, self.hash(key)).ok()?;
        let e = &self.slots[s as usize];
        (lim.expire.is_none() || e.when > self.ms_ro(now)).then_some(e.sid)
    }

    /// A match found `key`: its expiry starts again from now.
    pub fn touch(&mut self, key: &[u8], now: Instant, lim: &Limits) {
        let when = self.ms(now) + Self::expire_ms(lim);
        if let Ok(s) = self.find(key, self.hash(key)) {
            self.slots[s as usize].when = when;
            self.unlink(s);
            self.push_back(s);
        }
    }

    /// Drops up to `max` entries whose date has passed, oldest first:
    /// the work is the number dropped, never the table's size.
    fn expire_some(&mut self, now: Instant, lim: &Limits, max: usize) {
        if lim.expire.is_none() {
            return;
        }
        let now = self.ms(now);
        for _ in 0..max {
            let h = self.head;
            if h == NIL || self.slots[h as usize].when > now {
                break;
            }
            self.remove(h);
        }
    }

    /// Drops every entry whose date has passed.
    pub fn expire(&mut self, now: Instant, lim: &Limits) {
        self.expire_some(now, lim, usize::MAX);
    }

    /// Removes up to `n` of the oldest entries; how many went.
    fn trash_oldest(&mut self, n: u64) -> u64 {
        let mut done = 0;
        while done < n && self.head != NIL {
            self.remove(self.head);
            done += 1;
        }
        done
    }

    /// 1.4's stktable_store() after stksess_new(): `key` goes to server
    /// `sid`. False when a full table had no room for it.
    pub fn store(&mut self, key: &[u8], sid: u32, now: Instant, lim: &Limits) -> bool {
        self.expire_some(now, lim, EXPIRE_BATCH);
        if self.len as u64 >= lim.size {
            // 1.4 has dropped every expired entry by now
            self.expire(now, lim);
        }
        // 1.4 makes room before it looks the key up
        if self.len as u64 >= lim.size && (lim.nopurge || self.trash_oldest(lim.size >> 8) == 0) {
            return false;
        }
        let h = self.hash(key);
        if let Ok(s) = self.find(key, h) {
            self.slots[s as usize].sid = sid;
            return true;
        }
        if u32::try_from(self.len).map_or(true, |n| n >= NIL - 1) {
            return false;
        }
        self.reserve_one();
        let when = self.ms(now) + Self::expire_ms(lim);
        let e = Entry {
            key: Key::new(key),
            sid,
            hash: h,
            prev: NIL,
            next: NIL,
            when,
        };
        let s = if self.free != NIL {
            let s = self.free;
            self.free = self.slots[s as usize].next;
            self.slots[s as usize] = e;
            s
        } else {
            self.slots.push(e);
            (self.slots.len() - 1) as u32
        };
        if let Err(b) = self.find(key, h) {
            self.index[b] = s;
        }
        self.push_back(s);
        self.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim(size: u64, expire_ms: Option<u64>) -> Limits {
        Limits {
            size,
            expire: expire_ms.map(Duration::from_millis),
            nopurge: false,
        }
    }

    #[test]
    fn a_small_full_table_refuses_new_keys() {
        let (l, now) = (lim(2, Some(60_000)), Instant::now());
        let mut t = StickTable::default();
        assert!(t.store(b"a", 1, now, &l) && t.store(b"b", 2, now, &l));
        assert!(!t.store(b"c", 1, now, &l));
        // a present key is refused too: 1.4 asks for room first
        assert!(!t.store(b"a", 2, now, &l));
        assert_eq!(
            (t.get(b"a", now, &l), t.get(b"c", now, &l)),
            (Some(1), None)
        );
        // once one expired, there is room again
        let later = now + Duration::from_secs(61);
        assert!(t.store(b"c", 3, later, &l));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_large_full_table_trashes_its_oldest_256th() {
        let (l, t0) = (lim(1024, Some(60_000)), Instant::now());
        let mut t = StickTable::default();
        for i in 0..1024u32 {
            let now = t0 + Duration::from_millis(u64::from(i));
            assert!(t.store(&i.to_be_bytes(), i, now, &l));
        }
        // key 0 matched again: it is no longer among the oldest
        t.touch(&0u32.to_be_bytes(), t0 + Duration::from_millis(2000), &l);
        let now = t0 + Duration::from_millis(2001);
        assert!(t.store(b"new", 7, now, &l));
        assert_eq!(t.len(), 1024 - 4 + 1);
        let gone: Vec<u32> = (0..1024u32)
            .filter(|i| t.get(&i.to_be_bytes(), now, &l).is_none())
            .collect();
        assert_eq!(gone, vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_million_entries_expire_without_a_walk() {
        let (l, t0) = (lim(2_000_000, Some(10_000)), Instant::now());
        let mut t = StickTable::default();
        // 1,000 stores per ms for one second
        for i in 0..1_000_000u32 {
            let now = t0 + Duration::from_millis(u64::from(i / 1000));
            t.store(&i.to_be_bytes(), i % 1000, now, &l);
        }
        assert_eq!(t.len(), 1_000_000);
        // 10.1 s after the first store: the first 101 ms of stores are
        // gone, and only they were visited
        let now = t0 + Duration::from_millis(10_100);
        let start = Instant::now();
        t.expire(now, &l);
        let took = start.elapsed();
        assert_eq!(t.len(), 899_000);
        assert_eq!(t.get(&100_999u32.to_be_bytes(), now, &l), None);
        assert_eq!(t.get(&101_000u32.to_be_bytes(), now, &l), Some(0));
        // dropping 101,000 entries is milliseconds; a walk of the table
        // would be the same order, so the bound is on the next call:
        // nothing expired, nothing visited
        let start = Instant::now();
        t.expire(now, &l);
        assert!(
            start.elapsed() < took.max(Duration::from_millis(1)),
            "{took:?}"
        );
    }
}
#[cfg(test)]
mod model_tests {
    //! The compact table against a plain model (a vector of entries in
    //! age order, every operation a scan) on random operations.
    use super::*;

    struct Model(Vec<(Vec<u8>, u32, u64)>);

    impl Model {
        fn get(&self, k: &[u8], now: u64, exp: bool) -> Option<u32> {
            let e = self.0.iter().find(|e| e.0 == k)?;
            (!exp || e.2 > now).then_some(e.1)
        }
    }

    #[test]
    fn answers_as_a_linear_model() {
        assert_eq!(std::mem::size_of::<Entry>(), 48);
        let mut r: u64 = 0x2545_f491;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        for round in 0..40 {
            let exp = round % 3 != 0;
            let l = Limits {
                size: [3, 300, 1000][round % 3],
                expire: exp.then(|| Duration::from_millis(50)),
                nopurge: round % 5 == 0,
            };
            let t0 = Instant::now();
            let mut t = StickTable::default();
            let mut m = Model(Vec::new());
            let mut ms = 0u64;
            for _ in 0..3000 {
                ms += next() % 3;
                let now = t0 + Duration::from_millis(ms);
                let n = next();
                let key: Vec<u8> = if n % 7 == 0 {
                    vec![b'k'; 20 + (n % 13) as usize]
                } else {
                    ((n >> 8) % 1500).to_be_bytes()[5..].to_vec()
                };
                match n % 4 {
                    0 | 1 => {
                        let sid = (n >> 20) as u32 % 9;
                        // the model: drop expired, make room, store
                        if exp {
                            m.0.retain(|e| e.2 > ms);
                        }
                        let full = m.0.len() as u64 >= l.size;
                        let ok = if full && (l.nopurge || l.size >> 8 == 0) {
                            false
                        } else {
                            if full {
                                m.0.drain(..(l.size >> 8) as usize);
                            }
                            match m.0.iter_mut().find(|e| e.0 == key) {
                                Some(e) => e.1 = sid,
                                None => m.0.push((key.clone(), sid, ms + if exp { 50 } else { 0 })),
                            }
                            true
                        };
                        assert_eq!(t.store(&key, sid, now, &l), ok);
                    }
                    2 => {
                        if let Some(p) = m.0.iter().position(|e| e.0 == key) {
                            let mut e = m.0.remove(p);
                            e.2 = ms + if exp { 50 } else { 0 };
                            m.0.push(e);
                        }
                        t.touch(&key, now, &l);
                    }
                    _ => assert_eq!(t.get(&key, now, &l), m.get(&key, ms, exp)),
                }
                if !exp {
                    assert_eq!(t.len(), m.0.len());
                }
            }
        }
    }
}

#[cfg(test)]
mod rss_probe {
    #[test]
    #[ignore]
    fn rss_per_entry() {
        let rss = || {
            let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                * 4096
        };
        let l = super::Limits {
            size: 2_000_000,
            expire: Some(std::time::Duration::from_secs(60)),
            nopurge: false,
        };
        let now = std::time::Instant::now();
        let before = rss();
        let mut t = super::StickTable::default();
        for i in 0..1_000_000u32 {
            t.store(&i.to_be_bytes(), 1, now, &l);
        }
        println!("RSS per entry: {} B", (rss() - before) / 1_000_000);
    }
}

//! A stick table as 1.4 keeps one, sized for millions of entries: a hash
//! map from key to entry (constant-time lookup) beside an ordered index of
//! the entries by expiry date, so that expired entries leave from its
//! front a few at a time (no walk of the table, no pause) and a full table
//! finds its oldest entries in O(log n).
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

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// A key held without a heap block when short (addresses, integers,
/// most strings): entries of a million-entry table stay small.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Inline(u8, [u8; 22]),
    Heap(Box<[u8]>),
}

impl Key {
    fn new(k: &[u8]) -> Key {
        match u8::try_from(k.len()) {
            Ok(n) if k.len() <= 22 => {
                let mut b = [0u8; 22];
                b[..k.len()].copy_from_slice(k);
                Key::Inline(n, b)
            }
            _ => Key::Heap(k.into()),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    sid: u32,
    /// when the entry expires, in ms since the table's epoch (or, in a
    /// table without `expire`, when it was last stored or matched: the
    /// age order)
    when: u64,
    /// tie-break among equal dates: queue order
    seq: u64,
}

/// One table's entries and their expiry order.
#[derive(Debug, Clone, Default)]
pub struct StickTable {
    map: HashMap<Key, Entry>,
    by_date: BTreeMap<(u64, u64), Key>,
    seq: u64,
    /// the origin of the dates (the first store), as 1.4 counts in ms
    epoch: Option<Instant>,
}

/// What a table was configured with (`stick-table ... size N expire T
/// nopurge`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub size: u64,
    pub expire: Option<Duration>,
    pub nopurge: bool,
}

impl StickTable {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
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

    /// The server id stored for `key`, when present and not expired.
    pub fn get(&self, key: &[u8], now: Instant, lim: &Limits) -> Option<u32> {
        let e = self.map.get(&Key::new(key))?;
        (lim.expire.is_none() || e.when > self.ms_ro(now)).then_some(e.sid)
    }

    /// A match found `key`: its expiry starts again from now.
    pub fn touch(&mut self, key: &[u8], now: Instant, lim: &Limits) {
        let when = self.ms(now) + Self::expire_ms(lim);
        self.seq += 1;
        let seq = self.seq;
        if let Some(e) = self.map.get_mut(&Key::new(key)) {
            let old = (e.when, e.seq);
            e.when = when;
            e.seq = seq;
            if let Some(k) = self.by_date.remove(&old) {
                self.by_date.insert((when, seq), k);
            }
        }
    }

    /// Drops the entries whose date has passed, oldest first: the work is
    /// the number of entries dropped, never the table's size.
    pub fn expire(&mut self, now: Instant, lim: &Limits) {
        if lim.expire.is_none() {
            return;
        }
        let now = self.ms(now);
        while let Some(e) = self.by_date.first_entry() {
            if e.key().0 > now {
                break;
            }
            let k = e.remove();
            self.map.remove(&k);
        }
    }

    /// Removes up to `n` of the oldest entries; how many went.
    fn trash_oldest(&mut self, n: u64) -> u64 {
        let mut done = 0;
        while done < n {
            let Some((_, k)) = self.by_date.pop_first() else {
                break;
            };
            self.map.remove(&k);
            done += 1;
        }
        done
    }

    /// 1.4's stktable_store() after stksess_new(): `key` goes to server
    /// `sid`. False when a full table had no room for it.
    pub fn store(&mut self, key: &[u8], sid: u32, now: Instant, lim: &Limits) -> bool {
        self.expire(now, lim);
        // 1.4 makes room before it looks the key up
        if self.map.len() as u64 >= lim.size
            && (lim.nopurge || self.trash_oldest(lim.size >> 8) == 0)
        {
            return false;
        }
        let key = Key::new(key);
        if let Some(e) = self.map.get_mut(&key) {
            e.sid = sid;
            return true;
        }
        self.seq += 1;
        let when = self.ms(now) + Self::expire_ms(lim);
        self.by_date.insert((when, self.seq), key.clone());
        self.map.insert(
            key,
            Entry {
                sid,
                when,
                seq: self.seq,
            },
        );
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

//! Event-rate counters as 1.4 keeps them (`freq_ctr.c`): the events of the
//! current one-second period plus those of the previous period, read as a
//! sliding one-second window. They feed the stats' session and request rates
//! (`rate`, `req_rate`) and, through the period's running count, their maxima
//! (`rate_max`, `req_rate_max`).
//!
//! The core is pure: every operation takes the current time in milliseconds,
//! so it is tested without a clock. `hit_max`/`read` use a monotonic process
//! clock (1.4 reads its loop's `now`; only second boundaries matter here).

use std::sync::OnceLock;
use std::time::Instant;

/// Events counted in the current second and in the one before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FreqCtr {
    /// the second (on the process clock) `curr_ctr` belongs to
    curr_sec: u64,
    curr_ctr: u32,
    prev_ctr: u32,
}

/// Milliseconds on the process clock (its origin: the first call).
pub fn now_ms() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// The high 32 bits of a 32x32 product: `past` scaled by a 0..2^32 fraction.
fn mul32hi(a: u32, b: u32) -> u32 {
    ((a as u64 * b as u64) >> 32) as u32
}

/// The part of the current second still to come, scaled to 0..2^32 (1.4's
/// `ms_left_scaled`).
fn ms_left_scaled(now_ms: u64) -> u32 {
    (999 - (now_ms % 1000) as u32) * 4_294_967
}

impl FreqCtr {
    /// Counts `inc` events at `now_ms`, starting a new period when the
    /// second changed (the previous count survives only if that period was
    /// the second just before).
    pub fn update_at(&mut self, now_ms: u64, inc: u32) {
        let sec = now_ms / 1000;
        if self.curr_sec == sec {
            self.curr_ctr = self.curr_ctr.saturating_add(inc);
            return;
        }
        self.prev_ctr = if sec.wrapping_sub(self.curr_sec) == 1 {
            self.curr_ctr
        } else {
            0
        };
        self.curr_sec = sec;
        self.curr_ctr = inc;
    }

    /// Events over the last second at `now_ms`: the current period's count
    /// plus the previous period's, weighted by the part of the second that is
    /// still to come.
    pub fn read_at(&self, now_ms: u64) -> u32 {
        let age = (now_ms / 1000).saturating_sub(self.curr_sec);
        if age > 1 {
            return 0;
        }
        let (curr, past) = if age == 0 {
            (self.curr_ctr, self.prev_ctr)
        } else {
            (0, self.curr_ctr)
        };
        // very low rate: avoid flapping between 0 and 1
        if past <= 1 && curr == 0 {
            return past;
        }
        curr.saturating_add(mul32hi(past, ms_left_scaled(now_ms)))
    }

    /// The window's count at `now_ms` plus `pend` events to come: the
    /// current period, and the previous one weighted by what is left of
    /// this second (no low-rate rounding, unlike `read_at`).
    fn load_at(&self, now_ms: u64, pend: u32) -> u32 {
        let age = (now_ms / 1000).saturating_sub(self.curr_sec);
        let mut curr = 0u32;
        if age <= 1 {
            let (c, past) = if age == 0 {
                (self.curr_ctr, self.prev_ctr)
            } else {
                (0, self.curr_ctr)
            };
            curr = c.saturating_add(mul32hi(past, ms_left_scaled(now_ms)));
        }
        curr.saturating_add(pend)
    }

    /// How many more events fit under `freq` per second at `now_ms`, `pend`
    /// being already promised (1.4's `freq_ctr_remain`); 0 at the limit.
    pub fn remain_at(&self, now_ms: u64, freq: u32, pend: u32) -> u32 {
        freq.saturating_sub(self.load_at(now_ms, pend))
    }

    /// Milliseconds to wait before the next event fits under `freq` (1.4's
    /// `next_event_delay`): 0 when one fits now, else at least 1.
    pub fn next_event_delay_at(&self, now_ms: u64, freq: u32, pend: u32) -> u32 {
        let curr = self.load_at(now_ms, pend);
        if curr < freq {
            return 0;
        }
        (999 / curr.max(1)).max(1)
    }

    /// `remain_at` now.
    pub fn remain(&self, freq: u32, pend: u32) -> u32 {
        self.remain_at(now_ms(), freq, pend)
    }

    /// `next_event_delay_at` now.
    pub fn next_event_delay(&self, freq: u32, pend: u32) -> u32 {
        self.next_event_delay_at(now_ms(), freq, pend)
    }

    /// The current period's count (what 1.4 compares with the maxima).
    pub fn curr(&self) -> u32 {
        self.curr_ctr
    }

    /// Counts one event now and raises `max` to the current period's count.
    pub fn hit_max(&mut self, max: &mut u32) {
        self.update_at(now_ms(), 1);
        *max = (*max).max(self.curr_ctr);
    }

    /// The rate over the last second, now.
    pub fn read(&self) -> u32 {
        self.read_at(now_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::FreqCtr;

    #[test]
    fn fresh_counter_reads_zero() {
        let f = FreqCtr::default();
        assert_eq!(f.read_at(0), 0);
        assert_eq!(f.read_at(5_500), 0);
    }

    #[test]
    fn events_of_the_current_second_add_up() {
        let mut f = FreqCtr::default();
        for _ in 0..3 {
            f.update_at(10_100, 1);
        }
        f.update_at(10_900, 2);
        assert_eq!(f.curr(), 5);
        assert_eq!(f.read_at(10_950), 5);
    }

    #[test]
    fn previous_second_is_weighted_by_what_is_left() {
        let mut f = FreqCtr::default();
        f.update_at(20_000, 100);
        // 1 event at 21.000: the previous 100 still count (999 ms left)
        f.update_at(21_000, 1);
        assert_eq!(f.curr(), 1);
        assert_eq!(f.read_at(21_000), 1 + 99);
        // half way through the second, about half of them
        assert_eq!(f.read_at(21_500), 1 + 49);
        // at the end of the second, almost none
        assert_eq!(f.read_at(21_999), 1);
    }

    #[test]
    fn a_period_without_update_becomes_the_past() {
        let mut f = FreqCtr::default();
        f.update_at(30_200, 10);
        // read during the next second: the 10 are "past", nothing current
        assert_eq!(f.read_at(31_500), 4);
        // two seconds later nothing is left
        assert_eq!(f.read_at(32_000), 0);
    }

    #[test]
    fn a_gap_of_more_than_one_second_drops_the_past() {
        let mut f = FreqCtr::default();
        f.update_at(40_000, 50);
        f.update_at(42_100, 1);
        assert_eq!(f.read_at(42_100), 1);
    }

    #[test]
    fn low_rates_do_not_flap() {
        let mut f = FreqCtr::default();
        f.update_at(50_000, 1);
        // one event in the previous second reads 1 all the next second
        assert_eq!(f.read_at(51_999), 1);
        assert_eq!(f.read_at(51_000), 1);
    }

    #[test]
    fn remain_counts_what_fits_under_the_limit() {
        let mut f = FreqCtr::default();
        assert_eq!(f.remain_at(70_000, 10, 0), 10);
        f.update_at(70_100, 4);
        assert_eq!(f.remain_at(70_200, 10, 0), 6);
        assert_eq!(f.remain_at(70_200, 10, 3), 3);
        f.update_at(70_300, 6);
        assert_eq!(f.remain_at(70_400, 10, 0), 0);
        // half way through the next second, half of the past still weighs
        assert_eq!(f.remain_at(71_500, 10, 0), 6);
    }

    #[test]
    fn next_event_delay_waits_only_at_the_limit() {
        let mut f = FreqCtr::default();
        f.update_at(80_000, 5);
        assert_eq!(f.next_event_delay_at(80_010, 10, 0), 0);
        f.update_at(80_020, 5);
        assert_eq!(f.next_event_delay_at(80_030, 10, 0), 99);
        f.update_at(80_040, 990);
        assert_eq!(f.next_event_delay_at(80_050, 10, 0), 1);
    }

    #[test]
    fn max_follows_the_period_count() {
        let mut f = FreqCtr::default();
        let mut max = 0;
        f.update_at(60_000, 1);
        max = max.max(f.curr());
        f.update_at(60_500, 1);
        max = max.max(f.curr());
        f.update_at(61_100, 1);
        max = max.max(f.curr());
        assert_eq!(max, 2);
        f.hit_max(&mut max);
        assert!(max >= 1);
    }
}

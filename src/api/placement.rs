//! Where a search runs: on the async worker that received its request, or on the blocking
//! pool.
//!
//! Handing a search to the blocking pool and its answer back costs two thread wake-ups per
//! request. On the 2-core machine of BENCHMARKS.md that hand-off was a quarter of the
//! server's time at 8 and 64 connections (50k records, searches of ~0.5 ms). A short
//! search is cheaper run where the request already is. A long one would hold that worker,
//! and with it the other connections and timers it serves, so searches move to the
//! blocking pool as soon as the recent ones are slow: the choice follows a moving average
//! of how long searches took.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Searches run on the async worker while the recent ones took at most this long on average:
/// the delay one may add to the other requests of its worker, small beside a round trip
/// over the Internet.
pub const INLINE_SEARCH_LIMIT: Duration = Duration::from_millis(3);

/// Weight of the newest duration in the moving average: 1/8, so one search of 150 ms (the
/// slowest hostile request measured) keeps the next ~20 ordinary ones off the workers.
const NEWEST_WEIGHT_SHIFT: u32 = 3;

/// The moving average of search durations, shared by every request of a server.
#[derive(Debug, Default)]
pub struct SearchPlacement {
    /// Exponentially weighted mean duration, in microseconds.
    mean_micros: AtomicU64,
}

impl SearchPlacement {
    /// Whether the next search should run on the async worker that has its request.
    pub fn inline(&self) -> bool {
        self.mean_micros.load(Ordering::Relaxed) <= INLINE_SEARCH_LIMIT.as_micros() as u64
    }

    /// Account for a search that took `took`.
    pub fn record(&self, took: Duration) {
        let sample = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // Concurrent updates may each read the same mean; losing one sample of a moving
        // average is harmless, so no compare-and-swap loop.
        let mean = self.mean_micros.load(Ordering::Relaxed);
        let next =
            (mean - (mean >> NEWEST_WEIGHT_SHIFT)).saturating_add(sample >> NEWEST_WEIGHT_SHIFT);
        self.mean_micros.store(next, Ordering::Relaxed);
    }

    /// The current moving average.
    pub fn mean(&self) -> Duration {
        Duration::from_micros(self.mean_micros.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_searches_stay_inline_and_one_slow_search_moves_the_next_ones() {
        let placement = SearchPlacement::default();
        assert!(placement.inline(), "a new server starts inline");
        for _ in 0..100 {
            placement.record(Duration::from_micros(500));
        }
        assert!(placement.inline(), "mean {:?}", placement.mean());
        placement.record(Duration::from_millis(150));
        assert!(!placement.inline(), "mean {:?}", placement.mean());
        let mut ordinary_offloaded = 0;
        while !placement.inline() {
            placement.record(Duration::from_micros(500));
            ordinary_offloaded += 1;
        }
        assert!(
            (15..=25).contains(&ordinary_offloaded),
            "{ordinary_offloaded} ordinary searches went to the blocking pool"
        );
    }

    #[test]
    fn steadily_slow_searches_stay_on_the_blocking_pool() {
        let placement = SearchPlacement::default();
        for _ in 0..50 {
            placement.record(Duration::from_millis(20));
        }
        assert!(!placement.inline());
        let mean = placement.mean();
        assert!(
            mean > Duration::from_millis(18) && mean <= Duration::from_millis(20),
            "{mean:?}"
        );
        // A run of durations too long for microseconds in u64 does not overflow.
        placement.record(Duration::MAX);
        assert!(!placement.inline());
    }
}

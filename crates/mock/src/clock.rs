//! The mock's clock: real time plus an offset that only moves forward.
//!
//! Session expiry and log timestamps read this clock, never `Instant::now()`
//! directly, so that `/__admin/clock/advance` (and the tests) can make a
//! session expire in milliseconds without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// A monotonic clock that can be advanced by hand.
#[derive(Debug, Default)]
pub struct Clock {
    /// Nanoseconds added to the real clocks; only ever grows.
    offset_nanos: AtomicU64,
}

impl Clock {
    /// A clock that reads real time until it is first advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current instant, for deadlines.
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// The current wall-clock time, for timestamps shown to clients.
    pub fn wall_now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }

    /// How far the clock has been moved ahead of real time.
    pub fn offset(&self) -> Duration {
        Duration::from_nanos(self.offset_nanos.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by`, saturating rather than wrapping.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update never fails here because the closure always returns Some.
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some(old.saturating_add(by))
            });
    }

    /// Converts an instant of this clock into the real instant at which it
    /// will be reached, for sleeping until a deadline.
    pub fn to_real(&self, instant: Instant) -> Instant {
        instant
            .checked_sub(self.offset())
            .unwrap_or_else(Instant::now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_both_readings_forward() {
        let clock = Clock::new();
        let before = clock.now();
        let wall_before = clock.wall_now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now() >= before + Duration::from_secs(3600));
        assert!(clock.wall_now() >= wall_before + Duration::from_secs(3600));
        assert_eq!(clock.offset(), Duration::from_secs(3600));
    }

    #[test]
    fn advancing_by_a_huge_duration_saturates() {
        let clock = Clock::new();
        clock.advance(Duration::from_secs(u64::MAX));
        assert_eq!(clock.offset(), Duration::from_nanos(u64::MAX));
    }
}

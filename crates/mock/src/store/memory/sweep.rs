//! The in-memory store's sweeper: expired sessions removed in batches, a
//! shard's lock handed over fairly between them, sleeping until the next
//! deadline on file or a wake-up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

use super::{deadline, SessionStore, Shard};

/// How many due deadlines the sweeper handles per lock acquisition, so that
/// expiring a million sessions never blocks a shard for long.
pub(super) const SWEEP_BATCH: usize = 512;

/// The longest the sweeper sleeps without looking, so that a TTL set very
/// long (the SESS-006 deviation) never asks the timer for centuries.
const MAX_SWEEPER_SLEEP: Duration = Duration::from_secs(3600);

impl SessionStore {
    /// Removes every session whose deadline has passed and returns how many
    /// were removed. Looks only at due deadlines, a batch per lock, and
    /// hands the lock over fairly between batches.
    pub fn sweep_expired(&self) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            loop {
                let now = self.clock.now();
                let (count, more) = self.sweep_batch_fairly(shard, now);
                removed += count;
                if !more {
                    break;
                }
            }
        }
        removed
    }

    /// The earliest deadline on file, if any session is held.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.shards
            .iter()
            .filter_map(|shard| shard.lock().deadlines.keys().next().map(|(at, _)| *at))
            .min()
    }

    /// Wakes the sweeper, e.g. after the clock was advanced.
    pub fn wake_sweeper(&self) {
        self.sweeper_wakeup.notify_one();
    }

    /// Runs forever: sleeps until the next deadline (or a wake-up), then
    /// removes what has expired, giving expired sessions' memory back. It
    /// yields to other tasks after every batch, so expiring a million
    /// sessions never holds a runtime worker for long.
    pub async fn run_sweeper(self: Arc<Self>) {
        loop {
            for shard in self.shards.iter() {
                loop {
                    let now = self.clock.now();
                    let (_, more) = self.sweep_batch_fairly(shard, now);
                    tokio::task::yield_now().await;
                    if !more {
                        break;
                    }
                }
            }
            let idle = self
                .ttl()
                .clamp(Duration::from_millis(10), MAX_SWEEPER_SLEEP);
            let wake_at = self.next_deadline().map_or(self.clock.now() + idle, |at| {
                at.min(self.clock.now() + idle)
            });
            let real = tokio::time::Instant::from_std(self.clock.to_real(wake_at));
            tokio::select! {
                () = tokio::time::sleep_until(real) => {}
                () = self.sweeper_wakeup.notified() => {}
            }
        }
    }

    /// One batch under the shard's lock, then the lock handed to a waiting
    /// request, if any: without the hand-off the sweeper takes it straight
    /// back, and a request could wait for the whole shard.
    fn sweep_batch_fairly(&self, shard: &Mutex<Shard>, now: Instant) -> (usize, bool) {
        let mut guard = shard.lock();
        let result = self.sweep_batch(&mut guard, now);
        MutexGuard::unlock_fair(guard);
        result
    }

    /// Handles up to [`SWEEP_BATCH`] due deadlines; says whether more are due.
    fn sweep_batch(&self, shard: &mut Shard, now: Instant) -> (usize, bool) {
        let mut removed = 0;
        for _ in 0..SWEEP_BATCH {
            let Some(entry) = shard.deadlines.first_entry() else {
                return (removed, false);
            };
            if entry.key().0 > now {
                return (removed, false);
            }
            let key = entry.remove();
            let Some(session) = shard.sessions.get_mut(&key) else {
                continue;
            };
            let real_deadline = deadline(session.last_seen, self.ttl());
            if real_deadline <= now {
                self.remove_session(shard, &key);
                removed += 1;
            } else {
                // Renewed since it was filed: filed again, under its real
                // deadline.
                session.indexed_deadline = real_deadline;
                shard.deadlines.insert((real_deadline, session.serial), key);
            }
        }
        (removed, true)
    }
}

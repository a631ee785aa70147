//! The store the server holds: in memory, or shared through Redis.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::memory::SessionStore;
use super::model::{
    BuiltObject, InspectedObject, SessionKey, SessionObjects, SessionSummary, StoreError,
    StoreStats,
};
use super::redis::RedisStore;
use pizzastack_spec::ids::ObjectKind;

/// Where the sessions live. Every method has the same meaning for both;
/// only the shared one can fail with [`StoreError::Unavailable`].
#[derive(Clone)]
pub enum Store {
    Memory(Arc<SessionStore>),
    Redis(Arc<RedisStore>),
}

/// What `/__admin/clock/advance` did.
#[derive(Debug, Clone, Copy)]
pub struct Advanced {
    /// Sessions that expired with the move.
    pub expired: usize,
    /// How far the clock is now ahead of real time.
    pub total_offset: Duration,
    /// The mock's time after the move.
    pub now: SystemTime,
}

impl Store {
    /// Creates the session if it is new (SESS-002) and renews it (SESS-007).
    pub async fn touch(&self, key: SessionKey) -> Result<(), StoreError> {
        match self {
            Store::Memory(store) => store.touch(key),
            Store::Redis(store) => store.touch(&key).await,
        }
    }

    /// Whether the session exists and has not expired, without renewing it.
    pub async fn exists(&self, key: &SessionKey) -> Result<bool, StoreError> {
        match self {
            Store::Memory(store) => Ok(store.exists(key)),
            Store::Redis(store) => store.exists(key).await,
        }
    }

    /// Creates one object of `kind` in the session, which is created if
    /// new. `build` gets read access to the session's objects and the new
    /// ID, and returns the object and a `T` handed back with its JSON; it
    /// may run more than once, so it must have no effects.
    pub async fn create<T, E: From<StoreError>>(
        &self,
        key: SessionKey,
        kind: ObjectKind,
        build: impl Fn(&SessionObjects<'_>, &str) -> Result<(BuiltObject, T), E>,
    ) -> Result<(Bytes, T), E> {
        match self {
            Store::Memory(store) => store.create(key, kind, build),
            Store::Redis(store) => store.create(&key, kind, build).await,
        }
    }

    /// The session log as JSON (LOG-001), renewing the session; `None` if
    /// the session is unknown to this key or has expired.
    pub async fn log_json(&self, key: &SessionKey) -> Result<Option<Bytes>, StoreError> {
        match self {
            Store::Memory(store) => Ok(store.log_json(key)),
            Store::Redis(store) => store.log_json(key).await,
        }
    }

    /// The live sessions, most recently active first, at most `limit`.
    pub async fn sessions(&self, limit: usize) -> Result<Vec<SessionSummary>, StoreError> {
        match self {
            Store::Memory(store) => Ok(store.sessions(limit)),
            Store::Redis(store) => store.sessions(limit).await,
        }
    }

    /// A live session's objects in creation order, without renewing it.
    pub async fn inspect(
        &self,
        key: &SessionKey,
    ) -> Result<Option<Vec<InspectedObject>>, StoreError> {
        match self {
            Store::Memory(store) => Ok(store.inspect(key)),
            Store::Redis(store) => store.inspect(key).await,
        }
    }

    /// Removes every session.
    pub async fn reset(&self) -> Result<(), StoreError> {
        match self {
            Store::Memory(store) => store.reset(),
            Store::Redis(store) => {
                store.reset().await?;
            }
        }
        Ok(())
    }

    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        match self {
            Store::Memory(store) => Ok(store.stats()),
            Store::Redis(store) => store.stats().await,
        }
    }

    /// Now, by the clock the in-memory store judges expiry with (the admin
    /// clock moves it). The shared store's clock is Redis's; for it, the
    /// replica's own monotonic time stands in.
    pub fn local_now(&self) -> std::time::Instant {
        match self {
            Store::Memory(store) => store.clock().now(),
            Store::Redis(_) => std::time::Instant::now(),
        }
    }

    /// The inactivity TTL in force.
    pub fn ttl(&self) -> Duration {
        match self {
            Store::Memory(store) => store.ttl(),
            Store::Redis(store) => store.ttl(),
        }
    }

    /// Changes the TTL (the SESS-006 deviation).
    pub fn set_ttl(&self, ttl: Duration) {
        match self {
            Store::Memory(store) => store.set_ttl(ttl),
            Store::Redis(store) => store.set_ttl(ttl),
        }
    }

    /// The ID-002 deviation: sessions begun now share their IDs.
    pub fn share_id_tweak(&self, on: bool) {
        match self {
            Store::Memory(store) => store.share_id_tweak(on),
            Store::Redis(store) => store.share_id_tweak(on),
        }
    }

    /// Moves the mock's clock forward and removes what expired.
    pub async fn advance_clock(&self, by: Duration) -> Result<Advanced, StoreError> {
        match self {
            Store::Memory(store) => {
                let clock = store.clock();
                clock.advance(by);
                // Sweep on the blocking pool: a million expiring sessions
                // must not hold a runtime worker others are waiting for.
                let sweeping = store.clone();
                let expired = tokio::task::spawn_blocking(move || sweeping.sweep_expired())
                    .await
                    .unwrap_or_default();
                store.wake_sweeper();
                Ok(Advanced {
                    expired,
                    total_offset: clock.offset(),
                    now: clock.wall_now(),
                })
            }
            Store::Redis(store) => {
                let (total_offset, now) = store.advance_clock(by).await?;
                let expired = store.sweep_expired().await?;
                Ok(Advanced {
                    expired,
                    total_offset,
                    now,
                })
            }
        }
    }

    /// Runs forever, removing expired sessions.
    pub async fn run_sweeper(self) {
        match self {
            Store::Memory(store) => store.run_sweeper().await,
            Store::Redis(store) => store.run_sweeper().await,
        }
    }
}

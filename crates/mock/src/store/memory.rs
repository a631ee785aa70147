//! The in-memory store, the default: one process's sessions.
//!
//! Sessions live in shards, each behind its own mutex, so that requests on
//! different sessions rarely contend. Each shard keeps its sessions' next
//! deadlines ordered, so the sweeper only ever looks at sessions that are due:
//! expiry costs O(expired sessions), never a scan of all of them. A request
//! never sees an expired session even before the sweeper has run, because
//! every access checks the session's own deadline first.
//!
//! A renewal only moves the session's `last_seen`: the session stays filed
//! under its old, earlier deadline, and the sweeper, finding it due but
//! renewed, files it again under the deadline of the TTL then in force
//! (`sweep.rs`). A creating request finds or makes its session with one
//! hash-map probe, and an object's ID is its enciphered position in its
//! session, so finding an object by ID needs no index.
//!
//! No lock here is held across an `.await`; callers get plain values back.

use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use super::log::{self, LogEntry};
use super::model::{
    BuiltObject, InspectedObject, ObjectLookup, ObjectRef, SessionKey, SessionObjects,
    SessionSummary, StoreError, StoreLimits, StoreStats,
};
use crate::clock::Clock;
use pizzastack_spec::ids::{IdCipher, ObjectId, ObjectKind};

/// How many shards the session map is split into.
const SHARD_COUNT: usize = 64;

/// A session of this store, as a build sees it.
pub(super) struct SessionView<'a> {
    session: &'a Session,
    ids: &'a IdCipher,
}

impl ObjectLookup for SessionView<'_> {
    fn get(&self, id: &str) -> Option<ObjectRef> {
        SessionView::get(self, id)
    }
}

impl SessionView<'_> {
    pub(super) fn get(&self, id: &str) -> Option<ObjectRef> {
        let id = ObjectId::parse(id)?;
        // The cipher's inverse says where the object would be; the object
        // there must carry the number.
        let position = self.ids.position(self.session.id_tweak, id.number())?;
        let object = self.session.objects.get(usize::try_from(position).ok()?)?;
        // Numbers are unique in a session whatever the kind: a prefix that
        // does not match names no object.
        (object.number == id.number() && object.kind == id.kind()).then_some(ObjectRef {
            kind: object.kind,
            degraded: object.degraded,
        })
    }
}

/// All sessions of the mock.
pub struct SessionStore {
    /// The sessions, split by hash of their key.
    shards: Box<[Mutex<Shard>]>,
    /// Picks a key's shard.
    hasher: std::hash::RandomState,
    /// Numbers objects by their position in their session.
    ids: IdCipher,
    /// The mock's clock, shared with the admin endpoints.
    clock: Arc<Clock>,
    /// Inactivity time after which a session expires (SESS-007), in
    /// nanoseconds: it changes at run time only for the SESS-006 deviation.
    ttl_nanos: AtomicU64,
    limits: StoreLimits,
    /// Number of sessions held, for `max_sessions`.
    live_sessions: AtomicUsize,
    /// Bytes of object JSON held, for `max_store_bytes`.
    live_bytes: AtomicUsize,
    /// Source of session serial numbers, which order equal deadlines.
    next_serial: AtomicU64,
    /// Wakes the sweeper early, after the clock jumps.
    sweeper_wakeup: tokio::sync::Notify,
    /// Whether sessions begun now share one ID tweak, so that their n-th
    /// objects share an ID: only for the ID-002 deviation.
    shared_id_tweak: AtomicBool,
}

#[derive(Default)]
struct Shard {
    sessions: HashMap<SessionKey, Session>,
    /// Every session of the shard once, under a deadline no later than its
    /// real one (`last_seen + ttl`), so the first entries are the due ones.
    deadlines: BTreeMap<(Instant, u64), SessionKey>,
    /// Objects held by the shard's sessions, for the stats.
    objects: usize,
}

struct Session {
    /// Unique among the store's sessions; orders equal deadlines.
    serial: u64,
    /// Tweaks the cipher that numbers the session's objects: the serial,
    /// unless the session began sharing [`SHARED_ID_TWEAK`].
    id_tweak: u64,
    last_seen: Instant,
    /// The deadline this session is filed under in `Shard::deadlines`.
    indexed_deadline: Instant,
    /// Objects in creation order. Every successful operation creates
    /// exactly one object, so this is the operation log as well.
    objects: Vec<StoredObject>,
    /// Bytes of the objects' JSON, for `max_session_bytes`.
    bytes: usize,
}

/// One object and the operation that created it, in 40 bytes plus its
/// JSON: a million of them fit in well under a gigabyte (issue 5).
struct StoredObject {
    /// UTF-8 JSON, as the response that announced the object carried it.
    json: Box<[u8]>,
    /// The number of its ID; the ID is `kind`'s prefix and this number.
    number: u64,
    /// When the operation took effect, in milliseconds since the Unix
    /// epoch: the precision of the log's timestamps.
    created_ms: u64,
    /// What the object is; its ID's prefix and the log's endpoint follow.
    kind: ObjectKind,
    /// Whether steps that use the object inherit degradation.
    degraded: bool,
}

// What the memory goal rests on; a field added here should be a choice.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<StoredObject>() == 40);

impl StoredObject {
    fn id(&self) -> ObjectId {
        ObjectId::from_parts(self.kind, self.number)
    }
}

impl SessionStore {
    /// An empty store.
    pub fn new(clock: Arc<Clock>, ttl: Duration, limits: StoreLimits) -> Self {
        Self {
            shards: (0..SHARD_COUNT).map(|_| Mutex::default()).collect(),
            hasher: std::hash::RandomState::new(),
            ids: IdCipher::new(),
            clock,
            ttl_nanos: AtomicU64::new(nanos(ttl)),
            limits,
            live_sessions: AtomicUsize::new(0),
            live_bytes: AtomicUsize::new(0),
            next_serial: AtomicU64::new(0),
            sweeper_wakeup: tokio::sync::Notify::new(),
            shared_id_tweak: AtomicBool::new(false),
        }
    }

    /// Makes sessions begun from now on share one ID tweak (or each have
    /// its own again), so that their n-th objects share an ID: the ID-002
    /// deviation. A session keeps the tweak it began with, so its own IDs
    /// stay unique and found.
    pub fn share_id_tweak(&self, on: bool) {
        self.shared_id_tweak.store(on, Ordering::Relaxed);
    }

    /// Changes the inactivity TTL for every session, at once. Accesses
    /// judge expiry by the new TTL; a session filed under a later deadline
    /// is reclaimed at that deadline or at its next access.
    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_nanos.store(nanos(ttl), Ordering::Relaxed);
        self.wake_sweeper();
    }

    /// Whether a session last seen at `last_seen` has expired at `now`.
    fn is_expired(&self, last_seen: Instant, now: Instant) -> bool {
        deadline(last_seen, self.ttl()) <= now
    }

    /// Whether the session exists and has not expired, without renewing it.
    pub fn exists(&self, key: &SessionKey) -> bool {
        let now = self.clock.now();
        self.shard(key)
            .sessions
            .get(key)
            .is_some_and(|s| !self.is_expired(s.last_seen, now))
    }

    /// The clock deadlines are measured on.
    pub fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }

    /// The inactivity TTL.
    pub fn ttl(&self) -> Duration {
        Duration::from_nanos(self.ttl_nanos.load(Ordering::Relaxed))
    }

    /// Creates the session if it is new (SESS-002) and renews it (SESS-007).
    ///
    /// # Errors
    /// [`StoreError::TooManySessions`] when a new session would pass the limit.
    pub fn touch(&self, key: SessionKey) -> Result<(), StoreError> {
        let now = self.clock.now();
        let mut shard = self.shard(&key);
        self.live_session(&mut shard, key, now).map(|_| ())
    }

    /// Creates one object of `kind` in the session, which is created if new.
    ///
    /// `build` gets read access to the session's objects and the new ID, and
    /// returns the object and what the caller wants back of its making
    /// (`T`, which the store never reads), or an error; on error nothing is
    /// stored. The answer is the stored JSON and that `T`.
    /// The object and its operation are logged under the same lock, so the
    /// log's order is the order in which creations took effect.
    ///
    /// # Errors
    /// A [`StoreError`] (converted into `E`) or the builder's own error.
    pub fn create<T, E: From<StoreError>>(
        &self,
        key: SessionKey,
        kind: ObjectKind,
        build: impl FnOnce(&SessionObjects<'_>, &str) -> Result<(BuiltObject, T), E>,
    ) -> Result<(Bytes, T), E> {
        let now = self.clock.now();
        let mut shard = self.shard(&key);
        let session = self.live_session(&mut shard, key, now)?;
        if session.objects.len() >= self.limits.max_objects_per_session {
            return Err(StoreError::TooManyObjects {
                limit: self.limits.max_objects_per_session,
            }
            .into());
        }
        // The ID's number comes from the position the object will take.
        // Until the object is pushed that position is past the end, so
        // lookups during the build do not find it.
        let position = session.objects.len() as u64;
        let id = ObjectId::from_parts(kind, self.ids.number(session.id_tweak, position));
        let ids = &self.ids;
        let view = SessionView { session, ids };
        let objects = SessionObjects::new(&view);
        let (built, made) = build(&objects, &id.text())?;
        let size = built.json.len();
        if session.bytes + size > self.limits.max_session_bytes {
            return Err(StoreError::SessionFull {
                limit: self.limits.max_session_bytes,
            }
            .into());
        }
        // Reserved before it is stored, so that racing creations on other
        // shards cannot pass the limit together.
        let reserved = self
            .live_bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |live| {
                (live + size <= self.limits.max_store_bytes).then_some(live + size)
            });
        if reserved.is_err() {
            return Err(StoreError::StoreFull {
                limit: self.limits.max_store_bytes,
            }
            .into());
        }
        session.bytes += size;
        let created_ms = self
            .clock
            .wall_now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64);
        // The store keeps its own copy at its exact size; the response takes
        // the kitchen's buffer, which is freed once it has been sent.
        session.objects.push(StoredObject {
            json: Box::from(built.json.as_slice()),
            number: id.number(),
            created_ms,
            kind,
            degraded: built.degraded,
        });
        let json = Bytes::from(built.json);
        // Counted per shard, under the lock already held: a store-wide
        // atomic written by every request bounces between cores.
        shard.objects += 1;
        Ok((json, made))
    }

    /// The session log as JSON (LOG-001), or `None` if the session is unknown
    /// to this key or has expired (LOG-002, AUTH-003). Reading the log renews
    /// the session (SESS-007).
    pub fn log_json(&self, key: &SessionKey) -> Option<Bytes> {
        let now = self.clock.now();
        let mut shard = self.shard(key);
        let session = self.existing_session(&mut shard, key, now)?;
        let entries = session.objects.iter().map(|object| LogEntry {
            json: &object.json,
            id: object.id(),
            created_ms: object.created_ms,
        });
        Some(Bytes::from(log::render(&key.session_id, entries)))
    }

    /// The live sessions, most recently active first (at most `limit`), for
    /// the admin inspector. Looking does not renew them.
    pub fn sessions(&self, limit: usize) -> Vec<SessionSummary> {
        let now = self.clock.now();
        let ttl = self.ttl();
        let mut all: Vec<SessionSummary> = self
            .shards
            .iter()
            .flat_map(|shard| {
                let shard = shard.lock();
                shard
                    .sessions
                    .iter()
                    .filter(|(_, s)| !self.is_expired(s.last_seen, now))
                    .map(|(key, s)| SessionSummary {
                        key: key.clone(),
                        objects: s.objects.len(),
                        idle: now.saturating_duration_since(s.last_seen),
                        expires_in: deadline(s.last_seen, ttl).saturating_duration_since(now),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        all.sort_by_key(|s| s.idle);
        all.truncate(limit);
        all
    }

    /// A live session's objects in creation order, parsed, for the admin
    /// inspector; `None` if there is no such session. Looking does not
    /// renew it.
    pub fn inspect(&self, key: &SessionKey) -> Option<Vec<InspectedObject>> {
        let now = self.clock.now();
        let shard = self.shard(key);
        let session = shard.sessions.get(key)?;
        if self.is_expired(session.last_seen, now) {
            return None;
        }
        Some(
            session
                .objects
                .iter()
                .map(|object| InspectedObject {
                    id: object.id().text().as_str().to_owned(),
                    kind: object.kind,
                    degraded: object.degraded,
                    json: serde_json::from_slice(&object.json).unwrap_or_default(),
                    created: SystemTime::UNIX_EPOCH + Duration::from_millis(object.created_ms),
                })
                .collect(),
        )
    }

    /// Removes every session.
    pub fn reset(&self) {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            self.live_sessions
                .fetch_sub(shard.sessions.len(), Ordering::Relaxed);
            let bytes: usize = shard.sessions.values().map(|s| s.bytes).sum();
            self.live_bytes.fetch_sub(bytes, Ordering::Relaxed);
            *shard = Shard::default();
        }
    }

    /// Current counters.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            live_sessions: self.live_sessions.load(Ordering::Relaxed),
            live_objects: self.shards.iter().map(|shard| shard.lock().objects).sum(),
        }
    }

    fn shard(&self, key: &SessionKey) -> MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(key) as usize) % self.shards.len();
        self.shards[index].lock()
    }

    /// The live session for `key`, created if new or expired, and renewed,
    /// with one hash-map probe: this runs on every creating request.
    fn live_session<'s>(
        &self,
        shard: &'s mut Shard,
        key: SessionKey,
        now: Instant,
    ) -> Result<&'s mut Session, StoreError> {
        let Shard {
            sessions,
            deadlines,
            objects,
        } = shard;
        match sessions.entry(key) {
            Entry::Occupied(entry) => {
                let session = entry.into_mut();
                if self.is_expired(session.last_seen, now) {
                    // Expired, not yet swept: a new session begins under the
                    // same key, in place (one ended and one began, so the
                    // live count stays). Its deadline entry takes the key.
                    let filed_key = deadlines.remove(&(session.indexed_deadline, session.serial));
                    *objects -= session.objects.len();
                    self.live_bytes.fetch_sub(session.bytes, Ordering::Relaxed);
                    *session = self.new_session(now);
                    if let Some(filed_key) = filed_key {
                        deadlines.insert((session.indexed_deadline, session.serial), filed_key);
                    }
                } else {
                    Self::renew(session, now);
                }
                Ok(session)
            }
            Entry::Vacant(entry) => {
                if self.live_sessions.load(Ordering::Relaxed) >= self.limits.max_sessions {
                    return Err(StoreError::TooManySessions {
                        limit: self.limits.max_sessions,
                    });
                }
                let session = self.new_session(now);
                deadlines.insert(
                    (session.indexed_deadline, session.serial),
                    entry.key().clone(),
                );
                self.live_sessions.fetch_add(1, Ordering::Relaxed);
                Ok(entry.insert(session))
            }
        }
    }

    /// A session that begins now, with a serial of its own.
    fn new_session(&self, now: Instant) -> Session {
        // Serials start at 1, so no session's own tweak is the shared one.
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed) + 1;
        let shared = self.shared_id_tweak.load(Ordering::Relaxed);
        Session {
            serial,
            id_tweak: if shared { SHARED_ID_TWEAK } else { serial },
            last_seen: now,
            indexed_deadline: deadline(now, self.ttl()),
            objects: Vec::new(),
            bytes: 0,
        }
    }

    /// Marks the session seen at `now`. It stays filed under its old
    /// deadline, which is then earlier than its real one: the sweeper,
    /// finding it due but renewed, files it again under its real deadline
    /// (`sweep_batch`). So a busy session is refiled at most once per TTL
    /// rather than on every request, which would cost two B-tree
    /// operations per request.
    fn renew(session: &mut Session, now: Instant) {
        session.last_seen = now;
    }

    /// The session for `key` if it exists and has not expired, renewed.
    /// An expired session found here is removed on the spot.
    fn existing_session<'s>(
        &self,
        shard: &'s mut Shard,
        key: &SessionKey,
        now: Instant,
    ) -> Option<&'s mut Session> {
        let session = shard.sessions.get(key)?;
        if self.is_expired(session.last_seen, now) {
            let (serial, deadline) = (session.serial, session.indexed_deadline);
            shard.deadlines.remove(&(deadline, serial));
            self.remove_session(shard, key);
            return None;
        }
        // Looked up again: returning the first borrow on one path while
        // the other path changes the shard is beyond today's borrow checker.
        let session = shard.sessions.get_mut(key)?;
        Self::renew(session, now);
        Some(session)
    }

    fn remove_session(&self, shard: &mut Shard, key: &SessionKey) {
        if let Some(session) = shard.sessions.remove(key) {
            self.live_sessions.fetch_sub(1, Ordering::Relaxed);
            shard.objects -= session.objects.len();
            self.live_bytes.fetch_sub(session.bytes, Ordering::Relaxed);
        }
    }
}

/// The ID tweak sessions share while the ID-002 deviation is on.
const SHARED_ID_TWEAK: u64 = 0;

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// When a session seen at `seen` expires: far in the future rather than an
/// overflow for a TTL of centuries.
fn deadline(seen: Instant, ttl: Duration) -> Instant {
    seen.checked_add(ttl)
        .unwrap_or_else(|| seen + Duration::from_secs(100 * 365 * 86_400))
}

mod sweep;

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;

//! What the stores hold and answer, whichever keeps the sessions: session
//! keys, limits, errors, built objects and the views and counters the
//! server reads.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use pizzastack_spec::ids::ObjectKind;

/// A session is named by the API key that created it and the client's
/// session ID (AUTH-003: the same ID under another key is another session).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// Index of the API key in the server's list of accepted keys.
    pub api_key: u16,
    /// The client-chosen `X-Session-ID`.
    pub session_id: Box<str>,
}

/// Limits that keep the mock alive under abuse, in objects and in bytes:
/// a count alone lets large objects take any amount of memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// Live sessions across all keys.
    pub max_sessions: usize,
    /// Objects in one session.
    pub max_objects_per_session: usize,
    /// Bytes of object JSON in one session; also bounds its log's size.
    pub max_session_bytes: usize,
    /// Bytes of object JSON in the whole store.
    pub max_store_bytes: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_sessions: 100_000,
            max_objects_per_session: 10_000,
            // Ten thousand objects of the largest size normal requests make
            // fit; a log is then at most ~10 MB.
            max_session_bytes: 8 * 1024 * 1024,
            max_store_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Why the store refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Creating one more session would pass `max_sessions`.
    #[error("the mock already holds its limit of {limit} live sessions")]
    TooManySessions { limit: usize },
    /// Creating one more object would pass `max_objects_per_session`.
    #[error("this session already holds its limit of {limit} objects")]
    TooManyObjects { limit: usize },
    /// The new object would pass `max_session_bytes`.
    #[error("this session would pass its limit of {limit} bytes of objects")]
    SessionFull { limit: usize },
    /// The new object would pass `max_store_bytes`.
    #[error("the mock would pass its limit of {limit} bytes of objects in all sessions")]
    StoreFull { limit: usize },
    /// The shared store (Redis) did not answer; nothing was changed.
    #[error("the session store (Redis) is unavailable: {reason}")]
    Unavailable { reason: String },
}

/// What a builder closure returns: the new object's JSON (which must carry
/// the ID it was given) and whether it is degraded (QLT-001).
#[derive(Debug)]
pub struct BuiltObject {
    /// The response body, exactly as the client will see it: UTF-8 JSON.
    pub json: Vec<u8>,
    /// Whether downstream steps inherit degradation from this object.
    pub degraded: bool,
}

/// What the pipeline's rules need to know of an object of a session.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRef {
    /// The object's kind.
    pub kind: ObjectKind,
    /// Whether the object is degraded.
    pub degraded: bool,
}

/// Read access to the objects of the session a request works in.
pub struct SessionObjects<'a> {
    view: &'a dyn ObjectLookup,
}

/// Where a build reads a session's objects from: the in-memory store's
/// session under its shard's lock, or what a shared store fetched before
/// the build (IDs it did not fetch are recorded, so that the build can be
/// run again once they are).
pub(super) trait ObjectLookup {
    /// The object with this ID, if it belongs to the session.
    fn get(&self, id: &str) -> Option<ObjectRef>;
}

impl<'a> SessionObjects<'a> {
    pub(super) fn new(view: &'a dyn ObjectLookup) -> Self {
        Self { view }
    }

    /// The object with this ID, if it belongs to the session (SESS-005).
    pub fn get(&self, id: &str) -> Option<ObjectRef> {
        self.view.get(id)
    }
}

/// Counters for `/__admin/stats` and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    /// Sessions currently held (expired ones until the sweeper removes them).
    pub live_sessions: usize,
    /// Objects currently held across all sessions.
    pub live_objects: usize,
}

/// A live session as the admin inspector lists it.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub key: SessionKey,
    pub objects: usize,
    /// Since its last request.
    pub idle: Duration,
    /// Until it expires, unless used again.
    pub expires_in: Duration,
}

/// One object as the admin inspector shows it.
#[derive(Debug, Clone)]
pub struct InspectedObject {
    pub id: String,
    pub kind: ObjectKind,
    /// Whether steps that use it inherit degradation.
    pub degraded: bool,
    /// Its JSON, as the response that announced it carried it.
    pub json: serde_json::Value,
    pub created: SystemTime,
}

//! The shared store: sessions in a Redis that any number of replicas use,
//! so that a fleet behind a load balancer with no affinity behaves as one
//! mock, and a replica's restart loses nothing.
//!
//! Every step is one call of one Lua script (`script.lua`), which Redis runs
//! atomically: a creation checks the limits, stores the object, appends it
//! to the log and renews the session in one step, so concurrent creations
//! on one session through several replicas lose nothing, and the log keeps
//! the order in which they took effect. Expiry uses stored deadlines read
//! against Redis's clock plus a shared offset, so `/__admin/clock/advance`
//! moves every replica's clock at once.
//!
//! IDs stay unique across replicas (ID-002) and unguessable (ID-003): the
//! fleet shares one cipher key, kept in Redis, and each replica numbers
//! its objects from its own range of the cipher's input, claimed once at
//! start (`replica << 40 | counter`).
//!
//! Redis's failures answer 503 ([`StoreError::Unavailable`]); redis-rs's
//! connection manager reconnects by itself, and a creation is one atomic
//! script, so nothing is ever half written.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;

mod call;
mod heads;
mod reply;
mod url;

use heads::Heads;
use reply::{
    first_word, int, malformed, number_at, parse_head, record_head, strings, unavailable, Record,
};
pub use url::StoreUrl;

use super::fetched::Fetched;
use super::log::{self, LogEntry};
use super::model::{
    BuiltObject, InspectedObject, ObjectRef, SessionKey, SessionObjects, SessionSummary,
    StoreError, StoreLimits, StoreStats,
};
use pizzastack_spec::ids::{IdCipher, ObjectId, ObjectKind};

/// Keys of this mock in Redis begin with this.
const PREFIX: &str = "pizzastack:";

/// Sessions the sweeper removes per script call.
const SWEEP_BATCH: usize = 512;

/// How often each replica's sweeper looks for expired sessions.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Creations retried after another creation changed the session under
/// them; only the ID-002 deviation and a session that expired between two
/// round trips cause that.
const MAX_ATTEMPTS: usize = 100;

/// Bits of a replica's counter in the cipher's input; the replica number
/// takes the bits above, up to the cipher's 62.
const COUNTER_BITS: u32 = 40;

/// The cipher tweak the ID-002 deviation numbers every session with, by
/// the object's position in its session; others use [`FLEET_TWEAK`].
const SHARED_ID_TWEAK: u64 = 1;
const FLEET_TWEAK: u64 = 0;

static SCRIPT: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("script.lua")));

/// Sessions in Redis. Cheap to share: the connection manager multiplexes
/// every request of the replica over one connection.
pub struct RedisStore {
    url: StoreUrl,
    connection: ConnectionManager,
    limits: StoreLimits,
    /// This replica's TTL in milliseconds (SESS-007; SESS-006's deviation
    /// changes it at run time).
    ttl_ms: AtomicU64,
    /// Each accepted key's fingerprint, by key index: sessions are filed
    /// under it, so replicas agree whatever order their keys are given in.
    key_tags: Vec<String>,
    /// The fleet's cipher and this replica's number, fetched on first use,
    /// so that the mock starts while Redis is down.
    fleet: tokio::sync::OnceCell<Fleet>,
    counter: AtomicU64,
    shared_id_tweak: AtomicBool,
    /// Whether the last call failed, so that an outage is logged once when
    /// it begins and once when it ends, not once per request.
    down: AtomicBool,
    /// Objects this replica has made or read, so that a creation that
    /// uses them needs no round trip to look them up first.
    heads: Heads,
}

struct Fleet {
    ids: IdCipher,
    replica: u64,
}

impl RedisStore {
    /// A store in the Redis at `url`, for these API keys (by index). It
    /// connects on first use, so this succeeds while Redis is down.
    ///
    /// # Errors
    /// An address redis-rs cannot use.
    pub fn new(
        url: StoreUrl,
        api_keys: &[String],
        ttl: Duration,
        limits: StoreLimits,
    ) -> Result<Self, StoreError> {
        let client = redis::Client::open(url.as_given()).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(Self {
            url,
            connection,
            limits,
            ttl_ms: AtomicU64::new(millis(ttl)),
            key_tags: api_keys.iter().map(|key| key_fingerprint(key)).collect(),
            fleet: tokio::sync::OnceCell::new(),
            counter: AtomicU64::new(0),
            shared_id_tweak: AtomicBool::new(false),
            down: AtomicBool::new(false),
            heads: Heads::default(),
        })
    }

    /// The address, password masked.
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// Checks that Redis answers, and claims this replica's ID range.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] while Redis is unreachable.
    pub async fn connect(&self) -> Result<(), StoreError> {
        self.fleet().await.map(|_| ())
    }

    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(millis(ttl), Ordering::Relaxed);
    }

    pub fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed))
    }

    pub fn share_id_tweak(&self, on: bool) {
        self.shared_id_tweak.store(on, Ordering::Relaxed);
    }

    /// Creates the session if new and renews it: a fetch of no object.
    pub async fn touch(&self, key: &SessionKey) -> Result<(), StoreError> {
        self.fetch(&self.tag(key), &[], &mut Fetched::default())
            .await
            .map(|_| ())
    }

    /// Whether the session exists and has not expired, without renewing it.
    pub async fn exists(&self, key: &SessionKey) -> Result<bool, StoreError> {
        let reply = self
            .call("exists", |cmd| {
                cmd.arg(self.tag(key));
            })
            .await?;
        Ok(matches!(reply, Value::Int(1)))
    }

    /// Creates one object as [`super::SessionStore::create`] does; `build`
    /// may run more than once (see `fetched.rs`) and must not have effects.
    pub async fn create<T, E: From<StoreError>>(
        &self,
        key: &SessionKey,
        kind: ObjectKind,
        build: impl Fn(&SessionObjects<'_>, &str) -> Result<(BuiltObject, T), E>,
    ) -> Result<(Bytes, T), E> {
        let fleet = self.fleet().await?;
        let tag = self.tag(key);
        let shared = self.shared_id_tweak.load(Ordering::Relaxed);
        let mut fetched = Fetched::default();
        // The session's object count at the last fetch, and whether a round
        // trip has begun or renewed the session yet.
        let mut count: Option<u64> = None;
        let mut touched = false;
        let mut own_id = None;
        for _ in 0..MAX_ATTEMPTS {
            if shared && count.is_none() {
                count = Some(self.fetch(&tag, &[], &mut fetched).await?);
                touched = true;
            }
            let id = match (shared, count) {
                (true, Some(n)) => ObjectId::from_parts(kind, fleet.ids.number(SHARED_ID_TWEAK, n)),
                _ => *own_id.get_or_insert_with(|| self.own_id(fleet, kind)),
            };
            let id_text = id.text();
            let built = build(&fetched.objects(), &id_text);
            let missed = fetched.take_missed();
            if !missed.is_empty() {
                // Built on stand-ins: learn the real objects and build again.
                let unknown = self.heads.recall(&tag, missed, &mut fetched);
                if !unknown.is_empty() {
                    count = Some(self.fetch(&tag, &unknown, &mut fetched).await?);
                    touched = true;
                }
                continue;
            }
            let (built, made) = match built {
                Ok(built) => built,
                Err(refused) if touched && !fetched.any_remembered() => return Err(refused),
                Err(_) => {
                    // Refused on what this replica remembered, or before the
                    // session was begun and renewed: read it all again, so
                    // that the refusal is the one Redis's state calls for.
                    count = Some(self.reread(&tag, &mut fetched).await?);
                    touched = true;
                    continue;
                }
            };
            let head = record_head(kind, built.degraded);
            let expected_count = match (shared, count) {
                (true, Some(n)) => n.to_string(),
                _ => String::new(),
            };
            let reply = self
                .commit(
                    &tag,
                    &expected_count,
                    &id_text,
                    &head,
                    &built.json,
                    &assumptions(&fetched),
                )
                .await?;
            if first_word(&reply) == Some("conflict") {
                self.heads.forget_session(&tag);
                count = Some(self.reread(&tag, &mut fetched).await?);
                touched = true;
                continue;
            }
            if let Some(refused) = self.refusal(&reply) {
                return Err(refused.into());
            }
            self.heads.remember(
                &tag,
                &id_text,
                ObjectRef {
                    kind,
                    degraded: built.degraded,
                },
            );
            return Ok((Bytes::from(built.json), made));
        }
        Err(StoreError::Unavailable {
            reason: format!("{MAX_ATTEMPTS} attempts to create an object collided with others"),
        }
        .into())
    }

    /// Forgets what the build saw and reads every object it looked at
    /// again, in one round trip; returns the session's object count.
    /// An ID of this replica's own: its number in the fleet and a counter,
    /// so that no two replicas give out the same one.
    fn own_id(&self, fleet: &Fleet, kind: ObjectKind) -> ObjectId {
        let counter = self.counter.fetch_add(1, Ordering::Relaxed);
        let input = fleet.replica << COUNTER_BITS | counter;
        ObjectId::from_parts(kind, fleet.ids.number(FLEET_TWEAK, input))
    }

    /// The script's commit of one built object: the session's limits, the
    /// object count the ID was drawn from (shared IDs), the object, and
    /// every object the build assumed, for Redis to check.
    async fn commit(
        &self,
        tag: &str,
        expected_count: &str,
        id: &str,
        head: &str,
        json: &[u8],
        assumed: &[(String, String)],
    ) -> Result<Value, StoreError> {
        self.call("commit", |cmd| {
            cmd.arg(tag)
                .arg(self.ttl_ms())
                .arg(self.limits.max_sessions)
                .arg(self.limits.max_objects_per_session)
                .arg(self.limits.max_session_bytes)
                .arg(self.limits.max_store_bytes)
                .arg(expected_count)
                .arg(id)
                .arg(head)
                .arg(json);
            for (id, head) in assumed {
                cmd.arg(id).arg(head);
            }
        })
        .await
    }

    async fn reread(&self, tag: &str, fetched: &mut Fetched) -> Result<u64, StoreError> {
        let ids = fetched.ids();
        fetched.clear();
        self.fetch(tag, &ids, fetched).await
    }

    /// One round trip: begins or renews the session, and learns what it
    /// holds under `ids` (remembering what it finds). Returns its object
    /// count.
    async fn fetch(
        &self,
        tag: &str,
        ids: &[Box<str>],
        fetched: &mut Fetched,
    ) -> Result<u64, StoreError> {
        let reply = self
            .call("fetch", |cmd| {
                cmd.arg(tag)
                    .arg(self.ttl_ms())
                    .arg(self.limits.max_sessions);
                for id in ids {
                    cmd.arg(&**id);
                }
            })
            .await?;
        if let Some(refused) = self.refusal(&reply) {
            return Err(refused);
        }
        let items = strings(&reply);
        let count = number_at(&items, 1, "fetch")?;
        for (id, head) in ids.iter().zip(items.iter().skip(2)) {
            let object = parse_head(head.as_bytes());
            match object {
                Some(object) => self.heads.remember(tag, id, object),
                None => self.heads.forget(tag, id),
            }
            fetched.learn(id.clone(), object);
        }
        Ok(count)
    }

    /// The session log as JSON, renewing the session; `None` if it is
    /// unknown or expired.
    pub async fn log_json(&self, key: &SessionKey) -> Result<Option<Bytes>, StoreError> {
        let Some(records) = self.records(key, true).await? else {
            return Ok(None);
        };
        let entries = records.iter().map(|(id, record)| LogEntry {
            json: record.json(),
            id: *id,
            created_ms: record.created_ms,
        });
        Ok(Some(Bytes::from(log::render(&key.session_id, entries))))
    }

    /// A live session's objects for the inspector, without renewing it.
    pub async fn inspect(
        &self,
        key: &SessionKey,
    ) -> Result<Option<Vec<InspectedObject>>, StoreError> {
        let Some(records) = self.records(key, false).await? else {
            return Ok(None);
        };
        Ok(Some(
            records
                .iter()
                .map(|(id, record)| InspectedObject {
                    id: id.text().as_str().to_owned(),
                    kind: id.kind(),
                    degraded: record.degraded,
                    json: serde_json::from_slice(record.json()).unwrap_or_default(),
                    created: SystemTime::UNIX_EPOCH + Duration::from_millis(record.created_ms),
                })
                .collect(),
        ))
    }

    async fn records(
        &self,
        key: &SessionKey,
        renew: bool,
    ) -> Result<Option<Vec<(ObjectId, Record)>>, StoreError> {
        let reply = self
            .call("log", |cmd| {
                cmd.arg(self.tag(key));
                if renew {
                    cmd.arg(self.ttl_ms());
                } else {
                    cmd.arg("");
                }
            })
            .await?;
        let Value::Array(items) = reply else {
            return Ok(None);
        };
        let mut records = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(Value::BulkString(id)), Some(Value::BulkString(record))) =
            (items.next(), items.next())
        {
            let id = std::str::from_utf8(&id)
                .ok()
                .and_then(ObjectId::parse)
                .ok_or_else(|| malformed("log"))?;
            records.push((id, Record::parse(record).ok_or_else(|| malformed("log"))?));
        }
        Ok(Some(records))
    }

    /// The live sessions, latest deadline first, at most `limit`.
    pub async fn sessions(&self, limit: usize) -> Result<Vec<SessionSummary>, StoreError> {
        let reply = self
            .call("sessions", |cmd| {
                cmd.arg(limit);
            })
            .await?;
        let items = strings(&reply);
        let Some(now) = items.first().and_then(|n| n.parse::<u64>().ok()) else {
            return Err(malformed("sessions"));
        };
        let mut sessions = Vec::new();
        for item in items[1..].chunks_exact(4) {
            let [tag, deadline, objects, seen] = item else {
                continue;
            };
            let Some(key) = self.key_of(tag) else {
                continue;
            };
            let number = |text: &str| text.parse::<f64>().unwrap_or(0.0) as u64;
            sessions.push(SessionSummary {
                key,
                objects: number(objects) as usize,
                idle: Duration::from_millis(now.saturating_sub(number(seen))),
                expires_in: Duration::from_millis(number(deadline).saturating_sub(now)),
            });
        }
        sessions.sort_by_key(|s| s.idle);
        Ok(sessions)
    }

    /// Removes every session of the fleet.
    pub async fn reset(&self) -> Result<usize, StoreError> {
        let reply = self.call("reset", |_| {}).await?;
        Ok(int(&reply) as usize)
    }

    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let reply = self.call("stats", |_| {}).await?;
        let Value::Array(items) = &reply else {
            return Err(malformed("stats"));
        };
        Ok(StoreStats {
            live_sessions: items.first().map_or(0, int) as usize,
            live_objects: items.get(1).map_or(0, int) as usize,
        })
    }

    /// Moves the fleet's clock forward; returns the total offset and the
    /// new time.
    pub async fn advance_clock(&self, by: Duration) -> Result<(Duration, SystemTime), StoreError> {
        let reply = self
            .call("advance", |cmd| {
                cmd.arg(millis(by));
            })
            .await?;
        let items = strings(&reply);
        Ok((
            Duration::from_millis(number_at(&items, 0, "advance")?),
            SystemTime::UNIX_EPOCH + Duration::from_millis(number_at(&items, 1, "advance")?),
        ))
    }

    /// Removes every session whose deadline has passed; how many.
    pub async fn sweep_expired(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        loop {
            let reply = self
                .call("sweep", |cmd| {
                    cmd.arg(SWEEP_BATCH);
                })
                .await?;
            let count = int(&reply) as usize;
            removed += count;
            if count < SWEEP_BATCH {
                return Ok(removed);
            }
        }
    }

    /// Runs forever: each replica sweeps every second (any of them may
    /// remove any expired session; the script makes that safe).
    pub async fn run_sweeper(self: std::sync::Arc<Self>) {
        loop {
            // An outage is logged by `call`; the sweeper just tries again.
            let _ = self.sweep_expired().await;
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    }

    async fn fleet(&self) -> Result<&Fleet, StoreError> {
        self.fleet
            .get_or_try_init(|| async {
                let proposed: (u64, u64) = rand::random();
                let reply = self
                    .call("init", |cmd| {
                        cmd.arg(proposed.0).arg(proposed.1);
                    })
                    .await?;
                let items = strings(&reply);
                let number = |i: usize| number_at(&items, i, "init");
                let replica = number(2)?;
                if replica >= 1 << (62 - COUNTER_BITS) {
                    return Err(StoreError::Unavailable {
                        reason: "this Redis has numbered over four million replicas; \
                                 delete the key pizzastack:cfg to start again"
                            .to_owned(),
                    });
                }
                Ok(Fleet {
                    ids: IdCipher::with_key((number(0)?, number(1)?)),
                    replica,
                })
            })
            .await
    }

    fn ttl_ms(&self) -> u64 {
        self.ttl_ms.load(Ordering::Relaxed)
    }

    fn tag(&self, key: &SessionKey) -> String {
        let fingerprint = self
            .key_tags
            .get(usize::from(key.api_key))
            .map_or("unknown", String::as_str);
        format!("{fingerprint}:{}", key.session_id)
    }

    fn key_of(&self, tag: &str) -> Option<SessionKey> {
        let (fingerprint, session_id) = tag.split_once(':')?;
        let index = self.key_tags.iter().position(|t| t == fingerprint)?;
        Some(SessionKey {
            api_key: u16::try_from(index).ok()?,
            session_id: session_id.into(),
        })
    }
}

/// A stable fingerprint of an API key, so that every replica files a key's
/// sessions under one name without Redis ever holding the key itself.
fn key_fingerprint(key: &str) -> String {
    use std::hash::Hasher;
    // A fixed key: the fingerprint must agree across processes; it only
    // needs to tell keys apart.
    let mut hasher = siphasher::sip128::SipHasher13::new_with_keys(0x7069_7a7a_6173, 0x7461_636b);
    hasher.write(key.as_bytes());
    format!(
        "{:032x}",
        siphasher::sip128::Hasher128::finish128(&hasher).as_u128()
    )
}

/// Every object a build assumed, with the head Redis must hold for it (an
/// empty one for an ID the session must not have), for the commit to check.
fn assumptions(fetched: &Fetched) -> Vec<(String, String)> {
    fetched
        .assumptions()
        .map(|(id, object)| {
            let head = object.map_or(String::new(), |o| record_head(o.kind, o.degraded));
            (id.to_owned(), head)
        })
        .collect()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_keys_apart_and_agree_across_runs() {
        assert_eq!(key_fingerprint("a"), key_fingerprint("a"));
        assert_ne!(key_fingerprint("a"), key_fingerprint("b"));
        assert_eq!(key_fingerprint("a").len(), 32);
    }
}

//! Unit tests of the session store: creation, lookup, limits, expiry and
//! the sweeper, with the clock moved by hand.

use super::sweep::SWEEP_BATCH;
use super::*;

fn store(ttl_secs: u64, limits: StoreLimits) -> SessionStore {
    SessionStore::new(
        Arc::new(Clock::new()),
        Duration::from_secs(ttl_secs),
        limits,
    )
}

fn key(id: &str) -> SessionKey {
    SessionKey {
        api_key: 0,
        session_id: id.into(),
    }
}

fn add(store: &SessionStore, key: &SessionKey) -> Result<Bytes, StoreError> {
    let built = store.create(key.clone(), ObjectKind::Raw, |_, id| {
        let json = format!("{{\"id\":\"{id}\",\"type\":\"raw\"}}").into_bytes();
        Ok((
            BuiltObject {
                json,
                degraded: false,
            },
            (),
        ))
    });
    built.map(|(json, ())| json)
}

#[test]
fn the_sweeper_removes_only_sessions_whose_deadline_passed() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("old")).unwrap();
    store.clock().advance(Duration::from_secs(30));
    add(&store, &key("young")).unwrap();
    store.clock().advance(Duration::from_secs(31));
    assert_eq!(store.sweep_expired(), 1);
    assert_eq!(
        store.stats(),
        StoreStats {
            live_sessions: 1,
            live_objects: 1
        }
    );
    assert!(store.log_json(&key("old")).is_none());
    assert!(store.log_json(&key("young")).is_some());
}

#[test]
fn a_renewed_session_survives_its_first_deadline() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("busy")).unwrap();
    store.clock().advance(Duration::from_secs(50));
    store.touch(key("busy")).unwrap();
    store.clock().advance(Duration::from_secs(50));
    assert_eq!(store.sweep_expired(), 0);
    assert!(store.log_json(&key("busy")).is_some());
    store.clock().advance(Duration::from_secs(61));
    assert_eq!(store.sweep_expired(), 1);
    assert_eq!(store.stats().live_sessions, 0);
}

#[test]
fn an_expired_session_is_gone_before_the_sweeper_runs() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("s")).unwrap();
    store.clock().advance(Duration::from_secs(60));
    assert!(store.log_json(&key("s")).is_none());
    assert_eq!(store.stats().live_objects, 0);
}

#[test]
fn an_expired_session_used_before_the_sweeper_runs_starts_over() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("s")).unwrap();
    add(&store, &key("s")).unwrap();
    store.clock().advance(Duration::from_secs(60));
    let before = store.clock().now();
    add(&store, &key("s")).unwrap();
    assert_eq!(
        store.stats(),
        StoreStats {
            live_sessions: 1,
            live_objects: 1
        }
    );
    let log: serde_json::Value =
        serde_json::from_slice(&store.log_json(&key("s")).unwrap()).unwrap();
    assert_eq!(log["objects"].as_array().map(Vec::len), Some(1));
    // Reading the log renewed the session too.
    let after = store.clock().now();
    // The new session is filed under its own deadline, and only once.
    let ttl = Duration::from_secs(60);
    let deadline = store.next_deadline().expect("filed");
    assert!((before + ttl..=after + ttl).contains(&deadline));
    store.clock().advance(Duration::from_secs(60));
    assert_eq!(store.sweep_expired(), 1);
    assert_eq!(store.next_deadline(), None);
    assert_eq!(store.stats(), StoreStats::default());
}

#[test]
fn sweeping_many_sessions_takes_several_batches_and_misses_none() {
    let store = store(
        1,
        StoreLimits {
            max_sessions: 10_000,
            ..StoreLimits::default()
        },
    );
    for i in 0..(SWEEP_BATCH * 3) {
        store.touch(key(&format!("s{i}"))).unwrap();
    }
    store.clock().advance(Duration::from_secs(2));
    assert_eq!(store.sweep_expired(), SWEEP_BATCH * 3);
    assert_eq!(store.next_deadline(), None);
}

#[test]
fn limits_refuse_new_sessions_and_objects() {
    let store = store(
        60,
        StoreLimits {
            max_sessions: 1,
            max_objects_per_session: 2,
            ..StoreLimits::default()
        },
    );
    add(&store, &key("a")).unwrap();
    add(&store, &key("a")).unwrap();
    assert_eq!(
        add(&store, &key("a")),
        Err(StoreError::TooManyObjects { limit: 2 })
    );
    assert_eq!(
        store.touch(key("b")),
        Err(StoreError::TooManySessions { limit: 1 })
    );
}

#[test]
fn a_failed_build_stores_nothing() {
    let store = store(60, StoreLimits::default());
    let result: Result<(Bytes, ()), StoreError> =
        store.create(key("a"), ObjectKind::Baked, |_, _| {
            Err(StoreError::TooManyObjects { limit: 0 })
        });
    assert!(result.is_err());
    assert_eq!(store.stats().live_objects, 0);
    let log = store.log_json(&key("a")).unwrap();
    assert_eq!(
        log,
        "{\"session_id\":\"a\",\"objects\":[],\"operations\":[]}"
    );
}

#[test]
fn reset_forgets_everything() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("a")).unwrap();
    store.reset();
    assert_eq!(
        store.stats(),
        StoreStats {
            live_sessions: 0,
            live_objects: 0
        }
    );
    assert!(store.log_json(&key("a")).is_none());
}

#[test]
fn objects_are_found_by_their_exact_id_only() {
    let store = store(60, StoreLimits::default());
    let json = add(&store, &key("a")).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let id = value["id"].as_str().unwrap().to_owned();
    let found = |id: &str| {
        let mut seen = None;
        let _: Result<(Bytes, ()), StoreError> = store.create(key("a"), ObjectKind::Raw, |o, _| {
            seen = Some(o.get(id).map(|r| r.kind));
            Err(StoreError::TooManyObjects { limit: 0 })
        });
        seen.flatten()
    };
    assert_eq!(found(&id), Some(ObjectKind::Raw));
    // The same random part under another prefix, or in capitals, or
    // with a character more, names nothing.
    assert_eq!(found(&id.replacen("tom_", "slc_", 1)), None);
    assert_eq!(found(&id.to_uppercase()), None);
    assert_eq!(found(&format!("{id}0")), None);
    assert_eq!(found("tom_000000000000"), None);
}

#[test]
fn sessions_begun_sharing_the_id_tweak_share_ids_and_keep_finding_their_own() {
    let store = store(60, StoreLimits::default());
    let id_of = |json: Bytes| {
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        value["id"].as_str().unwrap().to_owned()
    };
    let own = add(&store, &key("own")).map(id_of).unwrap();
    store.share_id_tweak(true);
    let a = add(&store, &key("a")).map(id_of).unwrap();
    let b = add(&store, &key("b")).map(id_of).unwrap();
    // A session keeps the tweak it began with, whatever the switch says now.
    let own_second = add(&store, &key("own")).map(id_of).unwrap();
    store.share_id_tweak(false);
    let a_second = add(&store, &key("a")).map(id_of).unwrap();
    let c = add(&store, &key("c")).map(id_of).unwrap();
    assert_eq!(a, b, "the first objects of sessions begun sharing");
    assert_ne!(a, own);
    assert_ne!(c, a, "a session begun after the switch is off");
    let ids = [&own, &a, &own_second, &a_second];
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    for (session, id) in [
        ("own", &own),
        ("own", &own_second),
        ("a", &a),
        ("a", &a_second),
    ] {
        let mut seen = None;
        let _: Result<(Bytes, ()), StoreError> =
            store.create(key(session), ObjectKind::Raw, |o, _| {
                seen = o.get(id).map(|r| r.kind);
                Err(StoreError::TooManyObjects { limit: 0 })
            });
        assert_eq!(seen, Some(ObjectKind::Raw), "{session} {id}");
    }
}

#[test]
fn a_ttl_set_longer_keeps_sessions_and_set_back_expires_them() {
    let store = store(60, StoreLimits::default());
    add(&store, &key("a")).unwrap();
    store.set_ttl(Duration::from_secs(1_000_000));
    store.clock().advance(Duration::from_secs(61));
    assert_eq!(store.sweep_expired(), 0);
    assert!(store.exists(&key("a")));
    store.set_ttl(Duration::from_secs(60));
    assert!(!store.exists(&key("a")), "judged by the TTL in force");
    assert!(store.log_json(&key("a")).is_none());
}

#[test]
fn an_id_of_one_session_names_nothing_in_another() {
    let store = store(60, StoreLimits::default());
    let json = add(&store, &key("a")).unwrap();
    add(&store, &key("b")).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let id = value["id"].as_str().unwrap();
    let mut seen = Some(ObjectKind::Raw);
    let _: Result<(Bytes, ()), StoreError> = store.create(key("b"), ObjectKind::Raw, |o, _| {
        seen = o.get(id).map(|r| r.kind);
        Err(StoreError::TooManyObjects { limit: 0 })
    });
    assert_eq!(seen, None);
}

#[test]
fn the_log_lists_each_object_with_its_operation() {
    let store = store(60, StoreLimits::default());
    let first = add(&store, &key("a")).unwrap();
    let second = add(&store, &key("a")).unwrap();
    let log: serde_json::Value =
        serde_json::from_slice(&store.log_json(&key("a")).unwrap()).unwrap();
    let ids: Vec<serde_json::Value> = [first, second]
        .iter()
        .map(|json| serde_json::from_slice::<serde_json::Value>(json).unwrap()["id"].clone())
        .collect();
    assert_eq!(log["objects"][0]["id"], ids[0]);
    assert_eq!(log["objects"][1]["id"], ids[1]);
    for (op, id) in log["operations"].as_array().unwrap().iter().zip(&ids) {
        assert_eq!(op["result_id"], *id);
        assert_eq!(op["endpoint"], "/v1/tomato/acquire");
        assert!(op["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(log["operations"].as_array().unwrap().len(), 2);
}

#[test]
fn byte_budgets_refuse_what_would_pass_them_and_free_with_the_session() {
    let size = add(&store(60, StoreLimits::default()), &key("probe"))
        .unwrap()
        .len();
    let store = store(
        60,
        StoreLimits {
            max_session_bytes: 2 * size,
            max_store_bytes: 3 * size,
            ..StoreLimits::default()
        },
    );
    add(&store, &key("a")).unwrap();
    add(&store, &key("a")).unwrap();
    assert_eq!(
        add(&store, &key("a")),
        Err(StoreError::SessionFull { limit: 2 * size })
    );
    add(&store, &key("b")).unwrap();
    assert_eq!(
        add(&store, &key("c")),
        Err(StoreError::StoreFull { limit: 3 * size })
    );
    // A refused object was never stored: the log holds what was accepted.
    let log: serde_json::Value =
        serde_json::from_slice(&store.log_json(&key("a")).unwrap()).unwrap();
    assert_eq!(log["objects"].as_array().map(Vec::len), Some(2));
    // Expired sessions give their bytes back (c began, empty, before its
    // object was refused).
    store.clock().advance(Duration::from_secs(61));
    assert_eq!(store.sweep_expired(), 3);
    add(&store, &key("c")).unwrap();
    add(&store, &key("c")).unwrap();
    add(&store, &key("d")).unwrap();
    // And so does a reset.
    store.reset();
    for session in ["e", "e", "f"] {
        add(&store, &key(session)).unwrap();
    }
}

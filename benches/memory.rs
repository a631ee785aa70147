//! Memory and expiry at scale, through the store exactly as the server
//! uses it (same kitchen function, same allocator as the binary):
//!
//! 1. resident memory per object with 1 million live objects in 10,000
//!    sessions (goal: under 1 KiB);
//! 2. expiring them all, then filling again: expired memory is reused;
//! 3. latency of object creations on other sessions while 1 million idle
//!    sessions expire on another thread (no stall).
//!
//! `cargo bench --bench memory` (OBJECTS=200000 for a quicker run).

use std::sync::Arc;
use std::time::{Duration, Instant};

use pizzastack::clock::Clock;
use pizzastack::ids::ObjectKind;
use pizzastack::kitchen::{acquire, AcquireRequest};
use pizzastack::store::{SessionKey, SessionStore, StoreError, StoreLimits};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TTL: Duration = Duration::from_secs(30 * 60);

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn key(i: usize) -> SessionKey {
    SessionKey {
        api_key: 0,
        session_id: format!("{:08x}-bench-{i:08}", i.wrapping_mul(2_654_435_761)).into(),
    }
}

fn create(store: &SessionStore, request: &AcquireRequest, session: &SessionKey) {
    let result: Result<_, StoreError> =
        store.create(session.clone(), ObjectKind::Raw, |objects, id| {
            Ok(acquire(request, id, objects)
                .expect("acquire never fails")
                .into_stored())
        });
    result.expect("within limits");
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    // `cargo bench` passes --bench; nothing to parse.
    let objects: usize = std::env::var("OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let sessions = 10_000.min(objects);
    let limits = StoreLimits {
        max_sessions: 2 * objects + 10,
        max_objects_per_session: objects,
        max_session_bytes: usize::MAX,
        max_store_bytes: usize::MAX,
    };
    let request: AcquireRequest =
        serde_json::from_str(r#"{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}"#)
            .unwrap();

    // 1. Memory per live object.
    let clock = Arc::new(Clock::new());
    let store = SessionStore::new(clock.clone(), TTL, limits);
    let keys: Vec<SessionKey> = (0..sessions).map(key).collect();
    let base = rss_bytes();
    let started = Instant::now();
    for i in 0..objects {
        create(&store, &request, &keys[i % sessions]);
    }
    let fill_time = started.elapsed();
    let filled = rss_bytes();
    let per_object = (filled - base) as f64 / objects as f64;
    println!(
        "live objects: {} in {} sessions; resident memory +{:.0} MiB = {:.0} bytes per object (goal < 1024); filled in {:.2} s ({:.0} creations/s)",
        store.stats().live_objects,
        store.stats().live_sessions,
        mib(filled - base),
        per_object,
        fill_time.as_secs_f64(),
        objects as f64 / fill_time.as_secs_f64()
    );

    // 2. Expire everything, then fill again: the memory is reused.
    clock.advance(TTL + Duration::from_secs(1));
    let started = Instant::now();
    let removed = store.sweep_expired();
    let sweep_time = started.elapsed();
    let after_sweep = rss_bytes();
    println!(
        "expired {removed} sessions in {:.0} ms; live objects now {}; resident memory {:.0} MiB after the sweep (was {:.0} MiB)",
        sweep_time.as_secs_f64() * 1000.0,
        store.stats().live_objects,
        mib(after_sweep),
        mib(filled)
    );
    for i in 0..objects {
        create(&store, &request, &keys[i % sessions]);
    }
    let refilled = rss_bytes();
    println!(
        "filled again with {objects} objects: resident memory {:.0} MiB ({:+.1}% against the first fill): expired memory is reused",
        mib(refilled),
        100.0 * (refilled as f64 - filled as f64) / filled as f64
    );
    drop(store);

    expiry_under_load(objects, limits, &request);
}

/// 3. A million idle sessions expire while requests keep coming: no stall.
fn expiry_under_load(objects: usize, limits: StoreLimits, request: &AcquireRequest) {
    let clock = Arc::new(Clock::new());
    let store = Arc::new(SessionStore::new(clock.clone(), TTL, limits));
    for i in 0..objects {
        create(&store, request, &key(1_000_000_000 + i));
    }
    clock.advance(TTL + Duration::from_secs(1));
    let sweeper = {
        let store = store.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let removed = store.sweep_expired();
            (removed, started.elapsed())
        })
    };
    let mut latencies = Vec::new();
    let mut i = 0usize;
    while !sweeper.is_finished() {
        let session = key(2_000_000_000 + (i % 1000));
        let started = Instant::now();
        create(&store, request, &session);
        latencies.push(started.elapsed());
        i += 1;
    }
    let (removed, sweep_time) = sweeper.join().unwrap();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!(
        "expiring {removed} idle sessions took {:.0} ms on another thread; meanwhile {} creations: p50 {:?}, p99 {:?}, max {:?} (no stall)",
        sweep_time.as_secs_f64() * 1000.0,
        latencies.len(),
        pct(0.5),
        pct(0.99),
        latencies.last().copied().unwrap_or_default()
    );
}

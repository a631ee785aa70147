//! Several replicas on one Redis (`serve --store`): behind a round-robin
//! balancer with no affinity they behave as one mock, a replica's restart
//! loses nothing, and Redis's outage answers 503 and then recovers. Each
//! test starts its own `redis-server` (Debian's package) on a free
//! loopback port.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pizzastack::config::ServeConfig;
use pizzastack::runner::CaseStatus;
use pizzastack::store::StoreLimits;
use serde_json::json;

use crate::helpers::*;

mod support;
use support::*;

/// Two replicas of `config` on one Redis behind a round-robin balancer.
async fn fleet(config: ServeConfig) -> (Vec<Replica>, RoundRobin) {
    let replicas = vec![
        Replica::start(config.clone()).await,
        Replica::start(config).await,
    ];
    let addrs: Vec<SocketAddr> = replicas.iter().map(|r| r.addr).collect();
    let balancer = RoundRobin::over(&addrs).await;
    (replicas, balancer)
}

fn suite_target_at(app: &TestApp) -> pizzastack::runner::Target {
    pizzastack::runner::Target {
        base_url: app.url(""),
        api_key: KEY.to_owned(),
        other_api_key: Some(OTHER_KEY.to_owned()),
        timeout: Duration::from_secs(10),
        expiry: pizzastack::runner::Expiry::AdminClock {
            ttl: pizzastack::config::DEFAULT_SESSION_TTL,
        },
        max_body: pizzastack::runner::DEFAULT_MAX_BODY,
        variables: Default::default(),
        waits: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_suite_passes_against_two_replicas_on_one_redis_without_affinity() {
    let Some(redis) = Redis::start("the_whole_suite_passes_against_two_replicas") else {
        return;
    };
    let (_replicas, balancer) = fleet(replica_config(&redis)).await;
    let outcomes = run_suite_against(&suite_target_at(&balancer.app)).await;
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.status != CaseStatus::Passed)
        .map(|o| format!("{}: {:#?}", o.id, o.steps.last()))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let counts: Vec<usize> = balancer
        .counts
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    assert!(
        counts.iter().all(|&c| c > 100),
        "both replicas served the suite: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_teeth_bite_through_a_fleet_every_deviation_is_caught() {
    let Some(redis) = Redis::start("the_teeth_bite_through_a_fleet") else {
        return;
    };
    let missed = crate::suite::teeth::deviations_missed(|rule| {
        let mut config = replica_config(&redis);
        config.deviations = vec![rule.to_owned()];
        async move {
            // Each deviation on a clean store: the last one's sessions
            // must not leak into this one's cases.
            let (replicas, balancer) = fleet(config).await;
            let reset = balancer
                .app
                .send(reqwest::Method::POST, "/__admin/reset", &[], None)
                .await;
            assert_eq!(reset.status, 200, "{}", reset.text);
            let target = suite_target_at(&balancer.app);
            (target, (replicas, balancer))
        }
    })
    .await;
    assert!(
        missed.is_empty(),
        "deviations no case noticed through the fleet:\n{}",
        missed.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_on_one_session_through_both_replicas_lose_nothing() {
    let Some(redis) = Redis::start("concurrent_creations_through_both_replicas") else {
        return;
    };
    let (_replicas, balancer) = fleet(replica_config(&redis)).await;
    let app = Arc::new(balancer.app);
    let session = new_session();
    // Tomatoes to slice, so that half the creations read objects made
    // through the other replica.
    let mut tomatoes = Vec::new();
    for _ in 0..4 {
        tomatoes.push(app.acquire(&session).await);
    }
    let requests = 400;
    let mut tasks = Vec::new();
    for i in 0..requests {
        let (app, session, tomato) = (app.clone(), session.clone(), tomatoes[i % 4].clone());
        tasks.push(tokio::spawn(async move {
            let reply = if i % 2 == 0 {
                try_acquire(&app, &session).await
            } else {
                app.post(
                    "/v1/tomato/slice",
                    &session,
                    json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"}),
                )
                .await
            };
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.id()
        }));
    }
    let mut created: HashSet<String> = tomatoes.iter().cloned().collect();
    for task in tasks {
        assert!(created.insert(task.await.unwrap()), "IDs are unique");
    }
    let log = app.log(&session).await;
    let objects = log.body["objects"].as_array().unwrap();
    let operations = log.body["operations"].as_array().unwrap();
    assert_eq!(objects.len(), requests + 4, "no object lost");
    assert_eq!(operations.len(), requests + 4, "no operation lost");
    let logged: HashSet<String> = objects
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(logged, created);
    let mut previous = String::new();
    for (object, operation) in objects.iter().zip(operations) {
        assert_eq!(object["id"], operation["result_id"], "one order for both");
        let at = operation["timestamp"].as_str().unwrap().to_owned();
        assert!(
            at >= previous,
            "the log keeps the order creations took effect"
        );
        previous = at;
    }
    assert_eq!(app.stats().await["live_objects"], requests + 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_and_restarted_mid_session_loses_nothing() {
    let Some(redis) = Redis::start("a_replica_killed_and_restarted_mid_session") else {
        return;
    };
    let config = replica_config(&redis);
    let first = Replica::start(config.clone()).await;
    let app = direct(&first);
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let before = app.log(&session).await.text;
    drop(first);
    // The old replica is gone: its port answers nothing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(app.addr).await.is_ok() {
        assert!(Instant::now() < deadline, "the replica stopped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = Replica::start(config).await;
    let app = TestApp {
        addr: second.addr,
        client: app.client,
    };
    assert_eq!(app.log(&session).await.text, before, "the log survived");
    let slice = app.slice(&session, &tomato).await;
    let log = app.log(&session).await;
    let ids: Vec<&str> = log.body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [tomato.as_str(), slice.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_stopped_answers_503_and_the_fleet_recovers_when_it_is_back() {
    let Some(mut redis) = Redis::start("redis_stopped_answers_503") else {
        return;
    };
    let (_replicas, balancer) = fleet(replica_config(&redis)).await;
    let app = &balancer.app;
    let session = new_session();
    app.acquire(&session).await;
    redis.stop();
    for _ in 0..4 {
        let reply = try_acquire(app, &session).await;
        assert_eq!(reply.status, 503, "{}", reply.text);
        assert_eq!(reply.headers["retry-after"], "1");
        assert!(
            reply
                .error()
                .contains("session store (Redis) is unavailable")
                && reply.error().contains("nothing was changed"),
            "{}",
            reply.text
        );
        assert_eq!(app.log(&session).await.status, 503);
    }
    redis.restart();
    // The connection manager reconnects by itself, within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(20);
    let session = new_session();
    loop {
        let reply = try_acquire(app, &session).await;
        if reply.status == 200 {
            break;
        }
        assert_eq!(reply.status, 503, "{}", reply.text);
        assert!(Instant::now() < deadline, "the fleet recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both replicas are back, whichever the balancer picks.
    for _ in 0..4 {
        assert_eq!(app.log(&session).await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_starts_while_redis_is_down_and_serves_once_it_is_up() {
    let Some(mut redis) = Redis::start("a_replica_starts_while_redis_is_down") else {
        return;
    };
    redis.stop();
    let replica = Replica::start(replica_config(&redis)).await;
    let app = direct(&replica);
    let session = new_session();
    let reply = try_acquire(&app, &session).await;
    assert_eq!(reply.status, 503, "{}", reply.text);
    let health = app.send(reqwest::Method::GET, "/healthz", &[], None).await;
    assert_eq!(health.status, 200, "what needs no store still answers");
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.log(&session).await.status == 503 {
        assert!(Instant::now() < deadline, "the replica connected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.acquire(&session).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_own_their_sessions_across_replicas_whatever_order_each_lists_them_in() {
    let Some(redis) = Redis::start("keys_own_their_sessions_across_replicas") else {
        return;
    };
    let first = Replica::start(replica_config(&redis)).await;
    let second = Replica::start(ServeConfig {
        api_keys: vec![OTHER_KEY.into(), KEY.into()],
        ..replica_config(&redis)
    })
    .await;
    let (a, b) = (direct(&first), direct(&second));
    let session = new_session();
    let tomato = a.acquire(&session).await;
    assert_eq!(b.log(&session).await.status, 200, "the same key's session");
    assert_eq!(b.log_as(OTHER_KEY, &session).await.status, 404, "AUTH-003");
    b.slice(&session, &tomato).await;
}

/// Two replicas on `redis`, and a client of each.
async fn two_replicas(redis: &Redis) -> (Vec<Replica>, TestApp, TestApp) {
    let config = replica_config(redis);
    let replicas = vec![
        Replica::start(config.clone()).await,
        Replica::start(config).await,
    ];
    let (a, b) = (direct(&replicas[0]), direct(&replicas[1]));
    (replicas, a, b)
}

/// Two replicas with these limits behind the balancer.
async fn limited_fleet(redis: &Redis, limits: StoreLimits) -> (Vec<Replica>, RoundRobin) {
    fleet(ServeConfig {
        limits,
        ..replica_config(redis)
    })
    .await
}

/// An acquire's answer, whatever its status.
async fn try_acquire(app: &TestApp, session: &str) -> Reply {
    let body = json!({"variety": "Roma", "ripeness": 0.5, "weight": 100});
    app.post("/v1/tomato/acquire", session, body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_hold_fleet_wide() {
    let Some(redis) = Redis::start("limits_hold_fleet_wide") else {
        return;
    };
    let limits = StoreLimits {
        max_sessions: 3,
        max_objects_per_session: 3,
        ..StoreLimits::default()
    };
    let (_replicas, balancer) = limited_fleet(&redis, limits).await;
    let app = &balancer.app;
    let session = new_session();
    for _ in 0..3 {
        app.acquire(&session).await;
    }
    let reply = try_acquire(app, &session).await;
    assert_eq!(reply.status, 429, "{}", reply.text);
    app.acquire(&new_session()).await;
    app.acquire(&new_session()).await;
    let reply = try_acquire(app, &new_session()).await;
    assert_eq!(reply.status, 429, "the fourth session: {}", reply.text);
    assert_eq!(app.stats().await["live_sessions"], 3);
    // Expiry through one replica frees room for the whole fleet.
    app.advance("31m").await;
    assert_eq!(app.stats().await["live_sessions"], 0);
    app.acquire(&new_session()).await;

    // Bytes: an acquire answer is ~180 bytes, so two fit in a session and
    // four in all.
    let limits = StoreLimits {
        max_session_bytes: 400,
        max_store_bytes: 800,
        ..StoreLimits::default()
    };
    let (_replicas, balancer) = limited_fleet(&redis, limits).await;
    let app = &balancer.app;
    app.send(reqwest::Method::POST, "/__admin/reset", &[], None)
        .await;
    let (first, second) = (new_session(), new_session());
    app.acquire(&first).await;
    app.acquire(&first).await;
    let full = try_acquire(app, &first).await;
    assert_eq!(full.status, 429, "{}", full.text);
    assert!(full.error().contains("400 bytes"), "{}", full.text);
    app.acquire(&second).await;
    app.acquire(&second).await;
    let full = try_acquire(app, &new_session()).await;
    assert_eq!(full.status, 429, "{}", full.text);
    assert!(full.error().contains("800 bytes"), "{}", full.text);
    assert_eq!(app.stats().await["live_objects"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_replica_remembers_never_outlives_the_session_another_replica_ended() {
    let Some(redis) = Redis::start("what_a_replica_remembers_never_outlives") else {
        return;
    };
    let (_replicas, a, b) = two_replicas(&redis).await;
    let session = new_session();
    // The first replica makes (and remembers) a tomato and a base.
    let tomato = a.acquire(&session).await;
    let base = a.base(&session).await;
    let reset = b
        .send(reqwest::Method::POST, "/__admin/reset", &[], None)
        .await;
    assert_eq!(reset.status, 200);
    // A refusal it would judge on what it remembers: a base is no pizza
    // to bake, but an unknown ID is reported before any type rule (ERR-004).
    let bake = a
        .post("/v1/pizza/bake", &session, json!({"pizza_id": base}))
        .await;
    assert_eq!(bake.status, 400, "{}", bake.text);
    assert_eq!(bake.error(), "Object not found in session");
    // A creation that would succeed on what it remembers of the tomato
    // (SESS-005): the commit finds the session no longer holds it.
    let slice = a
        .post(
            "/v1/tomato/slice",
            &session,
            json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"}),
        )
        .await;
    assert_eq!(slice.status, 400, "{}", slice.text);
    assert_eq!(slice.error(), "Object not found in session");
    let log = a.log(&session).await;
    assert_eq!(log.body["objects"], json!([]), "nothing was made from them");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_answers_say_whether_they_act_on_the_fleet_or_on_one_replica() {
    let Some(redis) = Redis::start("admin_answers_say_their_scope") else {
        return;
    };
    let (_replicas, a, b) = two_replicas(&redis).await;
    let scope = |reply: &Reply| {
        reply
            .headers
            .get("x-pizzastack-scope")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let stats = a
        .send(reqwest::Method::GET, "/__admin/stats", &[], None)
        .await;
    assert_eq!(scope(&stats).as_deref(), Some("fleet"));
    let switched = a
        .send(
            reqwest::Method::PUT,
            "/__admin/deviations",
            &[("Content-Type", "application/json")],
            Some(json!({"rules": ["SESS-005"]}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert_eq!(scope(&switched).as_deref(), Some("replica"));
    // As it says: the other replica still keeps the rule.
    let other = b
        .send(reqwest::Method::GET, "/__admin/deviations", &[], None)
        .await;
    assert_eq!(other.body["active"], json!([]), "{}", other.text);
    assert_eq!(scope(&other).as_deref(), Some("replica"));
    let session = new_session();
    let unknown = json!({"tomato_ids": ["tom_000000000000"], "method": "dice", "size": "medium", "consistency": "uniform"});
    assert_eq!(
        a.post("/v1/tomato/slice", &session, unknown.clone())
            .await
            .status,
        404
    );
    assert_eq!(
        b.post("/v1/tomato/slice", &session, unknown).await.status,
        400
    );
    // The inspector lists the fleet's sessions, whichever replica made them.
    let html = |path: String| {
        let request = b.client.get(b.url(&path));
        async move {
            let answer = request.send().await.unwrap();
            let scope = answer
                .headers()
                .get("x-pizzastack-scope")
                .map(|v| v.to_str().unwrap().to_owned());
            (
                answer.status().as_u16(),
                scope,
                answer.text().await.unwrap(),
            )
        }
    };
    let made = new_session();
    a.acquire(&made).await;
    let (status, page_scope, page) = html("/__admin/ui".to_owned()).await;
    assert_eq!((status, page_scope.as_deref()), (200, Some("fleet")));
    assert!(page.contains(&made), "{page}");
    let (status, _, page) = html(format!("/__admin/ui/session/{made}")).await;
    assert!(status == 200 && page.contains("tom_"), "{page}");
    // The in-memory mock has no fleet and says nothing.
    let alone = spawn_app().await;
    let stats = alone
        .send(reqwest::Method::GET, "/__admin/stats", &[], None)
        .await;
    assert_eq!(scope(&stats), None);
}

/// The lines of `lines` up to the first containing `text`, which is
/// last; waits at most 20 s.
fn lines_until(lines: &std::sync::mpsc::Receiver<String>, text: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let done = line.contains(text);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(e) => panic!("no line with {text:?} in {seen:#?}: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_starts_while_redis_is_down_and_logs_the_outage_once_each_way() {
    let Some(mut redis) = Redis::start("the_binary_starts_while_redis_is_down") else {
        return;
    };
    redis.stop();
    let url = redis.url();
    let mut served = start_binary(&["--store", &url]);
    let mut log = lines_until(&served.stderr, "serving anyway");
    let warning = log.last().unwrap();
    assert!(
        warning.contains("WARN") && warning.contains(&url),
        "{warning}"
    );
    let app = TestApp {
        addr: served.addr,
        client: pizzastack::runner::http_client().unwrap(),
    };
    let session = new_session();
    let body = json!({"variety": "Roma", "ripeness": 0.5, "weight": 100});
    for _ in 0..3 {
        let reply = app.post("/v1/tomato/acquire", &session, body.clone()).await;
        assert_eq!(reply.status, 503, "{}", reply.text);
    }
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app
        .post("/v1/tomato/acquire", &session, body.clone())
        .await
        .status
        != 200
    {
        assert!(Instant::now() < deadline, "the binary reconnected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    log.extend(lines_until(&served.stderr, "Redis answers again"));
    let _ = served.child.kill();
    let _ = served.child.wait();
    // The outage is logged when it begins and when it ends, not once per
    // refused request.
    let began = log
        .iter()
        .filter(|l| l.contains("ERROR") && l.contains("Redis does not answer"))
        .count();
    assert_eq!(began, 1, "{log:#?}");
}

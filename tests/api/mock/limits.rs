//! The mock's own limits: a clear 429, never a crash.

use pizzastack::config::ServeConfig;
use pizzastack::store::StoreLimits;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn too_many_sessions_get_a_429_that_says_what_to_do() {
    let app = spawn_app_with(ServeConfig {
        limits: StoreLimits {
            max_sessions: 2,
            max_objects_per_session: 100,
            ..StoreLimits::default()
        },
        ..ServeConfig::default()
    })
    .await;
    app.acquire("one").await;
    app.acquire("two").await;
    let reply = app
        .post(
            "/v1/tomato/acquire",
            "three",
            json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert!(
        reply.error().contains("limit of 2 live sessions"),
        "{}",
        reply.error()
    );
    assert!(
        reply.error().contains("--max-sessions"),
        "{}",
        reply.error()
    );
    assert!(reply.headers.contains_key("retry-after"));
    app.acquire("one").await; // existing sessions still work
}

#[tokio::test]
async fn too_many_objects_in_a_session_get_a_429() {
    let app = spawn_app_with(ServeConfig {
        limits: StoreLimits {
            max_sessions: 10,
            max_objects_per_session: 3,
            ..StoreLimits::default()
        },
        ..ServeConfig::default()
    })
    .await;
    for _ in 0..3 {
        app.acquire("full").await;
    }
    let reply = app
        .post(
            "/v1/pizza/base",
            "full",
            json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert!(
        reply.error().contains("limit of 3 objects"),
        "{}",
        reply.error()
    );
    assert_eq!(
        app.log("full").await.body["objects"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn reset_clears_every_session() {
    let app = spawn_app().await;
    let session = new_session();
    app.acquire(&session).await;
    let reply = app
        .send(reqwest::Method::POST, "/__admin/reset", &[], None)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(app.log(&session).await.status, 404);
    let stats = app.stats().await;
    assert_eq!(
        (&stats["live_sessions"], &stats["live_objects"]),
        (&json!(0), &json!(0))
    );
}

#[tokio::test]
async fn admin_switches_a_rule_off_and_back_on_at_run_time() {
    let app = spawn_app().await;
    let (mine, theirs) = (new_session(), new_session());
    let foreign = app.acquire(&theirs).await;
    let slice = json!({"tomato_ids": [foreign], "method": "dice", "size": "medium", "consistency": "uniform"});
    let put = |rules: serde_json::Value| {
        app.send(
            reqwest::Method::PUT,
            "/__admin/deviations",
            &[("Content-Type", "application/json")],
            Some(json!({ "rules": rules }).to_string().into_bytes()),
        )
    };
    assert_eq!(
        put(json!(["SESS-005", "SESS-006"])).await.body["active"],
        json!(["SESS-005", "SESS-006"])
    );
    let deviating = app.post("/v1/tomato/slice", &mine, slice.clone()).await;
    assert_eq!(
        (deviating.status, deviating.error()),
        (404, "Not found"),
        "SESS-005 switched off"
    );
    app.advance("2h").await;
    assert_eq!(
        app.log(&theirs).await.status,
        200,
        "SESS-006 switched off: nothing expires"
    );
    assert_eq!(put(json!([])).await.body["active"], json!([]));
    let conformant = app.post("/v1/tomato/slice", &mine, slice).await;
    assert_eq!(
        (conformant.status, conformant.error()),
        (400, "Object not found in session")
    );
    app.advance("31m").await;
    assert_eq!(app.log(&theirs).await.status, 404, "expiry is back");
    let refused = put(json!(["NOPE-001"])).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.error().contains("it can switch off AUTH-001"),
        "{}",
        refused.error()
    );
}

#[tokio::test]
async fn a_session_full_of_bytes_gets_a_429_and_others_go_on() {
    let app = spawn_app_with(ServeConfig {
        limits: StoreLimits {
            max_session_bytes: 2_000,
            ..StoreLimits::default()
        },
        ..ServeConfig::default()
    })
    .await;
    let big = json!({"variety": "x".repeat(200), "ripeness": 0.5, "weight": 100});
    let mut refused = None;
    for _ in 0..20 {
        let reply = app.post("/v1/tomato/acquire", "heavy", big.clone()).await;
        if reply.status != 200 {
            refused = Some(reply);
            break;
        }
    }
    let reply = refused.expect("the byte budget refused a creation");
    assert_eq!(reply.status, 429);
    assert!(
        reply.error().contains("limit of 2000 bytes")
            && reply.error().contains("--max-session-bytes"),
        "{}",
        reply.error()
    );
    let log = app.log("heavy").await;
    assert!(
        log.text.len() < 4_000,
        "the log stays bounded: {}",
        log.text.len()
    );
    app.acquire("light").await; // other sessions are unaffected
}

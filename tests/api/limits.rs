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

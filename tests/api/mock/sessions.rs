//! SESS-001 .. SESS-007: the session header, auto-creation, isolation and
//! inactivity expiry (driven by the admin clock, never by sleeping).

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_object_endpoint_requires_the_session_header_with_the_exact_message() {
    let app = spawn_app().await;
    every_object_endpoint_answers(
        &app,
        &[("X-API-Key", KEY), ("Content-Type", "application/json")],
        400,
        json!({"error": "X-Session-ID header is required"}),
        "SESS-001",
    )
    .await;
}

#[tokio::test]
async fn the_session_header_is_checked_before_the_body() {
    let app = spawn_app().await;
    let reply = app
        .send(
            Method::POST,
            "/v1/tomato/acquire",
            &[("X-API-Key", KEY), ("Content-Type", "text/plain")],
            Some(b"{".to_vec()),
        )
        .await;
    assert_eq!(
        reply.error(),
        "X-Session-ID header is required",
        "ERR-004 order"
    );
}

#[tokio::test]
async fn any_visible_ascii_session_id_works() {
    let app = spawn_app().await;
    let long = "x".repeat(256);
    for session in [
        "plain",
        "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
        "!#$%&'*+-.^_`|~",
        long.as_str(),
    ] {
        let tomato = app.acquire(session).await;
        let log = app
            .send(
                Method::GET,
                &format!("/v1/session/{}/log", urlencode(session)),
                &[("X-API-Key", KEY)],
                None,
            )
            .await;
        assert_eq!(log.status, 200, "SESS-003 {session:?}: {}", log.text);
        assert_eq!(
            log.body["objects"][0]["id"],
            tomato.as_str(),
            "SESS-003 {session:?}"
        );
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn empty_long_or_non_visible_session_ids_are_invalid() {
    let app = spawn_app().await;
    let too_long = "x".repeat(257);
    for session in ["", too_long.as_str(), "has space", "tab\there"] {
        let reply = app
            .post(
                "/v1/tomato/acquire",
                session,
                json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
            )
            .await;
        assert_eq!(reply.status, 400, "SESS-004 {session:?}");
        assert_eq!(
            reply.error(),
            "X-Session-ID header is invalid",
            "SESS-004 {session:?}"
        );
    }
}

#[tokio::test]
async fn a_session_id_that_is_not_utf8_or_repeated_is_invalid() {
    let app = spawn_app().await;
    let body = Some(
        json!({"variety": "Roma", "ripeness": 0.5, "weight": 100})
            .to_string()
            .into_bytes(),
    );
    let client = &app.client;
    let response = client
        .post(app.url("/v1/tomato/acquire"))
        .header("X-API-Key", KEY)
        .header("Content-Type", "application/json")
        .header(
            "X-Session-ID",
            reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        )
        .body(body.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "SESS-004 obs-text");
    let repeated = app
        .send(
            Method::POST,
            "/v1/tomato/acquire",
            &[
                ("X-API-Key", KEY),
                ("X-Session-ID", "a"),
                ("X-Session-ID", "b"),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .await;
    assert_eq!(
        repeated.error(),
        "X-Session-ID header is invalid",
        "SESS-004 two values"
    );
}

#[tokio::test]
async fn ids_from_another_session_are_not_found_on_every_endpoint_that_takes_an_id() {
    let app = spawn_app().await;
    let (mine, theirs) = (new_session(), new_session());
    let tomato = app.acquire(&theirs).await;
    let sliced = app.slice(&theirs, &tomato).await;
    let sauce = app.simmer(&theirs, &sliced).await.id();
    let base = app.base(&theirs).await;
    let pizza = app.assemble(&theirs, &base, &sauce).await.id();
    // Objects of my own session, so that only the foreign ID is wrong.
    let my_sauce = app.simmer(&mine, "generic").await.id();
    let my_base = app.base(&mine).await;
    let cases = [
        (
            "/v1/tomato/slice",
            json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"}),
        ),
        ("/v1/tomato/squeeze", json!({"tomato_ids": [tomato]})),
        (
            "/v1/cook/simmer",
            json!({"ingredients": [{"id": sliced, "name": "t", "amount": 1, "unit": "g"}], "temperature": 100, "duration": "30m"}),
        ),
        (
            "/v1/cook/roast",
            json!({"ingredients": [{"id": tomato, "name": "t", "amount": 1, "unit": "g"}], "temperature": 200, "duration": "30m"}),
        ),
        (
            "/v1/pizza/assemble",
            json!({"base_id": base, "sauce_id": my_sauce}),
        ),
        (
            "/v1/pizza/assemble",
            json!({"base_id": my_base, "sauce_id": sauce}),
        ),
        (
            "/v1/pizza/assemble",
            json!({"base_id": my_base, "sauce_id": my_sauce, "toppings": [{"name": "t", "id": sliced}]}),
        ),
        ("/v1/pizza/bake", json!({"pizza_id": pizza})),
        ("/v1/taste/analyze", json!({"dish_id": pizza})),
        ("/v1/taste/compare", json!({"dish_ids": [my_sauce, sauce]})),
    ];
    for (path, body) in cases {
        let reply = app.post(path, &mine, body.clone()).await;
        assert_eq!(reply.status, 400, "SESS-005 {path} {body}");
        assert_eq!(
            reply.body,
            json!({"error": "Object not found in session"}),
            "SESS-005 {path} {body}"
        );
    }
}

#[tokio::test]
async fn requests_renew_the_session_and_so_does_reading_the_log() {
    let app = spawn_app().await;
    let session = new_session();
    app.acquire(&session).await;
    app.advance("20m").await;
    app.acquire(&session).await; // an object call renews (SESS-007)
    app.advance("20m").await;
    assert_eq!(
        app.log(&session).await.status,
        200,
        "renewed 20m ago, TTL 30m"
    );
    app.advance("20m").await;
    assert_eq!(
        app.log(&session).await.status,
        200,
        "reading the log renewed it"
    );
    app.advance("30m").await;
    assert_eq!(app.log(&session).await.status, 404);
}

#[tokio::test]
async fn the_ttl_is_configurable() {
    let app = spawn_app_with(pizzastack::config::ServeConfig {
        session_ttl: std::time::Duration::from_secs(10),
        admin: true,
        ..Default::default()
    })
    .await;
    let session = new_session();
    app.acquire(&session).await;
    app.advance("9s").await;
    assert_eq!(app.log(&session).await.status, 200);
    app.advance("10s").await;
    assert_eq!(
        app.log(&session).await.status,
        404,
        "SESS-007 --session-ttl 10s"
    );
}

#[tokio::test]
async fn expired_sessions_give_their_memory_back() {
    let app = spawn_app().await;
    for _ in 0..20 {
        let session = new_session();
        app.acquire(&session).await;
    }
    assert_eq!(app.stats().await["live_sessions"], 20);
    // Advancing the clock sweeps before it answers.
    app.advance("31m").await;
    let stats = app.stats().await;
    assert_eq!(
        (&stats["live_sessions"], &stats["live_objects"]),
        (&json!(0), &json!(0))
    );
}

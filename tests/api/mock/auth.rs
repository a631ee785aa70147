//! AUTH-001 .. AUTH-004: API keys and who owns a session.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_object_endpoint_refuses_a_missing_key_with_401_and_the_documented_body() {
    let app = spawn_app().await;
    every_object_endpoint_answers(
        &app,
        &[("X-Session-ID", "s"), ("Content-Type", "application/json")],
        401,
        json!({"error": "Invalid or missing API key"}),
        "AUTH-001, AUTH-002",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_key_gets_401_even_with_a_valid_request() {
    let app = spawn_app().await;
    let reply = app
        .post_as(
            "not-a-key",
            "/v1/tomato/acquire",
            &new_session(),
            json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
        )
        .await;
    assert_eq!(reply.status, 401, "AUTH-001");
    assert_eq!(reply.error(), "Invalid or missing API key", "AUTH-002");
}

#[tokio::test]
async fn the_session_log_needs_a_key_too() {
    let app = spawn_app().await;
    let session = new_session();
    app.acquire(&session).await;
    let reply = app
        .send(
            Method::GET,
            &format!("/v1/session/{session}/log"),
            &[],
            None,
        )
        .await;
    assert_eq!(reply.status, 401, "AUTH-001");
    assert_eq!(app.log_as("wrong", &session).await.status, 401, "AUTH-001");
}

#[tokio::test]
async fn a_missing_key_is_reported_before_a_missing_session_header() {
    let app = spawn_app().await;
    let reply = app
        .send(
            Method::POST,
            "/v1/tomato/acquire",
            &[("Content-Type", "application/json")],
            Some(b"not json".to_vec()),
        )
        .await;
    assert_eq!(reply.status, 401, "SESS-001 check order: 401 before 400");
}

#[tokio::test]
async fn the_same_session_id_under_another_key_is_a_different_empty_session() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    // AUTH-003: the other key cannot see or use the first key's objects.
    let reply = app
        .post_as(
            OTHER_KEY,
            "/v1/tomato/slice",
            &session,
            json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error(), "Object not found in session");
    let theirs = app.log_as(OTHER_KEY, &session).await;
    assert_eq!(
        theirs.status, 200,
        "the other key's request created its own session"
    );
    assert_eq!(theirs.body["objects"], json!([]));
    let mine = app.log(&session).await;
    assert_eq!(mine.body["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn with_no_key_configured_the_docs_example_key_is_accepted() {
    let app = spawn_app_with(pizzastack::config::ServeConfig::default()).await;
    let reply = app
        .post_as(
            "your-api-key",
            "/v1/tomato/acquire",
            &new_session(),
            json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
        )
        .await;
    assert_eq!(reply.status, 200, "AUTH-004: {}", reply.text);
}

#[tokio::test]
async fn configured_keys_replace_the_docs_example_key() {
    let app = spawn_app_with(pizzastack::config::ServeConfig {
        api_keys: vec!["team-key".into()],
        ..Default::default()
    })
    .await;
    let body = json!({"variety": "Roma", "ripeness": 0.5, "weight": 100});
    let session = new_session();
    assert_eq!(
        app.post_as("your-api-key", "/v1/tomato/acquire", &session, body.clone())
            .await
            .status,
        401
    );
    assert_eq!(
        app.post_as("team-key", "/v1/tomato/acquire", &session, body)
            .await
            .status,
        200
    );
}

#[test]
fn the_binary_refuses_a_public_address_with_only_the_default_key() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pizzastack"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_remove("PIZZASTACK_API_KEYS")
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(2), "AUTH-004");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--api-key"),
        "the error says how to fix it: {stderr}"
    );
}

#[test]
fn the_binary_explains_a_bad_duration() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pizzastack"))
        .args(["serve", "--session-ttl", "soon"])
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--session-ttl") && stderr.contains("30m"),
        "{stderr}"
    );
}

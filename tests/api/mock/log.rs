//! LOG-001, LOG-002: the session log.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_log_lists_objects_and_operations_in_creation_order() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let sliced = app.slice(&session, &tomato).await;
    let sauce = app.simmer(&session, &sliced).await.id();
    let base = app.base(&session).await;
    let pizza = app.assemble(&session, &base, &sauce).await.id();
    let baked = app.bake(&session, &pizza).await.id();
    let log = app.log(&session).await;
    assert_eq!(log.status, 200, "LOG-001");
    assert_eq!(log.body["session_id"], session.as_str());
    let expected = [
        (&tomato, "raw", "/v1/tomato/acquire"),
        (&sliced, "sliced", "/v1/tomato/slice"),
        (&sauce, "sauce", "/v1/cook/simmer"),
        (&base, "base", "/v1/pizza/base"),
        (&pizza, "assembled", "/v1/pizza/assemble"),
        (&baked, "baked", "/v1/pizza/bake"),
    ];
    let objects = log.body["objects"].as_array().unwrap();
    let operations = log.body["operations"].as_array().unwrap();
    assert_eq!(objects.len(), expected.len());
    assert_eq!(operations.len(), expected.len());
    let mut previous = std::time::SystemTime::UNIX_EPOCH;
    for (i, (id, kind, endpoint)) in expected.iter().enumerate() {
        assert_eq!(objects[i]["id"], id.as_str(), "LOG-001 object {i}");
        assert_eq!(objects[i]["type"], *kind, "LOG-001 object {i}");
        assert_eq!(
            operations[i]["endpoint"], *endpoint,
            "LOG-001 operation {i}"
        );
        assert_eq!(
            operations[i]["result_id"],
            id.as_str(),
            "LOG-001 operation {i}"
        );
        let at = humantime::parse_rfc3339(operations[i]["timestamp"].as_str().unwrap())
            .expect("RFC 3339");
        assert!(at >= previous, "LOG-001: timestamps in order");
        previous = at;
    }
    assert_eq!(
        objects[2]["sauce_quality"], "optimal",
        "the log carries the objects' own fields"
    );
}

#[tokio::test]
async fn failed_requests_leave_no_trace_in_the_log() {
    let app = spawn_app().await;
    let session = new_session();
    app.acquire(&session).await;
    app.post(
        "/v1/pizza/bake",
        &session,
        json!({"pizza_id": "pza_nothing"}),
    )
    .await;
    app.post("/v1/tomato/acquire", &session, json!({"variety": 3}))
        .await;
    let log = app.log(&session).await;
    assert_eq!(log.body["objects"].as_array().unwrap().len(), 1);
    assert_eq!(log.body["operations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unknown_session_log_is_404_with_the_error_shape() {
    let app = spawn_app().await;
    let reply = app.log("never-used").await;
    assert_eq!(reply.status, 404, "LOG-002");
    assert!(!reply.error().is_empty(), "LOG-002");
    let too_long = "x".repeat(300);
    assert_eq!(app.log(&too_long).await.status, 404);
}

#[tokio::test]
async fn the_log_does_not_need_a_session_header() {
    let app = spawn_app().await;
    let session = new_session();
    app.acquire(&session).await;
    let reply = app
        .send(
            reqwest::Method::GET,
            &format!("/v1/session/{session}/log"),
            &[("X-API-Key", KEY)],
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
}

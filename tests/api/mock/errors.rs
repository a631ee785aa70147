//! ERR-001 .. ERR-004: the error shape, bad input of every kind, limits on
//! size, status codes and the order of checks.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: &[u8]) -> Reply {
    app.send(
        Method::POST,
        path,
        &[
            ("X-API-Key", KEY),
            ("X-Session-ID", "errors"),
            ("Content-Type", content_type),
        ],
        Some(body.to_vec()),
    )
    .await
}

#[tokio::test]
async fn malformed_json_is_a_400_that_says_so() {
    let app = spawn_app().await;
    for body in [
        &b"{"[..],
        b"{\"variety\": }",
        b"",
        b"nul",
        b"{\"a\":1}}",
        b"\xff\xfe",
    ] {
        let reply = post_raw(&app, "/v1/tomato/acquire", "application/json", body).await;
        assert_eq!(reply.status, 400, "ERR-002 {body:?}");
        assert!(
            reply.error().starts_with("body: malformed JSON"),
            "ERR-002 {body:?}: {}",
            reply.error()
        );
    }
}

#[tokio::test]
async fn a_number_too_large_for_a_float_is_named_as_such_not_as_malformed() {
    let app = spawn_app().await;
    let body = br#"{"variety": "Roma", "ripeness": 1e999, "weight": 1}"#;
    let reply = post_raw(&app, "/v1/tomato/acquire", "application/json", body).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .error()
            .starts_with("body: a number is too large (number out of range at line 1 column")
            && reply.error().ends_with("numbers must fit a 64-bit float"),
        "{}",
        reply.error()
    );
}

#[tokio::test]
async fn a_wrong_content_type_is_a_400_naming_it() {
    let app = spawn_app().await;
    let body = json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let reply = post_raw(&app, "/v1/tomato/acquire", content_type, body.as_bytes()).await;
        assert_eq!(reply.status, 400, "ERR-002 {content_type}");
        assert!(
            reply
                .error()
                .contains("Content-Type must be application/json"),
            "{}",
            reply.error()
        );
    }
    let charset = post_raw(
        &app,
        "/v1/tomato/acquire",
        "application/json; charset=utf-8",
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        charset.status, 200,
        "parameters on application/json are fine"
    );
}

/// Bodies with one wrong field (path, JSON text, the error naming it).
const FIELD_ERRORS: [(&str, &str, &str); 19] = [
    (
        "/v1/tomato/acquire",
        r#"{"variety": "Roma", "ripeness": 1.5, "weight": 100}"#,
        "ripeness: must be a number between 0 and 1",
    ),
    (
        "/v1/tomato/acquire",
        r#"{"variety": "Roma", "ripeness": "ripe", "weight": 100}"#,
        "ripeness: must be a number between 0 and 1",
    ),
    (
        "/v1/tomato/acquire",
        r#"{"variety": "Roma", "ripeness": 0.5, "weight": 0}"#,
        "weight: must be a number of grams greater than 0",
    ),
    (
        "/v1/tomato/acquire",
        r#"{"ripeness": 0.5, "weight": 1}"#,
        "variety: is required and must be a non-empty string of at most 200 characters",
    ),
    (
        "/v1/tomato/acquire",
        r#"[]"#,
        "body: must be a JSON object",
    ),
    (
        "/v1/pizza/base",
        r#"{"thickness": "huge", "size": "12inch", "style": "roman"}"#,
        "thickness: must be one of \"thin\", \"medium\", \"thick\"",
    ),
    (
        "/v1/pizza/base",
        r#"{"thickness": "thin", "size": "12inch", "style": "detroit"}"#,
        "style: must be one of \"neapolitan\", \"new_york\", \"chicago\", \"roman\"",
    ),
    (
        "/v1/pizza/base",
        r#"{"thickness": "thin", "size": "12inch", "style": "roman", "hydration": -0.1}"#,
        "hydration: must be a number between 0 and 1",
    ),
    (
        "/v1/cook/simmer",
        r#"{"ingredients": [], "temperature": 100, "duration": "30m"}"#,
        "ingredients: must be a non-empty array of ingredients {id, name, amount, unit}",
    ),
    (
        "/v1/cook/simmer",
        r#"{"ingredients": [{"id": "generic", "name": "g", "amount": 1, "unit": "g"}], "temperature": 99.5, "duration": "30m"}"#,
        "temperature: must be an integer number of degrees Celsius between 1 and 1000",
    ),
    (
        "/v1/cook/simmer",
        r#"{"ingredients": [{"id": "generic", "name": "g", "amount": 1, "unit": "g"}], "temperature": 100, "duration": "half an hour"}"#,
        "duration: must be a duration string such as \"30m\", \"1h\" or \"45m\"",
    ),
    (
        "/v1/cook/simmer",
        r#"{"ingredients": [{"id": "generic", "name": "g", "amount": 1}], "temperature": 100, "duration": "30m"}"#,
        "ingredients[0].unit: is required and must be a non-empty string such as \"g\" of at most 200 characters",
    ),
    (
        "/v1/tomato/slice",
        r#"{"tomato_ids": "tom_x", "method": "dice", "size": "medium", "consistency": "uniform"}"#,
        "tomato_ids: must be a non-empty array of raw tomato IDs",
    ),
    (
        "/v1/pizza/assemble",
        r#"{"base_id": "bas_x", "sauce_id": "sce_x", "toppings": [3]}"#,
        "toppings[0]: must be a topping name string or an object {name, id?, amount?, unit?}",
    ),
    (
        "/v1/taste/analyze",
        r#"{"dish_id": "x", "depth": "deep"}"#,
        "depth: must be one of \"basic\", \"comprehensive\"",
    ),
    (
        "/v1/taste/analyze",
        r#"{"dish_id": "x", "include_aroma": "yes"}"#,
        "include_aroma: must be a boolean",
    ),
    (
        "/v1/taste/compare",
        r#"{"dish_ids": ["a", "a"]}"#,
        "dish_ids: must be a non-empty array of distinct object IDs of the session",
    ),
    (
        "/v1/pizza/bake",
        r#"{"pizza_id": 7}"#,
        "pizza_id: must be an assembled pizza ID (pza_...)",
    ),
    (
        "/v1/tomato/squeeze",
        r#"{"tomato_ids": ["tom_x"], "strain": 1}"#,
        "strain: must be a boolean",
    ),
];

#[tokio::test]
async fn field_errors_name_the_field_and_what_was_expected() {
    let app = spawn_app().await;
    let mut cases: Vec<(&str, Value, &str)> = FIELD_ERRORS
        .iter()
        .map(|(path, body, expected)| (*path, serde_json::from_str(body).unwrap(), *expected))
        .collect();
    cases.push((
        "/v1/tomato/acquire",
        json!({"variety": "x".repeat(201), "ripeness": 0.5, "weight": 1}),
        "variety: must be a non-empty string of at most 200 characters",
    ));
    for (path, body, expected) in cases {
        let reply = app.post(path, "errors", body.clone()).await;
        assert_eq!(reply.status, 400, "ERR-002 {path} {body}");
        assert_eq!(reply.error(), expected, "ERR-002 {path} {body}");
    }
}

#[tokio::test]
async fn several_problems_are_all_named() {
    let app = spawn_app().await;
    let reply = app
        .post("/v1/tomato/acquire", "errors", json!({"ripeness": 2}))
        .await;
    let error = reply.error();
    for field in ["variety", "weight", "ripeness"] {
        assert!(error.contains(&format!("{field}: ")), "{error}");
    }
}

#[tokio::test]
async fn body_validation_comes_before_object_lookup_and_lookup_before_type_rules() {
    let app = spawn_app().await;
    let session = new_session();
    let base = app.base(&session).await;
    // Invalid body and unknown ID: the body is reported (ERR-004).
    let reply = app
        .post(
            "/v1/pizza/bake",
            &session,
            json!({"pizza_id": "pza_unknown", "temperature": "hot"}),
        )
        .await;
    assert!(
        reply.error().starts_with("temperature:"),
        "{}",
        reply.error()
    );
    // Unknown ID and a wrong kind: the lookup is reported first.
    let reply = app
        .post(
            "/v1/pizza/assemble",
            &session,
            json!({"base_id": base, "sauce_id": "sce_unknown"}),
        )
        .await;
    assert_eq!(reply.error(), "Object not found in session");
    let reply = app
        .post(
            "/v1/pizza/assemble",
            &session,
            json!({"base_id": "bas_unknown", "sauce_id": base}),
        )
        .await;
    assert_eq!(reply.error(), "Object not found in session");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_in_the_json_shape() {
    let app = spawn_app().await;
    let reply = app
        .send(Method::GET, "/v1/nothing/here", &[("X-API-Key", KEY)], None)
        .await;
    assert_eq!(reply.status, 404, "ERR-002");
    assert!(reply.error().contains("/v1/nothing/here"));
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
        let reply = app
            .send(
                method.clone(),
                "/v1/tomato/acquire",
                &[("X-API-Key", KEY)],
                None,
            )
            .await;
        assert_eq!(reply.status, 405, "ERR-002 {method}");
        assert_eq!(reply.headers["allow"], "POST");
    }
    let reply = app
        .send(
            Method::POST,
            "/v1/session/abc/log",
            &[("X-API-Key", KEY)],
            None,
        )
        .await;
    assert_eq!(reply.status, 405);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413_and_one_just_under_is_read() {
    let app = spawn_app().await;
    let big = vec![b' '; 1024 * 1024 + 1];
    let reply = post_raw(&app, "/v1/tomato/acquire", "application/json", &big).await;
    assert_eq!(reply.status, 413, "ERR-003");
    let mut padded = json!({"variety": "Roma", "ripeness": 0.5, "weight": 100})
        .to_string()
        .into_bytes();
    padded.resize(1024 * 1024, b' ');
    let reply = post_raw(&app, "/v1/tomato/acquire", "application/json", &padded).await;
    assert_eq!(
        reply.status, 200,
        "1 MiB exactly is allowed: {}",
        reply.text
    );
}

#[tokio::test]
async fn hostile_bodies_get_a_4xx_never_a_500() {
    let app = spawn_app().await;
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let huge_number = "{\"variety\":\"Roma\",\"ripeness\":1e999,\"weight\":1}".to_owned();
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        huge_number.into_bytes(),
        b"{\"variety\":\"\\ud800\",\"ripeness\":0.5,\"weight\":1}".to_vec(),
        b"{\"tomato_ids\":[null,{},[]],\"method\":1}".to_vec(),
        b"\"just a string\"".to_vec(),
        b"{\"ingredients\":[{\"id\":\"generic\",\"name\":\"g\",\"amount\":1e308,\"unit\":\"g\"}],\"temperature\":1000,\"duration\":\"9999h9999m9999s\"}".to_vec(),
    ];
    for path in OBJECT_ENDPOINTS {
        for body in &bodies {
            let reply = post_raw(&app, path, "application/json", body).await;
            assert!(
                (400..500).contains(&reply.status) || reply.status == 200,
                "{path}: {} {}",
                reply.status,
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn success_is_always_200_never_201() {
    let app = spawn_app().await;
    let session = new_session();
    for (path, body) in standalone_bodies() {
        assert_eq!(
            app.post(path, &session, body).await.status,
            200,
            "ERR-004 {path}"
        );
    }
}

#[tokio::test]
async fn the_admin_endpoints_are_absent_without_admin() {
    let app = spawn_app_with(pizzastack::config::ServeConfig::default()).await;
    let reply = app.send(Method::POST, "/__admin/reset", &[], None).await;
    assert_eq!(reply.status, 404);
    assert!(reply.error().contains("--admin"), "{}", reply.error());
}

#[tokio::test]
async fn health_and_the_openapi_document_are_served() {
    let app = spawn_app().await;
    let health = app.send(Method::GET, "/healthz", &[], None).await;
    assert_eq!(health.body, json!({"status": "ok"}));
    let doc = app.send(Method::GET, "/openapi.json", &[], None).await;
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert!(doc.body["paths"]["/v1/pizza/bake"]["post"].is_object());
    assert!(doc.body["components"]["schemas"]["BakedPizza"].is_object());
}

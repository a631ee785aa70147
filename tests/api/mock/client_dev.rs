//! What a client developer asks of a local mock beyond exactness: latency
//! and faults on purpose (reproducible with a seed, scripted per session),
//! a journal of every request, CORS for browser clients. Loopback only,
//! bounded in count and time.

use std::time::{Duration, Instant};

use pizzastack::config::{ClientOptions, ServeConfig};
use pizzastack::injection::{FaultRule, LatencyRule};
use serde_json::{json, Value};

use crate::helpers::*;

async fn app_with(client: ClientOptions, admin: bool) -> TestApp {
    spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into()],
        admin,
        client,
        ..ServeConfig::default()
    })
    .await
}

const TOMATO: &str = r#"{"variety":"Roma","ripeness":0.5,"weight":100}"#;

/// An acquire in `session`, sent raw: injected answers are outside the
/// documented ones, so they are not held to the OpenAPI document here.
async fn acquire(app: &TestApp, session: &str) -> Result<reqwest::Response, reqwest::Error> {
    app.client
        .post(app.url("/v1/tomato/acquire"))
        .header("X-API-Key", KEY)
        .header("X-Session-ID", session)
        .header("Content-Type", "application/json")
        .body(TOMATO)
        .send()
        .await
}

async fn admin_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, _, body) = app.exchange(method.as_str(), path, &[], body).await;
    (status, body)
}

async fn log_length(app: &TestApp, session: &str) -> usize {
    let log = app.log(session).await;
    log.body["operations"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_slows_the_paths_it_names_and_changes_at_run_time() {
    let app = app_with(
        ClientOptions {
            latency: vec![LatencyRule::parse("150ms:/v1/tomato/acquire").unwrap()],
            ..ClientOptions::default()
        },
        true,
    )
    .await;
    let session = new_session();
    let started = Instant::now();
    assert_eq!(acquire(&app, &session).await.unwrap().status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(120),
        "{:?}",
        started.elapsed()
    );

    let (status, state) = admin_json(
        &app,
        reqwest::Method::PUT,
        "/__admin/latency",
        Some(json!({"latency": ["300ms..350ms"]})),
    )
    .await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["latency"], json!(["300ms..350ms"]));
    let started = Instant::now();
    app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let (status, refused) = admin_json(
        &app,
        reqwest::Method::PUT,
        "/__admin/latency",
        Some(json!({"latency": ["soon"]})),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("latency"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_follow_their_rate_repeat_with_a_seed_and_change_nothing() {
    let run = || async {
        let app = app_with(
            ClientOptions {
                faults: vec![FaultRule::parse("503:0.25:/v1/tomato/*").unwrap()],
                seed: Some(11),
                ..ClientOptions::default()
            },
            false,
        )
        .await;
        let session = new_session();
        let mut statuses = Vec::new();
        for _ in 0..400 {
            let response = acquire(&app, &session).await.unwrap();
            let status = response.status().as_u16();
            if status == 503 {
                assert_eq!(
                    response
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap()),
                    Some("1")
                );
                let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert!(
                    body["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("Injected fault"),
                    "{body}"
                );
            }
            statuses.push(status);
        }
        let served = statuses.iter().filter(|s| **s == 200).count();
        // A faulted request stores nothing: the log holds the others only.
        assert_eq!(log_length(&app, &session).await, served);
        statuses
    };
    let first = run().await;
    let faulted = first.iter().filter(|s| **s == 503).count();
    // 400 × 0.25 = 100, σ ≈ 8.7: within five σ.
    assert!((57..=143).contains(&faulted), "{faulted}");
    assert!(first.iter().all(|s| *s == 200 || *s == 503));
    assert_eq!(first, run().await, "the same seed, the same faults");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_drops_the_connection_and_a_hang_answers_nothing() {
    let app = app_with(
        ClientOptions {
            faults: vec![
                FaultRule::parse("reset:1:/v1/tomato/acquire").unwrap(),
                FaultRule::parse("hang:1:/v1/pizza/base").unwrap(),
            ],
            hang_for: Duration::from_millis(400),
            ..ClientOptions::default()
        },
        true,
    )
    .await;
    let error = acquire(&app, &new_session()).await.unwrap_err();
    assert!(!error.is_status() && error.status().is_none(), "{error:?}");
    // The journal says what happened: no answer, on purpose.
    let (_, kept) = admin_json(
        &app,
        reqwest::Method::GET,
        "/__admin/requests?path=/v1/tomato/acquire",
        None,
    )
    .await;
    assert_eq!(kept["requests"][0]["status"], 0, "{kept}");
    assert_eq!(kept["requests"][0]["fault"], "reset", "{kept}");
    let started = Instant::now();
    let hung = app
        .client
        .post(app.url("/v1/pizza/base"))
        .header("X-API-Key", KEY)
        .header("X-Session-ID", new_session())
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await;
    assert!(hung.is_err(), "{hung:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    // The rest of the API answers as usual.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_script_faults_the_next_requests_of_one_session() {
    let app = app_with(ClientOptions::default(), true).await;
    let (target, other) = (new_session(), new_session());
    let (status, state) = admin_json(
        &app,
        reqwest::Method::POST,
        "/__admin/faults/script",
        Some(json!({"session_id": target, "count": 2, "fault": "500"})),
    )
    .await;
    assert_eq!(status, 200, "{state}");
    let status = |r: Result<reqwest::Response, reqwest::Error>| r.unwrap().status().as_u16();
    assert_eq!(status(acquire(&app, &other).await), 200);
    assert_eq!(status(acquire(&app, &target).await), 500);
    assert_eq!(status(acquire(&app, &target).await), 500);
    assert_eq!(status(acquire(&app, &target).await), 200);
    assert_eq!(log_length(&app, &target).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journal_keeps_every_request_refused_ones_too_and_never_the_key() {
    let app = app_with(
        ClientOptions {
            journal_size: 5,
            ..ClientOptions::default()
        },
        true,
    )
    .await;
    let session = new_session();
    acquire(&app, &session).await.unwrap();
    // Refused: no key, then a body that is not an acquire's.
    app.client
        .post(app.url("/v1/tomato/acquire"))
        .header("X-Session-ID", &session)
        .body(TOMATO)
        .send()
        .await
        .unwrap();
    app.client
        .post(app.url("/v1/tomato/acquire"))
        .header("X-API-Key", KEY)
        .header("X-Session-ID", &session)
        .header("Content-Type", "application/json")
        .body("{\"variety\": 5}")
        .send()
        .await
        .unwrap();
    let (_, listed) = admin_json(
        &app,
        reqwest::Method::GET,
        &format!("/__admin/requests?session_id={session}"),
        None,
    )
    .await;
    let requests = listed["requests"].as_array().unwrap();
    let statuses: Vec<u64> = requests
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [400, 401, 200], "newest first: {listed}");
    assert!(
        requests[0]["error"].as_str().unwrap().contains("variety"),
        "{listed}"
    );
    assert!(!listed.to_string().contains(KEY), "{listed}");
    let (_, count) = admin_json(
        &app,
        reqwest::Method::GET,
        &format!("/__admin/requests/count?session_id={session}&status=4xx"),
        None,
    )
    .await;
    assert_eq!(count["count"], 2);
    // Bounded: the oldest go first.
    for _ in 0..6 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    let (_, all) = admin_json(&app, reqwest::Method::GET, "/__admin/requests", None).await;
    assert_eq!(all["requests"].as_array().unwrap().len(), 5, "{all}");
    let (_, cleared) = admin_json(&app, reqwest::Method::DELETE, "/__admin/requests", None).await;
    assert_eq!(cleared["cleared"], 5);
    let (_, none) = admin_json(&app, reqwest::Method::GET, "/__admin/requests/count", None).await;
    assert_eq!(none["count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_admin_the_client_tools_are_not_found() {
    let app = app_with(ClientOptions::default(), false).await;
    for path in ["/__admin/requests", "/__admin/latency", "/__admin/faults"] {
        let (status, body) = admin_json(&app, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_answers_a_browsers_preflight_only_when_asked_to() {
    let preflight = |app: &TestApp| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/v1/tomato/acquire"))
            .header("Origin", "http://localhost:3000")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "x-api-key,x-session-id,content-type",
            )
            .send()
    };
    let open = app_with(
        ClientOptions {
            cors: vec!["http://localhost:3000".into()],
            ..ClientOptions::default()
        },
        false,
    )
    .await;
    let response = preflight(&open).await.unwrap();
    assert!(response.status().is_success(), "{response:?}");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        header("access-control-allow-origin"),
        "http://localhost:3000"
    );
    assert!(header("access-control-allow-headers").contains("x-session-id"));
    let closed = app_with(ClientOptions::default(), false).await;
    let response = preflight(&closed).await.unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

/// The admin API's own OpenAPI document, served by the mock.
async fn admin_document(app: &TestApp) -> Value {
    let (status, document) =
        admin_json(app, reqwest::Method::GET, "/__admin/openapi.json", None).await;
    assert_eq!(status, 200);
    document
}

#[tokio::test(flavor = "multi_thread")]
async fn every_admin_endpoint_answers_as_its_openapi_document_says() {
    let app = app_with(ClientOptions::default(), true).await;
    let document = admin_document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 11, "{}", paths.len());
    let mut checked = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let example = operation
                .pointer("/requestBody/content/application~1json/example")
                .cloned();
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = admin_json(&app, method.clone(), path, example).await;
            let documented = &operation["responses"][status.to_string()];
            assert!(
                documented.is_object(),
                "{method} {path} answered {status}, which its document does not list: {body}"
            );
            if let Some(schema) = documented.pointer("/content/application~1json/schema") {
                let mut schema = schema.clone();
                // References resolve against the document's components.
                if let Some(object) = schema.as_object_mut() {
                    object.insert("components".into(), document["components"].clone());
                }
                let validator = jsonschema::validator_for(&schema).unwrap();
                assert!(
                    validator.is_valid(&body),
                    "{method} {path}: {body} does not match {schema}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked}");
    // Off, the same endpoints are not found.
    let off = app_with(ClientOptions::default(), false).await;
    for path in paths.keys() {
        let (status, _) = admin_json(&off, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_admin_queries_get_the_apis_error_shape() {
    let app = app_with(ClientOptions::default(), true).await;
    for path in [
        "/__admin/requests?limit=abc",
        "/__admin/requests/count?bogus=1",
    ] {
        let (status, body) = admin_json(&app, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("query: ")),
            "{path}: {body}"
        );
    }
    let (status, body) = admin_json(
        &app,
        reqwest::Method::GET,
        "/__admin/ui/session/%FF%FE",
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].is_string(), "{body}");
}

//! No false alarms: a server that follows the documentation but decides
//! differently where it is silent passes. The mock takes each freedom
//! (`serve --freedom NAME`) alone and then all at once, and the whole
//! suite runs against it with `--strict`: no rule may fail or stay
//! unevaluated. Each freedom is also shown to change what the mock
//! answers, so that none passes by doing nothing. Prints the false-alarm
//! rate beside the teeth test's kill rate.

use pizzastack::config::ServeConfig;
use pizzastack::runner::{CaseOutcome, CaseStatus, Verdict};
use pizzastack::server::{Freedom, Switch as _};
use serde_json::{json, Value};

use crate::helpers::*;

/// A false alarm, with or without `--strict`: any case that fails the run,
/// or that could not be evaluated.
fn alarms(outcomes: &[CaseOutcome], strict: bool) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| o.fails_run(strict) || matches!(o.status, CaseStatus::Error { .. }))
        .map(|o| {
            let failed: Vec<String> = o
                .failures()
                .map(|(step, f)| {
                    format!(
                        "{} {} [{}]: expected {}, got {}",
                        step.name,
                        f.check,
                        f.rules.join(","),
                        f.expected,
                        f.actual
                    )
                })
                .collect();
            format!("{} ({:?}): {}", o.id, o.status, failed.join("; "))
        })
        .collect()
}

/// The MOCK details a run reported (as information), to show what the
/// freedoms touched.
fn informed(outcomes: &[CaseOutcome]) -> Vec<String> {
    let mut ids: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.rule_checks.iter())
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn every_freedom_alone_and_all_together_pass_the_whole_suite_with_strict() {
    let mut runs: Vec<Vec<String>> = Freedom::ALL
        .iter()
        .map(|f| vec![f.name().to_owned()])
        .collect();
    runs.push(Freedom::ALL.iter().map(|f| f.name().to_owned()).collect());
    let mut flagged = Vec::new();
    for freedoms in &runs {
        let target = suite_target(ServeConfig {
            freedoms: freedoms.clone(),
            ..ServeConfig::default()
        })
        .await;
        let outcomes = run_suite_against(&target).await;
        let label = if freedoms.len() == 1 {
            freedoms[0].clone()
        } else {
            "all freedoms".to_owned()
        };
        println!(
            "{label}: MOCK details reported as information: {:?}",
            informed(&outcomes)
        );
        for strict in [true, false] {
            let alarms = alarms(&outcomes, strict);
            if !alarms.is_empty() {
                flagged.push(format!(
                    "{label} (strict: {strict}):\n  {}",
                    alarms.join("\n  ")
                ));
            }
        }
    }
    println!(
        "false-alarm rate: {}/{} freedom runs flagged ({} freedoms alone, then all together; --strict)",
        flagged.len(),
        runs.len(),
        Freedom::ALL.len()
    );
    assert!(flagged.is_empty(), "false alarms:\n{}", flagged.join("\n"));
}

/// A mock taking one freedom.
async fn app_taking(freedom: &str) -> TestApp {
    spawn_app_with(ServeConfig {
        freedoms: vec![freedom.to_owned()],
        ..ServeConfig::default()
    })
    .await
}

/// A raw exchange with a mock taking one freedom: no schema check, since
/// a freedom is meant to leave the mock's own shape.
async fn exchange(
    freedom: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let app = app_taking(freedom).await;
    app.exchange(method, path, headers, body).await
}

fn tomato() -> Value {
    json!({"variety": "Roma", "ripeness": 0.5, "weight": 100})
}

#[tokio::test]
async fn each_log_freedom_changes_the_log() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // The log's own choices.
    for (freedom, check) in [
        ("log-endpoint-without-v1", "endpoint"),
        ("timestamp-microseconds", "timestamp"),
        ("no-log-session-id", "session_id"),
        ("extra-fields", "extra"),
    ] {
        let app = app_taking(freedom).await;
        app.exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
            .await;
        let (status, _, log) = app
            .exchange("GET", &format!("/v1/session/{session}/log"), &[], None)
            .await;
        assert_eq!(status, 200, "{freedom}");
        let operation = &log["operations"][0];
        match check {
            "endpoint" => assert_eq!(operation["endpoint"], "/tomato/acquire"),
            "timestamp" => {
                let stamp = operation["timestamp"].as_str().unwrap();
                assert!(stamp.ends_with("000+00:00") && stamp.len() == 32, "{stamp}");
            }
            "session_id" => assert!(log.get("session_id").is_none(), "{log}"),
            _ => assert!(
                log.get("served_by").is_some() && operation.get("status").is_some(),
                "{log}"
            ),
        }
    }
}

#[tokio::test]
async fn hex_ids_still_name_the_same_objects() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // IDs in another form that still name the same objects.
    let app = app_taking("hex-id-suffix").await;
    let (_, _, tomato_answer) = app
        .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
        .await;
    let id = tomato_answer["id"].as_str().unwrap().to_owned();
    assert!(
        regex::Regex::new("^tom_[0-9a-f]{32}$")
            .unwrap()
            .is_match(&id),
        "{id}"
    );
    let (status, _, sliced) = app.exchange("POST", "/v1/tomato/slice", &with_session, Some(json!({"tomato_ids": [id], "method": "dice", "size": "medium", "consistency": "uniform"}))).await;
    assert_eq!(status, 200, "{sliced}");
    assert_eq!(sliced["source_tomato_ids"][0], id.as_str());
}

#[tokio::test]
async fn the_error_freedoms_change_only_undocumented_errors() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // Errors.
    let (status, _, _) = exchange(
        "validation-422",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(json!({"variety": "Roma"})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = exchange(
        "validation-422",
        "POST",
        "/v1/tomato/acquire",
        &[],
        Some(tomato()),
    )
    .await;
    assert_eq!(status, 400, "the documented 400 stays a 400");
    let (_, _, body) = exchange("other-error-wording", "GET", "/v1/nothing", &[], None).await;
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| !e.contains("No such endpoint") && e.contains("NOT FOUND")),
        "{body}"
    );
    let (_, _, body) = exchange("detail-error-shape", "GET", "/v1/nothing", &[], None).await;
    assert!(
        body.get("detail").is_some() && body.get("error").is_none(),
        "{body}"
    );
    let (_, _, body) = exchange(
        "detail-error-shape",
        "POST",
        "/v1/tomato/acquire",
        &[],
        Some(tomato()),
    )
    .await;
    assert_eq!(
        body,
        json!({"error": "X-Session-ID header is required"}),
        "documented errors keep their shape"
    );
}

#[tokio::test]
async fn null_for_absent_writes_optional_fields_as_null() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // Optional fields written as null.
    let app = app_taking("null-for-absent").await;
    let (_, _, tomato_answer) = app
        .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
        .await;
    let (_, _, analysis) = app
        .exchange(
            "POST",
            "/v1/taste/analyze",
            &with_session,
            Some(json!({"dish_id": tomato_answer["id"]})),
        )
        .await;
    assert!(
        analysis["aroma"].is_null() && analysis.get("aroma").is_some(),
        "{analysis}"
    );
}

#[tokio::test]
async fn the_status_and_header_freedoms_change_only_what_the_docs_leave_open() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // Statuses and headers.
    let (status, headers, _) = exchange(
        "created-201",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(tomato()),
    )
    .await;
    assert_eq!(status, 201);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let (status, _, _) = exchange("created-201", "POST", "/v1/cook/simmer", &with_session, Some(json!({"ingredients": [{"id": "generic", "name": "garlic", "amount": 2, "unit": "cloves"}], "temperature": 100, "duration": "30m"}))).await;
    assert_eq!(status, 200, "simmer keeps its documented 200");
    let (_, headers, _) = exchange(
        "charset",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(tomato()),
    )
    .await;
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    let (_, headers, _) = exchange(
        "connection-close",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(tomato()),
    )
    .await;
    assert_eq!(headers["connection"], "close");
}

#[tokio::test]
async fn freedoms_can_be_listed_and_changed_at_run_time() {
    let app = spawn_app().await;
    let (status, _, listed) = app.exchange("GET", "/__admin/freedoms", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["available"].as_array().map(Vec::len),
        Some(Freedom::ALL.len())
    );
    let (status, _, set) = app
        .exchange(
            "PUT",
            "/__admin/freedoms",
            &[],
            Some(json!({"freedoms": ["created-201"]})),
        )
        .await;
    assert_eq!(
        (status, set["active"].clone()),
        (200, json!(["created-201"]))
    );
    let session = new_session();
    let (status, _, _) = app
        .exchange(
            "POST",
            "/v1/tomato/acquire",
            &[("X-Session-ID", session.as_str())],
            Some(tomato()),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, refused) = app
        .exchange(
            "PUT",
            "/__admin/freedoms",
            &[],
            Some(json!({"freedoms": ["nope"]})),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("hex-id-suffix"));
}

#[tokio::test]
async fn compare_needs_two_refuses_one_dish_as_a_body_after_the_key() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // One dish compared: refused as a body, after the key.
    let app = app_taking("compare-needs-two").await;
    let (_, _, tomato_answer) = app
        .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
        .await;
    let one = json!({"dish_ids": [tomato_answer["id"]]});
    let (status, _, body) = app
        .exchange(
            "POST",
            "/v1/taste/compare",
            &with_session,
            Some(one.clone()),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "dish_ids: must contain at least 2 items");
    assert_eq!(
        without_key(&app, "/v1/taste/compare", &session, one).await,
        401,
        "the key is still checked first"
    );
    let (_, _, second) = app
        .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
        .await;
    let two = json!({"dish_ids": [tomato_answer["id"], second["id"]]});
    let (status, _, body) = app
        .exchange("POST", "/v1/taste/compare", &with_session, Some(two))
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_assembly_without_toppings_may_be_refused() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // An assembly without toppings.
    let app = app_taking("toppings-required").await;
    let (base, sauce) = base_and_sauce(&app, &with_session).await;
    let (status, _, body) = app
        .exchange(
            "POST",
            "/v1/pizza/assemble",
            &with_session,
            Some(json!({"base_id": base, "sauce_id": sauce})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("toppings: required: list at least one topping"))
    );
    let (status, _, _) = app
        .exchange(
            "POST",
            "/v1/pizza/assemble",
            &with_session,
            Some(json!({"base_id": base, "sauce_id": sauce, "toppings": ["basil"]})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, _, log) = app
        .exchange("GET", &format!("/v1/session/{session}/log"), &[], None)
        .await;
    assert_eq!(
        log["objects"].as_array().map(Vec::len),
        Some(3),
        "the refused assembly made nothing: {log}"
    );
}

#[tokio::test]
async fn toppings_as_objects_only_refuses_names_and_takes_objects() {
    // Toppings as objects only: names refused, the same toppings as objects taken.
    let app = app_taking("toppings-as-objects").await;
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];
    let (base, sauce) = base_and_sauce(&app, &with_session).await;
    let (status, _, _) = app
        .exchange(
            "POST",
            "/v1/pizza/assemble",
            &with_session,
            Some(json!({"base_id": base, "sauce_id": sauce, "toppings": ["basil"]})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = app
        .exchange(
            "POST",
            "/v1/pizza/assemble",
            &with_session,
            Some(json!({"base_id": base, "sauce_id": sauce, "toppings": [{"name": "basil"}]})),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn strict_validation_refuses_unknown_fields_with_a_422_list() {
    let session = new_session();
    let with_session = [("X-Session-ID", session.as_str())];

    // Strict validation: unknown fields refused, every refusal a 422 with a list.
    let (status, _, body) = exchange(
        "strict-validation",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(json!({"variety": "Roma", "ripeness": 0.5, "weight": 100, "colour": "red"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "colour", "{body}");
    let (status, _, body) = exchange(
        "strict-validation",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(json!({"variety": "Roma", "ripeness": 7, "weight": 100})),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("ripeness")),
        "{body}"
    );
    let (status, _, _) = exchange(
        "strict-validation",
        "POST",
        "/v1/tomato/acquire",
        &with_session,
        Some(tomato()),
    )
    .await;
    assert_eq!(status, 200, "a known body is taken");
}

#[tokio::test]
async fn expired_sessions_may_be_refused_once_or_for_good() {
    // Expired sessions: refused once, or for good.
    for (freedom, for_good) in [
        ("expired-session-404", false),
        ("expired-ids-never-reused", true),
    ] {
        let app = spawn_app_with(ServeConfig {
            freedoms: vec![freedom.to_owned()],
            admin: true,
            ..ServeConfig::default()
        })
        .await;
        let session = new_session();
        let with_session = [("X-Session-ID", session.as_str())];
        let (_, _, tomato_answer) = app
            .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
            .await;
        let slice = json!({"tomato_ids": [tomato_answer["id"]], "method": "dice", "size": "medium", "consistency": "uniform"});
        app.advance("10m").await;
        let (status, _, _) = app
            .exchange(
                "POST",
                "/v1/tomato/slice",
                &with_session,
                Some(slice.clone()),
            )
            .await;
        assert_eq!(
            status, 200,
            "{freedom}: a session used within its TTL lives on"
        );
        app.advance("31m").await;
        assert_eq!(
            without_key(&app, "/v1/tomato/slice", &session, slice.clone()).await,
            401,
            "{freedom}: the key is still checked first"
        );
        let (status, _, body) = app
            .exchange(
                "POST",
                "/v1/tomato/slice",
                &with_session,
                Some(slice.clone()),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("Session has expired")),
            "{freedom}"
        );
        let (status, _, _) = app
            .exchange("POST", "/v1/tomato/acquire", &with_session, Some(tomato()))
            .await;
        assert_eq!(
            status == 404,
            for_good,
            "{freedom}: the ID after its expiry"
        );
    }
}

/// The status of a POST with a session header and no API key.
async fn without_key(app: &TestApp, path: &str, session: &str, body: Value) -> u16 {
    app.send(
        reqwest::Method::POST,
        path,
        &[
            ("X-Session-ID", session),
            ("Content-Type", "application/json"),
        ],
        Some(body.to_string().into_bytes()),
    )
    .await
    .status
}

/// A base and a sauce made in the session `with_session` names, for an
/// assembly: their IDs.
async fn base_and_sauce(app: &TestApp, with_session: &[(&str, &str)]) -> (Value, Value) {
    let base = app
        .exchange(
            "POST",
            "/v1/pizza/base",
            with_session,
            Some(json!({"thickness": "thin", "size": "12inch", "style": "roman"})),
        )
        .await
        .2["id"]
        .clone();
    let sauce = app
        .exchange(
            "POST",
            "/v1/cook/simmer",
            with_session,
            Some(json!({"ingredients": [{"id": "generic", "name": "garlic", "amount": 2, "unit": "cloves"}], "temperature": 100, "duration": "30m"})),
        )
        .await
        .2["id"]
        .clone();
    (base, sauce)
}

//! The step runner on its own: every assertion kind fails on a wrong
//! response and passes on a right one, schema validation catches a
//! malformed body, an unreachable target is an unevaluated step, cases
//! needing what the target lacks are skipped with the reason, and a failed
//! SHOULD or MOCK status stops no MUST check after it.

use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use pizzastack::case::{Level, Location};
use pizzastack::runner::{CaseStatus, Verdict};
use serde_json::json;
use std::time::Duration;

use super::*;

/// Each assertion kind: one the wrong server breaks, the check's name,
/// and one it meets.
const ASSERTION_KINDS: [(&str, &str, &str); 16] = [
    ("status: 400", "status", "status: 200"),
    (
        "headers: {x-flavour: {equals: spicy}}",
        "header x-flavour equals",
        "headers: {x-flavour: {equals: bland}}",
    ),
    (
        "headers: {x-flavour: {contains: spic}}",
        "header x-flavour contains",
        "headers: {x-flavour: {contains: lan}}",
    ),
    (
        "headers: {x-missing: {present: true}}",
        "header x-missing present",
        "headers: {x-flavour: {present: true}}",
    ),
    (
        "body: [{pointer: /error, equals: Object not found in session}]",
        "body /error equals",
        "body: [{pointer: /error, equals: 5}]",
    ),
    (
        "body: [{pointer: /name, not_equals: Roma}]",
        "body /name not_equals",
        "body: [{pointer: /name, not_equals: Marzano}]",
    ),
    (
        "body: [{pointer: /id, matches: '^tom_[a-z0-9]+$'}]",
        "body /id matches",
        "body: [{pointer: /id, matches: '^xyz_'}]",
    ),
    (
        "body: [{pointer: /error, type: string}]",
        "body /error type",
        "body: [{pointer: /error, type: integer}]",
    ),
    (
        "body: [{pointer: /score, range: [0, 1]}]",
        "body /score range",
        "body: [{pointer: /score, range: [1, 2]}]",
    ),
    (
        "body: [{pointer: /properties, exists: true}]",
        "body /properties exists",
        "body: [{pointer: /items, exists: true}]",
    ),
    (
        "body: [{pointer: /error, absent: true}]",
        "body /error absent",
        "body: [{pointer: /nothing, absent: true}]",
    ),
    (
        "body: [{pointer: /id, prefix: tom_}]",
        "body /id prefix",
        "body: [{pointer: /id, prefix: xyz_}]",
    ),
    (
        "body: [{pointer: /items, length: 2}]",
        "body /items length",
        "body: [{pointer: /items, length: 3}]",
    ),
    (
        "body: [{pointer: /score, less_than: 1.5}]",
        "body /score less_than",
        "body: [{pointer: /score, less_than: 2}]",
    ),
    (
        "body: [{pointer: /score, greater_than: 1.5}]",
        "body /score greater_than",
        "body: [{pointer: /score, greater_than: 1}]",
    ),
    (
        "body: [{pointer: /items, sorted: {order: descending}}]",
        "body /items sorted",
        "body: [{pointer: /items, sorted: {order: ascending}}]",
    ),
];

#[tokio::test]
async fn every_assertion_kind_fails_on_a_wrong_response_and_passes_on_a_right_one() {
    let base = spawn_wrong_server().await;
    for (breaks, check, holds) in ASSERTION_KINDS {
        let outcome = run_text(&one_step_case(&format!("      {breaks}\n")), &base).await;
        assert_eq!(outcome.status, CaseStatus::Failed, "{breaks} should fail");
        let failure = &outcome.steps[0].failures[0];
        assert_eq!(failure.check.to_string(), check, "{breaks}");
        assert_ne!(
            failure.location,
            Location::default(),
            "{breaks}: the failure points into the file"
        );
        assert!(!failure.expected.is_empty() && !failure.actual.is_empty());
        let outcome = run_text(&one_step_case(&format!("      {holds}\n")), &base).await;
        assert_eq!(
            outcome.status,
            CaseStatus::Passed,
            "{holds} should pass: {:?}",
            outcome.steps[0].failures
        );
    }
}

#[tokio::test]
async fn a_response_that_breaks_its_schema_fails_the_step() {
    let base = spawn_wrong_server().await;
    let outcome = run_text(
        "name: acquire\nrules: [ACQ-001]\nsteps:\n  - request: {method: POST, path: /v1/tomato/acquire, json: {variety: Roma, ripeness: 0.5, weight: 1}}\n    expect: {status: 200}\n",
        &base,
    )
    .await;
    // Each schema problem counts against its own rule: the prefix against
    // ID-001, the missing fields against ACQ-001.
    let failures = &outcome.steps[0].failures;
    let against = |rule: &str| {
        failures
            .iter()
            .find(|f| f.rules == [rule])
            .unwrap_or_else(|| panic!("no failure against {rule}: {failures:#?}"))
    };
    assert_eq!(
        against("ACQ-001").check,
        pizzastack::runner::Check::Schema {
            schema: "tomato.json".to_owned()
        }
    );
    assert!(against("ACQ-001").actual.contains("variety"));
    assert!(!against("ACQ-001").actual.contains("/id"));
    assert!(against("ID-001").actual.contains("/id"));
    assert_eq!(against("ID-001").level, Some(Level::Must));
    let verdict = |rule: &str| {
        outcome
            .rule_checks
            .iter()
            .find(|c| c.id == rule)
            .map(|c| c.verdict)
    };
    assert_eq!(verdict("ACQ-001"), Some(Verdict::Fail));
    assert_eq!(verdict("ID-001"), Some(Verdict::Fail));
}

#[tokio::test]
async fn an_unreachable_target_is_an_unevaluated_step_not_a_panic() {
    let outcome = run_text(
        &one_step_case(
            "      status: 200
",
        ),
        "http://127.0.0.1:1",
    )
    .await;
    // No answer says nothing about ACQ-001: it could not be evaluated.
    assert!(
        matches!(outcome.status, CaseStatus::Error { .. }),
        "{:?}",
        outcome.status
    );
    assert!(
        outcome.steps[0].failures[0]
            .actual
            .contains("cannot connect"),
        "{:?}",
        outcome.steps[0].failures
    );
}

#[tokio::test]
async fn cases_needing_what_the_target_lacks_are_skipped_with_the_reason() {
    let outcome = run_text(
        "name: n\nrules: [SESS-006]\nrequires: [session_expiry]\nsteps:\n  - expire_sessions: true\n  - request: {method: GET, path: /v1/session/x/log}\n    expect: {status: 404}\n",
        "http://127.0.0.1:1",
    )
    .await;
    match outcome.status {
        CaseStatus::Skipped { reason } => assert!(reason.contains("--session-ttl"), "{reason}"),
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn expiry_cases_are_skipped_without_a_way_to_expire_and_pass_when_the_ttl_is_given() {
    // A mock without --admin and with a tiny TTL, as a third party might be.
    let app = spawn_app_with(pizzastack::config::ServeConfig {
        session_ttl: Duration::from_millis(100),
        ..Default::default()
    })
    .await;
    let url = app.url("");
    let run = move |extra: &'static [&'static str]| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            pizzastack_command()
                .args(["check", "--target", &url, "sessions/expiry"])
                .args(extra)
                .output()
                .unwrap()
        })
    };
    let skipped = run(&[]).await.unwrap();
    let stdout = String::from_utf8_lossy(&skipped.stdout);
    // Nothing was verified, so the run is never a pass.
    assert_eq!(skipped.status.code(), Some(2), "{stdout}");
    assert!(
        String::from_utf8_lossy(&skipped.stderr)
            .contains("no rule could be verified against http://127.0.0.1:")
            && String::from_utf8_lossy(&skipped.stderr).contains("every case selected was skipped"),
        "{}",
        String::from_utf8_lossy(&skipped.stderr)
    );
    assert!(
        stdout.contains("conformance: 0 passed, 0 failed, 1 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sessions/expiry [SESS-006]: needs sessions to expire"),
        "{stdout}"
    );
    let waited = run(&["--session-ttl", "100ms"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&waited.stdout);
    assert_eq!(waited.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("conformance: 1 passed, 0 failed, 0 skipped"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_should_or_mock_status_that_fails_stops_no_must_check_after_it() {
    let base = spawn_wrong_server().await;
    // The wrong server answers 200 to everything: the first step's status
    // fails a SHOULD rule (and a MOCK detail), the later steps hold.
    let text = "\
name: a guess fails first
rules: [SESS-003, SESS-002, ERR-002]
steps:
  - rules: [SESS-003]
    request: {method: GET, path: /first}
    expect: {status: 404, schema: false, body: [{pointer: /x, exists: true}]}
  - rules: [ERR-002]
    request: {method: GET, path: /second}
    expect: {status: 400, schema: false}
  - rules: [SESS-002]
    request: {method: GET, path: /third}
    expect: {status: 200, schema: false}
";
    let outcome = run_text(text, &base).await;
    assert_eq!(
        outcome.steps.len(),
        3,
        "nothing stopped the case: {outcome:#?}"
    );
    assert_eq!(verdict(&outcome, "SESS-003"), Some(Verdict::Fail));
    assert_eq!(verdict(&outcome, "ERR-002"), Some(Verdict::Fail));
    assert_eq!(
        verdict(&outcome, "SESS-002"),
        Some(Verdict::Pass),
        "{outcome:#?}"
    );
    // A failed status that a later step needs (a capture) still stops it,
    // and so does one at MUST.
    let text = "\
name: a guess a later step needs
rules: [SESS-003, SESS-002]
steps:
  - rules: [SESS-003]
    request: {method: GET, path: /first}
    expect: {status: 404, schema: false}
    capture: {id: {pointer: /id}}
  - rules: [SESS-002]
    request: {method: GET, path: \"/second/{{id}}\"}
    expect: {status: 200, schema: false}
";
    let outcome = run_text(text, &base).await;
    assert_eq!(outcome.steps.len(), 1, "{outcome:#?}");
    assert!(outcome
        .rule_checks
        .iter()
        .any(|c| c.id == "SESS-002" && c.verdict == Verdict::Error));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_read_refused_without_the_session_header_is_read_again_with_it() {
    // A server that follows the Authentication page: every request, the
    // log read too, needs X-Session-ID.
    async fn answer(headers: HeaderMap) -> impl IntoResponse {
        if headers.contains_key("x-session-id") {
            (
                StatusCode::OK,
                axum::Json(json!({"objects": [], "operations": []})),
            )
        } else {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "X-Session-ID header is required"})),
            )
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(answer))
            .await
            .unwrap();
    });
    let text = "\
name: the log with X-API-Key alone
rules: [LOG-001, SESS-001/not-on-log]
steps:
  - rules: [LOG-001]
    request:
      method: GET
      path: /v1/session/{{session}}/log
      headers: {X-Session-ID: null}
    expect:
      status: {code: 200, rule: SESS-001/not-on-log}
      schema: false
      body:
        - {pointer: /objects, length: 0}
";
    let outcome = run_text(text, &base).await;
    assert_eq!(
        verdict(&outcome, "SESS-001/not-on-log"),
        Some(Verdict::Fail)
    );
    assert_eq!(
        verdict(&outcome, "LOG-001"),
        Some(Verdict::Pass),
        "{outcome:#?}"
    );
    let sent = outcome.steps[0].request.as_ref().unwrap();
    assert!(
        sent.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("x-session-id")),
        "the report shows the request that was checked: {sent:?}"
    );
}

//! The runner's own tests: the loader reports every mistake with its place,
//! every assertion kind fails on a wrong response (and passes on a right
//! one), schema validation catches a malformed body, and the `check`
//! command writes its reports and picks the documented exit codes.

use std::process::Command;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use pizzastack::case::{parse_case, Level, Location, RuleCatalogue};
use pizzastack::runner::{run_case, CaseStatus, Expiry, Target, Verdict};
use pizzastack::spec::Spec;
use serde_json::json;

use crate::helpers::*;

/// A server that answers every request with the same deliberately odd
/// body, so that assertions can be shown failing on it.
async fn spawn_wrong_server() -> String {
    async fn answer(headers: HeaderMap) -> impl IntoResponse {
        let status = if headers.contains_key("x-want-created") {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (
            status,
            [("content-type", "application/json"), ("x-flavour", "bland")],
            json!({
                "id": "xyz_123",
                "type": "raw",
                "error": 5,
                "score": 1.5,
                "items": [1, 2, 3],
                "name": "Roma"
            })
            .to_string(),
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(answer);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn target(base_url: String) -> Target {
    Target {
        base_url,
        api_key: KEY.to_owned(),
        other_api_key: None,
        timeout: Duration::from_secs(5),
        expiry: Expiry::Unavailable,
        max_body: pizzastack::runner::DEFAULT_MAX_BODY,
        variables: Default::default(),
        waits: Default::default(),
    }
}

/// Parses a case from text and runs it against `base_url`.
async fn run_text(text: &str, base_url: &str) -> pizzastack::runner::CaseOutcome {
    let case = parse_case("case.yaml", text, &RuleCatalogue::embedded()).unwrap();
    let client = pizzastack::runner::http_client().unwrap();
    run_case(
        &client,
        &target(base_url.to_owned()),
        &case,
        Spec::embedded().unwrap(),
        &RuleCatalogue::embedded(),
    )
    .await
}

fn one_step_case(expect: &str) -> String {
    format!(
        "name: probe\nrules: [ACQ-001]\nsteps:\n  - request: {{method: GET, path: /anything}}\n    expect:\n      schema: false\n{expect}"
    )
}

#[test]
fn a_case_file_with_three_mistakes_reports_all_three_with_line_and_column() {
    let text = "\
name: three mistakes
rules: [SES-005]
steps:
  - request:
      method: POST
      path: /v1/tomato/acquire
      jsn: {variety: Roma}
    expect:
      body:
        - {pointer: /id, prefix: \"{{tomato}}\"}
";
    let diagnostics = parse_case("three.yaml", text, &RuleCatalogue::embedded()).unwrap_err();
    let found: Vec<(usize, usize, &str)> = diagnostics
        .iter()
        .map(|d| (d.location.line, d.location.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (2, 9, "unknown rule `SES-005`"),
            (7, 7, "unknown key `jsn` in a request"),
            (10, 34, "`{{tomato}}` is not defined at this point"),
        ],
        "{diagnostics:#?}"
    );
    assert_eq!(
        diagnostics[0].hint.as_deref(),
        Some("did you mean `SESS-005`? rule IDs come from pizzastack-api.md")
    );
    assert!(diagnostics[1]
        .hint
        .as_deref()
        .unwrap()
        .starts_with("did you mean `json`?"));
    assert_eq!(
        diagnostics[0].to_string().lines().next(),
        Some("three.yaml:2:9: unknown rule `SES-005`")
    );
}

#[test]
fn invalid_yaml_is_reported_with_its_place_not_a_panic() {
    let diagnostics = parse_case(
        "bad.yaml",
        "name: [unclosed\nrules: x",
        &RuleCatalogue::embedded(),
    )
    .unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert!(
        diagnostics[0].message.starts_with("not valid YAML"),
        "{diagnostics:?}"
    );
    assert!(diagnostics[0].location.line >= 1);
}

#[test]
fn every_embedded_case_loads_without_diagnostics() {
    let loaded = pizzastack::case::load_embedded(&RuleCatalogue::embedded());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(loaded.cases.len() >= 10);
}

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

#[test]
fn the_attribution_keys_are_checked_when_loading() {
    let text = "\
name: attribution mistakes
rules: [SESS-005, ID-002]
examples: [session-management/no-such-example]
steps:
  - rules: [SES-005]
    request: {method: POST, path: /v1/tomato/acquire, json: {variety: Roma, ripeness: 0.5, weight: 1}}
    expect:
      status: {code: 2xx, rule: SESS-005}
    capture:
      suffix: {pointer: /id, regex: \"(unclosed\"}
  - idle: 1.5
";
    let diagnostics = parse_case("attribution.yaml", text, &RuleCatalogue::embedded()).unwrap_err();
    let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
    for expected in [
        "unknown documented example `session-management/no-such-example`",
        "unknown rule `SES-005`",
        "`(unclosed` is not a valid regular expression",
        "`idle` is the fraction of the session TTL to let pass, above 0 and below 1",
        "the case cites `ID-002`, but no expectation checks it",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "missing {expected:?} in {messages:#?}"
        );
    }
    let idle_without_requirement = "\
name: waits
rules: [SESS-006]
steps:
  - idle: 0.5
  - rules: [SESS-006]
    request: {method: GET, path: /v1/session/x/log}
    expect: {status: 404}
";
    let diagnostics = parse_case(
        "waits.yaml",
        idle_without_requirement,
        &RuleCatalogue::embedded(),
    )
    .unwrap_err();
    assert!(
        diagnostics[0].message.contains("does not say it needs to"),
        "{diagnostics:#?}"
    );
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

fn pizzastack() -> Command {
    pizzastack_command()
}

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_against_the_mock_and_writes_junit_and_json() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("pizzastack-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, report) = (dir.join("junit.xml"), dir.join("report.json"));
    let output = tokio::task::spawn_blocking({
        let (junit, report, url) = (junit.clone(), report.clone(), app.url(""));
        move || {
            pizzastack()
                .args(["check", "--target", &url, "--other-api-key", OTHER_KEY])
                .arg("--report-junit")
                .arg(&junit)
                .arg("--report-json")
                .arg(&report)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("conformance: ") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no colours off a terminal: {stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testcase name=\"sessions/cross-session-slice [SESS-005]\""),
        "{xml}"
    );
    assert!(xml.contains("name=\"rules\" value=\"SESS-005\""));
    let report_text = std::fs::read_to_string(&report).unwrap();
    let json: serde_json::Value = serde_json::from_str(&report_text).unwrap();
    let exchanges = json["cases"].to_string();
    assert!(
        !exchanges.contains("your-api-key"),
        "the API key is masked in the recorded requests"
    );
    assert!(exchanges.contains("[redacted]"));
    assert_eq!(json["passed"], true);
    let rule = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "SESS-005")
        .unwrap();
    assert_eq!(rule["verdict"], "pass");
    assert_eq!(rule["level"], "MUST");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn check_exits_1_and_names_the_deviation_against_a_wrong_server() {
    let base = spawn_wrong_server().await;
    let output = tokio::task::spawn_blocking(move || {
        pizzastack()
            .args(["check", "--target", &base, "tomato/acquire"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL tomato/acquire"), "{stdout}");
    assert!(
        stdout.contains("expected:") && stdout.contains("actual:"),
        "{stdout}"
    );
    assert!(stdout.contains("> POST "), "the request is shown: {stdout}");
    assert!(
        stdout.contains("> X-API-Key: [redacted]"),
        "the key is masked: {stdout}"
    );
    assert!(
        !stdout.contains("your-api-key"),
        "the key never reaches a report: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_colours_its_verdicts_when_asked_to_as_on_a_terminal() {
    let base = spawn_wrong_server().await;
    let output = tokio::task::spawn_blocking(move || {
        pizzastack()
            .args(["check", "--target", &base, "tomato/acquire"])
            .env("CLICOLOR_FORCE", "1")
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // FAIL in bold red, as a label and in the rule table.
    assert!(stdout.contains("\u{1b}[1m\u{1b}[31mFAIL"), "{stdout:?}");
    let plain = pizzastack()
        .args(["check", "--target", "http://127.0.0.1:1"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\u{1b}'));
}

#[test]
fn check_exits_2_with_one_clear_line_for_a_target_that_is_down() {
    let output = pizzastack()
        .args(["check", "--target", "http://127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: cannot reach the target http://127.0.0.1:1: connection refused or host unreachable"
    );
}

#[test]
fn check_exits_2_listing_every_problem_of_broken_case_files() {
    let dir = std::env::temp_dir().join(format!("pizzastack-cases-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.yaml"),
        "name: a\nrules: [NOPE-001]\nsteps: []\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.yaml"), "name: b\n").unwrap();
    let output = pizzastack()
        .args(["check", "--target", "http://127.0.0.1:1", "--cases"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Each problem as a compiler shows one: message, place, line, mark.
    for (message, place, line, mark) in [
        (
            "unknown rule `NOPE-001`",
            "a.yaml:2:9",
            "2 | rules: [NOPE-001]",
            "^^^^^^^^",
        ),
        ("`steps` is empty", "a.yaml:3:8", "3 | steps: []", "^^"),
        ("the case has no `rules`", "b.yaml:1:1", "1 | name: b", "^"),
    ] {
        // The path as it was given: here the whole folder's.
        let shown = format!("error: {message}\n --> {}/{place}", dir.display());
        assert!(stderr.contains(&shown), "{shown:?} in {stderr}");
        assert!(stderr.contains(line) && stderr.contains(mark), "{stderr}");
    }
    assert!(
        !stderr.contains('\u{1b}'),
        "no colours off a terminal: {stderr}"
    );
    assert!(stderr.contains("nothing was run"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_refuses_bad_arguments_with_exit_2() {
    let output = pizzastack()
        .args(["check", "--target", "http://x", "--timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = pizzastack()
        .args(["check", "--target", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must be an http:// or https:// URL"));
}

#[test]
fn list_names_every_case_with_its_rules_without_a_target_running() {
    let output = pizzastack()
        .args(["check", "--target", "http://127.0.0.1:1", "--list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("sessions/cross-session-slice [SESS-005] (MUST): "),
        "{stdout}"
    );
}

#[test]
fn every_case_file_validates_against_the_case_schema_and_a_broken_one_does_not() {
    let root = env!("CARGO_MANIFEST_DIR");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/specs/case.schema.json")).unwrap(),
    )
    .unwrap();
    let loaded = pizzastack::case::CaseSources {
        paths: vec![format!("{root}/specs/cases")],
        ..Default::default()
    }
    .load(&RuleCatalogue::embedded())
    .unwrap();
    assert!(!loaded.cases.is_empty());
    for case in &loaded.cases {
        let text = std::fs::read_to_string(format!("{root}/specs/cases/{}", case.file)).unwrap();
        let json = pizzastack::case::yaml_to_json(&case.file, &text).unwrap();
        if let Err(problems) = pizzastack::spec::validate_with(&schema, &json) {
            panic!(
                "{} breaks specs/case.schema.json:\n{}",
                case.file,
                problems.join("\n")
            );
        }
    }
    let broken = json!({"name": "x", "rules": ["SESS-005"], "steps": [{"request": {"method": "post", "path": "v1"}, "expect": {"body": [{"pointer": "/a"}]}}]});
    let problems = pizzastack::spec::validate_with(&schema, &broken).unwrap_err();
    assert!(problems.len() >= 3, "{problems:#?}");
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
            pizzastack()
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

#[test]
fn coverage_lists_rules_and_documented_statuses_without_a_target() {
    let output = pizzastack().args(["check", "--coverage"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("MUST   SESS-005  docs/session-management-errors, sessions/cross-session-every-endpoint"),
        "{stdout}"
    );
    assert!(
        stdout.contains("source: Session Management <http://tomatopy.pizza/docs/core-modules/kitchen-hardware-interface> § Error Handling"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "session-management/error-handling            docs/session-management-errors"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("POST /v1/pizza/bake"), "{stdout}");
    assert!(
        stdout.contains("coverage: 26 of 26 MUST and SHOULD rules cite the docs and 26 have a case; 16 of 16 documented examples are sent by a case"),
        "{stdout}"
    );
}

#[test]
fn the_mock_refuses_to_deviate_from_a_rule_it_does_not_know() {
    let output = pizzastack()
        .args(["serve", "--listen", "127.0.0.1:0", "--deviate", "NOPE-001"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("it can switch off AUTH-001"));
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

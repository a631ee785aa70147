//! Verdicts per rule: each expectation counts against the rule it checks,
//! a single wrong field fails only its own rule, and a setup step that
//! fails leaves the rules after it `error` (not evaluated), never FAIL.
//! The terminal, JUnit and JSON reports follow the same verdicts.

use pizzastack::case::RuleCatalogue;
use pizzastack::config::ServeConfig;
use pizzastack::report;
use pizzastack::runner::{run_case, CaseOutcome, CaseStatus, Verdict};
use pizzastack::spec::Spec;
use pizzastack::summary::{RuleVerdict, Summary};

use crate::helpers::*;

async fn run_builtin(case_id: &str, config: ServeConfig) -> CaseOutcome {
    let case = suite()
        .into_iter()
        .find(|c| c.id() == case_id)
        .unwrap_or_else(|| panic!("no case {case_id}"));
    let target = suite_target(config).await;
    let client = pizzastack::runner::http_client().unwrap();
    run_case(
        &client,
        &target,
        &case,
        Spec::embedded().unwrap(),
        &RuleCatalogue::embedded(),
    )
    .await
}

#[tokio::test]
async fn a_log_endpoint_written_without_v1_fails_no_must_rule() {
    // The report that started it all: a server writing "/tomato/acquire"
    // in its log failed LOG-001, LOG-002 and SESS-002 as MUST.
    let outcome = run_builtin(
        "sessions/first-request-creates-session",
        ServeConfig {
            freedoms: vec!["log-endpoint-without-v1".into()],
            ..ServeConfig::default()
        },
    )
    .await;
    assert_eq!(verdict(&outcome, "SESS-002"), Some(Verdict::Pass));
    assert_eq!(verdict(&outcome, "LOG-002"), Some(Verdict::Pass));
    assert_eq!(
        verdict(&outcome, "LOG-001/endpoint-format"),
        Some(Verdict::Fail)
    );
    assert_eq!(
        outcome.status,
        CaseStatus::Failed,
        "the difference is reported"
    );
    assert!(
        !outcome.fails_run(true),
        "but never fails a run, not even with --strict"
    );
}

#[tokio::test]
async fn a_single_wrong_field_fails_only_its_own_rule() {
    // QLT-002 switched off: every pizza scores 0.85 overall, the degraded
    // one included; the sauce and the assembled pizza are still right.
    let outcome = run_builtin(
        "quality/raw-tomato-degrades-the-pizza",
        ServeConfig {
            deviations: vec!["QLT-002".into()],
            ..ServeConfig::default()
        },
    )
    .await;
    assert_eq!(verdict(&outcome, "QLT-002"), Some(Verdict::Fail));
    for held in ["SIM-002", "QLT-001"] {
        assert_eq!(verdict(&outcome, held), Some(Verdict::Pass), "{held}");
    }
    assert!(outcome.fails_run(false));
    let failed: Vec<&str> = outcome
        .failures()
        .flat_map(|(_, f)| f.rules.iter().map(String::as_str))
        .collect();
    assert!(failed.iter().all(|rule| *rule == "QLT-002"), "{failed:?}");
}

#[tokio::test]
async fn a_failed_setup_step_leaves_the_rules_after_it_unevaluated() {
    // SIM-002 switched off: simmer refuses the raw tomato with a 400. That
    // fails SIM-002, and QLT-001 and QLT-002 can no longer be evaluated:
    // they are `error`, not FAIL.
    let outcome = run_builtin(
        "quality/raw-tomato-degrades-the-pizza",
        ServeConfig {
            deviations: vec!["SIM-002".into()],
            ..ServeConfig::default()
        },
    )
    .await;
    assert_eq!(verdict(&outcome, "SIM-002"), Some(Verdict::Fail));
    for blocked in ["QLT-001", "QLT-002"] {
        assert_eq!(
            verdict(&outcome, blocked),
            Some(Verdict::Error),
            "{blocked}"
        );
    }
}

#[tokio::test]
async fn a_setup_failure_is_an_error_in_every_report_and_fails_only_with_strict() {
    // The case's setup acquire is refused (a key the target does not know),
    // so the rule it is about is never reached.
    let text = "\
name: setup refused
rules: [ID-002]
steps:
  - request:
      method: POST
      path: /v1/tomato/acquire
      headers: {X-API-Key: not-a-key}
      json: {variety: Roma, ripeness: 0.5, weight: 100}
    expect: {status: 2xx}
    capture: {first: {pointer: /id}}
  - rules: [ID-002]
    request:
      method: POST
      path: /v1/tomato/acquire
      json: {variety: Roma, ripeness: 0.5, weight: 100}
    expect:
      status: 2xx
      body: [{pointer: /id, not_equals: \"{{first}}\"}]
";
    let catalogue = RuleCatalogue::embedded();
    let case = pizzastack::case::parse_case("setup.yaml", text, &catalogue).unwrap();
    let target = suite_target(ServeConfig::default()).await;
    let client = pizzastack::runner::http_client().unwrap();
    let outcome = run_case(
        &client,
        &target,
        &case,
        Spec::embedded().unwrap(),
        &catalogue,
    )
    .await;
    assert!(
        matches!(&outcome.status, CaseStatus::Error { reason } if reason.contains("ID-002")),
        "{:?}",
        outcome.status
    );
    assert_eq!(verdict(&outcome, "ID-002"), Some(Verdict::Error));
    assert!(!outcome.fails_run(false), "not verified is not a deviation");
    assert!(
        outcome.fails_run(true),
        "with --strict a MUST rule must be verified"
    );

    let outcomes = vec![outcome];
    let summary = Summary::new(&outcomes, &catalogue, false, "http://x");
    let id002 = summary.rules.iter().find(|r| r.id == "ID-002").unwrap();
    assert_eq!(id002.verdict, RuleVerdict::Error);
    assert_eq!(id002.error_cases, ["setup"]);
    let totals = summary.totals;
    assert_eq!((totals.failed, totals.errors), (0, 1));

    let terminal = report::terminal::render_summary(&summary);
    assert!(terminal.contains("Could not be evaluated"), "{terminal}");
    assert!(terminal.contains("ID-002    error"), "{terminal}");
    let junit = report::junit::render(&summary);
    assert!(
        junit.contains("<error") && !junit.contains("<failure"),
        "{junit}"
    );
    let json: serde_json::Value = serde_json::from_str(&report::json::render(&summary)).unwrap();
    let rule = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ID-002")
        .unwrap();
    assert_eq!(rule["verdict"], "error");
    assert!(rule["sources"][0]
        .as_str()
        .unwrap()
        .contains("Object Tracking Within a Session"));
    assert_eq!(json["cases"][0]["status"], "error");
}

/// A server that knows acquire and refuses every other body as FastAPI
/// does (422), as a target would refuse the squeeze body the cases guess.
async fn spawn_server_refusing_all_but_acquire() -> String {
    use axum::http::StatusCode;
    use axum::routing::post;
    async fn acquire() -> (StatusCode, axum::Json<serde_json::Value>) {
        (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({
                "id": "tom_1a2b3c4d", "variety": "San Marzano", "ripeness": 0.8,
                "weight": 150, "type": "raw", "properties": {}
            })),
        )
    }
    async fn refuse() -> (StatusCode, axum::Json<serde_json::Value>) {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(
                serde_json::json!({"detail": [{"loc": ["body", "tomato_id"], "msg": "field required"}]}),
            ),
        )
    }
    let app = axum::Router::new()
        .route("/v1/tomato/acquire", post(acquire))
        .fallback(refuse);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_refused_guessed_body_leaves_its_rule_unevaluated_and_says_so() {
    let case = suite()
        .into_iter()
        .find(|c| c.id() == "tomato/squeeze")
        .unwrap();
    let catalogue = RuleCatalogue::embedded();
    let target = pizzastack::runner::Target {
        base_url: spawn_server_refusing_all_but_acquire().await,
        api_key: KEY.to_owned(),
        other_api_key: None,
        timeout: std::time::Duration::from_secs(5),
        expiry: pizzastack::runner::Expiry::Unavailable,
        max_body: pizzastack::runner::DEFAULT_MAX_BODY,
        variables: Default::default(),
        waits: Default::default(),
    };
    let client = pizzastack::runner::http_client().unwrap();
    let outcome = run_case(
        &client,
        &target,
        &case,
        Spec::embedded().unwrap(),
        &catalogue,
    )
    .await;
    assert_eq!(
        verdict(&outcome, "SQZ-001/request-body"),
        Some(Verdict::Fail)
    );
    assert_eq!(verdict(&outcome, "SQZ-001"), Some(Verdict::Error));
    assert!(!outcome.fails_run(false));
    let outcomes = vec![outcome];
    let summary = Summary::new(&outcomes, &catalogue, false, "http://x");
    let totals = summary.totals;
    assert_eq!(
        (totals.passed, totals.errors),
        (0, 1),
        "not verified is not passed"
    );
    let terminal = report::terminal::render_summary(&summary);
    assert!(
        terminal.contains("tomato/squeeze: step 2")
            && terminal.contains("so SQZ-001 could not be evaluated"),
        "{terminal}"
    );
    assert!(terminal.contains("SQZ-001   error"), "{terminal}");
}

#[tokio::test]
async fn a_2xx_where_the_docs_demand_a_refusal_fails_the_rule_even_on_a_guessed_body() {
    // Served without X-Session-ID, the roast's guessed body is accepted:
    // that is SESS-001 broken, never the MOCK detail about the body.
    // The roast's guessed body names a generic ingredient, so a server
    // that serves requests without the header takes it.
    let guessed = ["/v1/cook/roast"];
    let mut case = suite()
        .into_iter()
        .find(|c| c.id() == "sessions/missing-session-header")
        .unwrap();
    // Only the guessed bodies' steps: the documented ones would stop the
    // case first on this server.
    case.steps
        .retain(|s| guessed.iter().any(|e| s.name.starts_with(e)));
    assert_eq!(case.steps.len(), 1);
    let target = suite_target(ServeConfig {
        deviations: vec!["SESS-001".to_owned()],
        ..ServeConfig::default()
    })
    .await;
    let outcome = run_case(
        &pizzastack::runner::http_client().unwrap(),
        &target,
        &case,
        Spec::embedded().unwrap(),
        &RuleCatalogue::embedded(),
    )
    .await;
    for endpoint in guessed {
        let step = outcome
            .steps
            .iter()
            .find(|s| s.name.starts_with(endpoint))
            .unwrap_or_else(|| panic!("{endpoint} ran: {:#?}", outcome.steps));
        let status = step
            .failures
            .iter()
            .find(|f| f.check == pizzastack::runner::Check::Status)
            .unwrap_or_else(|| panic!("{endpoint}: {:#?}", step.failures));
        assert_eq!(
            (status.rules.clone(), status.level),
            (
                vec!["SESS-001".to_owned()],
                Some(pizzastack::case::Level::Must)
            ),
            "{endpoint}: {status:#?}"
        );
        assert_eq!(status.actual, "200", "{endpoint}");
    }
    assert_eq!(verdict(&outcome, "SESS-001"), Some(Verdict::Fail));
}

#[tokio::test]
async fn another_refusal_of_an_expired_sessions_object_is_the_detail_and_a_2xx_the_rule() {
    // A 404 "Session has expired" is allowed by the page: information.
    let outcome = run_builtin(
        "sessions/expiry",
        ServeConfig {
            freedoms: vec!["expired-ids-never-reused".to_owned()],
            ..ServeConfig::default()
        },
    )
    .await;
    assert_eq!(
        verdict(&outcome, "SESS-006"),
        Some(Verdict::Pass),
        "{outcome:#?}"
    );
    assert_eq!(
        verdict(&outcome, "SESS-006/expired-refusal"),
        Some(Verdict::Fail),
        "the mock's 400 is the detail: {outcome:#?}"
    );
    assert!(!outcome.fails_run(true));
    // Never expiring, the tomato is still accepted: SESS-006 itself fails.
    let outcome = run_builtin(
        "sessions/expiry",
        ServeConfig {
            deviations: vec!["SESS-006".to_owned()],
            ..ServeConfig::default()
        },
    )
    .await;
    assert_eq!(verdict(&outcome, "SESS-006"), Some(Verdict::Fail));
    assert!(outcome.fails_run(false));
}

#[tokio::test]
async fn a_refused_guessed_body_is_sent_again_in_another_shape_and_the_rules_behind_it_are_checked()
{
    // A server that takes toppings only as objects refuses the guessed
    // names; the runner sends the same toppings as objects, and the
    // assembled pizza is still judged (and, in a setup step, still made).
    for case in ["pizza/assemble", "pizza/bake"] {
        let outcome = run_builtin(
            case,
            ServeConfig {
                freedoms: vec!["toppings-as-objects".to_owned()],
                ..ServeConfig::default()
            },
        )
        .await;
        assert_eq!(outcome.status, CaseStatus::Failed, "{case}: {outcome:#?}");
        assert!(!outcome.fails_run(true), "{case}: only the guess failed");
        assert!(!outcome.has_unevaluated_rules(), "{case}: {outcome:#?}");
        assert_eq!(
            verdict(&outcome, "ASM-001/request-body"),
            Some(Verdict::Fail),
            "{case}"
        );
        let refusal = outcome
            .failures()
            .find(|(_, f)| f.rules == ["ASM-001/request-body"])
            .map(|(_, f)| f.actual.clone())
            .unwrap_or_default();
        assert!(
            refusal.contains("took it with toppings as {\"name\": ...} objects instead"),
            "{case}: {refusal}"
        );
    }
    assert_eq!(
        verdict(
            &run_builtin(
                "pizza/assemble",
                ServeConfig {
                    freedoms: vec!["toppings-as-objects".to_owned()],
                    ..ServeConfig::default()
                }
            )
            .await,
            "ASM-001"
        ),
        Some(Verdict::Pass)
    );
}

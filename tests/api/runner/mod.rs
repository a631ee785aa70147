//! The runner and the commands built on it: how a case file is loaded
//! and reported, how each step is sent and judged, and the `check`,
//! `explore`, `list` and `coverage` commands as a user runs them, against
//! the mock, a deliberately wrong server and hostile targets.

mod browser;
mod case_files;
mod check_command;
mod explore;
mod hostile_target;
mod outside_user;
mod steps;
mod tls;
mod verdicts;

use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use pizzastack::case::{parse_case, RuleCatalogue};
use pizzastack::runner::{run_case, Expiry, Target};
use pizzastack::spec::Spec;
use serde_json::json;
use std::time::Duration;

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

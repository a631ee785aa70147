//! Running one case against a target: steps in order, stopping at the
//! first step that fails. Running never panics; every problem becomes a
//! [`Failure`] in the outcome.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::assert::{check_response, Checked};
use super::client::send;
use super::outcome::{
    CaseOutcome, CaseStatus, Check, Failure, ReceivedResponse, RuleCheck, SentRequest, StepOutcome,
    Verdict,
};
use super::target::{let_time_pass, Target};
use crate::case::template::{render, render_json, TemplateError, Vars};
use crate::case::{Action, Body, Case, Level, RequestSpec, RuleCatalogue, Step};
use pizzastack_spec::Spec;

/// Runs the steps of `case` against `target` in order. A failed status, a
/// missing capture or no answer at all stops the case; any other failed
/// expectation is recorded against its rules and the case goes on. At the
/// end each rule the case touches gets its verdict: `fail` if one of its
/// expectations failed, `error` if the case stopped before they could all
/// be evaluated, `pass` otherwise.
pub async fn run_case(
    client: &reqwest::Client,
    target: &Target,
    case: &Case,
    spec: &Spec,
    catalogue: &RuleCatalogue,
) -> CaseOutcome {
    let started = Instant::now();
    let mut outcome = CaseOutcome {
        id: case.id().to_owned(),
        name: case.name.clone(),
        file: case.path.clone(),
        rules: case.rules.clone(),
        level: case.level,
        status: CaseStatus::Passed,
        steps: Vec::new(),
        rule_checks: Vec::new(),
        duration: Duration::ZERO,
    };
    if let Some(reason) = target.unmet_requirement(case) {
        outcome.rule_checks = case
            .rules
            .iter()
            .map(|id| RuleCheck {
                id: id.clone(),
                level: level_of(id, catalogue),
                verdict: Verdict::Skipped,
            })
            .collect();
        outcome.status = CaseStatus::Skipped { reason };
        return outcome;
    }
    let mut vars = Vars::default();
    for (name, value) in &target.variables {
        vars.set(name, value.clone());
    }
    vars.set("session", json!(uuid::Uuid::new_v4().to_string()));
    vars.set("other_session", json!(uuid::Uuid::new_v4().to_string()));
    vars.set("uuid", json!(uuid::Uuid::new_v4().to_string()));
    vars.set("api_key", json!(target.api_key));
    for (name, value) in crate::case::key_variants(&target.api_key) {
        vars.set(name, json!(value));
    }
    vars.set(
        "other_api_key",
        json!(target.other_api_key.clone().unwrap_or_default()),
    );
    let mut unevaluated: BTreeSet<&str> = BTreeSet::new();
    for (index, step) in case.steps.iter().enumerate() {
        let result = run_step(client, target, case, step, &mut vars, spec, catalogue).await;
        let blocked = result.blocked;
        if result.unchecked_rest || blocked {
            // What this step attributes and did not get to, or fail.
            let failed: BTreeSet<&String> = result
                .failures
                .iter()
                .flat_map(|f| f.rules.iter())
                .collect();
            unevaluated.extend(
                step.attributed()
                    .into_iter()
                    .filter(|id| !failed.iter().any(|f| f == id)),
            );
        }
        if blocked {
            for later in &case.steps[index + 1..] {
                unevaluated.extend(later.attributed());
            }
        }
        outcome.steps.push(result);
        if blocked {
            break;
        }
    }
    outcome.rule_checks = rule_checks(case, &outcome.steps, &unevaluated, catalogue);
    outcome.status = case_status(&outcome);
    outcome.duration = started.elapsed();
    outcome
}

fn level_of(id: &str, catalogue: &RuleCatalogue) -> Level {
    catalogue.get(id).map_or(Level::Mock, |rule| rule.level)
}

/// The verdict of every rule or detail the case cites, its steps check or
/// a failure was attributed to.
fn rule_checks(
    case: &Case,
    steps: &[StepOutcome],
    unevaluated: &BTreeSet<&str>,
    catalogue: &RuleCatalogue,
) -> Vec<RuleCheck> {
    let failed: BTreeSet<&str> = steps
        .iter()
        .flat_map(|s| s.failures.iter())
        .flat_map(|f| f.rules.iter().map(String::as_str))
        .collect();
    let mut ids: BTreeSet<&str> = case.rules.iter().map(String::as_str).collect();
    ids.extend(case.steps.iter().flat_map(Step::attributed));
    ids.extend(failed.iter().copied());
    ids.into_iter()
        .map(|id| RuleCheck {
            id: id.to_owned(),
            level: level_of(id, catalogue),
            verdict: if failed.contains(id) {
                Verdict::Fail
            } else if unevaluated.contains(id) {
                Verdict::Error
            } else {
                Verdict::Pass
            },
        })
        .collect()
}

/// Failed when a rule failed; error when a step stopped the case with no
/// rule failing; passed otherwise.
fn case_status(outcome: &CaseOutcome) -> CaseStatus {
    if outcome
        .rule_checks
        .iter()
        .any(|c| c.verdict == Verdict::Fail)
    {
        return CaseStatus::Failed;
    }
    match outcome.unevaluated() {
        Some(reason) => CaseStatus::Error { reason },
        None => CaseStatus::Passed,
    }
}

async fn run_step(
    client: &reqwest::Client,
    target: &Target,
    case: &Case,
    step: &Step,
    vars: &mut Vars,
    spec: &Spec,
    catalogue: &RuleCatalogue,
) -> StepOutcome {
    let mut outcome = StepOutcome {
        name: step.name.clone(),
        location: step.location,
        request: None,
        response: None,
        failures: Vec::new(),
        blocked: false,
        unchecked_rest: false,
    };
    let request = match &step.action {
        Action::Request(request) => request,
        Action::ExpireSessions | Action::Idle(_) => {
            let fraction = match step.action {
                Action::Idle(fraction) => Some(fraction),
                _ => None,
            };
            return match let_time_pass(client, target, fraction, case, step).await {
                Ok(()) => outcome,
                Err(failure) => stopped(outcome, failure),
            };
        }
    };
    let sent = match build_request(target, request, vars) {
        Ok(sent) => sent,
        Err(error) => {
            let within = "request".to_owned();
            let failure = Failure::setup(
                Check::Template { within },
                "a request the runner can build",
                error.to_string(),
                step.location,
            );
            return stopped(outcome, failure);
        }
    };
    let response = send(client, target, &sent).await;
    outcome.request = Some(sent.clone());
    let mut response = match response {
        Ok(response) => response,
        Err(error) => {
            // No answer says nothing about the rules: they are unevaluated.
            let failure = Failure::setup(
                Check::Response,
                "an HTTP response",
                error.to_string(),
                step.location,
            );
            return stopped(outcome, failure);
        }
    };
    let mut checked = check_response(
        step,
        &sent.method,
        &sent.path,
        &response,
        vars,
        spec,
        catalogue,
    );
    // A refused guess, in a step that checks rules or in setup, is tried
    // again in the other forms the kit knows.
    if !checked.status_ok && below_must(&checked, true) && (400..500).contains(&response.status) {
        let other = another_request(client, target, step, &sent, &checked, vars, spec, catalogue);
        if let Some((other, answer, found)) = other.await {
            outcome.request = Some(other);
            response = answer;
            checked = found;
        }
    }
    // A status that fails only a SHOULD or MOCK expectation (a guess, or a
    // point where the pages disagree) stops nothing when no later step
    // needs this one's captures: the MUST checks after it still run.
    let goes_on = !checked.status_ok && below_must(&checked, false) && step.captures.is_empty();
    outcome.unchecked_rest = goes_on;
    outcome.blocked =
        (!checked.status_ok && !goes_on) || checked.failures.iter().any(Failure::is_of_the_case);
    outcome.failures = checked.failures;
    if checked.status_ok {
        let missing = super::capture::capture(step, &response, vars, catalogue);
        outcome.blocked |= !missing.is_empty();
        outcome.failures.extend(missing);
    }
    outcome.response = Some(response);
    outcome
}

/// Whether every failure is below MUST; a setup failure (no level)
/// counts as `setup` says.
fn below_must(checked: &Checked, setup: bool) -> bool {
    checked
        .failures
        .iter()
        .all(|f| f.level.map_or(setup, |level| level < Level::Must))
}

/// The step's outcome, stopped by `failure`: the case goes no further.
fn stopped(mut outcome: StepOutcome, failure: Failure) -> StepOutcome {
    outcome.failures.push(failure);
    outcome.blocked = true;
    outcome
}

/// When a target refused a guess (a request body the pages do not show,
/// or the log read without the session header they disagree on): the
/// first of the other requests the kit knows that it takes, its answer,
/// and what checking that answer found. The guess's refusal stays reported
/// at its own level, saying which form was taken.
#[allow(clippy::too_many_arguments)]
async fn another_request(
    client: &reqwest::Client,
    target: &Target,
    step: &Step,
    sent: &SentRequest,
    refused: &Checked,
    vars: &Vars,
    spec: &Spec,
    catalogue: &RuleCatalogue,
) -> Option<(SentRequest, ReceivedResponse, Checked)> {
    let mut others: Vec<(&str, SentRequest)> = Vec::new();
    if let Some(body) = sent
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    {
        for (name, shape) in super::shapes::other_shapes(&sent.path, &body) {
            let body = Some(shape.to_string());
            others.push((
                name,
                SentRequest {
                    body,
                    ..sent.clone()
                },
            ));
        }
    }
    if let Some((name, header)) =
        super::shapes::log_with_session_header(&sent.method, &sent.path, &sent.headers)
    {
        let mut other = sent.clone();
        other.headers.push(header);
        others.push((name, other));
    }
    for (name, other) in others {
        let Ok(answer) = send(client, target, &other).await else {
            continue;
        };
        let mut found = check_response(
            step,
            &other.method,
            &other.path,
            &answer,
            vars,
            spec,
            catalogue,
        );
        if found.status_ok {
            let mut refusal = refused.failures.clone();
            for failure in &mut refusal {
                if failure.rules.is_empty() {
                    // A setup step's guess: it counts against the guess.
                    if let Some(detail) = super::shapes::guess_detail(&sent.path) {
                        failure.rules = vec![detail.to_owned()];
                        failure.level =
                            Some(catalogue.get(detail).map_or(Level::Mock, |r| r.level));
                    }
                }
                failure.actual = format!(
                    "{}; the target took it with {name} instead, and that answer was checked",
                    failure.actual
                );
            }
            refusal.append(&mut found.failures);
            found.failures = refusal;
            return Some((other, answer, found));
        }
    }
    None
}

/// Renders a request spec into what will be sent, with the default headers:
/// the API key, the case's session, and a JSON content type for bodies.
fn build_request(
    target: &Target,
    spec: &RequestSpec,
    vars: &Vars,
) -> Result<SentRequest, TemplateError> {
    let path = render(&spec.path, vars)?;
    let mut headers: Vec<(String, String)> = vec![
        ("X-API-Key".to_owned(), target.api_key.clone()),
        ("X-Session-ID".to_owned(), render("{{session}}", vars)?),
    ];
    let body = match &spec.body {
        Body::None => None,
        Body::Json(value) => Some(render_json(value, vars)?.to_string()),
        Body::Raw(text) => Some(render(text, vars)?),
    };
    if body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    for (name, value) in &spec.headers {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if let Some(value) = value {
            headers.push((name.clone(), render(value, vars)?));
        }
    }
    Ok(SentRequest {
        method: spec.method.clone(),
        url: format!("{}{path}", target.base_url),
        path,
        headers,
        body,
    })
}

//! Running one case against a target: steps in order, stopping at the
//! first step that fails. Running never panics; every problem becomes a
//! [`Failure`] in the outcome.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use std::collections::BTreeSet;

use super::assert::{attribution, check_response, excerpt, Checked};
use super::outcome::{
    CaseOutcome, CaseStatus, Check, Failure, ReceivedResponse, RuleCheck, SentRequest, StepOutcome,
    Verdict,
};
use crate::case::template::{render, render_json, TemplateError, Vars};
use crate::case::{
    Action, Body, Capability, CaptureSource, Case, Level, RequestSpec, RuleCatalogue, Step,
};
use pizzastack_spec::Spec;

/// The HTTP client of the runner: `http://` and `https://` (rustls with
/// the ring provider, the system's root certificates), no redirects
/// followed, since a redirect is itself an answer to check.
///
/// `extra_roots` is a PEM bundle of further CA certificates to trust, for
/// targets behind a private CA (`check --ca-cert`).
///
/// # Errors
/// When the PEM bundle does not parse or no TLS configuration can be built.
pub fn http_client_trusting(extra_roots: Option<&[u8]>) -> Result<reqwest::Client, ClientError> {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(pem) = extra_roots {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(ClientError::NotPem)?;
        if certs.is_empty() {
            return Err(ClientError::NoCertificate);
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(ClientError::Build)
}

/// Why no HTTP client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The CA file does not parse as PEM.
    #[error("the CA certificate file is not a PEM bundle: {0}")]
    NotPem(reqwest::Error),
    /// The CA file parses but holds no certificate.
    #[error("the CA certificate file holds no PEM certificate")]
    NoCertificate,
    /// reqwest refused the configuration.
    #[error("cannot build an HTTP client: {0}")]
    Build(reqwest::Error),
}

/// [`http_client_trusting`] with the system's root certificates only.
///
/// # Errors
/// When no TLS configuration can be built.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    http_client_trusting(None)
}

/// A TLS failure anywhere in `error`'s chain, in words.
pub fn tls_problem(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::CertificateError as Cert;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(certificate) => match certificate {
                    Cert::UnknownIssuer => "its certificate is signed by an authority this runner does not trust (give that CA with --ca-cert)".to_owned(),
                    Cert::Expired | Cert::ExpiredContext { .. } => "its certificate has expired".to_owned(),
                    Cert::NotValidYet | Cert::NotValidYetContext { .. } => "its certificate is not valid yet".to_owned(),
                    Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                        "its certificate is not valid for this host name".to_owned()
                    }
                    Cert::Revoked => "its certificate is revoked".to_owned(),
                    other => format!("its certificate is not accepted ({})", printable_debug(other)),
                },
                other => other.to_string(),
            });
        }
        // An io::Error hands out its inner error's source, not the inner
        // error itself, which is where tokio-rustls keeps the rustls error.
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

/// A value's debug form without rustls's nesting, e.g. `CaUsedAsEndEntity`
/// for `Other(OtherError(CaUsedAsEndEntity))`.
fn printable_debug(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    let inner = text
        .trim_start_matches("Other(OtherError(")
        .trim_end_matches("))");
    inner.to_owned()
}

/// The innermost cause of an error chain, which is where a TLS or DNS
/// failure says what went wrong.
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// How the runner can make a target's sessions expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The target is the mock with `--admin`: advance its clock by the TTL.
    AdminClock {
        /// The mock's session TTL.
        ttl: Duration,
    },
    /// Wait out the target's TTL (`--session-ttl`).
    Wait {
        /// The target's session TTL.
        ttl: Duration,
    },
    /// No way known: expiry cases are skipped with the reason.
    Unavailable,
}

/// The implementation under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Server root, e.g. `http://127.0.0.1:8080` (no `/v1`, no trailing `/`).
    pub base_url: String,
    /// The API key cases send by default.
    pub api_key: String,
    /// A second accepted key, for ownership rules.
    pub other_api_key: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How sessions can be made to expire.
    pub expiry: Expiry,
    /// The most bytes of one response body the runner reads
    /// ([`DEFAULT_MAX_BODY`] unless `--max-body` says otherwise).
    pub max_body: usize,
    /// Variables the run defines for every case (`--variable`).
    pub variables: std::collections::BTreeMap<String, Value>,
    /// The waits under way, for whoever shows progress.
    pub waits: Arc<Waits>,
}

/// The real waits for a target's TTL under way (an admin clock's are
/// instant), so that a long run can say what it waits for.
#[derive(Debug, Default)]
pub struct Waits {
    active: Mutex<Vec<Wait>>,
    next: std::sync::atomic::AtomicU64,
}

/// A case waiting for time to pass.
#[derive(Debug, Clone)]
pub struct Wait {
    key: u64,
    /// The case's ID.
    pub case: String,
    /// The step that waits, which says what for.
    pub step: String,
    pub started: Instant,
    pub length: Duration,
}

/// Ends its wait when dropped.
pub struct WaitGuard<'a> {
    waits: &'a Waits,
    key: u64,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        let mut active = self
            .waits
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        active.retain(|w| w.key != self.key);
    }
}

impl Waits {
    fn begin(&self, case: &str, step: &str, length: Duration) -> WaitGuard<'_> {
        let key = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Wait {
                key,
                case: case.to_owned(),
                step: step.to_owned(),
                started: Instant::now(),
                length,
            });
        WaitGuard { waits: self, key }
    }

    /// The waits under way, longest remaining first.
    pub fn active(&self) -> Vec<Wait> {
        let mut active = self
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        active.sort_by_key(|w| std::cmp::Reverse(w.started + w.length));
        active
    }
}

/// How much of one response body the runner reads by default: far more
/// than any PizzaStack answer, far less than a runaway target can send.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

impl Target {
    /// Why this target cannot run `case`, if it cannot.
    pub fn unmet_requirement(&self, case: &Case) -> Option<String> {
        case.requires.iter().find_map(|capability| match capability {
            Capability::SecondApiKey if self.other_api_key.is_none() => Some(
                "needs a second accepted API key: pass --other-api-key KEY".to_owned(),
            ),
            Capability::SessionExpiry if self.expiry == Expiry::Unavailable => Some(
                "needs sessions to expire: pass --session-ttl DURATION (the target's TTL), or target the mock started with --admin"
                    .to_owned(),
            ),
            _ => None,
        })
    }
}

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
            if let Err(failure) = let_time_pass(client, target, fraction, case, step).await {
                outcome.failures.push(failure);
                outcome.blocked = true;
            }
            return outcome;
        }
    };
    let sent = match build_request(target, request, vars) {
        Ok(sent) => sent,
        Err(error) => {
            outcome.failures.push(Failure::setup(
                Check::Template {
                    within: "request".to_owned(),
                },
                "a request the runner can build",
                error.to_string(),
                step.location,
            ));
            outcome.blocked = true;
            return outcome;
        }
    };
    let response = send(client, target, &sent).await;
    outcome.request = Some(sent.clone());
    let response = match response {
        Ok(response) => response,
        Err(error) => {
            // No answer says nothing about the rules: they are unevaluated.
            outcome.failures.push(Failure::setup(
                Check::Response,
                "an HTTP response",
                error.to_string(),
                step.location,
            ));
            outcome.blocked = true;
            return outcome;
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
    // Whether every failure is below MUST; a setup failure (no level)
    // counts as `setup` says.
    let below_must = |checked: &Checked, setup: bool| {
        checked
            .failures
            .iter()
            .all(|f| f.level.map_or(setup, |level| level < Level::Must))
    };
    let mut response = response;
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
        for capture in &step.captures {
            let value = match &capture.source {
                CaptureSource::Pointer(pointer) => response
                    .json
                    .as_ref()
                    .and_then(|j| j.pointer(pointer))
                    .cloned(),
                CaptureSource::Header(name) => response
                    .headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| Value::String(v.clone())),
            };
            let value = match (&capture.regex, value) {
                (None, value) => value,
                (Some(re), Some(Value::String(text))) => re.captures(&text).map(|caps| {
                    let kept = caps
                        .get(1)
                        .or_else(|| caps.get(0))
                        .map_or("", |m| m.as_str());
                    Value::String(kept.to_owned())
                }),
                (Some(_), _) => None,
            };
            match value {
                Some(value) => vars.set(&capture.name, value),
                None => {
                    let (rules, level) = attribution(&None, &step.rules, catalogue);
                    outcome.failures.push(Failure {
                        check: Check::Capture {
                            name: capture.name.clone(),
                        },
                        expected: match (&capture.source, &capture.regex) {
                            (CaptureSource::Pointer(p), None) => format!("a value at {p}"),
                            (CaptureSource::Header(h), None) => format!("a {h} header"),
                            (CaptureSource::Pointer(p), Some(re)) => {
                                format!("a string at {p} matching /{}/", re.as_str())
                            }
                            (CaptureSource::Header(h), Some(re)) => {
                                format!("a {h} header matching /{}/", re.as_str())
                            }
                        },
                        actual: "absent".to_owned(),
                        location: capture.location,
                        rules,
                        level,
                    });
                    outcome.blocked = true;
                }
            }
        }
    }
    outcome.response = Some(response);
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

/// Sends one request and reads its answer, at most `target.max_body`.
///
/// # Errors
/// No (whole) answer, or a method HTTP does not allow.
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    sent: &SentRequest,
) -> Result<ReceivedResponse, SendError> {
    let method = reqwest::Method::from_bytes(sent.method.as_bytes())
        .map_err(|_| SendError::Method(sent.method.clone()))?;
    let mut request = client.request(method, &sent.url).timeout(target.timeout);
    for (name, value) in &sent.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &sent.body {
        request = request.body(body.clone());
    }
    let response = request
        .send()
        .await
        .map_err(|e| describe_transport_error(e, target))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Read in chunks, so that a runaway target costs at most `max_body`.
    let mut bytes = Vec::new();
    let mut response = response;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > target.max_body {
                    return Err(SendError::BodyTooLarge {
                        status,
                        limit: target.max_body,
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                return Err(SendError::BodyCut {
                    status,
                    headers: headers
                        .iter()
                        .map(|(n, v)| format!("{n}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    received: bytes.len(),
                    cause: root_cause(&error),
                })
            }
        }
    }
    Ok(ReceivedResponse::new(status, headers, &bytes))
}

/// Why a request got no (whole) answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The case's method is not one HTTP allows.
    #[error("`{0}` is not an HTTP method")]
    Method(String),
    /// No answer within the timeout.
    #[error("no response within {} (--timeout)", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// No connection.
    #[error("cannot connect to {base_url}: {cause}")]
    Connect {
        base_url: String,
        /// The innermost cause, where TLS and DNS say what went wrong.
        cause: String,
    },
    /// The answer's body passed `--max-body`; reading stopped there.
    #[error("HTTP {status} with a body of more than {limit} bytes (--max-body); stopped reading")]
    BodyTooLarge {
        /// The status the answer had.
        status: u16,
        limit: usize,
    },
    /// The connection ended in the middle of the answer's body.
    #[error("HTTP {status} ({headers}), then the body broke off after {received} bytes: {cause}")]
    BodyCut {
        /// The status the answer had.
        status: u16,
        /// Its headers, as received.
        headers: String,
        /// Body bytes received before the break.
        received: usize,
        /// The innermost cause.
        cause: String,
    },
    /// The TLS handshake failed.
    #[error("TLS with {base_url} failed: {why}")]
    Tls {
        base_url: String,
        /// In words, with what to do where there is something to do.
        why: String,
    },
    /// Anything else reqwest reports.
    #[error("{}", root_cause(.0))]
    Other(reqwest::Error),
}

fn describe_transport_error(error: reqwest::Error, target: &Target) -> SendError {
    if error.is_timeout() {
        SendError::Timeout(target.timeout)
    } else if let Some(why) = tls_problem(&error) {
        SendError::Tls {
            base_url: target.base_url.clone(),
            why,
        }
    } else if error.is_connect() {
        SendError::Connect {
            base_url: target.base_url.clone(),
            cause: root_cause(&error),
        }
    } else {
        SendError::Other(error)
    }
}

/// Lets time pass with no request, through the mock's admin clock or by
/// waiting: `fraction` of the TTL (sessions stay alive), or with `None`
/// the whole TTL and a margin (every session expires).
async fn let_time_pass(
    client: &reqwest::Client,
    target: &Target,
    fraction: Option<f64>,
    case: &Case,
    step: &Step,
) -> Result<(), Failure> {
    let location = step.location;
    match target.expiry {
        Expiry::AdminClock { ttl } => {
            let by = match fraction {
                Some(fraction) => ttl.mul_f64(fraction),
                None => ttl + Duration::from_secs(1),
            };
            let by = humantime::format_duration(by).to_string();
            let url = format!("{}/__admin/clock/advance", target.base_url);
            let result = client
                .post(&url)
                .timeout(target.timeout)
                .header("Content-Type", "application/json")
                .body(json!({ "by": by }).to_string())
                .send()
                .await;
            match result {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(Failure::setup(
                    Check::Time {
                        how: "advance the admin clock",
                    },
                    "200 from /__admin/clock/advance",
                    format!(
                        "{} {}",
                        response.status(),
                        excerpt(&response.text().await.unwrap_or_default())
                    ),
                    location,
                )),
                Err(e) => Err(Failure::setup(
                    Check::Time {
                        how: "advance the admin clock",
                    },
                    "a response from /__admin/clock/advance",
                    e.to_string(),
                    location,
                )),
            }
        }
        Expiry::Wait { ttl } => {
            let length = match fraction {
                Some(fraction) => ttl.mul_f64(fraction),
                // A margin for clock granularity and the target's sweeping.
                None => ttl + (ttl / 10).clamp(Duration::from_millis(50), Duration::from_secs(1)),
            };
            // Recorded while it lasts, for whoever shows the run's progress.
            let _waiting = target.waits.begin(case.id(), &step.name, length);
            tokio::time::sleep(length).await;
            Ok(())
        }
        Expiry::Unavailable => Err(Failure::setup(
            Check::Time {
                how: "let time pass",
            },
            "a way to let time pass",
            "none (the case should have been skipped)",
            location,
        )),
    }
}

//! What running a case produced: plain data that reports render.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::case::{Level, Location};

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CaseStatus {
    /// Every step met its expectations.
    Passed,
    /// A step did not.
    Failed,
    /// The case could not run against this target.
    Skipped {
        /// Why, e.g. "needs a second API key (--other-api-key)".
        reason: String,
    },
}

/// One expectation that was not met.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// What was checked, e.g. `status` or `body /error equals`.
    pub check: String,
    /// What the case expected.
    pub expected: String,
    /// What the target did.
    pub actual: String,
    /// Where the expectation is written.
    pub location: Location,
}

/// A request as it was sent.
#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
    /// Method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Path and query, as the case wrote it (rendered).
    pub path: String,
    /// Headers sent. Reports show them through [`SentRequest::shown_headers`],
    /// which masks the API key.
    #[serde(serialize_with = "serialize_masked_headers")]
    pub headers: Vec<(String, String)>,
    /// Body sent, if any.
    pub body: Option<String>,
}

impl SentRequest {
    /// The headers as reports show them: the API key masked, since reports
    /// end up in CI logs and artifacts.
    pub fn shown_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), shown_value(name, value)))
    }
}

/// The value a report may show for a header.
fn shown_value<'a>(name: &str, value: &'a str) -> &'a str {
    if name.eq_ignore_ascii_case("x-api-key") && !value.is_empty() {
        "[redacted]"
    } else {
        value
    }
}

fn serialize_masked_headers<S: serde::Serializer>(
    headers: &[(String, String)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(headers.len()))?;
    for (name, value) in headers {
        seq.serialize_element(&(name, shown_value(name, value)))?;
    }
    seq.end()
}

/// A response as it was received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// The body as JSON, when it parses.
    #[serde(skip)]
    pub json: Option<Value>,
}

/// One step's result.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    /// The step's title.
    pub name: String,
    /// Where the step starts.
    pub location: Location,
    /// The request, for request steps.
    pub request: Option<SentRequest>,
    /// The response, when one came.
    pub response: Option<ReceivedResponse>,
    /// Expectations not met; empty when the step passed.
    pub failures: Vec<Failure>,
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    /// Case ID, e.g. `sessions/missing-header`.
    pub id: String,
    /// Case title.
    pub name: String,
    /// Case file.
    pub file: String,
    /// Rules the case checks.
    pub rules: Vec<String>,
    /// Strictest level of those rules.
    pub level: Level,
    /// Verdict.
    #[serde(flatten)]
    pub status: CaseStatus,
    /// Steps that ran, in order; the failing one is last.
    pub steps: Vec<StepOutcome>,
    /// Wall time.
    #[serde(serialize_with = "serialize_millis")]
    pub duration: Duration,
}

fn serialize_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

impl CaseOutcome {
    /// The failures of the failing step, if any.
    pub fn failures(&self) -> impl Iterator<Item = (&StepOutcome, &Failure)> {
        self.steps
            .iter()
            .flat_map(|step| step.failures.iter().map(move |f| (step, f)))
    }
}

//! What running a case produced: plain data that reports render.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::case::{Level, Location};

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CaseStatus {
    /// Every expectation was evaluated and met.
    Passed,
    /// An expectation attributed to a rule (or detail) was not met.
    Failed,
    /// No attributed expectation failed, but a setup step did (or the
    /// target stopped answering), so some rules could not be evaluated.
    Error {
        /// What stopped the case.
        reason: String,
    },
    /// The case could not run against this target.
    Skipped {
        /// Why, e.g. "needs a second API key (--other-api-key)".
        reason: String,
    },
}

/// How one rule fared in one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every expectation attributed to it was evaluated and met.
    Pass,
    /// An expectation attributed to it was not met.
    Fail,
    /// The case stopped before its expectations could be evaluated.
    Error,
    /// An expectation failed, and a baseline (`--baseline`) lists the
    /// deviation as known: reported, never failing the run.
    Known,
    /// The case did not run.
    Skipped,
}

/// One rule's (or detail's) verdict in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// Rule or detail ID.
    pub id: String,
    pub level: Level,
    pub verdict: Verdict,
}

/// What a failure is about: a kind a report consumer can switch on, with
/// what it names, rendered into words only by [`std::fmt::Display`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// The response's status.
    Status,
    /// A response header.
    Header {
        /// The header's name as the case wrote it.
        name: String,
        /// `present`, `equals` or `contains`.
        check: &'static str,
    },
    /// Whether the body is JSON at all.
    BodyIsJson,
    /// The body against a schema of `specs/schemas/`.
    Schema {
        /// The schema's file name, e.g. `tomato.json`.
        schema: String,
    },
    /// The value at a pointer into the body.
    Body {
        /// The JSON pointer.
        pointer: String,
        /// The assertion's kind, e.g. `equals`.
        check: &'static str,
    },
    /// A `{{template}}` of the case that could not be rendered: the case's
    /// fault, not the target's.
    Template {
        /// Where it is used, e.g. `request` or `body /id prefix`.
        within: String,
    },
    /// A value captured for later steps.
    Capture {
        /// The variable's name.
        name: String,
    },
    /// An HTTP response at all.
    Response,
    /// Letting time pass for an expiry case.
    Time {
        /// How: `advance the admin clock` or `let time pass`.
        how: &'static str,
    },
    /// The exchanges against a stored snapshot baseline.
    Snapshot {
        /// The baseline's name.
        baseline: String,
    },
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Status => f.write_str("status"),
            Check::Header { name, check } => write!(f, "header {name} {check}"),
            Check::BodyIsJson => f.write_str("body is JSON"),
            Check::Schema { schema } => write!(f, "body matches schemas/{schema}"),
            Check::Body { pointer, check } => {
                write!(
                    f,
                    "body {} {check}",
                    crate::case::assertion::pointer_name(pointer)
                )
            }
            Check::Template { within } => write!(f, "template in {within}"),
            Check::Capture { name } => write!(f, "capture {name}"),
            Check::Response => f.write_str("response"),
            Check::Time { how } => f.write_str(how),
            Check::Snapshot { baseline } => write!(f, "snapshot @{baseline}"),
        }
    }
}

/// One expectation that was not met.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// What was checked.
    pub check: Check,
    /// What the case expected.
    pub expected: String,
    /// What the target did.
    pub actual: String,
    /// Where the expectation is written.
    pub location: Location,
    /// The rules or details it counts against; empty for a setup step's
    /// expectation, whose failure leaves the rules after it unevaluated.
    pub rules: Vec<String>,
    /// The strictest level among `rules`; `None` for a setup expectation.
    pub level: Option<Level>,
}

impl Failure {
    /// A failure attributed to no rule: of a setup step, of the case
    /// itself (a template) or of the runner.
    pub fn setup(
        check: Check,
        expected: impl Into<String>,
        actual: impl Into<String>,
        location: Location,
    ) -> Self {
        Self {
            check,
            expected: expected.into(),
            actual: actual.into(),
            location,
            rules: Vec::new(),
            level: None,
        }
    }

    /// Whether it is the case's own fault rather than the target's.
    pub fn is_of_the_case(&self) -> bool {
        matches!(self.check, Check::Template { .. })
    }
}

/// A request as it was sent.
#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
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
    /// Body text, cut to its first [`KEPT_BODY_BYTES`] for reports.
    pub body: String,
    /// The body's whole size in bytes.
    pub body_bytes: usize,
    /// The body as JSON, when it parses.
    #[serde(skip)]
    pub json: Option<Value>,
}

/// How much of a response body reports keep: a target's runaway answer
/// must not make a runaway report.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

impl ReceivedResponse {
    /// A response as received; the JSON is read from the whole body.
    pub fn new(status: u16, headers: Vec<(String, String)>, bytes: &[u8]) -> Self {
        let kept = &bytes[..bytes.len().min(KEPT_BODY_BYTES)];
        let mut body = String::from_utf8_lossy(kept).into_owned();
        if kept.len() < bytes.len() {
            body.push_str(&format!("… ({} bytes in all)", bytes.len()));
        }
        Self {
            status,
            headers,
            body,
            body_bytes: bytes.len(),
            json: serde_json::from_slice(bytes).ok(),
        }
    }
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
    /// Whether this step's failure stopped the case.
    pub blocked: bool,
    /// Whether its status failed a SHOULD or MOCK expectation, so that the
    /// rest of the step went unchecked while the case went on.
    #[serde(skip)]
    pub unchecked_rest: bool,
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
    /// Steps that ran, in order; a step that stopped the case is last.
    pub steps: Vec<StepOutcome>,
    /// Each rule's and detail's verdict in this case.
    pub rule_checks: Vec<RuleCheck>,
    /// Wall time.
    #[serde(serialize_with = "serialize_millis")]
    pub duration: Duration,
}

fn serialize_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0)
}

impl CaseOutcome {
    /// Whether this case fails the run: a MUST failure, or with `strict` a
    /// SHOULD failure or a MUST rule that could not be evaluated.
    pub fn fails_run(&self, strict: bool) -> bool {
        self.rule_checks.iter().any(|check| match check.verdict {
            Verdict::Fail => check.level.fails_run(strict),
            Verdict::Error => strict && check.level == Level::Must,
            Verdict::Pass | Verdict::Skipped | Verdict::Known => false,
        })
    }

    /// Why some rules could not be evaluated, if a step stopped the case:
    /// which step, what failed, and which rules it left unevaluated.
    pub fn unevaluated(&self) -> Option<String> {
        let index = self
            .steps
            .iter()
            .position(|s| s.blocked)
            .or_else(|| self.steps.iter().position(|s| s.unchecked_rest))?;
        let step = &self.steps[index];
        let what = step
            .failures
            .first()
            .map(|f| format!("{}: expected {}, got {}", f.check, f.expected, f.actual))
            .unwrap_or_default();
        let blocked: Vec<&str> = self
            .rule_checks
            .iter()
            .filter(|c| c.verdict == Verdict::Error)
            .map(|c| c.id.as_str())
            .collect();
        Some(format!(
            "step {} \"{}\" failed ({what}), so {} could not be evaluated",
            index + 1,
            step.name,
            if blocked.is_empty() {
                "nothing after it".to_owned()
            } else {
                blocked.join(", ")
            }
        ))
    }

    /// Whether a rule of this case could not be evaluated.
    pub fn has_unevaluated_rules(&self) -> bool {
        self.rule_checks.iter().any(|c| c.verdict == Verdict::Error)
    }

    /// The failures of every step.
    pub fn failures(&self) -> impl Iterator<Item = (&StepOutcome, &Failure)> {
        self.steps
            .iter()
            .flat_map(|step| step.failures.iter().map(move |f| (step, f)))
    }
}

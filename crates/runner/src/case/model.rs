//! The case model: what a case file says, as plain data. No IO, no HTTP.

use serde_json::Value;

use super::assertion::ValueCheck;

/// A position in a case file, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// How binding a rule is (from the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    /// Our own decision: reported, never fails a run.
    #[serde(rename = "MOCK")]
    Mock,
    /// Strongly implied: a warning unless `--strict`.
    #[serde(rename = "SHOULD")]
    Should,
    /// Stated by the docs: a failure fails the run.
    #[serde(rename = "MUST")]
    Must,
}

impl Level {
    /// Whether a failure at this level fails the run: MUST always, SHOULD
    /// with `--strict`, MOCK never.
    pub fn fails_run(self, strict: bool) -> bool {
        match self {
            Level::Must => true,
            Level::Should => strict,
            Level::Mock => false,
        }
    }

    /// The contract's word for the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Mock => "MOCK",
        }
    }
}

/// Something a case needs from the target beyond the API itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// A second accepted API key (`--other-api-key`), for ownership rules.
    SecondApiKey,
    /// A way to let a session expire: the mock's admin clock or a known TTL.
    SessionExpiry,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 2] = [Capability::SecondApiKey, Capability::SessionExpiry];

    /// The name case files use.
    pub fn name(self) -> &'static str {
        match self {
            Capability::SecondApiKey => "second_api_key",
            Capability::SessionExpiry => "session_expiry",
        }
    }
}

/// One case file.
#[derive(Debug, Clone)]
pub struct Case {
    /// Path relative to the folder it was found in, e.g.
    /// `sessions/missing-header.yaml`: the case's ID comes from it.
    pub file: String,
    /// The file as the user named it (`mycases/x.yaml`), for reports and
    /// diagnostics; `file` for the built-in suite.
    pub path: String,
    /// Human title.
    pub name: String,
    /// Rule IDs this case checks (rules or details of rules).
    pub rules: Vec<String>,
    /// IDs of the documented examples (`specs/examples.json`) the case sends.
    pub examples: Vec<String>,
    /// The strictest level among `rules`.
    pub level: Level,
    /// What the target must offer for the case to run.
    pub requires: Vec<Capability>,
    /// Steps, run in order.
    pub steps: Vec<Step>,
}

impl Case {
    /// The case's ID: its file path without the extension, e.g.
    /// `sessions/missing-header`.
    pub fn id(&self) -> &str {
        self.file
            .strip_suffix(".yaml")
            .or_else(|| self.file.strip_suffix(".yml"))
            .unwrap_or(&self.file)
    }
}

/// One step of a case.
#[derive(Debug, Clone)]
pub struct Step {
    /// Human title; defaults to `METHOD path`.
    pub name: String,
    /// Where the step starts in the file.
    pub location: Location,
    /// What the step does.
    pub action: Action,
    /// The rules (or details) its expectations check, unless an expectation
    /// names its own. Empty for a setup step: its failure means the rules
    /// after it could not be evaluated, not that they were broken.
    pub rules: Vec<String>,
    /// What the response must look like.
    pub expect: Expect,
    /// Values to remember for later steps.
    pub captures: Vec<Capture>,
}

impl Step {
    /// Every rule or detail this step's expectations are attributed to.
    pub fn attributed(&self) -> std::collections::BTreeSet<&str> {
        let expect = &self.expect;
        let mut owns: Vec<&Option<String>> = Vec::new();
        if !expect.status.is_empty() {
            owns.push(&expect.status_rule);
        }
        // `exactly` counts against the step's rules.
        const STEP_RULES: &Option<String> = &None;
        if !expect.exactly.is_empty() {
            owns.push(STEP_RULES);
        }
        owns.extend(expect.headers.iter().map(|h| &h.rule));
        owns.extend(expect.body.iter().map(|b| &b.rule));
        let mut ids = std::collections::BTreeSet::new();
        for own in owns {
            match own {
                Some(id) => {
                    ids.insert(id.as_str());
                }
                None => ids.extend(self.rules.iter().map(String::as_str)),
            }
        }
        ids
    }
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send one HTTP request.
    Request(RequestSpec),
    /// Let the case's sessions expire (admin clock, or waiting out the TTL).
    ExpireSessions,
    /// Let this fraction (between 0 and 1) of the session TTL pass with no
    /// request, without letting sessions expire.
    Idle(f64),
}

/// An HTTP request with `{{templates}}`.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// Upper-case method.
    pub method: String,
    /// Path and query, e.g. `/v1/session/{{session}}/log`.
    pub path: String,
    /// Header overrides; `None` removes a default header.
    pub headers: Vec<(String, Option<String>)>,
    pub body: Body,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    None,
    /// A JSON value; strings inside may hold templates.
    Json(Value),
    /// Raw text sent as is (after templating), for malformed input.
    Raw(String),
}

/// Expectations on a response.
#[derive(Debug, Clone)]
pub struct Expect {
    /// Accepted statuses; empty means any.
    pub status: Vec<StatusPattern>,
    /// The rule the status check is attributed to, if not the step's.
    pub status_rule: Option<String>,
    /// The narrower statuses the mock answers where the page states less
    /// (`status: {code: 4xx, rule: SESS-006, exactly: 400}`): checked after
    /// `status` held, against the step's rules (a MOCK detail), and never
    /// stopping the case.
    pub exactly: Vec<StatusPattern>,
    /// Header assertions.
    pub headers: Vec<HeaderAssertion>,
    /// Body assertions.
    pub body: Vec<BodyAssertion>,
    /// Whether to validate the body against its OpenAPI response schema.
    pub schema: bool,
    /// Where `expect` starts.
    pub location: Location,
}

impl Expect {
    /// What a step expects when it says nothing: any status, and a body
    /// valid against its response schema.
    pub fn nothing(location: Location) -> Self {
        Self {
            status: Vec::new(),
            status_rule: None,
            exactly: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            schema: true,
            location,
        }
    }
}

/// One accepted status: a code, or a class such as `2xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    /// Exactly this code.
    Code(u16),
    /// Any code of this hundred, e.g. `2` for `2xx`.
    Class(u16),
}

impl StatusPattern {
    /// Whether `status` is accepted.
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(code) => code == status,
            StatusPattern::Class(class) => status / 100 == class,
        }
    }

    /// The statuses of the OpenAPI document this pattern can stand for:
    /// `2xx` stands for a documented `200`.
    pub fn representative(self) -> u16 {
        match self {
            StatusPattern::Code(code) => code,
            StatusPattern::Class(class) => class * 100,
        }
    }
}

impl std::fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusPattern::Code(code) => write!(f, "{code}"),
            StatusPattern::Class(class) => write!(f, "{class}xx"),
        }
    }
}

/// An assertion on one response header.
#[derive(Debug, Clone)]
pub struct HeaderAssertion {
    /// Header name, case-insensitive.
    pub name: String,
    pub check: HeaderCheck,
    /// The rule it is attributed to, if not the step's.
    pub rule: Option<String>,
    /// Where it is written.
    pub location: Location,
}

/// What to check of a header.
#[derive(Debug, Clone)]
pub enum HeaderCheck {
    /// Present (`true`) or absent (`false`).
    Present(bool),
    /// Equal to the (templated) text.
    Equals(String),
    /// Contains the (templated) text.
    Contains(String),
}

/// An assertion on the value at a JSON pointer of the response body.
#[derive(Debug, Clone)]
pub struct BodyAssertion {
    /// RFC 6901 pointer; `""` is the whole body.
    pub pointer: String,
    pub check: ValueCheck,
    /// The rule it is attributed to, if not the step's.
    pub rule: Option<String>,
    /// Where it is written.
    pub location: Location,
}

/// A value remembered for later steps as `{{name}}`.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Variable name.
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Keeps only what this matches of the (string) value: its first group,
    /// or the whole match when it has none.
    pub regex: Option<regex::Regex>,
    /// Where it is written.
    pub location: Location,
}

/// Where a captured value comes from.
#[derive(Debug, Clone)]
pub enum CaptureSource {
    /// A JSON pointer into the response body.
    Pointer(String),
    /// A response header.
    Header(String),
}

/// Variables every case has without capturing them.
pub const BUILTIN_VARIABLES: [&str; 7] = [
    "session",
    "other_session",
    "api_key",
    "other_api_key",
    "uuid",
    "api_key_swapcase",
    "api_key_chopped",
];

/// The built-in variables made from the API key: the key with the case of
/// each ASCII letter swapped (`api_key_swapcase`), and without its last
/// character (`api_key_chopped`): keys that differ slightly from a valid
/// one, which AUTH-001 refuses as unknown.
pub fn key_variants(key: &str) -> [(&'static str, String); 2] {
    let swapped = key
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let mut chopped = key.to_owned();
    chopped.pop();
    [("api_key_swapcase", swapped), ("api_key_chopped", chopped)]
}

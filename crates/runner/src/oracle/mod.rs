//! The docs-level oracle: exchanges in, verdicts out. No HTTP, no IO.
//!
//! [`Oracle`] keeps a shadow model of what the pages guarantee about a
//! server it has watched: the sessions of each key, every object with its
//! kind, session, degradation and where it came from, the log each session
//! must show, which sessions expired. Each [`Exchange`] (a request and its
//! answer, in a session, under a key) is judged against that model and
//! yields [`Finding`]s, one per expectation, each attributed to a rule or
//! detail of the catalogue at its level. MOCK details are findings too, and
//! never fail anything. `explore` feeds it the exchanges it makes; a proxy
//! can feed it the traffic it forwards.
//!
//! Every expectation is written as a case file would write it ([`Expect`]:
//! a status, a header, a value at a pointer, the response schema), checked
//! by the same code the runner uses, so that a failure found here is
//! replayed by `check` as the same failure.

mod content;
mod log;
mod observe;
mod pipeline;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::case::template::Vars;
use crate::case::{Level, RuleCatalogue, StatusPattern, ValueCheck};
use pizzastack_spec::ids::ObjectKind;
use pizzastack_spec::Spec;

/// The exact error the Error Handling section quotes for a missing
/// `X-Session-ID` (SESS-001).
pub const MISSING_SESSION_ERROR: &str = "X-Session-ID header is required";
/// The exact error the Error Handling section quotes for an ID from
/// another session (SESS-005).
pub const FOREIGN_ID_ERROR: &str = "Object not found in session";

/// One request and its answer, as seen on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// The path, without query, e.g. `/v1/tomato/acquire`.
    pub path: &'a str,
    /// The `X-API-Key` sent, if any.
    pub api_key: Option<&'a str>,
    /// The `X-Session-ID` sent, if any.
    pub session: Option<&'a str>,
    /// The request body, when it was JSON.
    pub request: Option<&'a Value>,
    /// The answer's status.
    pub status: u16,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<&'a str>,
    /// The answer's body, when it was JSON.
    pub answer: Option<&'a Value>,
}

/// What one expectation looks at, as a case file writes it.
#[derive(Debug, Clone)]
pub enum Expect {
    /// The status is one of these.
    Status(Vec<StatusPattern>),
    /// A response header contains this text (case-insensitively named).
    HeaderContains {
        /// Header name.
        name: &'static str,
        /// Text it must contain.
        text: &'static str,
    },
    /// The value at a JSON pointer of the answer passes the check.
    Body {
        /// RFC 6901 pointer; `""` is the whole body.
        pointer: String,
        /// The check, with concrete values.
        check: ValueCheck,
        /// Values of earlier answers the check's bound is made of, as
        /// (exchange number, pointer): a case captures them.
        bounds_from: Vec<(usize, String)>,
    },
    /// The answer matches the documented layer of its response schema.
    Schema,
}

/// One expectation's verdict on one exchange.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule or detail it counts against.
    pub rule: &'static str,
    /// That rule's level.
    pub level: Level,
    /// Whether the exchange met it.
    pub passed: bool,
    /// What was looked at.
    pub expect: Expect,
    /// What was found instead, when it failed.
    pub actual: String,
}

impl Finding {
    /// Whether this finding fails a run: a MUST failure, or with `strict` a
    /// SHOULD one; MOCK never.
    pub fn fails_run(&self, strict: bool) -> bool {
        !self.passed && self.level.fails_run(strict)
    }
}

/// What the oracle is told of the server it watches.
#[derive(Debug, Clone, Default)]
pub struct OracleConfig {
    /// API keys the server accepts.
    pub valid_keys: Vec<String>,
    /// Whether a key outside `valid_keys` is known to be refused (true when
    /// the caller made it up; a proxy that only watches cannot know).
    pub other_keys_invalid: bool,
}

/// A session as a key names it.
type SessionKey = (String, String);

/// What the oracle knows of one object it saw created.
#[derive(Debug, Clone)]
struct Shadow {
    kind: ObjectKind,
    session: SessionKey,
    /// `Some(true)` when its answer said degraded, `Some(false)` optimal;
    /// `None` where the docs give it no quality.
    degraded: Option<bool>,
    /// Made only of steps the docs call correct (sliced tomatoes, generic
    /// ingredients, an optimal sauce, a base, toppings by name).
    correct: bool,
    /// The answer's fields a log must repeat (`type`, qualities).
    logged: Vec<(&'static str, Value)>,
    /// For an assembled pizza: its base, and whether its sauce was degraded.
    base: Option<String>,
    sauce_degraded: Option<bool>,
}

/// What the oracle knows of one session.
#[derive(Debug, Default)]
struct SessionShadow {
    /// Objects created in it, in the order their answers came.
    objects: Vec<String>,
    /// Some request in it was answered as the docs do not say, or did
    /// something the oracle cannot account for: its log is judged only for
    /// what it must contain.
    tainted: bool,
    /// An operation that may be logged without being a pipeline object
    /// (a taste analysis, a comparison) happened in it.
    other_operations: bool,
    /// Its objects are gone (the sessions expired).
    expired: bool,
    /// A request in it succeeded after it expired, so it lives again, with
    /// objects the oracle no longer follows.
    reborn: bool,
    /// A request named it after it expired: the server may have begun it
    /// anew (SESS-002) or kept it as expired, so its log tells nothing.
    touched: bool,
    /// Some object request named it.
    named: bool,
    /// Some request named it, its log included: a server may remember it.
    mentioned: bool,
    /// Some request in it succeeded: the server knows it.
    accepted: bool,
}

/// Sub-scores of the baked pizzas of one base, for QLT-003.
#[derive(Debug, Default)]
struct Twins {
    correct: Vec<(usize, [f64; 4])>,
    degraded: Vec<(usize, [f64; 4])>,
}

/// The shadow model and the judge.
pub struct Oracle {
    spec: &'static Spec,
    catalogue: std::sync::Arc<RuleCatalogue>,
    config: OracleConfig,
    sessions: HashMap<SessionKey, SessionShadow>,
    objects: HashMap<String, Shadow>,
    twins: HashMap<String, Twins>,
    /// Objects of expired sessions, with the session they were in.
    gone: HashMap<String, SessionKey>,
    /// Every object ID answered so far, for ID-002.
    ids: HashSet<String>,
    /// Exchanges judged so far; the next one's number.
    exchanges: usize,
    /// Body fingerprints of guessed request bodies (squeeze, roast,
    /// assemble) the server has accepted, by path.
    accepted_shapes: HashSet<(String, String)>,
    /// Rules and details that had a finding, for progress lines.
    exercised: HashSet<&'static str>,
}

/// The endpoints the oracle knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// A creation: `POST` of one of the pipeline kinds, or taste.
    Create(ObjectKind),
    /// `GET /v1/session/{id}/log`.
    Log,
}

/// The exact error shape of a documented refusal.
struct Refusal {
    rule: &'static str,
    /// Where the exact status and text count, if not at `rule` (a MOCK
    /// detail for the guessed bodies).
    exact_rule: &'static str,
    status: u16,
    error: &'static str,
}

impl Oracle {
    /// An oracle that knows nothing yet of the server.
    pub fn new(
        spec: &'static Spec,
        catalogue: std::sync::Arc<RuleCatalogue>,
        config: OracleConfig,
    ) -> Self {
        Self {
            spec,
            catalogue,
            config,
            sessions: HashMap::new(),
            objects: HashMap::new(),
            twins: HashMap::new(),
            gone: HashMap::new(),
            ids: HashSet::new(),
            exchanges: 0,
            accepted_shapes: HashSet::new(),
            exercised: HashSet::new(),
        }
    }

    /// The rules and details judged at least once.
    pub fn exercised(&self) -> usize {
        self.exercised.len()
    }

    /// Whether another key than `key` named the session `id` (AUTH-003,
    /// a MOCK rule: a server may share sessions between keys).
    fn named_by_another_key(&self, key: &str, id: &str) -> bool {
        self.sessions
            .iter()
            .any(|((k, i), s)| i == id && k != key && s.named)
    }

    /// Every session named so far expired (the server's clock was moved
    /// past its TTL, or the TTL was waited out with no request).
    pub fn sessions_expired(&mut self) {
        for (id, session) in &mut self.sessions {
            if session.mentioned && (!session.expired || session.reborn) {
                session.expired = true;
                session.reborn = false;
                session.touched = false;
                session.accepted = false;
                for object in session.objects.drain(..) {
                    self.objects.remove(&object);
                    self.gone.insert(object, id.clone());
                }
            }
        }
    }

    /// Whatever session this exchange names will not be judged for
    /// completeness again.
    fn taint(&mut self, exchange: &Exchange<'_>) {
        if let Some(session) = exchange.session {
            for ((_, id), shadow) in &mut self.sessions {
                if id == session {
                    shadow.tainted = true;
                }
            }
        }
    }

    fn level(&self, rule: &str) -> Level {
        self.catalogue.get(rule).map_or(Level::Mock, |r| r.level)
    }
}

/// The findings of one exchange, being collected.
struct Findings<'o, 'e> {
    oracle: &'o mut Oracle,
    exchange: &'e Exchange<'e>,
    number: usize,
    found: Vec<Finding>,
}

impl<'o, 'e> Findings<'o, 'e> {
    fn new(oracle: &'o mut Oracle, exchange: &'e Exchange<'e>, number: usize) -> Self {
        Self {
            oracle,
            exchange,
            number,
            found: Vec::new(),
        }
    }

    fn done(self) -> Vec<Finding> {
        for f in &self.found {
            self.oracle.exercised.insert(f.rule);
        }
        self.found
    }

    /// One finding: `instead` is what the answer showed when the check did
    /// not hold, and `None` when it held.
    fn push(&mut self, rule: &'static str, expect: Expect, instead: Option<String>) {
        let level = self.oracle.level(rule);
        self.found.push(Finding {
            rule,
            level,
            passed: instead.is_none(),
            expect,
            actual: instead.unwrap_or_default(),
        });
    }

    /// A check that held, with nothing of the answer to point at.
    fn pass(&mut self, rule: &'static str, expect: Expect) {
        self.push(rule, expect, None);
    }

    /// Expects the status to be one of `patterns`; says whether it was.
    fn status(&mut self, rule: &'static str, patterns: &[StatusPattern]) -> bool {
        let status = self.exchange.status;
        let ok = patterns.iter().any(|p| p.matches(status));
        let instead = (!ok).then(|| format!("status {status}"));
        self.push(rule, Expect::Status(patterns.to_vec()), instead);
        ok
    }

    /// Expects the value at `pointer` of the answer to pass `check`.
    fn body(&mut self, rule: &'static str, pointer: &str, check: ValueCheck) -> bool {
        self.body_from(rule, pointer, check, Vec::new())
    }

    fn body_from(
        &mut self,
        rule: &'static str,
        pointer: &str,
        check: ValueCheck,
        bounds_from: Vec<(usize, String)>,
    ) -> bool {
        let found = self.exchange.answer.and_then(|a| a.pointer(pointer));
        let instead = check
            .check(found, &Vars::default())
            .is_err()
            .then(|| match found {
                Some(v) => excerpt(v),
                None if self.exchange.answer.is_none() => "a body that is not JSON".to_owned(),
                None => "nothing there".to_owned(),
            });
        let ok = instead.is_none();
        self.push(
            rule,
            Expect::Body {
                pointer: pointer.to_owned(),
                check,
                bounds_from,
            },
            instead,
        );
        ok
    }

    fn header_contains(&mut self, rule: &'static str, name: &'static str, text: &'static str) {
        let instead = match self.exchange.content_type {
            Some(v) if v.to_ascii_lowercase().contains(text) => None,
            Some(v) => Some(format!("{name}: {v}")),
            None => Some(format!("no {name}")),
        };
        self.push(rule, Expect::HeaderContains { name, text }, instead);
    }

    /// Judges the answer against the documented layer of its schema.
    fn schema(&mut self) {
        self.schema_of(self.exchange.answer);
    }

    /// The answer's schema, judged on `answer` (the answer itself, or a
    /// copy with what another rule judges filled in).
    fn schema_of(&mut self, answer: Option<&Value>) {
        let exchange = self.exchange;
        let spec = self.oracle.spec;
        let Some(file) = spec
            .operation_for(exchange.method, exchange.path)
            .and_then(|op| op.response_schemas.get(&exchange.status))
        else {
            return;
        };
        let Some(answer) = answer else {
            if let Some(rule) = spec
                .schema_rule(file)
                .and_then(|r| self.oracle.static_rule(r))
            {
                self.push(
                    rule,
                    Expect::Schema,
                    Some("a body that is not JSON".to_owned()),
                );
            }
            return;
        };
        let problems = spec.judge(file, answer);
        if problems.is_empty() {
            if let Some(rule) = spec
                .schema_rule(file)
                .and_then(|r| self.oracle.static_rule(r))
            {
                self.push(rule, Expect::Schema, None);
            }
        }
        for problem in problems {
            if let Some(rule) = self.oracle.static_rule(&problem.rule) {
                self.push(rule, Expect::Schema, Some(problem.message));
            }
        }
    }

    /// A documented refusal: its status (4xx at the rule, the exact code
    /// and text at `exact_rule`), and ERR-001's error shape.
    fn refusal(&mut self, refusal: &Refusal) {
        let exact = refusal.exact_rule != refusal.rule;
        let patterns = if exact {
            vec![StatusPattern::Class(4)]
        } else {
            vec![StatusPattern::Code(refusal.status)]
        };
        if !self.status(refusal.rule, &patterns) {
            return;
        }
        if exact {
            self.status(refusal.exact_rule, &[StatusPattern::Code(refusal.status)]);
        }
        if self.exchange.status == refusal.status {
            self.body(
                refusal.exact_rule,
                "/error",
                ValueCheck::Equals(Value::String(refusal.error.to_owned())),
            );
            if !exact {
                self.body(
                    "ERR-001",
                    "/error",
                    ValueCheck::Type(crate::case::JsonType::String),
                );
            }
            self.header_contains("ERR-001/content-type", "content-type", "application/json");
        }
    }

    /// A request without a key or with an unknown one.
    fn auth_refusal(&mut self, endpoint: Endpoint) {
        let no_session = self.exchange.session.is_none() && endpoint != Endpoint::Log;
        let guessed = matches!(endpoint, Endpoint::Create(kind) if guessed_body(kind));
        let (rule, exact_rule) = if no_session {
            ("SESS-001", "SESS-001/check-order")
        } else if guessed {
            ("AUTH-001", "AUTH-001/undocumented-bodies")
        } else {
            ("AUTH-001", "AUTH-001")
        };
        let patterns = if exact_rule == rule {
            vec![StatusPattern::Code(401)]
        } else {
            vec![StatusPattern::Class(4)]
        };
        if self.status(rule, &patterns) && exact_rule != rule {
            self.status(exact_rule, &[StatusPattern::Code(401)]);
        }
    }
}

impl Oracle {
    /// The catalogue's own `'static` spelling of a rule ID the schemas
    /// name, if the catalogue has it.
    fn static_rule(&self, id: &str) -> Option<&'static str> {
        static_rule(id)
    }
}

/// Every rule and detail ID of the embedded catalogue, leaked once so that
/// findings carry `&'static str`.
fn static_rule(id: &str) -> Option<&'static str> {
    static IDS: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        RuleCatalogue::embedded()
            .entries()
            .map(|r| &*Box::leak(r.id.clone().into_boxed_str()))
            .collect()
    })
    .get(id)
    .copied()
}

/// A value as a failure shows it: compact JSON, at most 160 characters.
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The endpoint a method and path name, if the oracle knows it.
fn endpoint(method: &str, path: &str) -> Option<Endpoint> {
    if method == "GET" {
        return pizzastack_spec::ids::log_session(path).map(|_| Endpoint::Log);
    }
    if method != "POST" {
        return None;
    }
    ObjectKind::of_endpoint(path).map(Endpoint::Create)
}

/// Whether the kind's request body is the contract's guess (squeeze,
/// roast and assemble: their pages are not at hand).
pub fn guessed_body(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Juice | ObjectKind::Roasted | ObjectKind::Assembled
    )
}

/// The structure of a JSON body without its values: what a server that
/// accepted one body of a guessed shape will accept again.
fn fingerprint(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<_> = map.iter().collect();
            keys.sort_by_key(|(k, _)| k.as_str());
            let inner: Vec<String> = keys
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", fingerprint(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let mut kinds: Vec<String> = items.iter().map(fingerprint).collect();
            kinds.sort();
            kinds.dedup();
            format!("[{}]", kinds.join("|"))
        }
        Value::String(_) => "s".to_owned(),
        Value::Number(_) => "n".to_owned(),
        Value::Bool(_) => "b".to_owned(),
        Value::Null => "0".to_owned(),
    }
}

#[cfg(test)]
mod tests;
mod whose;

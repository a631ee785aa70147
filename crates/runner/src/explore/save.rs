//! A shrunk failure written as an ordinary case file, which `check
//! --cases` replays: the requests exactly as they were sent (templates
//! for sessions, keys and IDs, so a replay uses fresh ones), captures for
//! what later steps name, and the failing step's expectations as the
//! oracle checked them.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::model::{Model, Who};
use super::request::Templated;
use super::run::{Exchanged, Ran};
use crate::oracle::Expect;

/// What a saved case is made from.
pub struct Failed<'a> {
    pub rule: &'static str,
    pub level: crate::case::Level,
    pub seed: u64,
    pub target: &'a str,
    pub model: &'a Model,
    pub ran: &'a Ran,
}

/// The case file's text.
pub fn case_yaml(failed: &Failed<'_>) -> String {
    let Some((_, last)) = failed.ran.failure else {
        return String::new();
    };
    let exchanges = &failed.ran.exchanges[..=last];
    // Steps skipped in the run (their objects were never made) sent
    // nothing and are not written.
    let keep = |index: usize| index <= last;
    let ids = known_ids(exchanges);
    // Oracle exchange numbers are counted over the requests sent.
    let sent: Vec<usize> = (0..exchanges.len())
        .filter(|i| exchanges[*i].sent.is_some())
        .collect();
    let failing = &exchanges[last];
    let mut wanted: HashMap<usize, Vec<String>> = HashMap::new();
    for finding in failing.findings.iter().filter(|f| f.rule == failed.rule) {
        if let Expect::Body { bounds_from, .. } = &finding.expect {
            for (number, pointer) in bounds_from {
                if let Some(&index) = sent.get(*number) {
                    wanted.entry(index).or_default().push(pointer.clone());
                }
            }
        }
    }
    let requires = requirements(failed.model, exchanges);
    let what = failing
        .findings
        .iter()
        .find(|f| f.rule == failed.rule && !f.passed)
        .map(describe)
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Found by `pizzastack explore --seed {}` against {}: {} ({}) broken,\n# then shrunk to the fewest steps that still break it.\n# Replay: pizzastack check --target URL --cases THIS-FOLDER",
        failed.seed,
        failed.target,
        failed.rule,
        failed.level.as_str()
    );
    let _ = writeln!(
        out,
        "name: {}",
        json!(format!("explore: {} ({what})", failed.rule))
    );
    let _ = writeln!(out, "rules: [{}]", failed.rule);
    if !requires.is_empty() {
        let _ = writeln!(out, "requires: [{}]", requires.join(", "));
    }
    let _ = writeln!(out, "steps:");
    for (index, exchange) in exchanges.iter().enumerate() {
        if !keep(index) {
            continue;
        }
        let Some(request) = &exchange.request else {
            let _ = writeln!(out, "  - expire_sessions: true");
            continue;
        };
        let _ = writeln!(out, "  - request: {}", request_json(request));
        if index == last {
            let _ = writeln!(out, "    rules: [{}]", failed.rule);
            write_expectations(&mut out, exchange, failed.rule, &ids, &sent, exchanges);
            continue;
        }
        let mut capture = Map::new();
        if let Some(label) = exchange.made {
            capture.insert(format!("o{label}"), json!({"pointer": "/id"}));
        }
        for pointer in wanted.get(&index).into_iter().flatten() {
            capture.insert(value_name(index, pointer), json!({ "pointer": pointer }));
        }
        if !capture.is_empty() {
            let _ = writeln!(out, "    expect: {}", json!({"status": "2xx"}));
            let _ = writeln!(out, "    capture: {}", Value::Object(capture));
        }
    }
    out
}

/// The variable a captured value of an earlier answer is kept in.
fn value_name(index: usize, pointer: &str) -> String {
    let leaf = pointer.rsplit('/').next().unwrap_or("value");
    format!("s{index}_{leaf}")
}

/// Every ID a step before the failing one made, with its variable (the
/// first to make it, should a server give one ID twice).
fn known_ids(exchanges: &[Exchanged]) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    let before = exchanges.len().saturating_sub(1);
    for e in &exchanges[..before] {
        let made = e.made.and_then(|label| {
            let id = e.response.as_ref()?.json.as_ref()?.get("id")?.as_str()?;
            Some((id.to_owned(), format!("{{{{o{label}}}}}")))
        });
        if let Some((id, variable)) = made {
            ids.entry(id).or_insert(variable);
        }
    }
    ids
}

/// Concrete IDs in an expectation's value, written as their variables.
fn templated(value: &Value, ids: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) => ids.get(s).map_or_else(|| value.clone(), |t| json!(t)),
        Value::Array(items) => Value::Array(items.iter().map(|v| templated(v, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), templated(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn write_expectations(
    out: &mut String,
    exchange: &Exchanged,
    rule: &'static str,
    ids: &HashMap<String, String>,
    sent: &[usize],
    exchanges: &[Exchanged],
) {
    let mine = || exchange.findings.iter().filter(|f| f.rule == rule);
    let status = mine()
        .find(|f| !f.passed && matches!(f.expect, Expect::Status(_)))
        .or_else(|| {
            exchange
                .findings
                .iter()
                .find(|f| f.passed && matches!(f.expect, Expect::Status(_)))
        });
    let mut expect = Map::new();
    // A schema failure is checked by the runner's schema check, which the
    // case's loader does not count as an expectation: the status then
    // counts against the step's rules, so the case still checks its rule.
    let only_schema = mine()
        .filter(|f| !f.passed)
        .all(|f| matches!(f.expect, Expect::Schema));
    if let Some(finding) = status {
        if let Expect::Status(patterns) = &finding.expect {
            let code = patterns.first().map(|p| match p {
                crate::case::StatusPattern::Code(c) => json!(c),
                crate::case::StatusPattern::Class(c) => json!(format!("{c}xx")),
            });
            let status = if only_schema {
                json!(code)
            } else {
                json!({"code": code, "rule": finding.rule})
            };
            expect.insert("status".into(), status);
        }
    }
    let mut headers = Map::new();
    let mut body = Vec::new();
    for finding in mine().filter(|f| !f.passed) {
        match &finding.expect {
            Expect::HeaderContains { name, text } => {
                headers.insert((*name).to_owned(), json!({"contains": text, "rule": rule}));
            }
            Expect::Body {
                pointer,
                check,
                bounds_from,
            } => {
                let value = if bounds_from.is_empty() {
                    templated(&check.value(), ids)
                } else {
                    Value::Array(
                        bounds_from
                            .iter()
                            .filter_map(|(n, p)| sent.get(*n).map(|i| (*i, p)))
                            .filter(|(i, _)| exchanges.get(*i).is_some())
                            .map(|(i, p)| json!(format!("{{{{{}}}}}", value_name(i, p))))
                            .collect(),
                    )
                };
                let mut assertion = Map::new();
                assertion.insert("pointer".into(), json!(pointer));
                assertion.insert(check.name().into(), value);
                assertion.insert("rule".into(), json!(rule));
                body.push(Value::Object(assertion));
            }
            Expect::Status(_) | Expect::Schema => {}
        }
    }
    if !headers.is_empty() {
        expect.insert("headers".into(), Value::Object(headers));
    }
    if !body.is_empty() {
        expect.insert("body".into(), Value::Array(body));
    }
    if !expect.is_empty() {
        let _ = writeln!(out, "    expect: {}", Value::Object(expect));
    }
}

/// One line for a failed finding.
pub fn describe(finding: &crate::oracle::Finding) -> String {
    match &finding.expect {
        Expect::Status(p) => format!(
            "status {} expected, got {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
            finding.actual
        ),
        Expect::HeaderContains { name, text } => {
            format!("{name} should contain {text}, got {}", finding.actual)
        }
        Expect::Body { pointer, check, .. } => format!(
            "{} {} {}, got {}",
            crate::case::assertion::pointer_name(pointer),
            check.name(),
            check.value(),
            finding.actual
        ),
        Expect::Schema => format!("schema: {}", finding.actual),
    }
}

/// What the case needs of its target: a second key when a step sends it,
/// session expiry when one lets sessions expire.
fn requirements(model: &Model, exchanges: &[Exchanged]) -> Vec<&'static str> {
    let uses_other = model.sessions.iter().any(|s| s.who == Who::Other)
        && exchanges.iter().any(|e| {
            e.request.as_ref().is_some_and(|r| {
                r.headers
                    .iter()
                    .any(|(_, v)| v.as_deref() == Some("{{other_api_key}}"))
            })
        });
    let expires = exchanges.iter().any(|e| e.request.is_none());
    let mut requires = Vec::new();
    if uses_other {
        requires.push("second_api_key");
    }
    if expires {
        requires.push("session_expiry");
    }
    requires
}

/// A step's request as the case file writes it.
fn request_json(request: &Templated) -> Value {
    let mut req = Map::new();
    req.insert("method".into(), json!(request.method));
    req.insert("path".into(), json!(request.path));
    if !request.headers.is_empty() {
        let headers: Map<String, Value> = request
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    (*n).to_owned(),
                    v.clone().map_or(Value::Null, Value::String),
                )
            })
            .collect();
        req.insert("headers".into(), Value::Object(headers));
    }
    if let Some(body) = &request.body {
        req.insert("json".into(), body.clone());
    }
    Value::Object(req)
}

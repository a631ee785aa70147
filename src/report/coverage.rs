//! `pizzastack check --coverage`: which cases cite each rule, and which
//! exercise each endpoint × documented status of the OpenAPI document.
//! Read from the case files alone; no target is needed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::case::{Action, Case, Level, RuleCatalogue};
use crate::spec::Spec;

/// The coverage of a set of cases.
#[derive(Debug, Serialize)]
pub struct Coverage {
    /// Every rule with the cases citing it, in catalogue order.
    pub rules: Vec<RuleCoverage>,
    /// Every documented (method, path, status) with the cases expecting it.
    pub responses: Vec<ResponseCoverage>,
}

/// One rule's cases.
#[derive(Debug, Serialize)]
pub struct RuleCoverage {
    /// Rule ID.
    pub id: String,
    /// Its level.
    pub level: Level,
    /// Case IDs citing it.
    pub cases: Vec<String>,
}

/// One documented response's cases.
#[derive(Debug, Serialize)]
pub struct ResponseCoverage {
    /// Method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Status.
    pub status: u16,
    /// Case IDs with a step that sends this request and expects this status.
    pub cases: Vec<String>,
    /// A status of the mock's own limits or an alternative, not required.
    pub optional: bool,
}

impl Coverage {
    /// Documented, non-optional responses no case expects, as `METHOD path status`.
    pub fn unexercised_responses(&self) -> Vec<String> {
        self.responses
            .iter()
            .filter(|r| !r.optional && r.cases.is_empty())
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect()
    }

    /// MUST and SHOULD rules no case cites.
    pub fn uncovered_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.level != Level::Mock && r.cases.is_empty())
            .map(|r| r.id.as_str())
            .collect()
    }
}

/// Computes the coverage of `cases`.
pub fn coverage(cases: &[Case], catalogue: &RuleCatalogue, spec: &Spec) -> Coverage {
    let rules = catalogue
        .iter()
        .map(|rule| RuleCoverage {
            id: rule.id.clone(),
            level: rule.level,
            cases: cases
                .iter()
                .filter(|c| c.rules.contains(&rule.id))
                .map(|c| c.id().to_owned())
                .collect(),
        })
        .collect();
    let mut exercised: BTreeMap<(String, String, u16), Vec<String>> = BTreeMap::new();
    for case in cases {
        for step in &case.steps {
            let Action::Request(request) = &step.action else {
                continue;
            };
            let path = concrete_path(&request.path);
            let Some(op) = spec.operation_for(&request.method, &path) else {
                continue;
            };
            for status in &step.expect.status {
                let ids = exercised
                    .entry((op.method.clone(), op.path.clone(), status.representative()))
                    .or_default();
                if !ids.iter().any(|id| id == case.id()) {
                    ids.push(case.id().to_owned());
                }
            }
        }
    }
    let responses = spec
        .operations()
        .iter()
        .flat_map(|op| {
            op.response_schemas.keys().map(|status| ResponseCoverage {
                method: op.method.clone(),
                path: op.path.clone(),
                status: *status,
                cases: exercised
                    .get(&(op.method.clone(), op.path.clone(), *status))
                    .cloned()
                    .unwrap_or_default(),
                optional: op.optional_statuses.contains(status),
            })
        })
        .collect();
    Coverage { rules, responses }
}

/// A case path with its templates filled by a placeholder, for matching
/// against the OpenAPI path templates.
fn concrete_path(path: &str) -> String {
    let without_query = path.split('?').next().unwrap_or(path);
    let mut out = String::new();
    let mut rest = without_query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        out.push('x');
        rest = rest[start..]
            .find("}}")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The coverage as text.
pub fn render(coverage: &Coverage) -> String {
    let mut out =
        String::from("Rules (every MUST and SHOULD rule needs a case; MOCK rules are optional):\n");
    for rule in &coverage.rules {
        let cases = if rule.cases.is_empty() {
            "(none)".to_owned()
        } else {
            rule.cases.join(", ")
        };
        let _ = writeln!(out, "  {:<6} {:<9} {cases}", rule.level.as_str(), rule.id);
    }
    out.push_str("\nEndpoints × documented statuses:\n");
    for response in &coverage.responses {
        let cases = match (response.cases.is_empty(), response.optional) {
            (false, _) => response.cases.join(", "),
            (true, true) => "(optional: a mock limit or an alternative status)".to_owned(),
            (true, false) => "(none)".to_owned(),
        };
        let route = format!("{} {}", response.method, response.path);
        let _ = writeln!(out, "  {route:<36} {} {cases}", response.status);
    }
    let checked: Vec<&RuleCoverage> = coverage
        .rules
        .iter()
        .filter(|r| r.level != Level::Mock)
        .collect();
    let covered = checked.iter().filter(|r| !r.cases.is_empty()).count();
    let required: Vec<&ResponseCoverage> =
        coverage.responses.iter().filter(|r| !r.optional).collect();
    let exercised = required.iter().filter(|r| !r.cases.is_empty()).count();
    let _ = writeln!(
        out,
        "\ncoverage: {covered} of {} MUST and SHOULD rules have a case; {exercised} of {} documented endpoint statuses are exercised",
        checked.len(),
        required.len()
    );
    out
}

/// Prints the coverage to stdout.
pub fn print(coverage: &Coverage) {
    print!("{}", render(coverage));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_paths_match_their_openapi_template() {
        assert_eq!(
            concrete_path("/v1/session/{{session}}/log?x=1"),
            "/v1/session/x/log"
        );
        assert_eq!(concrete_path("/v1/tomato/acquire"), "/v1/tomato/acquire");
    }
}

//! `pizzastack check --coverage`: where each rule comes from in the docs
//! and which cases check it, which case sends each documented example, and
//! which cases exercise each endpoint × documented status of the OpenAPI
//! document. Read from the case files alone; no target is needed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::case::{Action, Case, ExampleCatalogue, Level, RuleCatalogue};
use pizzastack_spec::Spec;

/// The coverage of a set of cases.
#[derive(Debug, Serialize)]
pub struct Coverage {
    /// Every rule and detail with its sources and the cases checking it,
    /// in catalogue order.
    pub rules: Vec<RuleCoverage>,
    /// Every documented example with the cases sending it.
    pub examples: Vec<ExampleCoverage>,
    /// Every documented (method, path, status) with the cases expecting it.
    pub responses: Vec<ResponseCoverage>,
    /// The status expectations that accept more than the mock answers,
    /// since the page they rest on states less, by rule.
    pub widened: Vec<Widened>,
}

/// A status expectation that accepts more than the mock's own answer.
#[derive(Debug, Serialize)]
pub struct Widened {
    /// The rule the accepted statuses count for.
    pub rule: String,
    /// Where: the case and the step.
    pub case: String,
    pub step: String,
    /// What the rule accepts, e.g. `4xx`.
    pub accepts: String,
    /// What the mock answers, e.g. `400`, and the detail that checks it.
    pub mock_answers: String,
    pub detail: String,
    /// The page statement it rests on: the rule's sources, cited.
    pub sources: Vec<String>,
    /// Why the page allows more, from the detail.
    pub why: Option<String>,
}

/// One rule's (or detail's) sources and cases.
#[derive(Debug, Serialize)]
pub struct RuleCoverage {
    /// Rule or detail ID.
    pub id: String,
    /// The rule a detail belongs to.
    pub parent: Option<String>,
    pub level: Level,
    /// The documentation it comes from, as citations.
    pub sources: Vec<String>,
    /// Why it has this level, or how the pages disagree.
    pub why: Option<String>,
    /// Case IDs with an expectation attributed to it.
    pub cases: Vec<String>,
    /// Response schemas with a part attributed to it: checked on every
    /// answer validated against them.
    pub schemas: Vec<String>,
}

/// One documented example's cases.
#[derive(Debug, Serialize)]
pub struct ExampleCoverage {
    /// Example ID.
    pub id: String,
    /// Where it stands, as a citation.
    pub source: String,
    /// What it does.
    pub summary: String,
    /// Why no case can send it, if none can.
    pub unsendable: Option<String>,
    /// Case IDs sending it.
    pub cases: Vec<String>,
}

/// One documented response's cases.
#[derive(Debug, Serialize)]
pub struct ResponseCoverage {
    pub method: String,
    /// Path template.
    pub path: String,
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

    /// MUST and SHOULD rules (not details) no case checks.
    pub fn uncovered_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.parent.is_none() && r.level != Level::Mock && r.cases.is_empty())
            .map(|r| r.id.as_str())
            .collect()
    }

    /// MUST and SHOULD rules and details with no docs source.
    pub fn unsourced_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.level != Level::Mock && r.sources.is_empty())
            .map(|r| r.id.as_str())
            .collect()
    }

    /// Documented examples no case sends (and none that cannot be sent).
    pub fn unsent_examples(&self) -> Vec<&str> {
        self.examples
            .iter()
            .filter(|e| e.unsendable.is_none() && e.cases.is_empty())
            .map(|e| e.id.as_str())
            .collect()
    }
}

/// Computes the coverage of `cases`.
pub fn coverage(cases: &[Case], catalogue: &RuleCatalogue, spec: &Spec) -> Coverage {
    let checks = |case: &Case, id: &str| {
        case.rules.iter().any(|r| r == id)
            || case.steps.iter().any(|step| step.attributed().contains(id))
    };
    let schema_ids = spec.attributed_ids();
    let rules = catalogue
        .entries()
        .map(|rule| RuleCoverage {
            id: rule.id.clone(),
            parent: rule.parent.clone(),
            level: rule.level,
            sources: rule.sources.iter().map(|s| catalogue.cite(s)).collect(),
            why: rule.disagreement.clone().or_else(|| rule.why.clone()),
            cases: cases
                .iter()
                .filter(|c| checks(c, &rule.id))
                .map(|c| c.id().to_owned())
                .collect(),
            schemas: {
                let mut files: Vec<String> = schema_ids
                    .iter()
                    .filter(|(_, id)| *id == rule.id)
                    .map(|(file, _)| format!("schemas/{file}"))
                    .collect();
                files.dedup();
                files
            },
        })
        .collect();
    let examples = ExampleCatalogue::embedded()
        .iter()
        .map(|example| ExampleCoverage {
            id: example.id.clone(),
            source: catalogue.cite(&example.source()),
            summary: example.summary.clone(),
            unsendable: example.unsendable.clone(),
            cases: cases
                .iter()
                .filter(|c| c.examples.contains(&example.id))
                .map(|c| c.id().to_owned())
                .collect(),
        })
        .collect();
    let responses = responses(cases, spec);
    Coverage {
        rules,
        examples,
        responses,
        widened: widened(cases, catalogue),
    }
}

/// Each documented response of each operation, with the cases whose
/// expectations exercise it.
fn responses(cases: &[Case], spec: &Spec) -> Vec<ResponseCoverage> {
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
            // The mock's own answer where the page allows more is exercised
            // too: its detail checks it.
            for status in step.expect.status.iter().chain(&step.expect.exactly) {
                let ids = exercised
                    .entry((op.method.clone(), op.path.clone(), status.representative()))
                    .or_default();
                if !ids.iter().any(|id| id == case.id()) {
                    ids.push(case.id().to_owned());
                }
            }
        }
    }
    spec.operations()
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
        .collect()
}

fn widened(cases: &[Case], catalogue: &RuleCatalogue) -> Vec<Widened> {
    let statuses = |patterns: &[crate::case::StatusPattern]| {
        patterns
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let mut widened: Vec<Widened> = cases
        .iter()
        .flat_map(|case| case.steps.iter().map(move |step| (case, step)))
        .filter(|(_, step)| !step.expect.exactly.is_empty())
        .map(|(case, step)| {
            let rule = step
                .expect
                .status_rule
                .clone()
                .unwrap_or_else(|| step.rules.join(", "));
            let detail = step.rules.join(", ");
            let entry = catalogue.get(&rule);
            Widened {
                sources: entry
                    .map(|r| r.sources.iter().map(|s| catalogue.cite(s)).collect())
                    .unwrap_or_default(),
                why: step
                    .rules
                    .first()
                    .and_then(|d| catalogue.get(d)?.why.clone()),
                rule,
                case: case.id().to_owned(),
                step: step.name.clone(),
                accepts: statuses(&step.expect.status),
                mock_answers: statuses(&step.expect.exactly),
                detail,
            }
        })
        .collect();
    widened.sort_by(|a, b| (&a.rule, &a.case).cmp(&(&b.rule, &b.case)));
    widened
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
    let mut out = String::from(
        "Rules, where the docs say them, and the cases checking them (every MUST and SHOULD rule needs a source and a case; MOCK rules and details are our decisions):\n",
    );
    write_rules(&mut out, &coverage.rules);
    out.push_str("\nDocumented examples and the cases sending them as documented:\n");
    for example in &coverage.examples {
        let cases = match (&example.unsendable, example.cases.is_empty()) {
            (_, false) => example.cases.join(", "),
            (Some(why), true) => format!("(nothing to send: {why})"),
            (None, true) => "(none)".to_owned(),
        };
        let _ = writeln!(out, "  {:<44} {cases}", example.id);
        let _ = writeln!(out, "  {:<44} {}", "", example.source);
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
    write_widened(&mut out, &coverage.widened);
    let checked: Vec<&RuleCoverage> = coverage
        .rules
        .iter()
        .filter(|r| r.level != Level::Mock && r.parent.is_none())
        .collect();
    let covered = checked.iter().filter(|r| !r.cases.is_empty()).count();
    let sourced = checked.iter().filter(|r| !r.sources.is_empty()).count();
    let sendable: Vec<&ExampleCoverage> = coverage
        .examples
        .iter()
        .filter(|e| e.unsendable.is_none())
        .collect();
    let sent = sendable.iter().filter(|e| !e.cases.is_empty()).count();
    let required: Vec<&ResponseCoverage> =
        coverage.responses.iter().filter(|r| !r.optional).collect();
    let exercised = required.iter().filter(|r| !r.cases.is_empty()).count();
    let _ = writeln!(
        out,
        "\ncoverage: {sourced} of {} MUST and SHOULD rules cite the docs and {covered} have a case; {sent} of {} documented examples are sent by a case; {exercised} of {} documented endpoint statuses are exercised",
        checked.len(),
        sendable.len(),
        required.len()
    );
    out
}

/// The rules, where the docs say them, and what checks each.
fn write_rules(out: &mut String, rules: &[RuleCoverage]) {
    for rule in rules {
        let checked_by: Vec<&str> = rule
            .cases
            .iter()
            .chain(&rule.schemas)
            .map(String::as_str)
            .collect();
        let cases = if checked_by.is_empty() {
            "(none)".to_owned()
        } else {
            checked_by.join(", ")
        };
        let indent = if rule.parent.is_some() { "    " } else { "  " };
        let _ = writeln!(
            out,
            "{indent}{:<6} {:<9} {cases}",
            rule.level.as_str(),
            rule.id
        );
        for source in &rule.sources {
            let _ = writeln!(out, "{indent}       source: {source}");
        }
        if rule.level == Level::Mock && rule.parent.is_some() {
            if let Some(why) = &rule.why {
                let _ = writeln!(out, "{indent}       why MOCK: {why}");
            }
        }
    }
}

/// The expectations wider than the mock's own answer.
fn write_widened(out: &mut String, widened: &[Widened]) {
    out.push_str(
        "\nExpectations that accept more than the mock answers, because the page states less (the mock's own answer is checked as its detail):\n",
    );
    for widened in widened {
        let _ = writeln!(
            out,
            "  {:<9} {} \"{}\": accepts {}; the mock answers {} ({})",
            widened.rule,
            widened.case,
            widened.step,
            widened.accepts,
            widened.mock_answers,
            widened.detail
        );
        for source in &widened.sources {
            let _ = writeln!(out, "            rests on: {source}");
        }
        if let Some(why) = &widened.why {
            let _ = writeln!(out, "            why: {why}");
        }
    }
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

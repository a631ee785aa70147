//! One case in words: each step with a failure, its exchange, and every
//! unmet expectation with the rules it counts against and where it is
//! written; and the MOCK failures of many cases grouped by rule.

use std::fmt::Write as _;

use crate::runner::assert::{excerpt, printable};
use crate::runner::{CaseOutcome, Check};

/// One failed (or stopped) case in full: each step with a failure, its
/// request and response, and every unmet expectation with the rules it
/// counts against and where it is written.
pub fn render_case_failure(outcome: &CaseOutcome) -> String {
    render_case(outcome, true)
}

/// A case's failures, with each failing step's exchange when `exchanges`.
pub(super) fn render_case(outcome: &CaseOutcome, exchanges: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} [{}] ({})",
        outcome.id,
        outcome.name,
        outcome.rules.join(", "),
        outcome.level.as_str()
    );
    for (index, step) in outcome.steps.iter().enumerate() {
        if step.failures.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  step {} \"{}\" at {}:{}:{}{}",
            index + 1,
            step.name,
            outcome.file,
            step.location.line,
            step.location.column,
            if step.blocked {
                " (stopped the case)"
            } else {
                ""
            }
        );
        if let (true, Some(request)) = (exchanges, &step.request) {
            let _ = writeln!(out, "    > {} {}", request.method, request.url);
            for (name, value) in request.shown_headers() {
                let _ = writeln!(out, "    > {name}: {value}");
            }
            if let Some(body) = &request.body {
                let _ = writeln!(out, "    > {}", excerpt(body));
            }
        }
        if let (true, Some(response)) = (exchanges, &step.response) {
            let _ = writeln!(out, "    < {}", response.status);
            // The headers that explain an answer: what it is, where it
            // points (a redirect), how long to wait.
            for name in ["content-type", "location", "retry-after"] {
                if let Some((_, value)) = response.headers.iter().find(|(n, _)| n == name) {
                    let _ = writeln!(out, "    < {name}: {}", printable(value));
                }
            }
            if !response.body.is_empty() {
                let _ = writeln!(out, "    < {}", excerpt(&response.body));
            }
        }
        for failure in &step.failures {
            let against = match failure.level {
                Some(level) => format!("{} {}", failure.rules.join(", "), level.as_str()),
                None => "setup: the rules after it could not be evaluated".to_owned(),
            };
            // A snapshot's diff is shown whole, a line at a time; any other
            // text from the target on one line, escaped.
            let actual = match failure.check {
                Check::Snapshot { .. } => failure
                    .actual
                    .lines()
                    .map(printable)
                    .collect::<Vec<_>>()
                    .join("\n          "),
                _ => printable(&failure.actual),
            };
            let _ = writeln!(
                out,
                "    ✗ {} [{against}] ({}:{}:{})\n        expected: {}\n        actual:   {actual}",
                failure.check,
                outcome.file,
                failure.location.line,
                failure.location.column,
                failure.expected,
            );
        }
    }
    out
}

/// The MOCK failures of `outcomes`, by the rule or detail they count
/// against: the cases, and the first failure in words.
pub(super) fn informed_by_rule(outcomes: &[&CaseOutcome]) -> Vec<(String, Vec<String>, String)> {
    let mut grouped: Vec<(String, Vec<String>, String)> = Vec::new();
    for outcome in outcomes {
        for (step, failure) in outcome.failures() {
            for rule in &failure.rules {
                let entry = match grouped.iter_mut().position(|(r, _, _)| r == rule) {
                    Some(at) => &mut grouped[at],
                    None => {
                        let example = format!(
                            "    e.g. {} step \"{}\": {} ({}:{}:{})\n        expected: {}\n        actual:   {}",
                            outcome.id,
                            step.name,
                            failure.check,
                            outcome.file,
                            failure.location.line,
                            failure.location.column,
                            failure.expected,
                            excerpt(&failure.actual)
                        );
                        grouped.push((rule.clone(), Vec::new(), example));
                        grouped.last_mut().expect("just pushed")
                    }
                };
                if !entry.1.contains(&outcome.id) {
                    entry.1.push(outcome.id.clone());
                }
            }
        }
    }
    grouped.sort_by(|a, b| a.0.cmp(&b.0));
    grouped
}

//! The readable report: each failure with the request that produced it and
//! expected against actual, then the per-rule verdicts and a closing line.

use std::fmt::Write as _;

use super::{rule_results, totals, RuleVerdict};
use crate::case::{Level, RuleCatalogue};
use crate::runner::assert::excerpt;
use crate::runner::{CaseOutcome, CaseStatus};

/// One failed case in full: its failing step's request and response, and
/// every unmet expectation with where it is written.
pub fn render_case_failure(outcome: &CaseOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} [{}] ({})",
        outcome.id,
        outcome.name,
        outcome.rules.join(", "),
        outcome.level.as_str()
    );
    let Some(step) = outcome.steps.last() else {
        return out;
    };
    let _ = writeln!(
        out,
        "  step {} \"{}\" at {}:{}:{}",
        outcome.steps.len(),
        step.name,
        outcome.file,
        step.location.line,
        step.location.column
    );
    if let Some(request) = &step.request {
        let _ = writeln!(out, "    > {} {}", request.method, request.url);
        for (name, value) in request.shown_headers() {
            let _ = writeln!(out, "    > {name}: {value}");
        }
        if let Some(body) = &request.body {
            let _ = writeln!(out, "    > {}", excerpt(body));
        }
    }
    if let Some(response) = &step.response {
        let _ = writeln!(out, "    < {}", response.status);
        if let Some((_, ct)) = response.headers.iter().find(|(n, _)| n == "content-type") {
            let _ = writeln!(out, "    < content-type: {ct}");
        }
        if !response.body.is_empty() {
            let _ = writeln!(out, "    < {}", excerpt(&response.body));
        }
    }
    for failure in &step.failures {
        let _ = writeln!(
            out,
            "    ✗ {} ({}:{}:{})\n        expected: {}\n        actual:   {}",
            failure.check,
            outcome.file,
            failure.location.line,
            failure.location.column,
            failure.expected,
            failure.actual
        );
    }
    out
}

/// The whole summary: failures and warnings in full, skipped cases with
/// their reasons, the rule table, and a closing line.
pub fn render_summary(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
) -> String {
    let mut out = String::new();
    let failed: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.status == CaseStatus::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\nDeviations from the contract:\n");
        for outcome in &failed {
            let label = match outcome.level {
                Level::Must => "FAIL",
                Level::Should if strict => "FAIL",
                Level::Should => "WARN",
                Level::Mock => "INFO",
            };
            let _ = writeln!(out, "{label} {}", render_case_failure(outcome));
        }
    }
    let skipped: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| matches!(o.status, CaseStatus::Skipped { .. }))
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped:");
        for outcome in skipped {
            if let CaseStatus::Skipped { reason } = &outcome.status {
                let _ = writeln!(
                    out,
                    "  {} [{}]: {reason}",
                    outcome.id,
                    outcome.rules.join(", ")
                );
            }
        }
    }
    let rules = rule_results(outcomes, catalogue, strict);
    let _ = writeln!(out, "\nRules against {target}:");
    for rule in rules
        .iter()
        .filter(|r| r.verdict != RuleVerdict::NotCovered || r.level != Level::Mock)
    {
        let verdict = match rule.verdict {
            RuleVerdict::Pass => "pass",
            RuleVerdict::Fail => "FAIL",
            RuleVerdict::Warn => "WARN",
            RuleVerdict::Info => "info",
            RuleVerdict::Skipped => "skipped",
            RuleVerdict::NotCovered => "not covered",
        };
        let detail = if rule.failed_cases.is_empty() {
            format!("{} case(s)", rule.cases.len())
        } else {
            format!("failed: {}", rule.failed_cases.join(", "))
        };
        let _ = writeln!(
            out,
            "  {:<6} {:<9} {:<11} {detail}",
            rule.level.as_str(),
            rule.id,
            verdict
        );
    }
    let t = totals(outcomes, strict);
    let must_rules = rules.iter().filter(|r| r.level == Level::Must);
    let must_total = must_rules.clone().count();
    let must_held = must_rules
        .filter(|r| r.verdict == RuleVerdict::Pass)
        .count();
    let _ = writeln!(
        out,
        "\n{must_held} of {must_total} MUST rules verified; {} warning(s) (SHOULD or MOCK cases that failed)",
        t.warnings
    );
    let _ = writeln!(
        out,
        "conformance: {} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    out
}

/// Prints the summary to stdout.
pub fn print_summary(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
) {
    print!("{}", render_summary(outcomes, catalogue, strict, target));
}

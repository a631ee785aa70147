//! `--report-json PATH`: every case's outcome and every rule's verdict.

use serde::Serialize;

use crate::runner::CaseOutcome;
use crate::summary::{MustCounts, RuleResult, Summary, Totals, Unverified};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    target: &'a str,
    strict: bool,
    passed: bool,
    totals: Totals,
    must: MustCounts,
    /// The MUST rules no case could evaluate: `passed` is false while any is.
    unverified: &'a [Unverified],
    rules: &'a [RuleResult],
    cases: &'a [CaseOutcome],
}

/// The JSON report as text.
pub fn render(summary: &Summary<'_>) -> String {
    let report = JsonReport {
        tool: "pizzastack check",
        version: env!("CARGO_PKG_VERSION"),
        target: summary.target,
        strict: summary.strict,
        passed: summary.passed(),
        totals: summary.totals,
        must: summary.must,
        unverified: &summary.unverified,
        rules: &summary.rules,
        cases: summary.outcomes,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

//! `--report-json PATH`: every case's outcome and every rule's verdict.

use serde::Serialize;

use super::{rule_results, totals, RuleResult, Totals};
use crate::case::RuleCatalogue;
use crate::runner::CaseOutcome;

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    target: &'a str,
    strict: bool,
    passed: bool,
    totals: Totals,
    rules: Vec<RuleResult>,
    cases: &'a [CaseOutcome],
}

/// The JSON report as text.
pub fn render(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
) -> String {
    let totals = totals(outcomes, strict);
    let report = JsonReport {
        tool: "pizzastack check",
        version: env!("CARGO_PKG_VERSION"),
        target,
        strict,
        passed: totals.failed == 0,
        totals,
        rules: rule_results(outcomes, catalogue, strict),
        cases: outcomes,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

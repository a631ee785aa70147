//! `--report-json PATH`: every case's outcome and every rule's verdict.

use serde::Serialize;

use super::{rule_results, totals, unverified, RuleResult, Totals, Unverified};
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
    /// The MUST rules no case could evaluate: `passed` is false while any is.
    unverified: Vec<Unverified>,
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
    let unverified = unverified(outcomes, catalogue);
    let report = JsonReport {
        tool: "pizzastack check",
        version: env!("CARGO_PKG_VERSION"),
        target,
        strict,
        passed: totals.failed == 0 && unverified.is_empty(),
        totals,
        unverified,
        rules: rule_results(outcomes, catalogue, strict),
        cases: outcomes,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

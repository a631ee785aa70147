//! Reports: the terminal summary, JUnit and JSON, one writer per format,
//! all fed by the same outcomes. This is the only module that writes
//! results to stdout or to report files.

pub mod coverage;
pub mod json;
pub mod junit;
pub mod terminal;

use serde::Serialize;

use crate::case::{Level, RuleCatalogue};
use crate::runner::harness::failure_counts;
use crate::runner::{CaseOutcome, CaseStatus};

/// How one rule fared over every case that cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleVerdict {
    /// Every case citing it passed.
    Pass,
    /// A case citing it failed, and its level fails the run.
    Fail,
    /// A SHOULD case failed without `--strict`.
    Warn,
    /// A MOCK case failed: our own decision, never held against a target.
    Info,
    /// Every case citing it was skipped.
    Skipped,
    /// No case that ran cites it.
    NotCovered,
}

/// One rule's line in the reports.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// Rule ID.
    pub id: String,
    /// Its level.
    pub level: Level,
    /// What it says.
    pub summary: String,
    /// The verdict.
    pub verdict: RuleVerdict,
    /// IDs of the cases that cite it.
    pub cases: Vec<String>,
    /// IDs of those that failed.
    pub failed_cases: Vec<String>,
}

/// Counts for the closing line and the JSON report.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    /// Cases that ran or were skipped.
    pub cases: usize,
    /// Cases that passed.
    pub passed: usize,
    /// Cases whose failure fails the run.
    pub failed: usize,
    /// Cases that failed at SHOULD (without `--strict`) or MOCK level.
    pub warnings: usize,
    /// Cases skipped for a missing capability.
    pub skipped: usize,
}

/// Per-rule verdicts, in catalogue order.
pub fn rule_results(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
) -> Vec<RuleResult> {
    catalogue
        .iter()
        .map(|rule| {
            let citing: Vec<&CaseOutcome> = outcomes
                .iter()
                .filter(|o| o.rules.contains(&rule.id))
                .collect();
            let failed: Vec<String> = citing
                .iter()
                .filter(|o| o.status == CaseStatus::Failed)
                .map(|o| o.id.clone())
                .collect();
            let ran = citing
                .iter()
                .any(|o| !matches!(o.status, CaseStatus::Skipped { .. }));
            let verdict = if citing.is_empty() {
                RuleVerdict::NotCovered
            } else if !failed.is_empty() {
                match rule.level {
                    Level::Mock => RuleVerdict::Info,
                    level if failure_counts(level, strict) => RuleVerdict::Fail,
                    _ => RuleVerdict::Warn,
                }
            } else if ran {
                RuleVerdict::Pass
            } else {
                RuleVerdict::Skipped
            };
            RuleResult {
                id: rule.id.clone(),
                level: rule.level,
                summary: rule.summary.clone(),
                verdict,
                cases: citing.iter().map(|o| o.id.clone()).collect(),
                failed_cases: failed,
            }
        })
        .collect()
}

/// Case counts.
pub fn totals(outcomes: &[CaseOutcome], strict: bool) -> Totals {
    let mut totals = Totals {
        cases: outcomes.len(),
        ..Totals::default()
    };
    for outcome in outcomes {
        match &outcome.status {
            CaseStatus::Passed => totals.passed += 1,
            CaseStatus::Skipped { .. } => totals.skipped += 1,
            CaseStatus::Failed if failure_counts(outcome.level, strict) => totals.failed += 1,
            CaseStatus::Failed => totals.warnings += 1,
        }
    }
    totals
}

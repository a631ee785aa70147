//! The run's summary, computed once from its outcomes: what each case
//! means for the run, each rule's verdict over every case, the case totals,
//! the MUST counts and the MUST rules no case could evaluate. Every report
//! writer (terminal, JSON, JUnit, HTML) reads this one value.

use serde::Serialize;

use crate::case::{Level, RuleCatalogue};
use crate::runner::{CaseOutcome, CaseStatus, Verdict};

/// The summary of one run.
#[derive(Debug, Clone)]
pub struct Summary<'a> {
    /// The target's root URL, as reports name it.
    pub target: &'a str,
    /// Whether SHOULD failures fail the run.
    pub strict: bool,
    /// Every case's outcome, in the order they are reported.
    pub outcomes: &'a [CaseOutcome],
    /// The case counts.
    pub totals: Totals,
    /// Every rule's and detail's verdict, in catalogue order.
    pub rules: Vec<RuleResult>,
    /// The MUST rules no case could evaluate.
    pub unverified: Vec<Unverified>,
    /// How the MUST rules (not their details) fared.
    pub must: MustCounts,
}

/// How the MUST rules fared, for the closing line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MustCounts {
    /// MUST rules in the catalogue.
    pub total: usize,
    /// Of them, those verified (`pass`).
    pub verified: usize,
    /// Of them, those no case could evaluate (`error`).
    pub not_evaluated: usize,
}

impl<'a> Summary<'a> {
    /// The summary of `outcomes` against `catalogue`.
    pub fn new(
        outcomes: &'a [CaseOutcome],
        catalogue: &RuleCatalogue,
        strict: bool,
        target: &'a str,
    ) -> Self {
        let rules = rule_results(outcomes, catalogue, strict);
        let musts = || {
            rules
                .iter()
                .filter(|r| r.level == Level::Must && r.parent.is_none())
        };
        let count = |verdict: RuleVerdict| musts().filter(|r| r.verdict == verdict).count();
        let must = MustCounts {
            total: musts().count(),
            verified: count(RuleVerdict::Pass),
            not_evaluated: count(RuleVerdict::Error),
        };
        Self {
            target,
            strict,
            outcomes,
            totals: totals(outcomes, strict),
            unverified: unverified(outcomes, catalogue),
            rules,
            must,
        }
    }

    /// Whether the run holds: no case fails it and every MUST rule it
    /// touched was evaluated.
    pub fn passed(&self) -> bool {
        self.totals.failed == 0 && self.unverified.is_empty()
    }
}

/// What one case means for the run: the word its progress line starts
/// with, and (upper case) the label of its failures in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseVerdict {
    /// It fails the run.
    Fail,
    /// A SHOULD expectation was not met, without `--strict`.
    Warn,
    /// Only MOCK expectations were not met: the target decided a point
    /// the docs leave open differently.
    Info,
    /// A step stopped it before its rules could all be evaluated.
    Error,
    /// Skipped for a missing capability.
    Skip,
    /// It passed, with a deviation the baseline lists.
    Known,
    /// Everything held.
    Pass,
}

impl CaseVerdict {
    /// What `outcome` means for the run.
    pub fn of(outcome: &CaseOutcome, strict: bool) -> Self {
        if outcome.fails_run(strict) {
            return Self::Fail;
        }
        match &outcome.status {
            CaseStatus::Skipped { .. } => Self::Skip,
            _ if outcome.has_unevaluated_rules() => Self::Error,
            CaseStatus::Error { .. } => Self::Error,
            CaseStatus::Failed => Self::of_failures(outcome, strict),
            CaseStatus::Passed
                if outcome
                    .rule_checks
                    .iter()
                    .any(|c| c.verdict == Verdict::Known) =>
            {
                Self::Known
            }
            CaseStatus::Passed => Self::Pass,
        }
    }

    /// The label of a case with failures: `Fail` when it fails the run,
    /// else by the level of its strictest failure (`Warn` for SHOULD,
    /// `Info` for MOCK).
    pub fn of_failures(outcome: &CaseOutcome, strict: bool) -> Self {
        if outcome.fails_run(strict) {
            return Self::Fail;
        }
        let worst = outcome
            .rule_checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.level)
            .max();
        match worst {
            Some(Level::Must | Level::Should) => Self::Warn,
            _ => Self::Info,
        }
    }

    /// The word of a progress line.
    pub fn word(self) -> &'static str {
        match self {
            Self::Fail => "FAIL",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Error => "error",
            Self::Skip => "skip",
            Self::Known => "known",
            Self::Pass => "pass",
        }
    }

    /// The label of a failed case in the summary.
    pub fn label(self) -> &'static str {
        match self {
            Self::Fail => "FAIL",
            Self::Warn => "WARN",
            _ => "INFO",
        }
    }
}

/// How one rule (or detail) fared over every case that checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleVerdict {
    /// Every expectation attributed to it, in every case, was met.
    Pass,
    /// One was not, and its level fails the run.
    Fail,
    /// A SHOULD expectation was not met, without `--strict`.
    Warn,
    /// A MOCK expectation was not met: our own decision, never held
    /// against a target.
    Info,
    /// Nothing attributed to it failed, but a case stopped (a setup step
    /// failed) before its expectations could be evaluated: not verified.
    Error,
    /// Its failures are all listed in the baseline as known.
    Known,
    /// Every case checking it was skipped.
    Skipped,
    /// No case that ran checks it.
    NotCovered,
}

impl RuleVerdict {
    /// The word reports show.
    pub fn word(self) -> &'static str {
        match self {
            RuleVerdict::Pass => "pass",
            RuleVerdict::Fail => "FAIL",
            RuleVerdict::Warn => "WARN",
            RuleVerdict::Info => "info",
            RuleVerdict::Error => "error",
            RuleVerdict::Known => "known",
            RuleVerdict::Skipped => "skipped",
            RuleVerdict::NotCovered => "not covered",
        }
    }
}

/// One rule's (or detail's) line in the reports.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// Rule or detail ID.
    pub id: String,
    /// The rule a detail belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub level: Level,
    /// What it says.
    pub summary: String,
    /// The documentation it comes from, as citations.
    pub sources: Vec<String>,
    /// Why it has this level, where that needs saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// How the pages disagree on it, if they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
    pub verdict: RuleVerdict,
    /// IDs of the cases that check it.
    pub cases: Vec<String>,
    /// Those in which it failed.
    pub failed_cases: Vec<String>,
    /// Those that stopped before it could be evaluated.
    pub error_cases: Vec<String>,
}

/// Counts for the closing line and the JSON report.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    /// Cases that ran or were skipped.
    pub cases: usize,
    /// Cases that did not fail the run and were fully evaluated: those
    /// with only warnings or information included.
    pub passed: usize,
    /// Cases whose failure fails the run.
    pub failed: usize,
    /// Of the passed cases, those with a SHOULD expectation not met
    /// (without `--strict`).
    pub warnings: usize,
    /// Of the passed cases, those where the target decided differently
    /// from the mock on a point the docs leave open (MOCK only).
    pub informed: usize,
    /// Cases that did not fail the run but left a rule unevaluated (a setup
    /// step, or a step failing on a MOCK detail, stopped them).
    pub errors: usize,
    /// Cases skipped for a missing capability.
    pub skipped: usize,
}

/// The verdict of every rule and detail, in catalogue order: a rule's
/// details follow it.
pub fn rule_results(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
) -> Vec<RuleResult> {
    catalogue
        .entries()
        .map(|rule| {
            let checks: Vec<(&str, Verdict)> = outcomes
                .iter()
                .flat_map(|o| {
                    o.rule_checks
                        .iter()
                        .filter(|c| c.id == rule.id)
                        .map(|c| (o.id.as_str(), c.verdict))
                })
                .collect();
            let cases_with = |verdict: Verdict| -> Vec<String> {
                checks
                    .iter()
                    .filter(|(_, v)| *v == verdict)
                    .map(|(id, _)| (*id).to_owned())
                    .collect()
            };
            let failed = cases_with(Verdict::Fail);
            let errors = cases_with(Verdict::Error);
            let passed = checks.iter().any(|(_, v)| *v == Verdict::Pass);
            let verdict = if !failed.is_empty() {
                match rule.level {
                    Level::Mock => RuleVerdict::Info,
                    level if level.fails_run(strict) => RuleVerdict::Fail,
                    _ => RuleVerdict::Warn,
                }
            } else if checks.iter().any(|(_, v)| *v == Verdict::Known) {
                RuleVerdict::Known
            } else if !errors.is_empty() && (strict || !passed) {
                // Evaluated in one case and held there, it is verified,
                // even where another case could not reach it (but not
                // with --strict, where every case must reach it).
                RuleVerdict::Error
            } else if passed {
                RuleVerdict::Pass
            } else if checks.is_empty() {
                RuleVerdict::NotCovered
            } else {
                RuleVerdict::Skipped
            };
            let mut cases: Vec<String> = checks.iter().map(|(id, _)| (*id).to_owned()).collect();
            cases.dedup();
            RuleResult {
                id: rule.id.clone(),
                parent: rule.parent.clone(),
                level: rule.level,
                summary: rule.summary.clone(),
                sources: rule.sources.iter().map(|s| catalogue.cite(s)).collect(),
                why: rule.why.clone(),
                disagreement: rule.disagreement.clone(),
                verdict,
                cases,
                failed_cases: failed,
                error_cases: errors,
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
            _ if outcome.fails_run(strict) => totals.failed += 1,
            CaseStatus::Skipped { .. } => totals.skipped += 1,
            _ if outcome.has_unevaluated_rules() => totals.errors += 1,
            CaseStatus::Error { .. } => totals.errors += 1,
            CaseStatus::Passed => totals.passed += 1,
            CaseStatus::Failed => {
                totals.passed += 1;
                let should = outcome
                    .rule_checks
                    .iter()
                    .any(|c| c.verdict == Verdict::Fail && c.level >= Level::Should);
                if should {
                    totals.warnings += 1;
                } else {
                    totals.informed += 1;
                }
            }
        }
    }
    totals
}

/// A selected MUST rule that no case could evaluate: not verified, so the
/// run cannot say the target conforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unverified {
    /// The rule.
    pub id: String,
    /// Why no case evaluated it, from the first case that tried.
    pub why: String,
}

/// The MUST rules the cases run touch (any verdict) that none evaluated:
/// no case passed them, none failed them, and the baseline does not list
/// them as known, i.e. those whose verdict without `--strict` is `error`
/// or `skipped`. A run is conformant only when this is empty.
pub fn unverified(outcomes: &[CaseOutcome], catalogue: &RuleCatalogue) -> Vec<Unverified> {
    let case = |id: &str| outcomes.iter().find(|o| o.id == id);
    rule_results(outcomes, catalogue, false)
        .into_iter()
        .filter(|rule| rule.level == Level::Must)
        .filter_map(|rule| {
            let why = match rule.verdict {
                RuleVerdict::Skipped => {
                    let first = case(rule.cases.first()?)?;
                    let CaseStatus::Skipped { reason } = &first.status else {
                        return None;
                    };
                    format!(
                        "every case checking it was skipped ({}: {reason})",
                        first.id
                    )
                }
                RuleVerdict::Error => {
                    let first = case(rule.error_cases.first()?)?;
                    format!(
                        "every case checking it stopped before its checks ({}: {})",
                        first.id,
                        first
                            .unevaluated()
                            .unwrap_or_else(|| "not evaluated".to_owned())
                    )
                }
                _ => return None,
            };
            Some(Unverified { id: rule.id, why })
        })
        .collect()
}

//! Known deviations (`check --write-baseline FILE`, `--baseline FILE`): a
//! team that cannot fix a deviation today records it, with a reason, and
//! its CI fails only on new ones. The file is JSON, meant to be edited: one
//! entry per rule, the cases it failed in, and why it is accepted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runner::{CaseOutcome, CaseStatus, Verdict};

/// The deviations a team accepts for now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The target it was recorded against, for the reader.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// One entry per rule or detail.
    pub known: Vec<KnownDeviation>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownDeviation {
    /// The rule or detail ID that fails.
    pub rule: String,
    /// The cases it fails in; empty means in any case.
    #[serde(default)]
    pub cases: Vec<String>,
    /// Why it is accepted (the file's reader will ask).
    pub reason: String,
}

/// A known deviation that no longer fails where it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The rule or detail.
    pub rule: String,
    /// The cases where it now holds.
    pub cases: Vec<String>,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// It cannot be read.
    #[error("cannot read the baseline {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// It is not a baseline.
    #[error("{} is not a baseline: {source} (write one with --write-baseline)", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl Baseline {
    /// The baseline in `path`.
    ///
    /// # Errors
    /// When the file cannot be read or is not a baseline.
    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The failing rules of `outcomes` as a baseline file, each with a
    /// reason to fill in.
    pub fn record(outcomes: &[CaseOutcome], target: &str) -> String {
        let mut known: Vec<KnownDeviation> = Vec::new();
        for outcome in outcomes {
            for check in &outcome.rule_checks {
                // MOCK failures never fail a run: nothing to accept.
                let counts = check.level >= crate::case::Level::Should;
                if !counts || !matches!(check.verdict, Verdict::Fail | Verdict::Known) {
                    continue;
                }
                match known.iter_mut().find(|k| k.rule == check.id) {
                    Some(entry) if !entry.cases.contains(&outcome.id) => {
                        entry.cases.push(outcome.id.clone());
                    }
                    Some(_) => {}
                    None => known.push(KnownDeviation {
                        rule: check.id.clone(),
                        cases: vec![outcome.id.clone()],
                        reason: "TODO: say why this deviation is accepted for now".to_owned(),
                    }),
                }
            }
        }
        known.sort_by(|a, b| a.rule.cmp(&b.rule));
        let baseline = Baseline {
            target: target.to_owned(),
            known,
        };
        serde_json::to_string_pretty(&baseline).unwrap_or_default() + "\n"
    }

    fn entry(&self, rule: &str, case: &str) -> Option<&KnownDeviation> {
        self.known
            .iter()
            .find(|k| k.rule == rule && (k.cases.is_empty() || k.cases.iter().any(|c| c == case)))
    }

    /// Marks the failures of `outcome` that the baseline lists as known; a
    /// case whose every failure is known no longer counts as failed.
    pub fn mark_known(&self, outcome: &mut CaseOutcome) {
        let mut any = false;
        for check in &mut outcome.rule_checks {
            if check.verdict == Verdict::Fail && self.entry(&check.id, &outcome.id).is_some() {
                check.verdict = Verdict::Known;
                any = true;
            }
        }
        let still_failing = outcome
            .rule_checks
            .iter()
            .any(|c| c.verdict == Verdict::Fail);
        if any && !still_failing && outcome.status == CaseStatus::Failed {
            outcome.status = CaseStatus::Passed;
        }
    }

    /// The known deviations that held where they ran: each rule with the
    /// listed cases in which it now passes.
    pub fn fixed(&self, outcomes: &[CaseOutcome]) -> Vec<Fixed> {
        let mut fixed: Vec<Fixed> = Vec::new();
        for entry in &self.known {
            let passing: Vec<String> = outcomes
                .iter()
                .filter(|o| entry.cases.is_empty() || entry.cases.contains(&o.id))
                .filter(|o| {
                    o.rule_checks
                        .iter()
                        .any(|c| c.id == entry.rule && c.verdict == Verdict::Pass)
                })
                .map(|o| o.id.clone())
                .collect();
            if !passing.is_empty() {
                fixed.push(Fixed {
                    rule: entry.rule.clone(),
                    cases: passing,
                });
            }
        }
        fixed
    }
}

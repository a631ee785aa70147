//! Known deviations (`check --write-baseline FILE`, `--baseline FILE`): a
//! team that cannot fix a deviation today records it, with a reason, and
//! its CI fails only on new ones. The file is JSON, meant to be edited: one
//! entry per rule, with what was seen where it failed (the case, the step,
//! the answer's status and the expectation not met), and why it is
//! accepted. A failure of the same rule that was not seen (another step,
//! another status, another expectation) is new and fails the run. A MUST
//! rule no case could evaluate can be listed as `unverifiable`, with a
//! reason, so that the run does not fail on it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::runner::{CaseOutcome, CaseStatus, Verdict};
use crate::summary::Unverified;

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
    /// The cases it fails in, for the reader (`seen` is what is matched).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    /// Each failure accepted: only these count as known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<SeenFailure>,
    /// The rule is accepted as one no case can evaluate on this target
    /// (its cases are skipped or stop before it), rather than as failing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverifiable: bool,
    /// Why it is accepted (the file's reader will ask).
    pub reason: String,
}

/// One failure as it was seen: where, the answer's status, and the
/// expectation that was not met.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenFailure {
    /// The case's ID.
    pub case: String,
    /// The step's name.
    pub step: String,
    /// The answer's status; none when no answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What was checked, e.g. `body /sauce_quality equals`.
    pub check: String,
    /// What the case expected.
    pub expected: String,
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
    /// An entry accepts a failing rule without saying which failure.
    #[error("{}: the entry for {rule} lists no `seen` failure, so it would hide any failure of the rule; record it again with --write-baseline (or mark it \"unverifiable\": true if no case can evaluate it)", path.display())]
    Unpinned { path: PathBuf, rule: String },
}

/// Every failure of `outcome` attributed to `rule`, as a baseline pins it.
fn seen_in(outcome: &CaseOutcome, rule: &str) -> Vec<SeenFailure> {
    let mut seen: Vec<SeenFailure> = outcome
        .steps
        .iter()
        .flat_map(|step| {
            step.failures
                .iter()
                .filter(|f| f.rules.iter().any(|r| r == rule))
                .map(move |f| SeenFailure {
                    case: outcome.id.clone(),
                    step: step.name.clone(),
                    status: step.response.as_ref().map(|r| r.status),
                    check: f.check.to_string(),
                    expected: f.expected.clone(),
                })
        })
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

impl Baseline {
    /// The baseline in `path`.
    ///
    /// # Errors
    /// When the file cannot be read, is not a baseline, or has an entry
    /// that pins no failure.
    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        let baseline: Self =
            serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
                path: path.to_owned(),
                source,
            })?;
        if let Some(entry) = baseline
            .known
            .iter()
            .find(|k| !k.unverifiable && k.seen.is_empty())
        {
            return Err(BaselineError::Unpinned {
                path: path.to_owned(),
                rule: entry.rule.clone(),
            });
        }
        Ok(baseline)
    }

    /// The failing rules of `outcomes`, each with the failures seen, and
    /// the MUST rules no case could evaluate, as a baseline file with a
    /// reason to fill in for each.
    pub fn record(outcomes: &[CaseOutcome], unverified: &[Unverified], target: &str) -> String {
        let mut known: Vec<KnownDeviation> = Vec::new();
        for outcome in outcomes {
            for check in &outcome.rule_checks {
                // MOCK failures never fail a run: nothing to accept.
                let counts = check.level >= crate::case::Level::Should;
                // A rule known only as unverifiable failed nowhere: the
                // unverified list records it.
                let seen = seen_in(outcome, &check.id);
                if !counts
                    || !matches!(check.verdict, Verdict::Fail | Verdict::Known)
                    || seen.is_empty()
                {
                    continue;
                }
                let index = match known.iter().position(|k| k.rule == check.id) {
                    Some(index) => index,
                    None => {
                        known.push(KnownDeviation {
                            rule: check.id.clone(),
                            cases: Vec::new(),
                            seen: Vec::new(),
                            unverifiable: false,
                            reason: "TODO: say why this deviation is accepted for now".to_owned(),
                        });
                        known.len() - 1
                    }
                };
                let entry = &mut known[index];
                if !entry.cases.contains(&outcome.id) {
                    entry.cases.push(outcome.id.clone());
                }
                entry.seen.extend(seen);
            }
        }
        known.extend(unverified.iter().map(|u| KnownDeviation {
            rule: u.id.clone(),
            cases: Vec::new(),
            seen: Vec::new(),
            unverifiable: true,
            reason: format!(
                "TODO: say why this rule cannot be verified here ({})",
                u.why
            ),
        }));
        known.sort_by(|a, b| a.rule.cmp(&b.rule));
        let baseline = Baseline {
            target: target.to_owned(),
            known,
        };
        serde_json::to_string_pretty(&baseline).unwrap_or_default() + "\n"
    }

    /// Whether every failure of `rule` in `outcome` was seen before.
    fn all_seen(&self, rule: &str, outcome: &CaseOutcome) -> bool {
        let Some(entry) = self
            .known
            .iter()
            .find(|k| k.rule == rule && !k.unverifiable)
        else {
            return false;
        };
        let failures = seen_in(outcome, rule);
        !failures.is_empty() && failures.iter().all(|f| entry.seen.contains(f))
    }

    /// Marks the failures of `outcome` that the baseline lists as known; a
    /// case whose every failure is known no longer counts as failed.
    pub fn mark_known(&self, outcome: &mut CaseOutcome) {
        let known: Vec<String> = outcome
            .rule_checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail && self.all_seen(&c.id, outcome))
            .map(|c| c.id.clone())
            .collect();
        for check in &mut outcome.rule_checks {
            if known.contains(&check.id) {
                check.verdict = Verdict::Known;
            }
        }
        let still_failing = outcome
            .rule_checks
            .iter()
            .any(|c| c.verdict == Verdict::Fail);
        if !known.is_empty() && !still_failing && outcome.status == CaseStatus::Failed {
            outcome.status = CaseStatus::Passed;
        }
    }

    /// Marks the rules listed as unverifiable, where no case evaluated
    /// them, as known: they no longer fail the run.
    pub fn accept_unverifiable(&self, outcomes: &mut [CaseOutcome], unverified: &[Unverified]) {
        let accepted: Vec<&str> = self
            .known
            .iter()
            .filter(|k| k.unverifiable && unverified.iter().any(|u| u.id == k.rule))
            .map(|k| k.rule.as_str())
            .collect();
        for check in outcomes.iter_mut().flat_map(|o| o.rule_checks.iter_mut()) {
            if accepted.contains(&check.id.as_str())
                && matches!(check.verdict, Verdict::Error | Verdict::Skipped)
            {
                check.verdict = Verdict::Known;
            }
        }
    }

    /// The known deviations that held where they ran: each rule with the
    /// listed cases in which it now passes (for an unverifiable rule, any
    /// case: it can be evaluated now).
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

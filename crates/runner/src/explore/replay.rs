//! A saved case replayed with the ordinary runner: its outcome is what the
//! reports show, so a failure `explore` reports is one `check --cases`
//! reproduces.

use std::time::Duration;

use crate::case::{Level, RuleCatalogue};
use crate::runner::outcome::{CaseOutcome, CaseStatus, RuleCheck, Verdict};
use crate::runner::Target;
use pizzastack_spec::Spec;

/// How many times a saved case is replayed to see it fail.
pub const REPLAYS: usize = 3;

/// What replaying a saved case needs.
pub(super) struct Replaying<'a> {
    pub runtime: &'a tokio::runtime::Runtime,
    pub client: &'a reqwest::Client,
    pub target: &'a Target,
    pub spec: &'static Spec,
    pub catalogue: &'a RuleCatalogue,
    pub name: &'a str,
    pub rule: &'static str,
}

impl Replaying<'_> {
    /// Runs the case once with the ordinary runner: its outcome, and
    /// whether the rule failed. `None` when the case does not load.
    fn once(&self, case: &str) -> Option<(CaseOutcome, bool)> {
        let file = format!("explore/{}", self.name);
        let parsed = crate::case::parse_case(&file, case, self.catalogue).ok()?;
        let outcome = self.runtime.block_on(crate::runner::run_case(
            self.client,
            self.target,
            &parsed,
            self.spec,
            self.catalogue,
        ));
        let broke = outcome
            .rule_checks
            .iter()
            .any(|c| c.id == self.rule && c.verdict == Verdict::Fail);
        Some((outcome, broke))
    }

    /// Replays up to [`REPLAYS`] times until it fails; the outcome is what
    /// the reports show.
    pub fn replay(&self, case: &str) -> (CaseOutcome, usize) {
        let file = format!("explore/{}", self.name);
        let mut last = None;
        let mut failed = 0;
        for _ in 0..REPLAYS {
            let Some((outcome, broke)) = self.once(case) else {
                let reason = "the saved case does not load".to_owned();
                return (unreplayed(&file, self.rule, self.catalogue, reason), 0);
            };
            last = Some(outcome);
            if broke {
                failed += 1;
                break;
            }
        }
        let mut outcome =
            last.unwrap_or_else(|| unreplayed(&file, self.rule, self.catalogue, String::new()));
        if failed == 0 {
            // Found and shrunk, but the values it hangs on came out otherwise
            // each time it was replayed: still a failure the workflows saw.
            let level = self
                .catalogue
                .get(self.rule)
                .map_or(Level::Mock, |r| r.level);
            outcome.rule_checks.retain(|c| c.id != self.rule);
            outcome.rule_checks.push(RuleCheck {
                id: self.rule.to_owned(),
                level,
                verdict: Verdict::Fail,
            });
            outcome.status = CaseStatus::Failed;
        }
        (outcome, failed)
    }
}

fn unreplayed(
    file: &str,
    rule: &'static str,
    catalogue: &RuleCatalogue,
    reason: String,
) -> CaseOutcome {
    let level = catalogue.get(rule).map_or(Level::Mock, |r| r.level);
    CaseOutcome {
        id: file.trim_end_matches(".yaml").to_owned(),
        name: format!("explore: {rule}"),
        file: file.to_owned(),
        rules: vec![rule.to_owned()],
        level,
        status: CaseStatus::Error { reason },
        steps: Vec::new(),
        rule_checks: vec![RuleCheck {
            id: rule.to_owned(),
            level,
            verdict: Verdict::Fail,
        }],
        duration: Duration::ZERO,
    }
}

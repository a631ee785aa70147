//! A failure made small: proptest's value tree first (it deletes
//! transitions from the back and simplifies each one), then a chunked
//! pruning of what is left, each candidate run again and judged afresh by
//! the oracle.
//!
//! Both are bounded in runs, so that a case comes out as small on a slow
//! machine as on a fast one; the time caps only stop a target that answers
//! slowly from holding a run for long.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;

use super::model::{Model, Step};
use super::run::{How, Ran, Runner, StopAt};
use super::shared::Shared;
use crate::oracle::{Expect, Oracle};
use crate::runner::{Expiry, Target};

/// Runs of proptest's value tree per failure, and the time they may take.
const SHRINK_RUNS: usize = 400;
const SHRINK_TIME: Duration = Duration::from_secs(20);
/// Runs of the pruning per failure, and the time they may take.
const PRUNE_RUNS: usize = 400;
const PRUNE_TIME: Duration = Duration::from_secs(30);

/// What running a workflow again needs.
pub(super) struct Trying<'a> {
    pub runtime: &'a tokio::runtime::Runtime,
    pub runner: &'a Runner<'a>,
    pub shared: &'a Shared,
    pub new_oracle: &'a dyn Fn() -> Oracle,
    /// Whether sessions may be let expire now.
    pub may_expire: &'a dyn Fn() -> bool,
    pub target: &'a Target,
}

/// A workflow drawn by proptest-state-machine's sequential strategy.
pub(super) type Drawn = (Model, Vec<Step>, Option<Arc<AtomicUsize>>);

impl Trying<'_> {
    /// Runs one workflow with a fresh oracle, holding the expiry lock alone
    /// if it lets sessions expire through the shared admin clock, else with
    /// the others.
    pub fn run(
        &self,
        model: &Model,
        steps: &[Step],
        stop: StopAt,
        seen: Option<&AtomicUsize>,
    ) -> Ran {
        let expiring = matches!(self.target.expiry, Expiry::AdminClock { .. })
            && steps.iter().any(|s| matches!(s, Step::Expire));
        let mut oracle = (self.new_oracle)();
        let known = |rule: &str| self.shared.known(rule);
        let how = How {
            stop,
            known: &known,
            seen,
            expire: self.may_expire,
        };
        let mut go = || {
            self.runtime
                .block_on(self.runner.run(&mut oracle, model, steps, &how))
        };
        let lock = &self.shared.expiry;
        if expiring {
            let _alone = lock.write().unwrap_or_else(PoisonError::into_inner);
            go()
        } else {
            let _together = lock.read().unwrap_or_else(PoisonError::into_inner);
            go()
        }
    }

    /// Shrinks the failure of `rule` that `first` ran into, then prunes
    /// what is left: the smallest workflow found that still breaks it.
    pub fn shrink(
        &self,
        tree: &mut impl ValueTree<Value = Drawn>,
        first: (Model, Vec<Step>, Ran),
        rule: &'static str,
    ) -> (Model, Vec<Step>, Ran) {
        let (model, steps, ran) = self.simplify(tree, first, rule);
        let (steps, ran) = self.prune(&model, steps, ran, rule);
        (model, steps, ran)
    }

    /// proptest's value tree: each simpler workflow is kept while it still
    /// breaks `rule`.
    fn simplify(
        &self,
        tree: &mut impl ValueTree<Value = Drawn>,
        first: (Model, Vec<Step>, Ran),
        rule: &'static str,
    ) -> (Model, Vec<Step>, Ran) {
        let mut best = first;
        let until = Instant::now() + SHRINK_TIME;
        if !tree.simplify() {
            return best;
        }
        for _ in 0..SHRINK_RUNS {
            if Instant::now() >= until {
                break;
            }
            let (model, steps, seen) = tree.current();
            let ran = self.run(&model, &steps, StopAt::Rule(rule), seen.as_deref());
            let kept = if ran.failure.is_some() {
                best = (model, steps, ran);
                tree.simplify()
            } else {
                tree.complicate()
            };
            if !kept {
                break;
            }
        }
        best
    }

    /// Leaves out chunks of steps, halving the chunk down to one step, from
    /// the back, while the rest still breaks `rule`; then leaves out objects
    /// from the steps' lists one at a time, and steps again. Each candidate
    /// is made a workflow again by the model ([`Model::repair`]: a use of
    /// an object no step makes any more goes too), run again and judged
    /// afresh by the oracle (never replayed against a fixed expectation,
    /// whose premise a removed step may have been). A failure that hangs on
    /// values drawn at random (its check is bounded by other answers) gets
    /// up to five runs per candidate (a step that can go stays with odds
    /// of 1 in 32 where the failure shows in half the runs).
    fn prune(
        &self,
        model: &Model,
        steps: Vec<Step>,
        ran: Ran,
        rule: &'static str,
    ) -> (Vec<Step>, Ran) {
        let Some((_, last)) = ran.failure else {
            return (steps, ran);
        };
        let statistical = ran.exchanges[last].findings.iter().any(|f| {
            f.rule == rule
                && !f.passed
                && matches!(&f.expect, Expect::Body { bounds_from, .. } if !bounds_from.is_empty())
        });
        let mut steps = steps;
        steps.truncate(ran.exchanges[last].step + 1);
        let mut pruning = Pruning {
            trying: self,
            model,
            rule,
            tries: if statistical { 5 } else { 1 },
            runs: 0,
            until: Instant::now() + PRUNE_TIME,
            steps,
            ran,
        };
        pruning.chunks((pruning.steps.len() / 2).max(1));
        while pruning.narrow() {
            pruning.chunks(1);
        }
        (pruning.steps, pruning.ran)
    }
}

/// A shrunk workflow being pruned: the smallest that still breaks the rule
/// so far, and what the pruning has spent.
struct Pruning<'a> {
    trying: &'a Trying<'a>,
    model: &'a Model,
    rule: &'static str,
    tries: usize,
    runs: usize,
    until: Instant,
    steps: Vec<Step>,
    ran: Ran,
}

impl Pruning<'_> {
    fn spent(&self) -> bool {
        self.runs >= PRUNE_RUNS || Instant::now() >= self.until
    }

    /// Keeps `candidate` (repaired, and cut after its failing step) if it
    /// still breaks the rule.
    fn attempt(&mut self, candidate: Vec<Step>) -> bool {
        let mut candidate = self.model.repair(candidate);
        for _ in 0..self.tries {
            self.runs += 1;
            let again = self
                .trying
                .run(self.model, &candidate, StopAt::Rule(self.rule), None);
            if let Some((_, failed_at)) = again.failure {
                candidate.truncate(again.exchanges[failed_at].step + 1);
                self.steps = candidate;
                self.ran = again;
                return true;
            }
        }
        false
    }

    /// Leaves out chunks of `chunk` steps, then half as many, down to one.
    fn chunks(&mut self, mut chunk: usize) {
        loop {
            // The failing step is the last: never left out.
            let mut end = self.steps.len().saturating_sub(1);
            while end > 0 {
                if self.spent() {
                    return;
                }
                let start = end.saturating_sub(chunk);
                let mut without = self.steps.clone();
                without.drain(start..end);
                self.attempt(without);
                end = start.min(self.steps.len().saturating_sub(1));
            }
            if chunk == 1 {
                return;
            }
            chunk /= 2;
        }
    }

    /// Leaves out one object of a step's list (of two or more) at a time;
    /// whether any could go.
    fn narrow(&mut self) -> bool {
        let mut narrowed = false;
        let mut index = self.steps.len();
        while index > 0 {
            index -= 1;
            let Some(step) = self.steps.get(index) else {
                continue;
            };
            let listed = step.listed();
            if listed.len() < 2 {
                continue;
            }
            for label in listed {
                if self.spent() {
                    return false;
                }
                let Some(step) = self.steps.get(index) else {
                    break;
                };
                let mut candidate = self.steps.clone();
                candidate[index] = step.keeping(|l| l != label);
                if self.attempt(candidate) {
                    // The steps may have moved: on to the one before.
                    narrowed = true;
                    break;
                }
            }
        }
        narrowed
    }
}

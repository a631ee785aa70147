//! The one harness: turns cases into libtest-mimic trials, runs them in
//! parallel (steps within a case in order), compares passed cases with
//! their snapshots, and collects the outcomes. `cargo test --test
//! conformance` and `pizzastack check` both call it. It stands above the
//! runner, the snapshots and the reports, and calls each directly.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};

use crate::baseline::Baseline;
use crate::case::{Capability, Case, Level, RuleCatalogue};
use crate::report::terminal::{print_progress, render_case_failure};
use crate::runner::{
    run_case, CaseOutcome, CaseStatus, Check, Expiry, Failure, RuleCheck, Target, Verdict,
};
use crate::snapshot::{self, SnapshotConfig};
use pizzastack_spec::Spec;

/// Cases that move the mock's shared clock run alone: while one holds this
/// for writing, no other case is mid-flight with sessions that could expire.
static CLOCK_GATE: RwLock<()> = RwLock::new(());

/// What a run of the suite produced.
pub struct SuiteRun {
    /// One outcome per case that ran (or was skipped at run time).
    pub outcomes: Vec<CaseOutcome>,
    /// libtest's counts.
    pub conclusion: Conclusion,
}

/// The trial name of a case: its ID and rule IDs, so that libtest filters
/// select by either (`SESS-005`, `sessions/`).
pub fn trial_name(case: &Case) -> String {
    format!("{} [{}]", case.id(), case.rules.join(","))
}

/// How to run the suite, beyond the target.
#[derive(Clone)]
pub struct SuiteOptions {
    /// Whether SHOULD failures (and MUST rules that could not be
    /// evaluated) fail trials.
    pub strict: bool,
    /// The rules and details, for the level of each expectation.
    pub catalogue: Arc<RuleCatalogue>,
    /// Where to compare snapshots, if at all.
    pub snapshots: Option<SnapshotConfig>,
    /// Print a line per case as it ends (`pizzastack check`), rather than
    /// leave the progress to libtest (`cargo test`).
    pub progress: bool,
    /// Known deviations, reported as such and never failing the run.
    pub baseline: Option<Arc<Baseline>>,
}

/// Runs `cases` against `target` under libtest's arguments.
pub fn run_suite(
    args: &Arguments,
    cases: Vec<Case>,
    client: &reqwest::Client,
    target: Target,
    spec: &'static Spec,
    runtime: &tokio::runtime::Handle,
    options: &SuiteOptions,
) -> SuiteRun {
    let collector: Arc<Mutex<Vec<CaseOutcome>>> = Arc::default();
    let waits = target.waits.clone();
    let target = Arc::new(target);
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = trial_name(&case);
            let level = case.level;
            let (collector, target, client, runtime, options) = (
                collector.clone(),
                target.clone(),
                client.clone(),
                runtime.clone(),
                options.clone(),
            );
            Trial::ignorable_test(name, move || {
                let started = std::time::Instant::now();
                let exclusive = matches!(target.expiry, Expiry::AdminClock { .. })
                    && case.requires.contains(&Capability::SessionExpiry);
                let mut outcome = {
                    let _read;
                    let _write;
                    if exclusive {
                        _write = CLOCK_GATE.write().unwrap_or_else(PoisonError::into_inner);
                    } else {
                        _read = CLOCK_GATE.read().unwrap_or_else(PoisonError::into_inner);
                    }
                    runtime.block_on(run_case(&client, &target, &case, spec, &options.catalogue))
                };
                if let (CaseStatus::Passed, Some(config)) = (&outcome.status, &options.snapshots) {
                    if let Err(mismatch) = snapshot::check(config, &outcome) {
                        record_snapshot_mismatch(&mut outcome, &config.name, mismatch.to_string());
                    }
                }
                if let Some(baseline) = &options.baseline {
                    baseline.mark_known(&mut outcome);
                }
                if options.progress {
                    print_progress(&outcome, options.strict, started.elapsed());
                }
                let verdict = match &outcome.status {
                    _ if outcome.fails_run(options.strict) => {
                        Err(Failed::from(render_case_failure(&outcome)))
                    }
                    CaseStatus::Skipped { reason } => Ok(Completion::ignored_with(reason)),
                    CaseStatus::Error { reason } => {
                        Ok(Completion::ignored_with(format!("error: {reason}")))
                    }
                    // A SHOULD (without --strict) or MOCK failure is reported
                    // in the summary as a warning, not as a failed trial.
                    CaseStatus::Passed | CaseStatus::Failed => Ok(Completion::Completed),
                };
                collector
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(outcome);
                verdict
            })
            .with_kind(level.as_str())
        })
        .collect();
    let ticker = options.progress.then(|| WaitTicker::start(waits));
    let conclusion = libtest_mimic::run(args, trials);
    drop(ticker);
    let mut outcomes =
        std::mem::take(&mut *collector.lock().unwrap_or_else(PoisonError::into_inner));
    outcomes.sort_by(|a, b| a.id.cmp(&b.id));
    SuiteRun {
        outcomes,
        conclusion,
    }
}

/// A case whose exchanges differ from its baseline fails like any other
/// deviation, so that every report counts it.
fn record_snapshot_mismatch(outcome: &mut CaseOutcome, baseline: &str, message: String) {
    let id = format!("snapshot@{baseline}");
    outcome.status = CaseStatus::Failed;
    if let Some(step) = outcome.steps.last_mut() {
        step.failures.push(Failure {
            check: Check::Snapshot {
                baseline: baseline.to_owned(),
            },
            expected: "the exchanges stored in the baseline".to_owned(),
            actual: message,
            location: step.location,
            rules: vec![id.clone()],
            level: Some(Level::Must),
        });
    }
    outcome.rule_checks.push(RuleCheck {
        id,
        level: Level::Must,
        verdict: Verdict::Fail,
    });
}

/// Says what the run waits for while cases wait out a target's TTL: every
/// second on a terminal (a status line), every ten seconds otherwise.
struct WaitTicker {
    stop: Arc<(Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WaitTicker {
    fn start(waits: Arc<crate::runner::Waits>) -> Self {
        let stop = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let every = std::time::Duration::from_secs(if terminal { 1 } else { 10 });
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*stopped;
            let mut done = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                done = wake
                    .wait_timeout(done, every)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                if *done {
                    crate::report::terminal::print_waits(&[], terminal);
                    return;
                }
                let active = waits.active();
                // Short waits (an idle step of a fast TTL) need no word.
                if active.iter().any(|w| w.length >= every) || terminal {
                    crate::report::terminal::print_waits(&active, terminal);
                }
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for WaitTicker {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

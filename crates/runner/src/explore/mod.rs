//! `pizzastack explore`: generated workflows against any target, judged by
//! the docs-level oracle, each failure shrunk to a case file.
//!
//! Workers (threads, each with its own runtime and connections) draw
//! workflows from proptest-state-machine's sequential strategy over
//! [`draw::Workflows`], each from its own seed derived from the run's,
//! and run them ([`run::Runner`]) with a fresh [`Oracle`]. The first
//! failure of a rule not yet found is shrunk by proptest's value tree
//! against the same target, written as a case ([`save`]) and replayed with
//! the ordinary runner, whose outcome is what the reports show. Sessions
//! expire only in workflows that hold the run's expiry lock alone, since
//! the admin clock moves every session.

mod draw;
pub mod model;
mod replay;
mod request;
pub mod run;
pub mod save;
mod shared;
mod shrink;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::PoisonError;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use crate::case::{Level, RuleCatalogue};
use crate::oracle::{Oracle, OracleConfig};
use crate::runner::outcome::{CaseOutcome, CaseStatus, RuleCheck, Verdict};
use crate::runner::{Expiry, Target};
use draw::Workflows;

use pizzastack_spec::Spec;
use replay::Replaying;
use run::{Runner, StopAt};
use shared::{Shared, Shrunk};
use shrink::Trying;

/// How long a run explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Until this much time has passed.
    Time(Duration),
    /// Until this many requests were sent.
    Steps(usize),
}

/// What `explore` is asked to do.
#[derive(Debug, Clone)]
pub struct ExploreOptions {
    /// Makes the run repeatable; printed always.
    pub seed: u64,
    pub budget: Budget,
    /// Where each shrunk failure is written as a case file.
    pub save: Option<PathBuf>,
    /// Workflows run at once.
    pub workers: usize,
    /// Print a progress line while it runs (a terminal).
    pub progress: bool,
}

/// The longest workflow drawn: long enough for logs of 50+ objects.
const MAX_STEPS: usize = 120;

/// A failure found, shrunk and replayed.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: &'static str,
    pub level: Level,
    /// The case file's text.
    pub case: String,
    /// Its steps.
    pub steps: usize,
    /// Where it was written (`--save`).
    pub file: Option<PathBuf>,
    /// Replays of the saved case that failed, of [`replay::REPLAYS`].
    pub replays_failed: usize,
    /// What the reports show: the saved case's replay.
    pub outcome: CaseOutcome,
}

/// A run's result.
#[derive(Debug, Clone)]
pub struct Explored {
    pub seed: u64,
    pub steps: usize,
    pub workflows: usize,
    pub sessions: usize,
    pub found: Vec<Found>,
    /// Rules and details judged: passes and failures.
    pub tally: BTreeMap<&'static str, (Level, usize, usize)>,
    pub elapsed: Duration,
    /// A request that got no answer, if the target stopped answering.
    pub transport: Option<String>,
}

impl Explored {
    /// The outcomes the reports render: one per failure found (its replayed
    /// case) and one for every rule the workflows held.
    pub fn outcomes(&self) -> Vec<CaseOutcome> {
        let mut outcomes: Vec<CaseOutcome> = self.found.iter().map(|f| f.outcome.clone()).collect();
        let failed: Vec<&str> = self.found.iter().map(|f| f.rule).collect();
        let rule_checks: Vec<RuleCheck> = self
            .tally
            .iter()
            .filter(|(rule, _)| !failed.contains(rule))
            .filter(|(_, (level, passed, failures))| {
                *passed > 0 || *level == Level::Mock && *failures > 0
            })
            .map(|(rule, (level, _, failures))| RuleCheck {
                id: (*rule).to_owned(),
                level: *level,
                verdict: if *failures > 0 {
                    Verdict::Fail
                } else {
                    Verdict::Pass
                },
            })
            .collect();
        let status = if rule_checks.iter().any(|c| c.verdict == Verdict::Fail) {
            CaseStatus::Failed
        } else {
            CaseStatus::Passed
        };
        outcomes.push(CaseOutcome {
            id: "explore/workflows".to_owned(),
            name: format!(
                "explore: {} generated workflows, {} requests (seed {})",
                self.workflows, self.steps, self.seed
            ),
            file: "explore".to_owned(),
            rules: rule_checks.iter().map(|c| c.id.clone()).collect(),
            level: rule_checks
                .iter()
                .map(|c| c.level)
                .max()
                .unwrap_or(Level::Mock),
            status,
            steps: Vec::new(),
            rule_checks,
            duration: self.elapsed,
        });
        outcomes
    }
}

/// Why exploring could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    #[error("cannot write {path}: {source}")]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start a worker: {0}")]
    Worker(std::io::Error),
}

/// The seed of worker `index` of a run seeded `seed`.
fn worker_seed(seed: u64, index: usize) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    bytes[16..24].copy_from_slice(b"pizzastk");
    bytes
}

/// Explores `target` until the budget is spent.
///
/// # Errors
/// A saved case that cannot be written, or a worker that cannot start.
pub fn explore(
    target: &Target,
    make_client: &(dyn Fn() -> reqwest::Client + Sync),
    spec: &'static Spec,
    catalogue: &RuleCatalogue,
    options: &ExploreOptions,
) -> Result<Explored, ExploreError> {
    let started = Instant::now();
    let shared = Shared::new();
    let deadline = match options.budget {
        Budget::Time(t) => Some(started + t),
        Budget::Steps(_) => None,
    };
    let over = |shared: &Shared| {
        shared.stop.load(Ordering::Relaxed)
            || deadline.is_some_and(|d| Instant::now() >= d)
            || matches!(options.budget, Budget::Steps(n) if shared.steps.load(Ordering::Relaxed) >= n)
    };
    let config = OracleConfig {
        valid_keys: std::iter::once(target.api_key.clone())
            .chain(target.other_api_key.clone())
            .collect(),
        other_keys_invalid: true,
    };
    run_workers(
        target,
        make_client,
        spec,
        catalogue,
        &config,
        options,
        &shared,
        &over,
    )?;
    let elapsed = started.elapsed();
    let failures = shared
        .found
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let found = save_and_replay(failures, target, make_client, spec, catalogue, options)?;
    let tally = shared
        .tally
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .collect();
    Ok(Explored {
        seed: options.seed,
        steps: shared.steps.load(Ordering::Relaxed),
        workflows: shared.workflows.load(Ordering::Relaxed),
        sessions: shared.sessions.load(Ordering::Relaxed),
        found,
        tally,
        elapsed,
        transport: shared
            .transport
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner),
    })
}

/// Runs the workers until the budget is spent, with a progress line.
#[allow(clippy::too_many_arguments)]
fn run_workers(
    target: &Target,
    make_client: &(dyn Fn() -> reqwest::Client + Sync),
    spec: &'static Spec,
    catalogue: &RuleCatalogue,
    config: &OracleConfig,
    options: &ExploreOptions,
    shared: &Shared,
    over: &(dyn Fn(&Shared) -> bool + Sync),
) -> Result<(), ExploreError> {
    std::thread::scope(|scope| -> Result<(), ExploreError> {
        let mut handles = Vec::new();
        for index in 0..options.workers.max(1) {
            let config = config.clone();
            let handle = std::thread::Builder::new()
                .name(format!("explore-{index}"))
                .spawn_scoped(scope, move || {
                    worker(
                        index,
                        target,
                        make_client,
                        spec,
                        catalogue,
                        config,
                        options,
                        shared,
                        over,
                    );
                })
                .map_err(ExploreError::Worker)?;
            handles.push(handle);
        }
        if options.progress {
            while handles.iter().any(|h| !h.is_finished()) {
                std::thread::sleep(Duration::from_millis(250));
                eprint!(
                    "\r\x1b[2Kexplore: {} requests, {} workflows, {} sessions, {} rules exercised, {} failing",
                    shared.steps.load(Ordering::Relaxed),
                    shared.workflows.load(Ordering::Relaxed),
                    shared.sessions.load(Ordering::Relaxed),
                    shared.tally.lock().unwrap_or_else(PoisonError::into_inner).len(),
                    shared.claimed.lock().unwrap_or_else(PoisonError::into_inner).len(),
                );
            }
            eprintln!();
        }
        for handle in handles {
            let _ = handle.join();
        }
        Ok(())
    })
}

/// Each shrunk failure written as a case file (into `--save`, when
/// given) and replayed, to say whether the case fails again on its own.
fn save_and_replay(
    mut failures: Vec<Shrunk>,
    target: &Target,
    make_client: &(dyn Fn() -> reqwest::Client + Sync),
    spec: &'static Spec,
    catalogue: &RuleCatalogue,
    options: &ExploreOptions,
) -> Result<Vec<Found>, ExploreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExploreError::Worker)?;
    let client = make_client();
    let mut found = Vec::new();
    failures.sort_by_key(|(_, _, _, rule)| *rule);
    for (model, _steps, ran, rule) in failures {
        let level = catalogue.get(rule).map_or(Level::Mock, |r| r.level);
        let name = format!("{}.yaml", rule.replace('/', "--").to_ascii_lowercase());
        let case = save::case_yaml(&save::Failed {
            rule,
            level,
            seed: options.seed,
            target: &target.base_url,
            model: &model,
            ran: &ran,
        });
        let replaying = Replaying {
            runtime: &runtime,
            client: &client,
            target,
            spec,
            catalogue,
            name: &name,
            rule,
        };
        let file = match &options.save {
            Some(dir) => {
                let path = dir.join(&name);
                std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(&path, &case))
                    .map_err(|source| ExploreError::Save {
                        path: path.clone(),
                        source,
                    })?;
                Some(path)
            }
            None => None,
        };
        let (outcome, replays_failed) = replaying.replay(&case);
        found.push(Found {
            rule,
            level,
            steps: ran.failure.map_or(0, |(_, last)| last + 1),
            case,
            file,
            replays_failed,
            outcome,
        });
    }
    Ok(found)
}

/// One worker: draw a workflow, run it, shrink a new failure; until over.
#[allow(clippy::too_many_arguments)]
fn worker(
    index: usize,
    target: &Target,
    make_client: &(dyn Fn() -> reqwest::Client + Sync),
    spec: &'static Spec,
    catalogue: &RuleCatalogue,
    config: OracleConfig,
    options: &ExploreOptions,
    shared: &Shared,
    over: &(dyn Fn(&Shared) -> bool + Sync),
) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let client = make_client();
    let runner = Runner {
        client: &client,
        target,
        learned: &shared.learned,
        steps_sent: &shared.steps,
    };
    let mut rng = TestRunner::new_with_rng(
        Config {
            max_local_rejects: u32::MAX,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &worker_seed(options.seed, index)),
    );
    let strategy = Workflows::sequential_strategy(1..MAX_STEPS);
    // A real wait for the TTL is paid at most once per worker.
    let waited = AtomicBool::new(false);
    let may_expire = || match target.expiry {
        Expiry::AdminClock { .. } => true,
        Expiry::Wait { ttl } => {
            let fits = options.budget != Budget::Steps(0)
                && !over(shared)
                && ttl <= Duration::from_secs(60);
            fits && !waited.swap(true, Ordering::Relaxed)
        }
        Expiry::Unavailable => false,
    };
    let shared_catalogue = std::sync::Arc::new(catalogue.clone());
    let new_oracle = || Oracle::new(spec, shared_catalogue.clone(), config.clone());
    let trying = Trying {
        runtime: &runtime,
        runner: &runner,
        shared,
        new_oracle: &new_oracle,
        may_expire: &may_expire,
        target,
    };
    while !over(shared) {
        let Ok(mut tree) = strategy.new_tree(&mut rng) else {
            continue;
        };
        let (model, steps, seen) = tree.current();
        let ran = trying.run(&model, &steps, StopAt::NewFailure, seen.as_deref());
        shared.count(&ran);
        if let Some(why) = &ran.transport {
            let mut transport = shared
                .transport
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            transport.get_or_insert_with(|| why.clone());
            shared.stop.store(true, Ordering::Relaxed);
            return;
        }
        let Some((rule, _)) = ran.failure else {
            continue;
        };
        if !shared.claim(rule) {
            continue;
        }
        let (model, steps, ran) = trying.shrink(&mut tree, (model, steps, ran), rule);
        shared
            .found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((model, steps, ran, rule));
    }
}

/// The size of a run's workers: two per core, since they wait on the
/// target most of the time.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

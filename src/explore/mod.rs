//! `pizzastack explore`: generated workflows against any target, judged by
//! the docs-level oracle, each failure shrunk to a case file.
//!
//! Workers (threads, each with its own runtime and connections) draw
//! workflows from proptest-state-machine's sequential strategy over
//! [`model::Workflows`], each from its own seed derived from the run's,
//! and run them ([`run::Runner`]) with a fresh [`Oracle`]. The first
//! failure of a rule not yet found is shrunk by proptest's value tree
//! against the same target, written as a case ([`save`]) and replayed with
//! the ordinary runner, whose outcome is what the reports show. Sessions
//! expire only in workflows that hold the run's expiry lock alone, since
//! the admin clock moves every session.

pub mod model;
pub mod run;
pub mod save;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use proptest_state_machine::ReferenceStateMachine;

use crate::case::{Level, RuleCatalogue};
use crate::oracle::{Oracle, OracleConfig};
use crate::runner::outcome::{CaseOutcome, CaseStatus, RuleCheck, Verdict};
use crate::runner::{Expiry, Target};
use crate::spec::Spec;
use model::{Model, Step, Workflows};
use run::{Learned, Ran, Runner, StopAt};

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
/// How long shrinking one failure may take, and how many runs.
const SHRINK_TIME: Duration = Duration::from_secs(8);
const SHRINK_RUNS: usize = 400;
/// How many times a saved case is replayed to see it fail.
const REPLAYS: usize = 3;

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
    /// Replays of the saved case that failed, of [`REPLAYS`].
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

/// A failure's workflow, shrunk: its sessions, steps, run, and rule.
type Shrunk = (Model, Vec<Step>, Ran, &'static str);

/// What the workers share.
struct Shared {
    stop: AtomicBool,
    steps: AtomicUsize,
    workflows: AtomicUsize,
    sessions: AtomicUsize,
    /// Rules whose failure a worker found (and is shrinking or has shrunk).
    claimed: Mutex<Vec<&'static str>>,
    found: Mutex<Vec<Shrunk>>,
    tally: Mutex<HashMap<&'static str, (Level, usize, usize)>>,
    transport: Mutex<Option<String>>,
    /// Held alone by a workflow that lets sessions expire.
    expiry: RwLock<()>,
    learned: Learned,
}

impl Shared {
    fn known(&self, rule: &str) -> bool {
        self.claimed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&rule)
    }

    /// Whether this worker is the first to find `rule` broken.
    fn claim(&self, rule: &'static str) -> bool {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        if claimed.contains(&rule) {
            return false;
        }
        claimed.push(rule);
        true
    }

    fn count(&self, ran: &Ran) {
        self.workflows.fetch_add(1, Ordering::Relaxed);
        self.sessions.fetch_add(ran.sessions, Ordering::Relaxed);
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        for finding in ran.exchanges.iter().flat_map(|e| &e.findings) {
            let entry = tally.entry(finding.rule).or_insert((finding.level, 0, 0));
            if finding.passed {
                entry.1 += 1;
            } else {
                entry.2 += 1;
            }
        }
    }
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
    let shared = Shared {
        stop: AtomicBool::new(false),
        steps: AtomicUsize::new(0),
        workflows: AtomicUsize::new(0),
        sessions: AtomicUsize::new(0),
        claimed: Mutex::new(Vec::new()),
        found: Mutex::new(Vec::new()),
        tally: Mutex::new(HashMap::new()),
        transport: Mutex::new(None),
        expiry: RwLock::new(()),
        learned: Learned::new(),
    };
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
    std::thread::scope(|scope| -> Result<(), ExploreError> {
        let mut handles = Vec::new();
        for index in 0..options.workers.max(1) {
            let shared = &shared;
            let config = config.clone();
            let over = &over;
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
    })?;
    let elapsed = started.elapsed();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExploreError::Worker)?;
    let client = make_client();
    let mut found = Vec::new();
    let mut failures = shared
        .found
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
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
    while !over(shared) {
        let Ok(mut tree) = strategy.new_tree(&mut rng) else {
            continue;
        };
        let (model, steps, seen) = tree.current();
        let ran = run_alone_if_expiring(
            &runtime,
            &runner,
            shared,
            &new_oracle,
            &model,
            &steps,
            StopAt::NewFailure,
            seen.as_deref(),
            &may_expire,
            target,
        );
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
        let mut best = (model, steps, ran);
        let shrink_until = Instant::now() + SHRINK_TIME;
        if tree.simplify() {
            for _ in 0..SHRINK_RUNS {
                if Instant::now() >= shrink_until {
                    break;
                }
                let (model, steps, seen) = tree.current();
                let ran = run_alone_if_expiring(
                    &runtime,
                    &runner,
                    shared,
                    &new_oracle,
                    &model,
                    &steps,
                    StopAt::Rule(rule),
                    seen.as_deref(),
                    &may_expire,
                    target,
                );
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
        }
        let (model, steps, ran) = best;
        let pruning = Pruning {
            runtime: &runtime,
            runner: &runner,
            shared,
            new_oracle: &new_oracle,
            may_expire: &may_expire,
            target,
        };
        let (steps, ran) = prune(&pruning, &model, steps, ran, rule);
        shared
            .found
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((model, steps, ran, rule));
    }
}

/// Runs one workflow, holding the expiry lock alone if it lets sessions
/// expire through the shared admin clock, else with the others.
#[allow(clippy::too_many_arguments)]
fn run_alone_if_expiring(
    runtime: &tokio::runtime::Runtime,
    runner: &Runner<'_>,
    shared: &Shared,
    new_oracle: &dyn Fn() -> Oracle,
    model: &Model,
    steps: &[Step],
    stop: StopAt,
    seen: Option<&AtomicUsize>,
    may_expire: &dyn Fn() -> bool,
    target: &Target,
) -> Ran {
    let expiring = matches!(target.expiry, Expiry::AdminClock { .. })
        && steps.iter().any(|s| matches!(s, Step::Expire));
    let mut oracle = new_oracle();
    let known = |rule: &str| shared.known(rule);
    let how = run::How {
        stop,
        known: &known,
        seen,
        expire: may_expire,
    };
    let mut go = || runtime.block_on(runner.run(&mut oracle, model, steps, &how));
    if expiring {
        let _alone = shared
            .expiry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        go()
    } else {
        let _together = shared.expiry.read().unwrap_or_else(PoisonError::into_inner);
        go()
    }
}

/// What replaying a saved case needs.
struct Replaying<'a> {
    runtime: &'a tokio::runtime::Runtime,
    client: &'a reqwest::Client,
    target: &'a Target,
    spec: &'static Spec,
    catalogue: &'a RuleCatalogue,
    name: &'a str,
    rule: &'static str,
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
    fn replay(&self, case: &str) -> (CaseOutcome, usize) {
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

/// How long pruning a shrunk workflow may take.
const PRUNE_TIME: Duration = Duration::from_secs(6);

/// What pruning a shrunk workflow needs.
struct Pruning<'a> {
    runtime: &'a tokio::runtime::Runtime,
    runner: &'a Runner<'a>,
    shared: &'a Shared,
    new_oracle: &'a dyn Fn() -> Oracle,
    may_expire: &'a dyn Fn() -> bool,
    target: &'a Target,
}

/// Leaves each step of a shrunk workflow out in turn, from the last, while
/// the rest still breaks the rule: each candidate is run again and judged
/// afresh by the oracle (never replayed against a fixed expectation, whose
/// premise a removed step may have been). A failure that hangs on values
/// drawn at random (its check is bounded by other answers) gets three runs
/// per candidate.
fn prune(
    p: &Pruning<'_>,
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
            && matches!(&f.expect, crate::oracle::Expect::Body { bounds_from, .. } if !bounds_from.is_empty())
    });
    let tries = if statistical { 3 } else { 1 };
    let mut steps = steps;
    steps.truncate(ran.exchanges[last].step + 1);
    let mut ran = ran;
    let until = Instant::now() + PRUNE_TIME;
    for candidate in (0..steps.len().saturating_sub(1)).rev() {
        if Instant::now() >= until {
            break;
        }
        let mut without = steps.clone();
        without.remove(candidate);
        for _ in 0..tries {
            let again = run_alone_if_expiring(
                p.runtime,
                p.runner,
                p.shared,
                p.new_oracle,
                model,
                &without,
                StopAt::Rule(rule),
                None,
                p.may_expire,
                p.target,
            );
            if again.failure.is_some() {
                steps = without;
                ran = again;
                break;
            }
        }
    }
    (steps, ran)
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

/// The size of a run's workers: two per core, since they wait on the
/// target most of the time.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

//! `pizzastack check`: loads the cases, makes sure the target answers,
//! runs the harness, writes the reports and picks the exit code:
//! 0 when every MUST rule the run touched was verified (evaluated in at
//! least one case and held wherever it was) or is known, 1 when a case
//! failed or such a rule could not be evaluated, 2 when the run could not
//! be made or verified no rule at all.

use std::path::PathBuf;
use std::time::Duration;

use crate::case::sources::SourceError;
use crate::case::{CaseSources, RuleCatalogue};
use crate::report;
use crate::runner::{http_client_trusting, root_cause, tls_problem, ClientError, Expiry, Target};
use crate::snapshot::SnapshotConfig;
use crate::suite::{run_suite, SuiteOptions};
use pizzastack_spec::{Spec, SpecError};

pub use crate::baseline::{Baseline, BaselineError};

/// Where libtest's own lines go when the binary prints its own.
#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";

/// Everything `check` needs.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The target's root URL (a trailing `/v1` is accepted and dropped);
    /// not needed for `--list` and `--coverage`.
    pub target: Option<String>,
    /// Print which cases cover each rule and documented response, and stop.
    pub coverage: bool,
    /// The key cases send.
    pub api_key: String,
    /// A second accepted key, for ownership cases.
    pub other_api_key: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The most bytes of one response body read (`--max-body`).
    pub max_body: usize,
    /// The target's session TTL, for expiry cases when it has no admin clock.
    pub session_ttl: Option<Duration>,
    /// The case files to run (the built-in suite by default), and the
    /// variables their templates may use.
    pub cases: CaseSources,
    /// Files of a team's own rules, added to the catalogue (`--rules`).
    pub rules_files: Vec<PathBuf>,
    /// Whether SHOULD failures fail the run.
    pub strict: bool,
    /// Where to write JUnit XML.
    pub report_junit: Option<PathBuf>,
    /// Where to write the JSON report.
    pub report_json: Option<PathBuf>,
    /// A PEM bundle of CA certificates to trust besides the system's.
    pub ca_cert: Option<PathBuf>,
    /// Compare each passed case's exchanges with a stored baseline.
    pub snapshots: Option<SnapshotConfig>,
    /// Which cases run: by case ID or rule ID.
    pub selection: Selection,
    /// What goes to stdout.
    pub format: Format,
    /// Print a line per case as it ends (the binary), rather than leave the
    /// progress to libtest (`cargo test`).
    pub progress: bool,
    /// Where to write the self-contained HTML report.
    pub report_html: Option<PathBuf>,
    /// Known deviations: reported as `known`, never failing the run.
    pub baseline: Option<PathBuf>,
    /// Where to record this run's failing rules as a baseline.
    pub write_baseline: Option<PathBuf>,
    /// libtest's own arguments: filters, `--list`, `--exact`, `--skip`, `--test-threads`.
    pub libtest: libtest_mimic::Arguments,
    /// Whether the case files run (`false` for `pizzastack explore`).
    pub suite: bool,
    /// Generated workflows to run after the cases, judged by the oracle
    /// (`check --explore`, `pizzastack explore`).
    pub explore: Option<crate::explore::ExploreOptions>,
}

/// Which cases run. A case is selected by a filter that its ID or one of
/// its rule IDs contains (with `exact`, equals), and not by a skip.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Cases to run; none means all.
    pub filters: Vec<String>,
    /// Filters and skips match whole IDs only.
    pub exact: bool,
    /// Cases to leave out.
    pub skip: Vec<String>,
}

impl Selection {
    fn matches(&self, pattern: &str, case: &crate::case::Case) -> bool {
        let hit = |id: &str| {
            if self.exact {
                id == pattern
            } else {
                id.contains(pattern)
            }
        };
        hit(case.id()) || case.rules.iter().any(|rule| hit(rule))
    }

    /// Whether `case` runs.
    pub fn selects(&self, case: &crate::case::Case) -> bool {
        (self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, case)))
            && !self.skip.iter().any(|s| self.matches(s, case))
    }
}

/// What `check` writes to stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// A line per case, then the failures and the rule table.
    #[default]
    Human,
    /// The JSON report, and nothing else.
    Json,
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckExit {
    /// Every MUST rule (and with `--strict` every SHOULD rule) held.
    Conformant,
    /// At least one case failed.
    Deviations,
    /// Nothing failed, but a MUST rule the run touched could not be
    /// evaluated by any case: the target is not shown to conform.
    Unverified,
    /// The run could not be made.
    CouldNotRun,
}

impl CheckExit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            CheckExit::Conformant => 0,
            CheckExit::Deviations | CheckExit::Unverified => 1,
            CheckExit::CouldNotRun => 2,
        }
    }
}

/// Why a check could not be made (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The embedded specification is broken (ruled out by the tests).
    #[error(transparent)]
    Spec(&'static SpecError),
    /// A `--rules` file that cannot be read or breaks the format.
    #[error("--rules {}: {message}", path.display())]
    Rules { path: PathBuf, message: String },
    /// `--cases` names nothing, or cannot be read.
    #[error(transparent)]
    Cases(#[from] SourceError),
    /// Case files with problems, each printed before this.
    #[error("{0} problem(s) in the case files; nothing was run")]
    CaseFiles(usize),
    /// No case to run.
    #[error("no case files found")]
    NoCases,
    /// Filters that select no case.
    #[error("no case matches {filters}{exact}; `pizzastack check --list` lists the cases with their rule IDs")]
    NoMatch {
        /// The filters, as given.
        filters: String,
        /// " exactly" with `--exact`.
        exact: &'static str,
    },
    /// The target refuses the API key: every case would fail alike.
    #[error("the target {base_url} refuses the API key (HTTP {status}): give the key it accepts with --api-key (or PIZZASTACK_API_KEY)")]
    KeyRefused {
        /// The target.
        base_url: String,
        /// Its answer's status.
        status: u16,
    },
    /// `--target` is needed and missing.
    #[error("--target URL is required (e.g. --target http://127.0.0.1:8080)")]
    NoTarget,
    /// `--target` is not a URL this build can target.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// `--ca-cert` cannot be read.
    #[error("cannot read the CA certificate file {}: {source}", path.display())]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// No HTTP client could be built (with `path`: from that CA file).
    #[error("{}{source}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Client {
        /// The `--ca-cert` file, if one was given.
        path: Option<PathBuf>,
        source: ClientError,
    },
    /// The target does not answer HTTP at all.
    #[error("cannot reach the target {base_url}: {why}")]
    Unreachable {
        /// The target.
        base_url: String,
        /// Why, in words.
        why: String,
    },
    /// The `--baseline` file cannot be used.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// Exploring could not run (a case that cannot be saved).
    #[error(transparent)]
    Explore(crate::explore::ExploreError),
    /// A report file cannot be written.
    #[error("cannot write the {what} report to {}: {source}", path.display())]
    Report {
        /// `JUnit` or `JSON`.
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A `--target` this build cannot target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not `http://` or `https://`.
    #[error("{0}: the target must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")]
    NotHttp(String),
    /// No host after the scheme.
    #[error("{0}: the target URL has no host")]
    NoHost(String),
}

/// Runs the check on `runtime`.
///
/// # Errors
/// Why the run could not be made; case-file problems are printed to
/// stderr, one per line, before it.
pub fn run_check(
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<CheckExit, CheckError> {
    let mut catalogue = RuleCatalogue::embedded();
    for path in &options.rules_files {
        extend_catalogue(&mut catalogue, path)?;
    }
    let spec = Spec::embedded().map_err(CheckError::Spec)?;
    let loaded = if options.suite {
        options.cases.load(&catalogue)?
    } else {
        crate::case::LoadedCases::default()
    };
    if !loaded.diagnostics.is_empty() {
        // anstream drops the colours where stderr is not a terminal.
        for diagnostic in &loaded.diagnostics {
            anstream::eprintln!("{}\n", diagnostic.render(true));
        }
        return Err(CheckError::CaseFiles(loaded.diagnostics.len()));
    }
    if loaded.cases.is_empty() && options.suite {
        return Err(CheckError::NoCases);
    }
    if options.coverage {
        let coverage = report::coverage::coverage(&loaded.cases, &catalogue, spec);
        report::coverage::print(&coverage);
        return Ok(CheckExit::Conformant);
    }
    let selection = &options.selection;
    let cases: Vec<_> = loaded
        .cases
        .into_iter()
        .filter(|case| selection.selects(case))
        .collect();
    if cases.is_empty() && options.suite {
        return Err(CheckError::NoMatch {
            filters: selection.filters.join(", "),
            exact: if selection.exact { " exactly" } else { "" },
        });
    }
    let list = options.libtest.list;
    if list && options.progress {
        report::terminal::print_list(&cases);
        return Ok(CheckExit::Conformant);
    }
    let base_url = match &options.target {
        Some(target) => normalize_target(target)?,
        None if list => String::new(),
        None => return Err(CheckError::NoTarget),
    };
    let client = match &options.ca_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| CheckError::CaFile {
                path: path.clone(),
                source,
            })?;
            http_client_trusting(Some(&pem)).map_err(|source| CheckError::Client {
                path: Some(path.clone()),
                source,
            })?
        }
        None => http_client_trusting(None)
            .map_err(|source| CheckError::Client { path: None, source })?,
    };
    let expiry = if list {
        Expiry::Unavailable
    } else {
        runtime.block_on(probe(&client, &base_url, &options.api_key, options.timeout))?;
        runtime.block_on(detect_expiry(
            &client,
            &base_url,
            options.timeout,
            options.session_ttl,
        ))
    };
    let target = Target {
        base_url: base_url.clone(),
        api_key: options.api_key.clone(),
        other_api_key: options.other_api_key.clone(),
        timeout: options.timeout,
        expiry,
        max_body: options.max_body,
        variables: options.cases.variables.clone(),
        waits: Default::default(),
    };
    let baseline = match &options.baseline {
        Some(path) => Some(Baseline::read(path)?),
        None => None,
    };
    let suite = SuiteOptions {
        strict: options.strict,
        catalogue: std::sync::Arc::new(catalogue.clone()),
        snapshots: options.snapshots.clone(),
        progress: options.progress && options.format == Format::Human,
        baseline: baseline.clone().map(std::sync::Arc::new),
    };
    let mut libtest = options.libtest.clone();
    if options.progress {
        // The binary prints its own line per case; libtest's lines would
        // say `ok` of a case that only warned, and repeat every failure.
        libtest.logfile = Some(NULL_DEVICE.to_owned());
    }
    let mut outcomes = if options.suite {
        let run = run_suite(
            &libtest,
            cases,
            &client,
            target.clone(),
            spec,
            runtime.handle(),
            &suite,
        );
        if list {
            return Ok(CheckExit::Conformant);
        }
        run.outcomes
    } else {
        Vec::new()
    };
    if let Some(explore) = &options.explore {
        let pem = match &options.ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|source| CheckError::CaFile {
                path: path.clone(),
                source,
            })?),
            None => None,
        };
        // Each worker its own connections; the CA file was read and
        // checked above, so building a client again cannot fail here.
        let make_client =
            || http_client_trusting(pem.as_deref()).unwrap_or_else(|_| client.clone());
        let explored = crate::explore::explore(&target, &make_client, spec, &catalogue, explore)
            .map_err(CheckError::Explore)?;
        if options.format == Format::Human {
            report::explored::print(&explored, options.strict);
        }
        if let Some(why) = &explored.transport {
            return Err(CheckError::Unreachable {
                base_url: base_url.clone(),
                why: format!("it stopped answering while explored: {why}"),
            });
        }
        outcomes.extend(explored.outcomes());
    }
    if let Some(baseline) = &baseline {
        // Marked in each trial already; again here for libtest's path.
        outcomes.iter_mut().for_each(|o| baseline.mark_known(o));
    }
    // Before the baseline accepts any: what --write-baseline records.
    let unverified = report::unverified(&outcomes, &catalogue);
    let fixed = match &baseline {
        Some(baseline) => {
            baseline.accept_unverifiable(&mut outcomes, &unverified);
            baseline.fixed(&outcomes)
        }
        None => Vec::new(),
    };
    match options.format {
        Format::Human => {
            report::terminal::print_summary(&outcomes, &catalogue, options.strict, &base_url);
            if let Some(baseline) = &baseline {
                report::terminal::print_baseline(baseline, &fixed, options.strict);
            }
        }
        Format::Json => {
            println!(
                "{}",
                report::json::render(&outcomes, &catalogue, options.strict, &base_url)
            );
        }
    }
    let write = |what: &'static str, path: &PathBuf, text: String| {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| CheckError::Report {
                what,
                path: path.clone(),
                source,
            })?;
        }
        std::fs::write(path, text).map_err(|source| CheckError::Report {
            what,
            path: path.clone(),
            source,
        })
    };
    if let Some(path) = &options.report_junit {
        write(
            "JUnit",
            path,
            report::junit::render(&outcomes, &catalogue, options.strict, &base_url),
        )?;
    }
    if let Some(path) = &options.report_json {
        write(
            "JSON",
            path,
            report::json::render(&outcomes, &catalogue, options.strict, &base_url) + "\n",
        )?;
    }
    if let Some(path) = &options.report_html {
        write(
            "HTML",
            path,
            report::html::render(&outcomes, &catalogue, options.strict, &base_url),
        )?;
    }
    if let Some(path) = &options.write_baseline {
        write(
            "baseline",
            path,
            Baseline::record(&outcomes, &unverified, &base_url),
        )?;
    }
    if let Some(line) = options
        .snapshots
        .as_ref()
        .and_then(|config| config.tally.summary(config))
    {
        eprintln!("{line}");
    }
    let failed_fixed = options.strict && !fixed.is_empty();
    let totals = report::totals(&outcomes, options.strict);
    if totals.failed > 0 || failed_fixed {
        return Ok(CheckExit::Deviations);
    }
    Ok(verdict_of_a_clean_run(&outcomes, &catalogue, &base_url))
}

/// A run in which nothing failed is conformant only if it verified every
/// MUST rule it touched; one that verified no rule at all could not check
/// the target, and says so in one line.
fn verdict_of_a_clean_run(
    outcomes: &[crate::runner::CaseOutcome],
    catalogue: &RuleCatalogue,
    base_url: &str,
) -> CheckExit {
    let verified_any = outcomes.iter().any(|o| {
        o.rule_checks
            .iter()
            .any(|c| c.verdict == crate::runner::Verdict::Pass)
    });
    if !verified_any {
        match outcomes.iter().find_map(|o| o.unevaluated()) {
            Some(why) => eprintln!(
                "error: no rule could be verified against {base_url}: not one case reached its checks (first: {why}); is it a PizzaStack server, and is its base URL right?"
            ),
            None => {
                let why = outcomes
                    .iter()
                    .find_map(|o| match &o.status {
                        crate::runner::CaseStatus::Skipped { reason } => {
                            Some(format!("{}: {reason}", o.id))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                eprintln!(
                    "error: no rule could be verified against {base_url}: every case selected was skipped (first: {why})"
                );
            }
        }
        return CheckExit::CouldNotRun;
    }
    let unverified = report::unverified(outcomes, catalogue);
    if unverified.is_empty() {
        return CheckExit::Conformant;
    }
    let ids: Vec<&str> = unverified.iter().map(|u| u.id.as_str()).collect();
    eprintln!(
        "error: {} MUST rule(s) not verified, so the run fails: {} (no case could evaluate them; give what their cases need, leave those cases out with --skip, or list the rules in a baseline as unverifiable)",
        ids.len(),
        ids.join(", ")
    );
    CheckExit::Unverified
}

/// Adds the rules of a `--rules` file, JSON as `specs/rules.json` or the
/// same in YAML.
fn extend_catalogue(catalogue: &mut RuleCatalogue, path: &PathBuf) -> Result<(), CheckError> {
    let failed = |message: String| CheckError::Rules {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if !yaml {
        return catalogue.extend(&text).map_err(|e| failed(e.to_string()));
    }
    let shown = path.display().to_string();
    let rules = crate::case::yaml_to_json(&shown, &text).map_err(|diagnostics| {
        failed(
            diagnostics
                .iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    catalogue
        .extend_value(rules)
        .map_err(|e| failed(e.to_string()))
}

/// `http://host:port`, without a trailing `/` or `/v1`.
///
/// # Errors
/// A URL this build cannot target.
pub fn normalize_target(target: &str) -> Result<String, TargetError> {
    let trimmed = target.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let Some(rest) = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
    else {
        return Err(TargetError::NotHttp(target.to_owned()));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(TargetError::NoHost(target.to_owned()));
    }
    Ok(trimmed.to_owned())
}

/// Fails unless the target answers HTTP at all.
async fn probe(
    client: &reqwest::Client,
    base_url: &str,
    api_key: &str,
    timeout: Duration,
) -> Result<(), CheckError> {
    let url = format!("{base_url}/v1/session/{}/log", uuid::Uuid::new_v4());
    let answer = client
        .get(&url)
        .header("X-API-Key", api_key)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| {
            let why = if e.is_timeout() {
                format!("no answer within {}", humantime::format_duration(timeout))
            } else if let Some(tls) = tls_problem(&e) {
                format!("TLS failed: {tls}")
            } else if e.is_connect() {
                let cause = root_cause(&e);
                if cause.contains("refused") || cause.contains("unreachable") {
                    "connection refused or host unreachable".to_owned()
                } else {
                    cause
                }
            } else {
                e.to_string()
            };
            CheckError::Unreachable {
                base_url: base_url.to_owned(),
                why,
            }
        })?;
    // A session unknown to a key the target accepts is a 404 (LOG-002);
    // 401 or 403 means the key itself is refused, and every case would
    // fail alike.
    let status = answer.status().as_u16();
    if matches!(status, 401 | 403) {
        return Err(CheckError::KeyRefused {
            base_url: base_url.to_owned(),
            status,
        });
    }
    Ok(())
}

/// The mock's admin clock if the target has one, else the TTL the user gave.
async fn detect_expiry(
    client: &reqwest::Client,
    base_url: &str,
    timeout: Duration,
    ttl: Option<Duration>,
) -> Expiry {
    let stats = client
        .get(format!("{base_url}/__admin/stats"))
        .timeout(timeout)
        .send()
        .await;
    if let Ok(response) = stats {
        if response.status().is_success() {
            let body = response.bytes().await.unwrap_or_default();
            if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) {
                if let Some(seconds) = json
                    .get("session_ttl_seconds")
                    .and_then(serde_json::Value::as_f64)
                {
                    return Expiry::AdminClock {
                        ttl: Duration::from_secs_f64(seconds),
                    };
                }
            }
        }
    }
    ttl.map_or(Expiry::Unavailable, |ttl| Expiry::Wait { ttl })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalized_and_bad_ones_explained() {
        assert_eq!(
            normalize_target("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_target("http://localhost:8080/v1").unwrap(),
            "http://localhost:8080"
        );
        assert_eq!(
            normalize_target("127.0.0.1:8080"),
            Err(TargetError::NotHttp("127.0.0.1:8080".to_owned()))
        );
        assert_eq!(
            normalize_target("https://api.example/v1/").unwrap(),
            "https://api.example"
        );
        assert!(normalize_target("http://").is_err());
    }
}

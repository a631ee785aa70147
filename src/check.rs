//! `pizzastack check`: loads the cases, makes sure the target answers,
//! runs the harness, writes the reports and picks the exit code:
//! 0 when every MUST rule held, 1 when a case failed, 2 when the run could
//! not be made.

use std::path::PathBuf;
use std::time::Duration;

use crate::case::{load_dir, load_embedded, RuleCatalogue};
use crate::report;
use crate::runner::{http_client_trusting, root_cause, Expiry, Target};
use crate::snapshot::SnapshotConfig;
use crate::spec::Spec;
use crate::suite::{run_suite, SuiteOptions};

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
    /// The target's session TTL, for expiry cases when it has no admin clock.
    pub session_ttl: Option<Duration>,
    /// Case files to run instead of the embedded suite.
    pub cases_dir: Option<PathBuf>,
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
    /// libtest's own arguments: filters, `--list`, `--exact`, `--skip`, `--test-threads`.
    pub libtest: libtest_mimic::Arguments,
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckExit {
    /// Every MUST rule (and with `--strict` every SHOULD rule) held.
    Conformant,
    /// At least one case failed.
    Deviations,
    /// The run could not be made.
    CouldNotRun,
}

impl CheckExit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            CheckExit::Conformant => 0,
            CheckExit::Deviations => 1,
            CheckExit::CouldNotRun => 2,
        }
    }
}

/// Runs the check on `runtime`; errors that stop the run are printed to
/// stderr as one line each.
pub fn run_check(options: &CheckOptions, runtime: &tokio::runtime::Runtime) -> CheckExit {
    match try_run_check(options, runtime) {
        Ok(exit) => exit,
        Err(message) => {
            eprintln!("error: {message}");
            CheckExit::CouldNotRun
        }
    }
}

fn try_run_check(
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<CheckExit, String> {
    let catalogue = RuleCatalogue::embedded();
    let spec = Spec::embedded()?;
    let loaded = match &options.cases_dir {
        Some(dir) => load_dir(dir, &catalogue)
            .map_err(|e| format!("cannot read case directory {}: {e}", dir.display()))?,
        None => load_embedded(&catalogue),
    };
    if !loaded.diagnostics.is_empty() {
        for diagnostic in &loaded.diagnostics {
            eprintln!("error: {diagnostic}");
        }
        return Err(format!(
            "{} problem(s) in the case files; nothing was run",
            loaded.diagnostics.len()
        ));
    }
    if loaded.cases.is_empty() {
        return Err("no case files found".to_owned());
    }
    if options.coverage {
        let coverage = report::coverage::coverage(&loaded.cases, &catalogue, spec);
        report::coverage::print(&coverage);
        return Ok(CheckExit::Conformant);
    }
    let base_url = match &options.target {
        Some(target) => normalize_target(target)?,
        None if options.libtest.list => String::new(),
        None => {
            return Err("--target URL is required (e.g. --target http://127.0.0.1:8080)".to_owned())
        }
    };
    let client = match &options.ca_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                format!(
                    "cannot read the CA certificate file {}: {e}",
                    path.display()
                )
            })?;
            http_client_trusting(Some(&pem)).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => http_client_trusting(None)?,
    };
    let expiry = if options.libtest.list {
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
    };
    let suite = SuiteOptions {
        strict: options.strict,
        catalogue: std::sync::Arc::new(catalogue.clone()),
        snapshots: options.snapshots.clone(),
    };
    let run = run_suite(
        &options.libtest,
        loaded.cases,
        &client,
        target,
        spec,
        runtime.handle(),
        &suite,
    );
    if options.libtest.list {
        return Ok(CheckExit::Conformant);
    }
    report::terminal::print_summary(&run.outcomes, &catalogue, options.strict, &base_url);
    if let Some(path) = &options.report_junit {
        report::junit::write(path, &run.outcomes, &catalogue, options.strict, &base_url)
            .map_err(|e| format!("cannot write the JUnit report to {}: {e}", path.display()))?;
    }
    if let Some(path) = &options.report_json {
        report::json::write(path, &run.outcomes, &catalogue, options.strict, &base_url)
            .map_err(|e| format!("cannot write the JSON report to {}: {e}", path.display()))?;
    }
    let totals = report::totals(&run.outcomes, options.strict);
    Ok(if totals.failed > 0 {
        CheckExit::Deviations
    } else {
        CheckExit::Conformant
    })
}

/// `http://host:port`, without a trailing `/` or `/v1`.
///
/// # Errors
/// A URL this build cannot target.
pub fn normalize_target(target: &str) -> Result<String, String> {
    let trimmed = target.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let Some(rest) = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
    else {
        return Err(format!(
            "{target}: the target must be an http:// or https:// URL, e.g. http://127.0.0.1:8080"
        ));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{target}: the target URL has no host"));
    }
    Ok(trimmed.to_owned())
}

/// Fails unless the target answers HTTP at all.
async fn probe(
    client: &reqwest::Client,
    base_url: &str,
    api_key: &str,
    timeout: Duration,
) -> Result<(), String> {
    let url = format!("{base_url}/v1/session/{}/log", uuid::Uuid::new_v4());
    client
        .get(&url)
        .header("X-API-Key", api_key)
        .timeout(timeout)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let why = if e.is_timeout() {
                format!("no answer within {}", humantime::format_duration(timeout))
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
            format!("cannot reach the target {base_url}: {why}")
        })
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
        assert!(normalize_target("127.0.0.1:8080")
            .unwrap_err()
            .contains("http://"));
        assert_eq!(
            normalize_target("https://api.example/v1/").unwrap(),
            "https://api.example"
        );
        assert!(normalize_target("http://").is_err());
    }
}

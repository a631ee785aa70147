//! What `check` is asked to do (its options and case selection), what it
//! prints to stdout, and how it ends.

use std::path::PathBuf;
use std::time::Duration;

use crate::case::CaseSources;
use crate::snapshot::SnapshotConfig;

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

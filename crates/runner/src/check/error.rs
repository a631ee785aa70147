//! Why a check could not be made (exit code 2), and a `--target` this
//! build cannot target.

use std::path::PathBuf;

use crate::baseline::BaselineError;
use crate::case::sources::SourceError;
use crate::runner::ClientError;
use pizzastack_spec::SpecError;

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

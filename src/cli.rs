//! The command line: every subcommand and option, with its `--help`, and
//! the typed parsers clap calls for values.

use std::net::SocketAddr;
use std::time::Duration;

use bytesize::ByteSize;
use clap::{Args, Parser, Subcommand};

use pizzastack::config::{ConnectionLimits, DEFAULT_API_KEY};
use pizzastack::server::Switch as _;
use pizzastack::store::StoreLimits;

/// PizzaStack conformance kit: a mock of the PizzaStack v1 API.
#[derive(Parser)]
#[command(version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the mock server: the whole PizzaStack v1 API, stateful, in memory.
    ///
    /// Log level comes from RUST_LOG (e.g. RUST_LOG=debug); default info.
    Serve(Box<ServeArgs>),
    /// Run the conformance suite against any PizzaStack implementation.
    ///
    /// Exit codes: 0 every MUST rule the cases touch was verified (evaluated
    /// and held) or is in the baseline; 1 some case failed, or a MUST rule
    /// could not be evaluated by any case; 2 the run could not be made
    /// (unreachable target, bad case files, bad arguments) or verified no
    /// rule at all.
    /// libtest's own options work too: a name filter (a case ID or a rule ID
    /// such as SESS-005), --exact, --skip, --list, --test-threads.
    #[command(
        help_template = "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}",
        after_help = "Example: pizzastack check --target http://127.0.0.1:9000 --report-junit conformance.xml"
    )]
    Check(Box<CheckArgs>),
    /// Explore any PizzaStack implementation with generated workflows,
    /// judged by the documented rules; each failure is shrunk to a case file.
    ///
    /// Workflows run every documented endpoint with every documented value,
    /// repeated steps, long sessions, several sessions and both keys at once,
    /// and adversarial steps (IDs of other sessions, forged IDs, missing
    /// headers, keys that differ slightly from a valid one, expiry). The
    /// oracle judges every answer against what the pages guarantee given
    /// what came before. Exit codes as `check`: 0 no documented rule broken,
    /// 1 one was, 2 the run could not be made.
    #[command(
        help_template = "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}",
        after_help = "Example: pizzastack explore --target http://127.0.0.1:9000 --time 60s --save found/\nReplay what it saved: pizzastack check --target http://127.0.0.1:9000 --cases found/"
    )]
    Explore(Box<ExploreArgs>),
    /// Print the JSON Schema of case files (specs/case.schema.json), for
    /// editors and for checking your own cases.
    CaseSchema,
    /// Review the snapshots a `check --snapshots DIR` run wrote as
    /// .snap.new because the exchanges changed.
    #[command(subcommand)]
    Snapshots(SnapshotsCommand),
}

#[derive(Subcommand)]
pub(crate) enum SnapshotsCommand {
    /// Show each changed snapshot's diff and ask whether to accept it (it
    /// becomes the accepted snapshot), reject it (it is deleted) or skip it.
    Review {
        /// The folder given to `check --snapshots`.
        dir: std::path::PathBuf,
    },
    /// Make every changed snapshot of DIR the accepted one.
    Accept { dir: std::path::PathBuf },
    /// Delete every changed snapshot of DIR; the accepted ones stay.
    Reject { dir: std::path::PathBuf },
}

/// How long a run explores, and from which seed.
#[derive(Args)]
pub(crate) struct ExploreBudget {
    /// The seed the workflows are drawn from; printed always, so a run can
    /// be repeated exactly. Random by default.
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,

    /// Write each failure found, shrunk, as a case file into DIR (which
    /// `check --cases DIR` replays).
    #[arg(long, value_name = "DIR")]
    pub(crate) save: Option<std::path::PathBuf>,

    /// Workflows run at once (two per core by default).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) workers: Option<u16>,
}

/// The verdicts' strictness and the report files, the same for `check`
/// and `explore`.
#[derive(Args)]
pub(crate) struct ReportArgs {
    /// Treat SHOULD failures as failures (they are warnings otherwise).
    #[arg(long)]
    pub(crate) strict: bool,

    /// Write a JUnit XML report (one testcase per case) to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) report_junit: Option<std::path::PathBuf>,

    /// Write a JSON report with per-rule results to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) report_json: Option<std::path::PathBuf>,

    /// Write a self-contained HTML report (rules, failures with their
    /// exchanges, filterable by verdict) to PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) report_html: Option<std::path::PathBuf>,
}

#[derive(Args)]
pub(crate) struct ExploreArgs {
    /// Root URL of the implementation under test, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", env = "PIZZASTACK_TARGET")]
    pub(crate) target: String,

    /// The API key the workflows send.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY, env = "PIZZASTACK_API_KEY")]
    pub(crate) api_key: String,

    /// A second accepted API key: workflows then use both keys at once.
    #[arg(long, value_name = "KEY")]
    pub(crate) other_api_key: Option<String>,

    /// The target's session TTL, so that workflows can let sessions expire
    /// (each worker waits it out at most once, and only a TTL up to 60s).
    /// Not needed against the mock with --admin.
    #[arg(long, value_parser = parse_positive_duration, value_name = "DURATION")]
    pub(crate) session_ttl: Option<Duration>,

    /// How long to explore (shrinking a failure comes on top, at most 8s each).
    #[arg(long, default_value = "60s", value_parser = parse_positive_duration, value_name = "DURATION", conflicts_with = "steps")]
    pub(crate) time: Duration,

    /// Explore until this many requests were sent, instead of --time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) steps: Option<u64>,

    #[command(flatten)]
    pub(crate) budget: ExploreBudget,

    /// Per-request timeout (more than zero).
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub(crate) timeout: Duration,

    /// The most of one response body read (e.g. 10MiB).
    #[arg(long, default_value = "10MiB", value_parser = parse_positive_size, value_name = "SIZE")]
    pub(crate) max_body: ByteSize,

    /// Trust the CA certificates of this PEM file too.
    #[arg(long, value_name = "PATH")]
    pub(crate) ca_cert: Option<std::path::PathBuf>,

    /// Colours: `auto`, `always` or `never`.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,

    #[command(flatten)]
    pub(crate) reports: ReportArgs,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Root URL of the implementation under test, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", env = "PIZZASTACK_TARGET", required_unless_present_any = ["coverage", "list"])]
    pub(crate) target: Option<String>,

    /// Print which cases cover each rule and each documented endpoint
    /// status, then stop (no target needed).
    #[arg(long)]
    pub(crate) coverage: bool,

    /// The API key the cases send.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY, env = "PIZZASTACK_API_KEY")]
    pub(crate) api_key: String,

    /// A second accepted API key, for the ownership cases (skipped without it).
    #[arg(long, value_name = "KEY")]
    pub(crate) other_api_key: Option<String>,

    /// Per-request timeout (more than zero).
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub(crate) timeout: Duration,

    /// The most of one response body read (e.g. 10MiB); a larger answer is
    /// reported as such and not read further.
    #[arg(long, default_value = "10MiB", value_parser = parse_positive_size, value_name = "SIZE")]
    pub(crate) max_body: ByteSize,

    /// The target's session TTL, so expiry cases can wait it out. Not needed
    /// against the mock with --admin; without either, expiry cases are skipped.
    #[arg(long, value_parser = parse_positive_duration, value_name = "DURATION")]
    pub(crate) session_ttl: Option<Duration>,

    /// Run these case files instead of the built-in suite: a file, a
    /// folder (every *.yaml and *.yml under it) or a quoted glob such as
    /// 'cases/**/*.yaml'; repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) cases: Vec<String>,

    /// Add a team's own rules (IDs, levels, summaries, sources) to the
    /// catalogue, for its own cases to cite: JSON in the format of
    /// specs/rules.json, or the same in YAML; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules_files: Vec<std::path::PathBuf>,

    /// Run the built-in suite too, besides --cases.
    #[arg(long, requires = "cases")]
    pub(crate) builtin: bool,

    /// Define a variable for the cases' {{templates}} (Hurl's spelling):
    /// numbers, true, false and null are typed, anything else a string;
    /// repeatable. Overrides --variables-file.
    #[arg(long = "variable", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub(crate) variables: Vec<(String, serde_json::Value)>,

    /// Read variables from FILE: a NAME=VALUE per line, # comments.
    #[arg(long, value_name = "FILE")]
    pub(crate) variables_file: Option<std::path::PathBuf>,

    /// Trust the CA certificates of this PEM file too, for an https target
    /// behind a private CA.
    #[arg(long, value_name = "PATH")]
    pub(crate) ca_cert: Option<std::path::PathBuf>,

    /// Compare each passed case's exchanges (redacted) with a snapshot set
    /// in DIR (any folder), named by --snapshot-name. The first run records
    /// the snapshots; later a changed exchange fails with its diff and is
    /// written beside the accepted snapshot as .snap.new, for `pizzastack snapshots
    /// review DIR`. In CI (CI set) nothing is written: a missing snapshot
    /// fails too.
    #[arg(long, value_name = "DIR", requires = "snapshot_name")]
    pub(crate) snapshots: Option<std::path::PathBuf>,

    /// The snapshot set's name (snapshot suffix), e.g. the implementation's name.
    #[arg(long, value_name = "NAME", requires = "snapshots")]
    pub(crate) snapshot_name: Option<String>,

    /// When snapshot files are written: `auto` (as --snapshots says),
    /// `always` (record and overwrite; nothing fails for a snapshot) or
    /// `no` (never; missing ones fail).
    #[arg(long, value_enum, default_value_t = SnapshotUpdate::Auto, requires = "snapshots")]
    pub(crate) snapshot_update: SnapshotUpdate,

    /// Known deviations (a file --write-baseline wrote, with a reason per
    /// entry): reported as `known`, never failing the run; a new deviation
    /// still fails, and a known one that now holds is reported as fixed
    /// (failing the run with --strict).
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<std::path::PathBuf>,

    /// Record this run's failing rules and their cases in FILE, as a
    /// baseline to edit (give each entry its reason) and pass to --baseline.
    #[arg(long, value_name = "FILE")]
    pub(crate) write_baseline: Option<std::path::PathBuf>,

    /// What goes to stdout: `human` (a line per case, then failures and the
    /// rule table) or `json` (the JSON report only).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) format: OutputFormat,

    /// Colours: `auto` (on a terminal, unless NO_COLOR is set), `always`
    /// or `never`.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,

    /// After the cases, explore the target with generated workflows for
    /// DURATION (as `pizzastack explore`), in the same report and exit code.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub(crate) explore: Option<Duration>,

    #[command(flatten)]
    pub(crate) explore_budget: ExploreBudget,

    /// Run only the cases whose ID or one of whose rule IDs contains FILTER
    /// (e.g. `sessions/` or `SESS-005`); a filter that selects nothing is
    /// an error.
    #[arg(value_name = "FILTER")]
    pub(crate) filters: Vec<String>,

    /// Filters and --skip match whole case IDs or rule IDs only.
    #[arg(long)]
    pub(crate) exact: bool,

    /// Leave out the cases this selects (like FILTER); repeatable.
    #[arg(long, value_name = "FILTER")]
    pub(crate) skip: Vec<String>,

    /// List the selected cases with their rules, then stop.
    #[arg(long)]
    pub(crate) list: bool,

    /// Cases run at once (default: one per CPU; more than zero).
    #[arg(long, value_name = "N", value_parser = parse_positive_count)]
    pub(crate) test_threads: Option<usize>,

    #[command(flatten)]
    pub(crate) reports: ReportArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum SnapshotUpdate {
    Auto,
    Always,
    No,
}

impl From<SnapshotUpdate> for pizzastack::snapshot::Update {
    fn from(update: SnapshotUpdate) -> Self {
        match update {
            SnapshotUpdate::Auto => Self::Auto,
            SnapshotUpdate::Always => Self::Always,
            SnapshotUpdate::No => Self::No,
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub(crate) listen: SocketAddr,

    /// An accepted API key; repeat for several. Without any, only the docs'
    /// example key `your-api-key` is accepted, and only on loopback.
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "PIZZASTACK_API_KEYS",
        value_delimiter = ','
    )]
    pub(crate) api_keys: Vec<String>,

    /// Inactivity time after which a session and its objects expire, e.g.
    /// 30m, 10s, 1h30m.
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) session_ttl: Duration,

    /// Serve /__admin (advance the clock, reset, stats). For tests only.
    #[arg(long)]
    pub(crate) admin: bool,

    /// Keep sessions in this Redis (or Valkey), redis://HOST:PORT[/DB],
    /// shared by every replica given the same address and keys: a fleet
    /// behind any load balancer behaves as one mock, and a restart loses
    /// nothing. Without it, sessions live in this process's memory.
    #[arg(long, value_name = "URL", env = "PIZZASTACK_STORE")]
    pub(crate) store: Option<pizzastack::store::StoreUrl>,

    /// Most live sessions at once; further new sessions get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_sessions, value_name = "N")]
    pub(crate) max_sessions: usize,

    /// Most objects in one session; further creations get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_objects_per_session, value_name = "N")]
    pub(crate) max_objects_per_session: usize,

    /// Most bytes of objects in one session (e.g. 8MiB); further creations
    /// get 429. Also bounds the size of a session's log.
    #[arg(long, default_value_t = ByteSize::b(StoreLimits::default().max_session_bytes as u64), value_name = "SIZE")]
    pub(crate) max_session_bytes: ByteSize,

    /// Most bytes of objects in all sessions together (e.g. 1GiB); further
    /// creations get 429.
    #[arg(long, default_value_t = ByteSize::b(StoreLimits::default().max_store_bytes as u64), value_name = "SIZE")]
    pub(crate) max_store_bytes: ByteSize,

    /// A request's head must arrive within this; an idle keep-alive
    /// connection is closed after it.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) header_timeout: Duration,

    /// A request's body must arrive within this once its head has; later,
    /// the answer is 408.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) body_timeout: Duration,

    /// Connections served at once; further ones wait to be accepted.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections, value_name = "N")]
    pub(crate) max_connections: usize,

    /// On SIGTERM or Ctrl-C, how long open requests may finish before the
    /// mock stops anyway; a second signal stops it at once.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub(crate) shutdown_timeout: Duration,

    /// Switch a documented rule off on purpose (repeatable), to prove a
    /// conformance suite notices; GET /__admin/deviations lists them.
    #[arg(long = "deviate", value_name = "RULE-ID")]
    pub(crate) deviations: Vec<String>,

    /// Take another choice the documentation allows where it is silent
    /// (repeatable), e.g. hex-id-suffix or validation-422, to prove a
    /// conformance suite raises no false alarm; GET /__admin/freedoms lists them.
    #[arg(long = "freedom", value_name = "NAME", value_parser = freedom_names())]
    pub(crate) freedoms: Vec<String>,

    /// The port to listen on, on --listen's address (e.g. --port 9000).
    #[arg(long, value_name = "N")]
    pub(crate) port: Option<u16>,

    /// Wait before answering (repeatable): 50ms, a uniform range
    /// 20ms..80ms, optionally for one path or a prefix ending in *
    /// (300ms:/v1/pizza/bake). A path's rule wins over one for all paths.
    /// Changeable with PUT /__admin/latency.
    #[arg(long = "latency", value_name = "DURATION[..DURATION][:PATH]", value_parser = pizzastack::injection::LatencyRule::parse, help_heading = "For client developers: latency, faults, the request journal, CORS")]
    pub(crate) latency: Vec<pizzastack::injection::LatencyRule>,

    /// Answer a share of requests with a fault instead (repeatable): KIND is
    /// 429, 500, 502, 503, 504 (in the API's error shape; 429 and 503 with
    /// Retry-After), reset (the connection is dropped) or hang (no answer
    /// for --hang-for, then dropped); RATE from 0 to 1. A faulted request
    /// changes nothing. Changeable with PUT /__admin/faults.
    #[arg(long = "fault", value_name = "KIND:RATE[:PATH]", value_parser = pizzastack::injection::FaultRule::parse, help_heading = "For client developers: latency, faults, the request journal, CORS")]
    pub(crate) faults: Vec<pizzastack::injection::FaultRule>,

    /// Makes the faults and latencies chosen the same from run to run.
    #[arg(
        long,
        value_name = "N",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    pub(crate) seed: Option<u64>,

    /// How long a `hang` fault holds its request.
    #[arg(long, default_value = "30s", value_parser = parse_positive_duration, value_name = "DURATION", help_heading = "For client developers: latency, faults, the request journal, CORS")]
    pub(crate) hang_for: Duration,

    /// Requests kept for GET /__admin/requests (with --admin), oldest
    /// dropped first.
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "N",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    pub(crate) journal_size: usize,

    /// Log one line per request: method, path, status, session, time taken.
    #[arg(
        long,
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    pub(crate) log_requests: bool,

    /// Let browser pages from ORIGIN call the mock (repeatable; * for any):
    /// preflights are answered with the API's headers allowed.
    #[arg(
        long = "cors",
        value_name = "ORIGIN",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    pub(crate) cors: Vec<String>,
}

/// The freedoms, each with what it does, for `--help` and for clap to
/// refuse an unknown name with the list.
pub(crate) fn freedom_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        pizzastack::server::Freedom::ALL
            .iter()
            .map(|f| clap::builder::PossibleValue::new(f.name()).help(f.effect())),
    )
}

/// A size from the command line in bytes (saturating on 32-bit targets).
pub(crate) fn bytes(size: ByteSize) -> usize {
    usize::try_from(size.as_u64()).unwrap_or(usize::MAX)
}

/// A duration option that humantime cannot read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BadDuration {
    #[error("{0} (expected e.g. 30m, 10s, 1h30m)")]
    Unreadable(humantime::DurationError),
    #[error("it must be more than zero")]
    Zero,
}

/// A size option that is unreadable or zero.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BadSize {
    #[error("{0} (expected e.g. 10MiB, 512KiB, 2000000)")]
    Unreadable(String),
    #[error("it must be more than zero")]
    Zero,
}

pub(crate) fn parse_positive_size(text: &str) -> Result<ByteSize, BadSize> {
    match text.parse::<ByteSize>() {
        Ok(size) if size.as_u64() == 0 => Err(BadSize::Zero),
        Ok(size) => Ok(size),
        Err(message) => Err(BadSize::Unreadable(message)),
    }
}

/// A count option that is not a whole number, or zero.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BadCount {
    #[error("{0} (expected a whole number)")]
    Unreadable(std::num::ParseIntError),
    #[error("it must be more than zero")]
    Zero,
}

pub(crate) fn parse_positive_count(text: &str) -> Result<usize, BadCount> {
    match text.parse::<usize>() {
        Ok(0) => Err(BadCount::Zero),
        Ok(count) => Ok(count),
        Err(error) => Err(BadCount::Unreadable(error)),
    }
}

pub(crate) fn parse_variable(
    text: &str,
) -> Result<(String, serde_json::Value), pizzastack::case::sources::VariableError> {
    pizzastack::case::sources::parse_variable(text)
}

pub(crate) fn parse_duration(text: &str) -> Result<Duration, BadDuration> {
    humantime::parse_duration(text).map_err(BadDuration::Unreadable)
}

pub(crate) fn parse_positive_duration(text: &str) -> Result<Duration, BadDuration> {
    parse_duration(text).and_then(|d| {
        if d.is_zero() {
            Err(BadDuration::Zero)
        } else {
            Ok(d)
        }
    })
}

//! The `pizzastack` binary: parses arguments, sets up logging, and calls the
//! library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use bytesize::ByteSize;
use clap::{Args, Parser, Subcommand};

/// mimalloc: the mock allocates a few small objects per request, and
/// spends noticeably less time in the allocator with it than with glibc's.
/// Built without its transparent-huge-page advice (see Cargo.toml): a
/// request that first touches a huge page waits while 2 MiB are zeroed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use pizzastack::config::{ConnectionLimits, ServeConfig, DEFAULT_API_KEY};
use pizzastack::server::Switch as _;
use pizzastack::store::StoreLimits;

/// PizzaStack conformance kit: a mock of the PizzaStack v1 API.
#[derive(Parser)]
#[command(version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
enum SnapshotsCommand {
    /// Show each changed snapshot's diff and ask whether to accept it (it
    /// becomes the baseline), reject it (it is deleted) or skip it.
    Review {
        /// The folder given to `check --snapshots`.
        dir: std::path::PathBuf,
    },
    /// Make every changed snapshot of DIR the baseline.
    Accept { dir: std::path::PathBuf },
    /// Delete every changed snapshot of DIR; the baselines stay.
    Reject { dir: std::path::PathBuf },
}

/// How long a run explores, and from which seed.
#[derive(Args)]
struct ExploreBudget {
    /// The seed the workflows are drawn from; printed always, so a run can
    /// be repeated exactly. Random by default.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Write each failure found, shrunk, as a case file into DIR (which
    /// `check --cases DIR` replays).
    #[arg(long, value_name = "DIR")]
    save: Option<std::path::PathBuf>,

    /// Workflows run at once (two per core by default).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: Option<u16>,
}

#[derive(Args)]
struct ExploreArgs {
    /// Root URL of the implementation under test, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", env = "PIZZASTACK_TARGET")]
    target: String,

    /// The API key the workflows send.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY, env = "PIZZASTACK_API_KEY")]
    api_key: String,

    /// A second accepted API key: workflows then use both keys at once.
    #[arg(long, value_name = "KEY")]
    other_api_key: Option<String>,

    /// The target's session TTL, so that workflows can let sessions expire
    /// (each worker waits it out at most once, and only a TTL up to 60s).
    /// Not needed against the mock with --admin.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    session_ttl: Option<Duration>,

    /// How long to explore (shrinking a failure comes on top, at most 8s each).
    #[arg(long, default_value = "60s", value_parser = parse_positive_duration, value_name = "DURATION", conflicts_with = "steps")]
    time: Duration,

    /// Explore until this many requests were sent, instead of --time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    steps: Option<u64>,

    #[command(flatten)]
    budget: ExploreBudget,

    /// Per-request timeout (more than zero).
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    timeout: Duration,

    /// The most of one response body read (e.g. 10MiB).
    #[arg(long, default_value = "10MiB", value_name = "SIZE")]
    max_body: ByteSize,

    /// Trust the CA certificates of this PEM file too.
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<std::path::PathBuf>,

    /// Treat SHOULD failures as failures (they are warnings otherwise).
    #[arg(long)]
    strict: bool,

    /// Write a JUnit XML report to PATH.
    #[arg(long, value_name = "PATH")]
    report_junit: Option<std::path::PathBuf>,

    /// Write a JSON report with per-rule results to PATH.
    #[arg(long, value_name = "PATH")]
    report_json: Option<std::path::PathBuf>,

    /// Write a self-contained HTML report to PATH.
    #[arg(long, value_name = "PATH")]
    report_html: Option<std::path::PathBuf>,

    /// Colours: `auto`, `always` or `never`.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Args)]
struct CheckArgs {
    /// Root URL of the implementation under test, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL", env = "PIZZASTACK_TARGET", required_unless_present_any = ["coverage", "list"])]
    target: Option<String>,

    /// Print which cases cover each rule and each documented endpoint
    /// status, then stop (no target needed).
    #[arg(long)]
    coverage: bool,

    /// The API key the cases send.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY, env = "PIZZASTACK_API_KEY")]
    api_key: String,

    /// A second accepted API key, for the ownership cases (skipped without it).
    #[arg(long, value_name = "KEY")]
    other_api_key: Option<String>,

    /// Per-request timeout (more than zero).
    #[arg(long, default_value = "10s", value_parser = parse_positive_duration, value_name = "DURATION")]
    timeout: Duration,

    /// The most of one response body read (e.g. 10MiB); a larger answer is
    /// reported as such and not read further.
    #[arg(long, default_value = "10MiB", value_name = "SIZE")]
    max_body: ByteSize,

    /// The target's session TTL, so expiry cases can wait it out. Not needed
    /// against the mock with --admin; without either, expiry cases are skipped.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    session_ttl: Option<Duration>,

    /// Run these case files instead of the built-in suite: a file, a
    /// folder (every *.yaml and *.yml under it) or a quoted glob such as
    /// 'cases/**/*.yaml'; repeatable.
    #[arg(long, value_name = "PATH")]
    cases: Vec<String>,

    /// Add a team's own rules (IDs, levels, summaries, sources) to the
    /// catalogue, for its own cases to cite: JSON in the format of
    /// specs/rules.json, or the same in YAML; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules_files: Vec<std::path::PathBuf>,

    /// Run the built-in suite too, besides --cases.
    #[arg(long, requires = "cases")]
    builtin: bool,

    /// Define a variable for the cases' {{templates}} (Hurl's spelling):
    /// numbers, true, false and null are typed, anything else a string;
    /// repeatable. Overrides --variables-file.
    #[arg(long = "variable", value_name = "NAME=VALUE", value_parser = parse_variable)]
    variables: Vec<(String, serde_json::Value)>,

    /// Read variables from FILE: a NAME=VALUE per line, # comments.
    #[arg(long, value_name = "FILE")]
    variables_file: Option<std::path::PathBuf>,

    /// Treat SHOULD failures as failures (they are warnings otherwise).
    #[arg(long)]
    strict: bool,

    /// Write a JUnit XML report (one testcase per case) to PATH.
    #[arg(long, value_name = "PATH")]
    report_junit: Option<std::path::PathBuf>,

    /// Write a JSON report with per-rule results to PATH.
    #[arg(long, value_name = "PATH")]
    report_json: Option<std::path::PathBuf>,

    /// Trust the CA certificates of this PEM file too, for an https target
    /// behind a private CA.
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<std::path::PathBuf>,

    /// Compare each passed case's exchanges (redacted) with a baseline in
    /// DIR (any folder), named by --snapshot-name. The first run records
    /// the baseline; later a changed exchange fails with its diff and is
    /// written beside the baseline as .snap.new, for `pizzastack snapshots
    /// review DIR`. In CI (CI set) nothing is written: a missing snapshot
    /// fails too.
    #[arg(long, value_name = "DIR", requires = "snapshot_name")]
    snapshots: Option<std::path::PathBuf>,

    /// The baseline's name (snapshot suffix), e.g. the implementation's name.
    #[arg(long, value_name = "NAME", requires = "snapshots")]
    snapshot_name: Option<String>,

    /// When snapshot files are written: `auto` (as --snapshots says),
    /// `always` (record and overwrite; nothing fails for a snapshot) or
    /// `no` (never; missing ones fail).
    #[arg(long, value_enum, default_value_t = SnapshotUpdate::Auto, requires = "snapshots")]
    snapshot_update: SnapshotUpdate,

    /// Write a self-contained HTML report (rules, failures with their
    /// exchanges, filterable by verdict) to PATH.
    #[arg(long, value_name = "PATH")]
    report_html: Option<std::path::PathBuf>,

    /// Known deviations (a file --write-baseline wrote, with a reason per
    /// entry): reported as `known`, never failing the run; a new deviation
    /// still fails, and a known one that now holds is reported as fixed
    /// (failing the run with --strict).
    #[arg(long, value_name = "FILE")]
    baseline: Option<std::path::PathBuf>,

    /// Record this run's failing rules and their cases in FILE, as a
    /// baseline to edit (give each entry its reason) and pass to --baseline.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<std::path::PathBuf>,

    /// What goes to stdout: `human` (a line per case, then failures and the
    /// rule table) or `json` (the JSON report only).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,

    /// Colours: `auto` (on a terminal, unless NO_COLOR is set), `always`
    /// or `never`.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    /// After the cases, explore the target with generated workflows for
    /// DURATION (as `pizzastack explore`), in the same report and exit code.
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    explore: Option<Duration>,

    #[command(flatten)]
    explore_budget: ExploreBudget,

    /// Run only the cases whose ID or one of whose rule IDs contains FILTER
    /// (e.g. `sessions/` or `SESS-005`); a filter that selects nothing is
    /// an error.
    #[arg(value_name = "FILTER")]
    filters: Vec<String>,

    /// Filters and --skip match whole case IDs or rule IDs only.
    #[arg(long)]
    exact: bool,

    /// Leave out the cases this selects (like FILTER); repeatable.
    #[arg(long, value_name = "FILTER")]
    skip: Vec<String>,

    /// List the selected cases with their rules, then stop.
    #[arg(long)]
    list: bool,

    /// Cases run at once (default: one per CPU).
    #[arg(long, value_name = "N")]
    test_threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SnapshotUpdate {
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
enum OutputFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,

    /// An accepted API key; repeat for several. Without any, only the docs'
    /// example key `your-api-key` is accepted, and only on loopback.
    #[arg(
        long = "api-key",
        value_name = "KEY",
        env = "PIZZASTACK_API_KEYS",
        value_delimiter = ','
    )]
    api_keys: Vec<String>,

    /// Inactivity time after which a session and its objects expire, e.g.
    /// 30m, 10s, 1h30m.
    #[arg(long, default_value = "30m", value_parser = parse_duration, value_name = "DURATION")]
    session_ttl: Duration,

    /// Serve /__admin (advance the clock, reset, stats). For tests only.
    #[arg(long)]
    admin: bool,

    /// Keep sessions in this Redis (or Valkey), redis://HOST:PORT[/DB],
    /// shared by every replica given the same address and keys: a fleet
    /// behind any load balancer behaves as one mock, and a restart loses
    /// nothing. Without it, sessions live in this process's memory.
    #[arg(long, value_name = "URL", env = "PIZZASTACK_STORE")]
    store: Option<pizzastack::store::StoreUrl>,

    /// Most live sessions at once; further new sessions get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_sessions, value_name = "N")]
    max_sessions: usize,

    /// Most objects in one session; further creations get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_objects_per_session, value_name = "N")]
    max_objects_per_session: usize,

    /// Most bytes of objects in one session (e.g. 8MiB); further creations
    /// get 429. Also bounds the size of a session's log.
    #[arg(long, default_value_t = ByteSize::b(StoreLimits::default().max_session_bytes as u64), value_name = "SIZE")]
    max_session_bytes: ByteSize,

    /// Most bytes of objects in all sessions together (e.g. 1GiB); further
    /// creations get 429.
    #[arg(long, default_value_t = ByteSize::b(StoreLimits::default().max_store_bytes as u64), value_name = "SIZE")]
    max_store_bytes: ByteSize,

    /// A request's head must arrive within this; an idle keep-alive
    /// connection is closed after it.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    header_timeout: Duration,

    /// A request's body must arrive within this once its head has; later,
    /// the answer is 408.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    body_timeout: Duration,

    /// Connections served at once; further ones wait to be accepted.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections, value_name = "N")]
    max_connections: usize,

    /// On SIGTERM or Ctrl-C, how long open requests may finish before the
    /// mock stops anyway; a second signal stops it at once.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    shutdown_timeout: Duration,

    /// Switch a documented rule off on purpose (repeatable), to prove a
    /// conformance suite notices; GET /__admin/deviations lists them.
    #[arg(long = "deviate", value_name = "RULE-ID")]
    deviations: Vec<String>,

    /// Take another choice the documentation allows where it is silent
    /// (repeatable), e.g. hex-id-suffix or validation-422, to prove a
    /// conformance suite raises no false alarm; GET /__admin/freedoms lists them.
    #[arg(long = "freedom", value_name = "NAME", value_parser = freedom_names())]
    freedoms: Vec<String>,

    /// The port to listen on, on --listen's address (e.g. --port 9000).
    #[arg(long, value_name = "N")]
    port: Option<u16>,

    /// Wait before answering (repeatable): 50ms, a uniform range
    /// 20ms..80ms, optionally for one path or a prefix ending in *
    /// (300ms:/v1/pizza/bake). A path's rule wins over one for all paths.
    /// Changeable with PUT /__admin/latency.
    #[arg(long = "latency", value_name = "DURATION[..DURATION][:PATH]", value_parser = pizzastack::injection::LatencyRule::parse, help_heading = "For client developers: latency, faults, the request journal, CORS")]
    latency: Vec<pizzastack::injection::LatencyRule>,

    /// Answer a share of requests with a fault instead (repeatable): KIND is
    /// 429, 500, 502, 503, 504 (in the API's error shape; 429 and 503 with
    /// Retry-After), reset (the connection is dropped) or hang (no answer
    /// for --hang-for, then dropped); RATE from 0 to 1. A faulted request
    /// changes nothing. Changeable with PUT /__admin/faults.
    #[arg(long = "fault", value_name = "KIND:RATE[:PATH]", value_parser = pizzastack::injection::FaultRule::parse, help_heading = "For client developers: latency, faults, the request journal, CORS")]
    faults: Vec<pizzastack::injection::FaultRule>,

    /// Makes the faults and latencies chosen the same from run to run.
    #[arg(
        long,
        value_name = "N",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    seed: Option<u64>,

    /// How long a `hang` fault holds its request.
    #[arg(long, default_value = "30s", value_parser = parse_positive_duration, value_name = "DURATION", help_heading = "For client developers: latency, faults, the request journal, CORS")]
    hang_for: Duration,

    /// Requests kept for GET /__admin/requests (with --admin), oldest
    /// dropped first.
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "N",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    journal_size: usize,

    /// Log one line per request: method, path, status, session, time taken.
    #[arg(
        long,
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    log_requests: bool,

    /// Let browser pages from ORIGIN call the mock (repeatable; * for any):
    /// preflights are answered with the API's headers allowed.
    #[arg(
        long = "cors",
        value_name = "ORIGIN",
        help_heading = "For client developers: latency, faults, the request journal, CORS"
    )]
    cors: Vec<String>,
}

/// The freedoms, each with what it does, for `--help` and for clap to
/// refuse an unknown name with the list.
fn freedom_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        pizzastack::server::Freedom::ALL
            .iter()
            .map(|f| clap::builder::PossibleValue::new(f.name()).help(f.effect())),
    )
}

/// A size from the command line in bytes (saturating on 32-bit targets).
fn bytes(size: ByteSize) -> usize {
    usize::try_from(size.as_u64()).unwrap_or(usize::MAX)
}

/// A duration option that humantime cannot read.
#[derive(Debug, thiserror::Error)]
enum BadDuration {
    #[error("{0} (expected e.g. 30m, 10s, 1h30m)")]
    Unreadable(humantime::DurationError),
    #[error("it must be more than zero")]
    Zero,
}

fn parse_variable(
    text: &str,
) -> Result<(String, serde_json::Value), pizzastack::case::sources::VariableError> {
    pizzastack::case::sources::parse_variable(text)
}

fn parse_duration(text: &str) -> Result<Duration, BadDuration> {
    humantime::parse_duration(text).map_err(BadDuration::Unreadable)
}

fn parse_positive_duration(text: &str) -> Result<Duration, BadDuration> {
    parse_duration(text).and_then(|d| {
        if d.is_zero() {
            Err(BadDuration::Zero)
        } else {
            Ok(d)
        }
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // The mock logs what it does; `check` reports through its own output,
    // so the HTTP and TLS libraries' log lines would only repeat its
    // errors in other words.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn,hyper=off,hyper_util=off,reqwest=off,rustls=off",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        // Colours only for a reader: never escape codes in a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// The whole chain of causes on one line, each said once: most of our
/// errors already quote their cause, which `{:#}` would repeat.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    line
}

/// Runs one command: its exit code, or why it could not run (exit 2).
fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(*args).map(|()| ExitCode::SUCCESS),
        Command::Check(args) => check(*args).map(|exit| ExitCode::from(exit.code())),
        Command::Explore(args) => explore(*args).map(|exit| ExitCode::from(exit.code())),
        Command::CaseSchema => {
            print!("{}", pizzastack::case::format::case_schema_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Snapshots(command) => snapshots(command).map(|()| ExitCode::SUCCESS),
    }
}

fn snapshots(command: SnapshotsCommand) -> anyhow::Result<()> {
    use pizzastack::snapshot::pending;
    let (SnapshotsCommand::Review { dir }
    | SnapshotsCommand::Accept { dir }
    | SnapshotsCommand::Reject { dir }) = &command;
    let found = pending::find(dir)?;
    if found.is_empty() {
        println!("no changed snapshots in {}", dir.display());
        return Ok(());
    }
    let (accepted, rejected) = match command {
        SnapshotsCommand::Review { .. } => {
            let reviewed = pending::review(
                &found,
                &mut std::io::stdin().lock(),
                &mut anstream::stdout().lock(),
            )?;
            if reviewed.skipped > 0 {
                println!("{} skipped, still waiting for review", reviewed.skipped);
            }
            (reviewed.accepted, reviewed.rejected)
        }
        SnapshotsCommand::Accept { .. } => {
            found.iter().try_for_each(pending::Pending::accept)?;
            (found.len(), 0)
        }
        SnapshotsCommand::Reject { .. } => {
            found.iter().try_for_each(pending::Pending::reject)?;
            (0, found.len())
        }
    };
    println!("{accepted} accepted, {rejected} rejected");
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut listen = args.listen;
    if let Some(port) = args.port {
        listen.set_port(port);
    }
    let config = ServeConfig {
        listen,
        client: pizzastack::config::ClientOptions {
            latency: args.latency,
            faults: args.faults,
            seed: args.seed,
            hang_for: args.hang_for,
            journal_size: args.journal_size,
            log_requests: args.log_requests,
            cors: args.cors,
        },
        api_keys: args.api_keys,
        session_ttl: args.session_ttl,
        admin: args.admin,
        store: args.store,
        limits: StoreLimits {
            max_sessions: args.max_sessions,
            max_objects_per_session: args.max_objects_per_session,
            max_session_bytes: bytes(args.max_session_bytes),
            max_store_bytes: bytes(args.max_store_bytes),
        },
        deviations: args.deviations,
        freedoms: args.freedoms,
        connections: ConnectionLimits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            max_connections: args.max_connections,
            shutdown_timeout: args.shutdown_timeout,
        },
    };
    if config.api_keys.is_empty() {
        tracing::warn!(
            "no --api-key given: accepting only the documentation's key `{DEFAULT_API_KEY}`"
        );
    }
    runtime()?.block_on(pizzastack::server::serve(config))?;
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// The explorer's settings from its arguments.
fn explore_options(
    budget: &ExploreBudget,
    length: pizzastack::explore::Budget,
) -> pizzastack::explore::ExploreOptions {
    use std::io::IsTerminal as _;
    pizzastack::explore::ExploreOptions {
        seed: budget.seed.unwrap_or_else(rand::random),
        budget: length,
        save: budget.save.clone(),
        workers: budget
            .workers
            .map_or_else(pizzastack::explore::default_workers, usize::from),
        progress: std::io::stderr().is_terminal(),
    }
}

fn explore(args: ExploreArgs) -> anyhow::Result<pizzastack::check::CheckExit> {
    let length = match args.steps {
        Some(n) => pizzastack::explore::Budget::Steps(usize::try_from(n).unwrap_or(usize::MAX)),
        None => pizzastack::explore::Budget::Time(args.time),
    };
    let options = pizzastack::check::CheckOptions {
        target: Some(args.target),
        coverage: false,
        api_key: args.api_key,
        other_api_key: args.other_api_key,
        timeout: args.timeout,
        max_body: bytes(args.max_body),
        session_ttl: args.session_ttl,
        rules_files: Vec::new(),
        cases: pizzastack::case::CaseSources::default(),
        strict: args.strict,
        report_junit: args.report_junit,
        report_json: args.report_json,
        ca_cert: args.ca_cert,
        snapshots: None,
        libtest: libtest_mimic::Arguments::default(),
        selection: pizzastack::check::Selection::default(),
        format: pizzastack::check::Format::Human,
        progress: true,
        report_html: args.report_html,
        baseline: None,
        write_baseline: None,
        suite: false,
        explore: Some(explore_options(&args.budget, length)),
    };
    set_color(args.color);
    let runtime = runtime()?;
    Ok(pizzastack::check::run_check(&options, &runtime)?)
}

fn set_color(color: ColorWhen) {
    match color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<pizzastack::check::CheckExit> {
    let explore = args.explore.map(|time| {
        explore_options(
            &args.explore_budget,
            pizzastack::explore::Budget::Time(time),
        )
    });
    let options = pizzastack::check::CheckOptions {
        target: args.target,
        coverage: args.coverage,
        api_key: args.api_key,
        other_api_key: args.other_api_key,
        timeout: args.timeout,
        max_body: bytes(args.max_body),
        session_ttl: args.session_ttl,
        rules_files: args.rules_files,
        cases: pizzastack::case::CaseSources {
            paths: args.cases,
            builtin: args.builtin,
            variables: {
                let mut variables = std::collections::BTreeMap::new();
                if let Some(file) = &args.variables_file {
                    variables.extend(pizzastack::case::sources::read_variables_file(file)?);
                }
                variables.extend(args.variables);
                variables
            },
        },
        strict: args.strict,
        report_junit: args.report_junit,
        report_json: args.report_json,
        ca_cert: args.ca_cert,
        snapshots: args.snapshots.zip(args.snapshot_name).map(|(dir, name)| {
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            pizzastack::snapshot::SnapshotConfig {
                update: args.snapshot_update.into(),
                ..pizzastack::snapshot::SnapshotConfig::new(dir, name)
            }
        }),
        libtest: libtest_mimic::Arguments {
            list: args.list,
            test_threads: args.test_threads,
            ..libtest_mimic::Arguments::default()
        },
        selection: pizzastack::check::Selection {
            filters: args.filters,
            exact: args.exact,
            skip: args.skip,
        },
        format: match args.format {
            OutputFormat::Human => pizzastack::check::Format::Human,
            OutputFormat::Json => pizzastack::check::Format::Json,
        },
        progress: true,
        report_html: args.report_html,
        baseline: args.baseline,
        write_baseline: args.write_baseline,
        suite: true,
        explore,
    };
    set_color(args.color);
    let runtime = runtime()?;
    Ok(pizzastack::check::run_check(&options, &runtime)?)
}

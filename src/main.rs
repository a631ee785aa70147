//! The `pizzastack` binary: parses arguments, sets up logging, and calls the
//! library.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

mod cli;
use cli::{
    bytes, CheckArgs, Cli, ColorWhen, Command, ExploreArgs, ExploreBudget, OutputFormat, ServeArgs,
    SnapshotsCommand,
};

/// mimalloc: the mock allocates a few small objects per request, and
/// spends noticeably less time in the allocator with it than with glibc's.
/// Built without its transparent-huge-page advice (see Cargo.toml): a
/// request that first touches a huge page waits while 2 MiB are zeroed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use pizzastack::config::{ConnectionLimits, ServeConfig, DEFAULT_API_KEY};

use pizzastack::store::StoreLimits;

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
        strict: args.reports.strict,
        report_junit: args.reports.report_junit,
        report_json: args.reports.report_json,
        ca_cert: args.ca_cert,
        snapshots: None,
        libtest: libtest_mimic::Arguments::default(),
        selection: pizzastack::check::Selection::default(),
        format: pizzastack::check::Format::Human,
        progress: true,
        report_html: args.reports.report_html,
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
        strict: args.reports.strict,
        report_junit: args.reports.report_junit,
        report_json: args.reports.report_json,
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
        report_html: args.reports.report_html,
        baseline: args.baseline,
        write_baseline: args.write_baseline,
        suite: true,
        explore,
    };
    set_color(args.color);
    let runtime = runtime()?;
    Ok(pizzastack::check::run_check(&options, &runtime)?)
}

//! The `pizzastack` binary: parses arguments, sets up logging, and calls the
//! library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use pizzastack::config::{ServeConfig, DEFAULT_API_KEY};
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
    Serve(ServeArgs),
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

    /// Most live sessions at once; further new sessions get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_sessions, value_name = "N")]
    max_sessions: usize,

    /// Most objects in one session; further creations get 429.
    #[arg(long, default_value_t = StoreLimits::default().max_objects_per_session, value_name = "N")]
    max_objects_per_session: usize,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (expected e.g. 30m, 10s, 1h30m)"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let config = ServeConfig {
        listen: args.listen,
        api_keys: args.api_keys,
        session_ttl: args.session_ttl,
        admin: args.admin,
        limits: StoreLimits {
            max_sessions: args.max_sessions,
            max_objects_per_session: args.max_objects_per_session,
        },
    };
    if config.api_keys.is_empty() {
        tracing::warn!(
            "no --api-key given: accepting only the documentation's key `{DEFAULT_API_KEY}`"
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(pizzastack::server::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

//! The conformance suite as a test: every case of `specs/cases/` against an
//! in-process mock on port 0, or against `PIZZASTACK_TARGET` when set
//! (with `PIZZASTACK_API_KEY`, `PIZZASTACK_OTHER_API_KEY`,
//! `PIZZASTACK_SESSION_TTL`). Passed cases are compared with the snapshots
//! in `snapshots/` (`@mock`, or `@$PIZZASTACK_SNAPSHOT_NAME` for another
//! target). `PIZZASTACK_SNAPSHOTS=off` leaves snapshots out and
//! `PIZZASTACK_STRICT=1` judges as `check --strict` does (scripts/mutants.sh
//! sets both, so that only documented rules catch a mutant). libtest's
//! arguments work as usual: `cargo test --test conformance -- SESS-005 --list`.

use std::process::ExitCode;
use std::time::Duration;

use pizzastack::check::{run_check, CheckExit, CheckOptions};
use pizzastack::config::ServeConfig;
use pizzastack::server::{run, AppState};
use pizzastack::snapshot::SnapshotConfig;

fn main() -> ExitCode {
    let libtest = libtest_mimic::Arguments::from_args();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (target, api_key, other_api_key) = match env("PIZZASTACK_TARGET") {
        Some(target) => (
            target,
            env("PIZZASTACK_API_KEY").unwrap_or_else(|| "your-api-key".to_owned()),
            env("PIZZASTACK_OTHER_API_KEY"),
        ),
        None => {
            let config = ServeConfig {
                api_keys: vec!["your-api-key".into(), "second-key".into()],
                admin: true,
                ..ServeConfig::default()
            };
            let state = AppState::new(&config).expect("mock state");
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .expect("bind port 0");
            let addr = listener.local_addr().expect("local address");
            runtime.spawn(run(listener, state, std::future::pending()));
            (
                format!("http://{addr}"),
                "your-api-key".to_owned(),
                Some("second-key".to_owned()),
            )
        }
    };
    // The committed baseline is the mock's; another target compares with
    // its own baseline only when it is named.
    let snapshot_name = match env("PIZZASTACK_SNAPSHOT_NAME") {
        _ if env("PIZZASTACK_SNAPSHOTS").as_deref() == Some("off") => None,
        Some(name) => Some(name),
        None if env("PIZZASTACK_TARGET").is_none() => Some("mock".to_owned()),
        None => None,
    };
    let snapshots = snapshot_name.map(|name| {
        SnapshotConfig::new(
            concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots").into(),
            name,
        )
    });
    let options = CheckOptions {
        target: Some(target),
        coverage: false,
        api_key,
        other_api_key,
        timeout: Duration::from_secs(10),
        max_body: pizzastack::runner::DEFAULT_MAX_BODY,
        selection: Default::default(),
        format: Default::default(),
        progress: false,
        report_html: None,
        baseline: None,
        write_baseline: None,
        session_ttl: env("PIZZASTACK_SESSION_TTL").and_then(|t| humantime::parse_duration(&t).ok()),
        // The built-in suite: specs/cases/, embedded when this was built.
        cases: Default::default(),
        rules_files: Vec::new(),
        strict: env("PIZZASTACK_STRICT").is_some_and(|v| v != "0"),
        report_junit: None,
        report_json: None,
        ca_cert: None,
        snapshots,
        libtest,
        suite: true,
        explore: None,
    };
    let exit = run_check(&options, &runtime).unwrap_or_else(|error| {
        eprintln!("error: {error}");
        CheckExit::CouldNotRun
    });
    ExitCode::from(exit.code())
}

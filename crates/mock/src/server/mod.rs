//! The mock server: `router(state)` builds the routes, `run(listener, state,
//! shutdown)` serves them on an already bound listener (so tests bind port
//! 0), and `serve(config)` is what the binary calls.
//!
//! Around the routes, innermost first, each layer only when it can act:
//! the deviations rewrite answers (`deviate`), the freedoms present them
//! (`freedom`), latency and faults come before the API (`inject`), the
//! journal records all of that (`journal`), then CORS, the panic guard and,
//! when someone will read them, per-request trace spans. Handlers attach
//! typed facts to their answers (`facts`) for the deviations and freedoms
//! to switch on. Connections are served by `listen`, with the header
//! timeout kept per connection (`head_deadline`).

mod admin;
mod deviate;
mod error;
mod extract;
mod facts;
mod freedom;
mod head_deadline;
mod inject;
mod inspector;
mod journal;
mod listen;
mod response;
mod routes;
mod state;

use std::future::Future;
use std::io;

use axum::http::StatusCode;
use axum::routing::any;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use crate::switches::{Deviation, Deviations, Freedom, Freedoms, Switch};
pub use error::{ApiError, ServeError};
pub use extract::{API_KEY_HEADER, SESSION_HEADER};
pub use state::journal::Entry as JournalEntry;
pub use state::AppState;

use crate::config::ServeConfig;

/// All routes of the mock, with the JSON error shape for unknown paths,
/// wrong methods, oversized bodies and (as a last resort) panics.
pub fn router(state: AppState) -> Router {
    let admin = if state.admin_enabled() {
        admin::admin_routes(matches!(state.store(), crate::store::Store::Redis(_)))
    } else {
        Router::new().route("/__admin/{*rest}", any(admin::admin_disabled))
    };
    let mut router = routes::api_routes()
        .merge(admin)
        .fallback(routes::no_such_endpoint)
        .method_not_allowed_fallback(routes::method_not_allowed);
    // The rewriting layer is there whenever deviations can be switched on:
    // at start-up, or later through the admin endpoints.
    if state.deviations().any() || state.admin_enabled() {
        router = router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deviate::rewrite_responses,
        ));
    }
    // Freedoms present what the mock (deviating or not) answers, so their
    // layer is outside the deviations'.
    if state.freedoms().any() || state.admin_enabled() {
        router = router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            freedom::present,
        ));
    }
    // Latency and faults before the API (a faulted request never reaches
    // a handler), and the journal around them, so it records the faults.
    if state.injection().any() || state.admin_enabled() {
        router = router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            inject::inject,
        ));
    }
    if state.journal().keep || state.journal().log {
        router = router.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            journal::record,
        ));
    }
    if let Some(cors) = cors_layer(&state) {
        router = router.layer(cors);
    }
    // One stack, applied once: every `Router::layer` call boxes each route
    // again, which costs an allocation per layer on every request.
    // Per-request spans only when someone will see them (RUST_LOG at debug
    // for tower_http): building them costs time on every request.
    let trace = tracing::enabled!(target: "tower_http::trace", tracing::Level::DEBUG);
    let layers = tower::ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a handler panicked; this is a bug in the mock");
            response::json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error in the mock (a bug: please report it with the request that caused it)",
            )
        }));
    let router = router.layer(layers);
    let router = if trace {
        router.layer(TraceLayer::new_for_http())
    } else {
        router
    };
    router.with_state(state)
}

/// The latency and faults in force, in one line for the start-up banner.
fn state_banner(client: &crate::config::ClientOptions) -> String {
    let latency: Vec<String> = client.latency.iter().map(|r| r.spelled()).collect();
    let faults: Vec<String> = client.faults.iter().map(|r| r.spelled()).collect();
    format!(
        "injecting latency [{}] and faults [{}]{}: answers are slowed or fail on purpose",
        latency.join(", "),
        faults.join(", "),
        client
            .seed
            .map_or_else(String::new, |seed| format!(" with seed {seed}"))
    )
}

/// CORS for browser clients (`--cors`): preflights answered with the
/// API's methods and headers allowed; none without `--cors`.
fn cors_layer(state: &AppState) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins = &state.client_options().cors;
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| axum::http::HeaderValue::from_str(o).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::PUT,
                axum::http::Method::DELETE,
            ])
            .allow_headers([
                axum::http::header::CONTENT_TYPE,
                API_KEY_HEADER,
                SESSION_HEADER,
            ])
            .expose_headers([axum::http::header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// Serves the mock on `listener` until `shutdown` completes, with the
/// expiry sweeper running alongside; then drains open requests for at
/// most the configured shutdown deadline.
///
/// # Errors
/// Only I/O errors of the listener.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let sweeper = tokio::spawn(state.store().clone().run_sweeper());
    if let crate::store::Store::Redis(store) = state.store() {
        match store.connect().await {
            Ok(()) => tracing::info!(store = %store.url(), "sessions are kept in Redis"),
            Err(e) => tracing::warn!(
                store = %store.url(),
                "{e}; serving anyway: requests that need the store answer 503 until Redis answers"
            ),
        }
    }
    let limits = state.connection_limits();
    let result = listen::serve_connections(listener, router(state), limits, shutdown).await;
    sweeper.abort();
    result
}

/// Checks the configuration, binds its address and serves until Ctrl-C or
/// SIGTERM.
///
/// # Errors
/// A refused configuration, an address that cannot be bound, or I/O.
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    config.validate()?;
    let shutdown = shutdown_signal()?;
    let state = AppState::new(&config)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let local = listener.local_addr()?;
    // Keys masked: the banner ends up in CI logs.
    let keys: Vec<String> = config
        .effective_api_keys()
        .iter()
        .map(|key| crate::config::mask_key(key))
        .collect();
    tracing::info!(
        address = %local,
        keys = %keys.join(","),
        session_ttl = %humantime::format_duration(config.session_ttl),
        admin = config.admin,
        "PizzaStack mock listening on http://{local}/v1 ({})",
        match &config.store {
            None => "state in memory: a restart forgets every session".to_owned(),
            Some(url) => format!("state in Redis at {url}, shared with every replica using it"),
        }
    );
    let client = &config.client;
    if !client.latency.is_empty() || !client.faults.is_empty() {
        let injection = state_banner(client);
        tracing::warn!("{injection}");
    }
    if !client.cors.is_empty() {
        tracing::info!(origins = %client.cors.join(","), "CORS on for browser clients");
    }
    if config.admin {
        tracing::info!(
            journal_size = client.journal_size,
            "admin endpoints on: /__admin/requests keeps the last {} requests",
            client.journal_size
        );
    }
    for rule in &config.deviations {
        tracing::warn!(%rule, "deliberately deviating from {rule}: this mock is not conformant");
    }
    for freedom in &config.freedoms {
        tracing::info!(%freedom, "taking the freedom {freedom}: another choice the docs allow");
    }
    // The first signal starts the drain; a second one ends it at once.
    let (first, mut second) = shutdown;
    tokio::select! {
        result = run(listener, state, first) => result?,
        () = &mut second => {
            tracing::warn!("a second signal: stopping without waiting for open requests");
        }
    }
    tracing::info!("PizzaStack mock stopped");
    Ok(())
}

/// Two futures: the first completes on the first Ctrl-C or SIGTERM, the
/// second on the next one. The handlers are installed here, before either
/// is first polled, so that a signal arriving right after start-up is
/// still a graceful stop.
///
/// # Errors
/// When the signal handlers cannot be installed.
pub fn shutdown_signal() -> io::Result<(ShutdownFuture, ShutdownFuture)> {
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    let (second_tx, second_rx) = tokio::sync::oneshot::channel::<()>();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            for (count, tx) in [(1, first_tx), (2, second_tx)] {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
                if count == 1 {
                    tracing::info!("shutting down gracefully (a second signal stops at once)");
                }
                let _ = tx.send(());
            }
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            for (count, tx) in [(1, first_tx), (2, second_tx)] {
                let _ = tokio::signal::ctrl_c().await;
                if count == 1 {
                    tracing::info!("shutting down gracefully (a second signal stops at once)");
                }
                let _ = tx.send(());
            }
        });
    }
    let wait = |rx: tokio::sync::oneshot::Receiver<()>| -> ShutdownFuture {
        Box::pin(async move {
            // A dropped sender (the runtime is going away) also stops.
            let _ = rx.await;
        })
    };
    Ok((wait(first_rx), wait(second_rx)))
}

/// A signal to wait for, as [`shutdown_signal`] gives them.
pub type ShutdownFuture = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

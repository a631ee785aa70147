//! Latency and faults on purpose, for client developers testing their
//! timeouts, retries and back-off (`serve --latency`, `--fault`, `--seed`;
//! `PUT /__admin/latency`, `PUT /__admin/faults`, `POST
//! /__admin/faults/script`). A faulted request never reaches a handler, so
//! it changes no state. The layer is installed only when something is
//! configured or `--admin` may configure it, so the default path pays
//! nothing.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::response::json_error;
use super::state::AppState;
pub use crate::injection::FaultKind;

/// The session a request works in, as far as the journal and scripted
/// faults care: its header, or the log path's.
pub fn session_of(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get(super::extract::SESSION_HEADER) {
        return value.to_str().ok().map(str::to_owned);
    }
    pizzastack_spec::ids::log_session(request.uri().path()).map(str::to_owned)
}

/// The layer: waits, faults, or passes the request on.
pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let injection = state.injection();
    let path = request.uri().path();
    if !injection.any() || path.starts_with("/__admin") {
        return next.run(request).await;
    }
    let injected = injection.decide(path, session_of(&request).as_deref());
    if let Some(latency) = injected.latency {
        tokio::time::sleep(latency).await;
    }
    let mut response = match injected.fault {
        None => next.run(request).await,
        Some(FaultKind::Status(code)) => faulted(code),
        Some(FaultKind::Reset) => dropped(),
        Some(FaultKind::Hang) => {
            tokio::time::sleep(injection.hang_for).await;
            dropped()
        }
    };
    response.extensions_mut().insert(injected);
    response
}

/// An injected error answer in the API's shape (429 and 503 with
/// `Retry-After`, as `json_error` gives them).
fn faulted(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_error(
        status,
        &format!("Injected fault: {code} (the mock was started with --fault, or told to by /__admin/faults)"),
    )
}

/// A response whose body fails at once: hyper then closes the connection
/// without an answer, which the client sees as a reset.
fn dropped() -> Response {
    Response::new(axum::body::Body::new(Dropped))
}

/// A body that is an error.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: the connection is dropped",
        ))))
    }
}

//! The errors of the HTTP layer: `ApiError`, every way a request can fail,
//! with its JSON shape (ERR-001); and `ServeError`, why serving stops.

use std::io;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::facts::Refusal;
use crate::config::{ConfigError, MAX_BODY_BYTES};
use crate::kitchen::KitchenError;
use crate::store::StoreError;

/// Every way a request can fail; each answers `{"error": "..."}` with
/// `Content-Type: application/json`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// AUTH-001, AUTH-002.
    #[error("Invalid or missing API key")]
    Unauthorized,
    /// SESS-001: the exact string the docs give.
    #[error("X-Session-ID header is required")]
    MissingSessionId,
    /// SESS-004.
    #[error("X-Session-ID header is invalid")]
    InvalidSessionId,
    /// ERR-002.
    #[error("Content-Type must be application/json, got {0}")]
    UnsupportedContentType(String),
    /// ERR-002.
    #[error("body: malformed JSON: {0}")]
    MalformedJson(String),
    /// ERR-002: which fields are wrong and what was expected.
    #[error("{0}")]
    InvalidBody(String),
    /// SESS-005 and the type rules such as BAK-002.
    #[error(transparent)]
    Kitchen(#[from] KitchenError),
    /// LOG-002, SESS-006, AUTH-003.
    #[error("Session not found: it never existed for this API key or it has expired")]
    SessionNotFound,
    /// ERR-002: unknown path.
    #[error("No such endpoint: {method} {path}")]
    NoSuchEndpoint { method: String, path: String },
    /// ERR-002: wrong method.
    #[error("Method {method} is not allowed on {path}{hint}")]
    MethodNotAllowed {
        method: String,
        path: String,
        /// E.g. "; use POST".
        hint: String,
    },
    /// ERR-003.
    #[error("Request body is larger than the limit of {MAX_BODY_BYTES} bytes (1 MiB)")]
    PayloadTooLarge,
    /// The request body could not be read.
    #[error("Request body could not be read: {0}")]
    UnreadableBody(String),
    /// The body did not arrive in time (`--body-timeout`).
    #[error("Request body did not arrive within {}; send it whole, at once", humantime::format_duration(*.0))]
    BodyTimeout(std::time::Duration),
    /// More than one `X-API-Key` header.
    #[error("X-API-Key header must be given once")]
    DuplicateApiKey,
    /// Mock limits, or the shared store being unreachable.
    #[error("{0}")]
    Limit(#[from] StoreError),
    /// The admin endpoints are off.
    #[error("The admin endpoints are off; start the mock with --admin to use {0}")]
    AdminDisabled(String),
}

impl ApiError {
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::SessionNotFound
            | ApiError::NoSuchEndpoint { .. }
            | ApiError::AdminDisabled(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Limit(StoreError::Unavailable { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Limit(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MissingSessionId
            | ApiError::InvalidSessionId
            | ApiError::UnsupportedContentType(_)
            | ApiError::MalformedJson(_)
            | ApiError::InvalidBody(_)
            | ApiError::Kitchen(_)
            | ApiError::UnreadableBody(_)
            | ApiError::DuplicateApiKey => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Limit(e) => format!(
                "{e}; {}",
                match e {
                    StoreError::TooManySessions { .. } =>
                        "wait for idle sessions to expire, or restart the mock with a higher --max-sessions",
                    StoreError::TooManyObjects { .. } =>
                        "start a new session, or restart the mock with a higher --max-objects-per-session",
                    StoreError::SessionFull { .. } =>
                        "start a new session, or restart the mock with a higher --max-session-bytes",
                    StoreError::StoreFull { .. } =>
                        "wait for idle sessions to expire, or restart the mock with a higher --max-store-bytes",
                    StoreError::Unavailable { .. } =>
                        "nothing was changed; try again shortly",
                }
            ),
            other => other.to_string(),
        }
    }
}

impl ApiError {
    /// Which refusal this is, as a fact for the layers around handlers.
    fn refusal(&self) -> Refusal {
        match self {
            ApiError::MissingSessionId => Refusal::MissingSessionId,
            ApiError::UnsupportedContentType(_)
            | ApiError::MalformedJson(_)
            | ApiError::InvalidBody(_) => Refusal::Body,
            ApiError::Kitchen(KitchenError::NotInSession { .. }) => Refusal::NotInSession,
            ApiError::Kitchen(KitchenError::WrongKind { .. }) => Refusal::WrongKind,
            ApiError::SessionNotFound => Refusal::SessionNotFound,
            _ => Refusal::Other,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        tracing::debug!(%status, error = %self, "request refused");
        let mut response = super::response::json_error(status, &self.message());
        response.extensions_mut().insert(self.refusal());
        response
    }
}

/// Why `serve` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration was refused before anything was bound.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: io::Error,
    },
    /// The embedded specification is broken (ruled out by the tests).
    #[error("the embedded specification is broken: {0}")]
    Spec(&'static pizzastack_spec::SpecError),
    /// The `--store` address cannot be used.
    #[error("--store: {0}")]
    Store(crate::store::StoreError),
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Io(#[from] io::Error),
}

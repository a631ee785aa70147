//! The request journal: every request to the API (refused ones included)
//! in a bounded ring, for a client's tests to inspect and verify what they
//! sent (`GET /__admin/requests`, `GET /__admin/requests/count`, `DELETE
//! /__admin/requests`; WireMock's `verify`). Kept only with `--admin`, the
//! only way to read it; never the API key. `--log-requests` logs the same
//! entries, one line each.
use std::time::{Instant, SystemTime};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::error::ApiError;
use super::inject::session_of;
use super::response::JsonText;
use super::state::injection::Injected;
use super::state::journal::{Entry, Filter};
use super::state::AppState;
use crate::injection::FaultKind;

/// The layer: times each request and keeps (or logs) what happened.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let journal = state.journal();
    // Installed only when the journal keeps or logs (`router`).
    if request.uri().path().starts_with("/__admin") {
        return next.run(request).await;
    }
    let started = Instant::now();
    let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let session_id = session_of(&request);
    let response = next.run(request).await;
    let status = response.status().as_u16();
    // Error answers are small: read one to keep its message.
    let (response, error) = if status >= 400 {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default();
        let error = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        (Response::from_parts(parts, Body::from(bytes)), error)
    } else {
        (response, None)
    };
    let injected = response
        .extensions()
        .get::<Injected>()
        .cloned()
        .unwrap_or_default();
    // A dropped connection answered nothing.
    let status = match injected.fault {
        Some(FaultKind::Reset | FaultKind::Hang) => 0,
        _ => status,
    };
    let entry = Entry {
        seq: 0,
        time,
        method,
        path,
        session_id,
        status,
        error,
        fault: injected.fault.map(|f| f.name()),
        latency_ms: injected.latency.map(|l| l.as_secs_f64() * 1000.0),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    if journal.log {
        tracing::info!(
            method = %entry.method,
            path = %entry.path,
            status = entry.status,
            session_id = entry.session_id.as_deref().unwrap_or("-"),
            duration_ms = format!("{:.2}", entry.duration_ms),
            fault = entry.fault.as_deref().unwrap_or("-"),
            error = entry.error.as_deref().unwrap_or("-"),
            "request"
        );
    }
    if journal.keep {
        journal.push(entry);
    }
    response
}

/// `GET /__admin/requests?session_id=…&path=…&status=4xx&method=POST&limit=N`:
/// the requests kept, newest first.
pub async fn list(
    State(state): State<AppState>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<JsonText, ApiError> {
    let filter = read_filter(filter)?;
    let journal = state.journal();
    let requests = journal.select(&filter);
    Ok(JsonText::from(
        serde_json::json!({
            "requests": requests,
            "capacity": journal.capacity,
        })
        .to_string(),
    ))
}

/// `GET /__admin/requests/count?…`: how many kept requests the filter
/// selects, to verify what a client sent.
pub async fn count(
    State(state): State<AppState>,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<JsonText, ApiError> {
    let count = state.journal().count(&read_filter(filter)?);
    Ok(JsonText::from(
        serde_json::json!({ "count": count }).to_string(),
    ))
}

/// The filter of a journal query, or a 400 in the API's error shape
/// (axum's own rejection is plain text).
fn read_filter(filter: Result<Query<Filter>, QueryRejection>) -> Result<Filter, ApiError> {
    filter
        .map(|Query(filter)| filter)
        .map_err(|rejection| ApiError::InvalidBody(format!("query: {}", rejection.body_text())))
}

/// `DELETE /__admin/requests`: forgets the requests kept.
pub async fn clear(State(state): State<AppState>) -> JsonText {
    let cleared = state.journal().clear();
    JsonText::from(serde_json::json!({ "cleared": cleared }).to_string())
}

//! The mock-only `/__admin` endpoints: move the clock, reset, read counters.
//! They are served only with `--admin`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::response::JsonText;
use super::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    /// A humane duration such as "31m" or "10s".
    by: String,
}

/// `POST /__admin/clock/advance` with `{"by": "31m"}`: moves the mock's
/// clock forward, so sessions can be watched expiring in milliseconds. It
/// sweeps what expired before answering, so the stats are settled too.
async fn advance_clock(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let request: AdvanceRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::InvalidBody(format!(
            "body: must be {{\"by\": \"<duration such as 31m>\"}} ({e})"
        ))
    })?;
    let by = humantime::parse_duration(&request.by).map_err(|e| {
        ApiError::InvalidBody(format!(
            "by: must be a duration such as \"31m\" or \"10s\" ({e})"
        ))
    })?;
    let clock = state.store().clock();
    clock.advance(by);
    // Sweep on the blocking pool: a million expiring sessions must not hold
    // a runtime worker that other requests are waiting for.
    let store = state.store().clone();
    let expired = tokio::task::spawn_blocking(move || store.sweep_expired())
        .await
        .unwrap_or_default();
    state.store().wake_sweeper();
    Ok(JsonText::from(
        json!({
            "expired_sessions": expired,
            "advanced_by": humantime::format_duration(by).to_string(),
            "total_offset": humantime::format_duration(clock.offset()).to_string(),
            "now": humantime::format_rfc3339_millis(clock.wall_now()).to_string(),
        })
        .to_string(),
    ))
}

/// `POST /__admin/reset`: forgets every session.
async fn reset(State(state): State<AppState>) -> JsonText {
    state.store().reset();
    JsonText::from("{\"status\":\"reset\"}".to_owned())
}

/// `GET /__admin/stats`: live sessions and objects, and the session TTL
/// (which `pizzastack check` reads to expire sessions with the clock).
async fn stats(State(state): State<AppState>) -> JsonText {
    let stats = state.store().stats();
    JsonText::from(
        json!({
            "live_sessions": stats.live_sessions,
            "live_objects": stats.live_objects,
            "session_ttl_seconds": state.store().ttl().as_secs_f64(),
        })
        .to_string(),
    )
}

/// `GET /__admin/deviations`: the rules switched off, and those that can be.
async fn deviations(State(state): State<AppState>) -> JsonText {
    JsonText::from(state.deviations().describe("rule").to_string())
}

/// The names of a `PUT` body `{"<key>": ["NAME", ...]}`; `what` words one
/// name for the message, e.g. `RULE-ID`.
fn names_in(body: &[u8], key: &str, what: &str) -> Result<Vec<String>, ApiError> {
    let refused = |why: String| {
        ApiError::InvalidBody(format!(
            "body: must be {{\"{key}\": [\"{what}\", ...]}} ({why})"
        ))
    };
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| refused(e.to_string()))?;
    if let Some(unknown) = object.keys().find(|k| *k != key) {
        return Err(refused(format!("unknown field `{unknown}`")));
    }
    let names = object
        .remove(key)
        .ok_or_else(|| refused(format!("missing field `{key}`")))?;
    serde_json::from_value(names).map_err(|e| refused(e.to_string()))
}

/// `PUT /__admin/deviations` with `{"rules": ["SESS-005"]}`: switches those
/// rules off (and every other one back on), at once, for every session;
/// `[]` restores conformance.
async fn set_deviations(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let rules = names_in(&body, "rules", "RULE-ID")?;
    state
        .set_deviations(&rules)
        .map_err(|e| ApiError::InvalidBody(format!("rules: {e}")))?;
    Ok(deviations(State(state)).await)
}

/// `GET /__admin/freedoms`: the freedoms taken, and those that can be.
async fn freedoms(State(state): State<AppState>) -> JsonText {
    JsonText::from(state.freedoms().describe("freedom").to_string())
}

/// `PUT /__admin/freedoms` with `{"freedoms": ["hex-id-suffix"]}`: takes
/// those freedoms (and drops every other one), at once; `[]` returns to the
/// mock's own choices.
async fn set_freedoms(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let names = names_in(&body, "freedoms", "NAME")?;
    state
        .freedoms()
        .set(&names)
        .map_err(|e| ApiError::InvalidBody(format!("freedoms: {e}")))?;
    Ok(freedoms(State(state)).await)
}

/// Answers every `/__admin` path when the admin endpoints are off.
pub async fn admin_disabled(uri: Uri) -> ApiError {
    ApiError::AdminDisabled(uri.path().to_owned())
}

pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/__admin/clock/advance", post(advance_clock))
        .route("/__admin/reset", post(reset))
        .route("/__admin/stats", get(stats))
        .route("/__admin/deviations", get(deviations).put(set_deviations))
        .route("/__admin/freedoms", get(freedoms).put(set_freedoms))
}

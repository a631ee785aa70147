//! The mock-only `/__admin` endpoints: move the clock, reset, read counters.
//! They are served only with `--admin`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Uri};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::ApiError;
use super::response::JsonText;
use super::state::AppState;
use crate::injection::{FaultKind, FaultRule, LatencyRule, RuleError};

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
    let request: AdvanceRequest = json_body(&body, r#"{"by": "<duration such as 31m>"}"#)?;
    let by = humantime::parse_duration(&request.by).map_err(|e| {
        ApiError::InvalidBody(format!(
            "by: must be a duration such as \"31m\" or \"10s\" ({e})"
        ))
    })?;
    let advanced = state.store().advance_clock(by).await?;
    Ok(JsonText::from(
        json!({
            "expired_sessions": advanced.expired,
            "advanced_by": humantime::format_duration(by).to_string(),
            "total_offset": humantime::format_duration(advanced.total_offset).to_string(),
            "now": humantime::format_rfc3339_millis(advanced.now).to_string(),
        })
        .to_string(),
    ))
}

/// `POST /__admin/reset`: forgets every session.
async fn reset(State(state): State<AppState>) -> Result<JsonText, ApiError> {
    state.store().reset().await?;
    state.freedom_sessions().clear();
    Ok(JsonText::from("{\"status\":\"reset\"}".to_owned()))
}

/// `GET /__admin/stats`: live sessions and objects, and the session TTL
/// (which `pizzastack check` reads to expire sessions with the clock).
async fn stats(State(state): State<AppState>) -> Result<JsonText, ApiError> {
    let stats = state.store().stats().await?;
    Ok(JsonText::from(
        json!({
            "live_sessions": stats.live_sessions,
            "live_objects": stats.live_objects,
            "session_ttl_seconds": state.store().ttl().as_secs_f64(),
        })
        .to_string(),
    ))
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

/// `GET /__admin/latency` and `GET /__admin/faults`: the latency, fault
/// rules and scripts in force.
async fn injection(State(state): State<AppState>) -> JsonText {
    JsonText::from(state.injection().describe().to_string())
}

/// Rules in `{"<key>": ["…", …]}`, each read by `parse`.
fn rules_in<T>(
    body: &[u8],
    key: &str,
    example: &str,
    parse: fn(&str) -> Result<T, RuleError>,
) -> Result<Vec<T>, ApiError> {
    parse_rules(key, &names_in(body, key, example)?, parse)
}

/// Each of `texts` read by `parse`; the first that does not read is a 400
/// naming `key`.
fn parse_rules<T>(
    key: &str,
    texts: &[String],
    parse: fn(&str) -> Result<T, RuleError>,
) -> Result<Vec<T>, ApiError> {
    texts
        .iter()
        .map(|text| parse(text).map_err(|e| ApiError::InvalidBody(format!("{key}: {e}"))))
        .collect()
}

/// An admin body of `shape` (shown in the 400 when it is not one).
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], shape: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::InvalidBody(format!("body: must be {shape} ({e})")))
}

/// `PUT /__admin/latency` with `{"latency": ["50ms", "300ms:/v1/pizza/bake"]}`:
/// replaces the latency rules (`[]`: none), spelled as `--latency` takes them.
async fn set_latency(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let rules = rules_in(&body, "latency", "20ms..80ms[:PATH]", LatencyRule::parse)?;
    state.injection().set_latency(rules);
    Ok(injection(State(state)).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    faults: Vec<String>,
    seed: Option<u64>,
}

/// `PUT /__admin/faults` with `{"faults": ["503:0.1"], "seed": 42}`:
/// replaces the fault rules (`[]`: none), spelled as `--fault` takes them;
/// a seed restarts the random choices.
async fn set_faults(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let request: FaultsRequest =
        json_body(&body, r#"{"faults": ["KIND:RATE[:PATH]", ...], "seed": N}"#)?;
    let rules = parse_rules("faults", &request.faults, FaultRule::parse)?;
    state.injection().set_faults(rules, request.seed);
    Ok(injection(State(state)).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptRequest {
    session_id: String,
    count: u32,
    fault: String,
}

/// `POST /__admin/faults/script` with `{"session_id": "…", "count": 2,
/// "fault": "503"}`: the next `count` requests of that session get that
/// fault, whatever the rates.
async fn script_fault(State(state): State<AppState>, body: Bytes) -> Result<JsonText, ApiError> {
    let request: ScriptRequest =
        json_body(&body, r#"{"session_id": "…", "count": N, "fault": "503"}"#)?;
    let kind = FaultKind::parse(&request.fault)
        .map_err(|e| ApiError::InvalidBody(format!("fault: {e}")))?;
    if request.count == 0 {
        return Err(ApiError::InvalidBody(
            "count: must be at least 1".to_owned(),
        ));
    }
    state
        .injection()
        .script(request.session_id, request.count, kind);
    Ok(injection(State(state)).await)
}

/// `GET /__admin/openapi.json`: the admin API's own OpenAPI document.
async fn admin_openapi() -> JsonText {
    JsonText::from(pizzastack_spec::embedded::text("admin-openapi.json").to_owned())
}

/// Answers every `/__admin` path when the admin endpoints are off.
pub async fn admin_disabled(uri: Uri) -> ApiError {
    ApiError::AdminDisabled(uri.path().to_owned())
}

/// The admin endpoints. With `say_scope` (under `--store`) each answer
/// says whether it acted on the whole fleet (what lives in Redis: the
/// sessions, the clock) or on the replica that answered (the switches,
/// latency, faults and the journal, which each replica keeps), in
/// [`SCOPE_HEADER`]; the two groups below are the one place that decides.
pub fn admin_routes(say_scope: bool) -> Router<AppState> {
    let fleet = Router::new()
        .route("/__admin/clock/advance", post(advance_clock))
        .route("/__admin/reset", post(reset))
        .route("/__admin/stats", get(stats))
        .route("/__admin/ui", get(super::inspector::sessions))
        .route(
            "/__admin/ui/session/{session_id}",
            get(super::inspector::session),
        );
    let replica = Router::new()
        .route("/__admin/deviations", get(deviations).put(set_deviations))
        .route("/__admin/freedoms", get(freedoms).put(set_freedoms))
        .route("/__admin/latency", get(injection).put(set_latency))
        .route("/__admin/faults", get(injection).put(set_faults))
        .route("/__admin/faults/script", post(script_fault))
        .route(
            "/__admin/requests",
            get(super::journal::list).delete(super::journal::clear),
        )
        .route("/__admin/requests/count", get(super::journal::count))
        .route("/__admin/openapi.json", get(admin_openapi));
    if say_scope {
        fleet
            .layer(scope_layer("fleet"))
            .merge(replica.layer(scope_layer("replica")))
    } else {
        fleet.merge(replica)
    }
}

/// Header naming an admin answer's scope under `--store`: `fleet` or `replica`.
pub const SCOPE_HEADER: HeaderName = HeaderName::from_static("x-pizzastack-scope");

/// Sets [`SCOPE_HEADER`] to `scope` on every answer of the routes it wraps.
fn scope_layer(scope: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(SCOPE_HEADER, HeaderValue::from_static(scope))
}

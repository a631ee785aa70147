//! Freedoms: the dual of deviations. `serve --freedom NAME` makes the mock
//! take another choice that the documentation allows, where the pages are
//! silent, so that a test can prove the conformance suite raises no false
//! alarm on a server that decides those points differently. Never used
//! unless asked for. Most change only how answers look; the rest refuse a
//! request the docs let a server refuse (`requests.rs`: one dish compared,
//! no toppings, unknown fields; `state/memory.rs`: a request in an expired
//! session), and none makes an object the mock would not.

mod requests;

use crate::switches::{Freedom, Freedoms};
use std::sync::LazyLock;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::facts::{Facts, Refusal};
use super::state::AppState;
use pizzastack_spec::ids::{ObjectId, ObjectKind};

/// Presents answers as the freedoms in force say, and reads requests back
/// into the mock's own form (IDs in the hexadecimal form).
pub async fn present(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let freedoms = state.freedoms();
    if !freedoms.any() {
        return next.run(request).await;
    }
    let f = |name| freedoms.has(name);
    let (request, refusal) = match take_request(&state, request).await {
        Ok(taken) => taken,
        Err(answer) => return answer,
    };
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "freedom layer could not read a body",
        )
            .into_response();
    };
    let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let ok = parts.status == StatusCode::OK;
    let facts = Facts::of(&parts.extensions);
    let body_rejected = facts.refusal == Some(Refusal::Body);
    if let Some(refusal) = refusal.as_ref().filter(|_| body_rejected) {
        json["error"] = json!(refusal.message);
    }
    if parts.status.is_client_error() {
        parts.status = present_refusal(&mut json, parts.status, refusal.as_ref(), &facts, freedoms);
    }
    if ok && facts.log_of().is_some() {
        present_log(&mut json, freedoms);
    }
    if ok && f(Freedom::NullForAbsent) {
        null_for_absent(&mut json, &facts);
    }
    if f(Freedom::ExtraFields) {
        add_extra_fields(&mut json);
    }
    if f(Freedom::HexIdSuffix) {
        ids_to_hex_form(&mut json);
    }
    let made = facts.making();
    if ok && f(Freedom::Created201) && made.is_some_and(|kind| kind != ObjectKind::Sauce) {
        parts.status = StatusCode::CREATED;
    }
    let mut response = super::response::json_response(parts.status, json.to_string());
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if f(Freedom::Charset) {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    if f(Freedom::ConnectionClose) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The request as the mock reads it, with the refusal a freedom made of
/// its body, if any; or the answer when a freedom refuses it outright.
async fn take_request(
    state: &AppState,
    request: Request,
) -> Result<(Request, Option<requests::Refusal>), Response> {
    let freedoms = state.freedoms();
    let f = |name| freedoms.has(name);
    if (f(Freedom::ExpiredSession404) || f(Freedom::ExpiredIdsNeverReused))
        && expired_session(state, &request)
    {
        return Err(super::response::json_error(
            StatusCode::NOT_FOUND,
            "Session has expired",
        ));
    }
    if !requests::reads_bodies(freedoms) {
        return Ok((request, None));
    }
    let hex = f(Freedom::HexIdSuffix);
    let rewrite = |bytes| if hex { ids_to_mock_form(bytes) } else { bytes };
    requests::prepare(request, freedoms, state.spec(), rewrite).await
}

/// A refusal as the freedoms present it: other wording or shape for the
/// errors the docs do not quote, 422 for a refused body; the new status.
fn present_refusal(
    json: &mut Value,
    mut status: StatusCode,
    refusal: Option<&requests::Refusal>,
    facts: &Facts,
    freedoms: &Freedoms,
) -> StatusCode {
    let f = |name| freedoms.has(name);
    let body_rejected = facts.refusal == Some(Refusal::Body);
    let text = json["error"].as_str().unwrap_or_default().to_owned();
    if !facts.refusal.is_some_and(Refusal::text_is_documented) {
        if f(Freedom::OtherErrorWording) {
            let reason = status.canonical_reason().unwrap_or("Refused");
            json["error"] = json!(format!("{reason} ({text})").to_uppercase());
        }
        if f(Freedom::DetailErrorShape) {
            *json = json!({ "detail": json["error"].take() });
        }
    }
    if f(Freedom::Validation422) && body_rejected {
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    if f(Freedom::StrictValidation) && body_rejected {
        status = StatusCode::UNPROCESSABLE_ENTITY;
        let message = json["error"].clone();
        let field = refusal.map_or_else(
            || text.split(':').next().unwrap_or("body").to_owned(),
            |r| r.field.clone(),
        );
        if let Some(object) = json.as_object_mut() {
            object.insert(
                "errors".to_owned(),
                json!([{"field": field, "message": message}]),
            );
        }
    }
    status
}

/// The session log as the freedoms present it.
fn present_log(json: &mut Value, freedoms: &Freedoms) {
    let f = |name| freedoms.has(name);
    if let Some(operations) = json["operations"].as_array_mut() {
        for operation in operations {
            if f(Freedom::LogEndpointWithoutV1) {
                if let Some(endpoint) = operation["endpoint"].as_str() {
                    operation["endpoint"] = json!(endpoint.trim_start_matches("/v1"));
                }
            }
            if f(Freedom::TimestampMicroseconds) {
                if let Some(stamp) = operation["timestamp"].as_str() {
                    operation["timestamp"] = json!(with_microseconds(stamp));
                }
            }
            if f(Freedom::ExtraFields) {
                operation["status"] = json!(200);
            }
        }
    }
    if f(Freedom::NoLogSessionId) {
        remove(json, "session_id");
    }
}

/// Fields the docs do not name, which a client must ignore.
fn add_extra_fields(json: &mut Value) {
    if let Some(object) = json.as_object_mut() {
        object.insert(
            "served_by".to_owned(),
            json!("pizzastack mock (freedom: extra-fields)"),
        );
        if let Some(metrics) = object
            .get_mut("quality_metrics")
            .and_then(Value::as_object_mut)
        {
            metrics.insert("bake_time_minutes".to_owned(), json!(10));
        }
    }
}

fn remove(json: &mut Value, field: &str) {
    if let Some(object) = json.as_object_mut() {
        object.remove(field);
    }
}

/// `2026-12-02T15:36:34.123Z` as `2026-12-02T15:36:34.123000+00:00`.
fn with_microseconds(stamp: &str) -> String {
    match stamp.strip_suffix('Z') {
        Some(rest) if rest.contains('.') => format!("{rest}000+00:00"),
        Some(rest) => format!("{rest}.000000+00:00"),
        None => stamp.to_owned(),
    }
}

/// Writes the optional fields the mock leaves out as null, as a JSON
/// framework with nullable model fields does.
fn null_for_absent(json: &mut Value, facts: &Facts) {
    let fill = |object: &mut Value, fields: &[&str]| {
        if let Some(object) = object.as_object_mut() {
            for field in fields {
                object.entry(*field).or_insert(Value::Null);
            }
        }
    };
    let reasoned = [ObjectKind::Sauce, ObjectKind::Assembled];
    match facts.making() {
        Some(kind) if reasoned.contains(&kind) => fill(json, &["degradation_reason"]),
        Some(ObjectKind::Analysis) => fill(json, &["aroma", "texture"]),
        _ if facts.log_of().is_some() => {
            for object in json["objects"].as_array_mut().into_iter().flatten() {
                let kind = object["id"].as_str().and_then(ObjectKind::of_prefixed);
                if kind.is_some_and(|kind| reasoned.contains(&kind)) {
                    fill(object, &["degradation_reason"]);
                }
            }
        }
        _ => {}
    }
}

/// The hexadecimal form of an ID: the number the 12 base-36 characters
/// spell, masked, then a check of it, 16 hexadecimal digits each; so the
/// form is one-to-one and a forged one names nothing.
fn hex_form(id: ObjectId) -> String {
    let number = id.number();
    format!(
        "{}{:016x}{:016x}",
        id.kind().prefix(),
        number ^ HEX_MASK,
        hex_check(number)
    )
}

const HEX_MASK: u64 = 0x5bd1_e995_9e37_79b9;

fn hex_check(number: u64) -> u64 {
    // splitmix64's finaliser: any change of the number changes the check.
    let mut z = number ^ 0x2545_f491_4f6c_dd1d;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The mock's form of a hexadecimal ID, if it is one.
fn mock_form(text: &str) -> Option<String> {
    let kind = ObjectKind::of_prefixed(text)?;
    let digits = &text[kind.prefix().len()..];
    if digits.len() != 32
        || !digits
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    let number = u64::from_str_radix(&digits[..16], 16).ok()? ^ HEX_MASK;
    let check = u64::from_str_radix(&digits[16..], 16).ok()?;
    (check == hex_check(number) && number < 36u64.pow(12)).then(|| {
        ObjectId::from_parts(kind, number)
            .text()
            .as_str()
            .to_owned()
    })
}

static HEX_ID: LazyLock<regex::Regex> = LazyLock::new(|| {
    let prefixes = pizzastack_spec::ids::prefix_alternation();
    regex::Regex::new(&format!(r"\b(?:{prefixes})_[0-9a-f]{{32}}\b"))
        .unwrap_or_else(|e| panic!("the hex ID pattern is broken: {e}"))
});

/// Whether `request` names a session that expired, by the freedoms'
/// memory of when each session was last named. A request the mock would
/// refuse for its key or its session header is passed on, so those checks
/// keep their order (ERR-004).
fn expired_session(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    let path = request.uri().path();
    let Ok(super::extract::ApiKey(key)) = super::extract::api_key(headers, state) else {
        return false;
    };
    if !path.starts_with("/v1/") {
        return false;
    }
    let session = match pizzastack_spec::ids::log_session(path) {
        Some(session) => session,
        None => match super::extract::session_id(headers) {
            Ok(session) => session,
            Err(_) => return false,
        },
    };
    let store = state.store();
    let judged = state.freedom_sessions().judge(
        key,
        session,
        store.local_now(),
        store.ttl(),
        state.freedoms().has(Freedom::ExpiredIdsNeverReused),
    );
    judged == super::state::memory::Judged::Expired
}

/// Rewrites hexadecimal IDs in a request body into the mock's form.
fn ids_to_mock_form(bytes: axum::body::Bytes) -> axum::body::Bytes {
    match std::str::from_utf8(&bytes) {
        Ok(text) if HEX_ID.is_match(text) => HEX_ID
            .replace_all(text, |caps: &regex::Captures<'_>| {
                mock_form(&caps[0]).unwrap_or_else(|| caps[0].to_owned())
            })
            .into_owned()
            .into_bytes()
            .into(),
        _ => bytes,
    }
}

/// Rewrites every string of an answer that is an ID in the mock's form.
fn ids_to_hex_form(json: &mut Value) {
    match json {
        Value::String(text) => {
            if let Some(id) = ObjectId::parse(text) {
                *text = hex_form(id);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(ids_to_hex_form),
        Value::Object(map) => map.values_mut().for_each(ids_to_hex_form),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hex_form_reads_back_and_a_forged_one_names_nothing() {
        for kind in ObjectKind::ALL {
            let id = ObjectId::random(kind);
            let hex = hex_form(id);
            assert_eq!(hex.len(), kind.prefix().len() + 32, "{hex}");
            assert_eq!(mock_form(&hex).as_deref(), Some(id.text().as_str()));
            let mut forged = hex.clone().into_bytes();
            let last = forged.len() - 1;
            forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
            assert_eq!(mock_form(std::str::from_utf8(&forged).unwrap()), None);
        }
    }

    #[test]
    fn timestamps_gain_microseconds_and_an_offset() {
        assert_eq!(
            with_microseconds("2026-12-02T15:36:34.123Z"),
            "2026-12-02T15:36:34.123000+00:00"
        );
    }
}

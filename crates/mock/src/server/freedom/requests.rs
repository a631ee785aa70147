//! The freedoms that refuse requests the mock would take: a comparison of
//! one dish, an assembly without toppings or with toppings named by bare
//! strings, a field the server does not know. The docs let a server refuse each (they show field names and types,
//! not what is optional). A refusal keeps the mock's check order (ERR-004):
//! the body is replaced by one the mock itself refuses as a body, so the
//! key and the session header are still checked first, and the answer's
//! error then names the freedom's reason.

use std::collections::HashMap;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::config::MAX_BODY_BYTES;
use crate::switches::{Freedom, Freedoms};
use pizzastack_spec::ids::ObjectKind;
use pizzastack_spec::Spec;

/// Why a freedom refuses a request body, in the answer's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The refused field.
    pub field: String,
    /// The whole error text.
    pub message: String,
}

/// Whether a freedom in force reads request bodies.
pub fn reads_bodies(freedoms: &Freedoms) -> bool {
    [
        Freedom::HexIdSuffix,
        Freedom::CompareNeedsTwo,
        Freedom::ToppingsRequired,
        Freedom::ToppingsAsObjects,
        Freedom::StrictValidation,
    ]
    .into_iter()
    .any(|f| freedoms.has(f))
}

/// Reads the body of a POST once: rewrites hexadecimal IDs into the mock's
/// form (`rewrite`), then judges it by the refusing freedoms. A refused
/// body is replaced by `[]`, which the mock refuses as a body.
///
/// # Errors
/// A body over the mock's limit: its 413.
pub async fn prepare(
    request: Request,
    freedoms: &Freedoms,
    spec: &'static Spec,
    rewrite: impl FnOnce(Bytes) -> Bytes,
) -> Result<(Request, Option<Refusal>), Response> {
    if request.method() != Method::POST {
        return Ok((request, None));
    }
    let path = request.uri().path().to_owned();
    let (mut parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| super::super::error::ApiError::PayloadTooLarge.into_response())?;
    let bytes = rewrite(bytes);
    let refusal = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|json| refusal(&path, &json, freedoms, spec));
    let bytes = if refusal.is_some() {
        Bytes::from_static(b"[]")
    } else {
        bytes
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok((Request::from_parts(parts, Body::from(bytes)), refusal))
}

fn refusal(path: &str, json: &Value, freedoms: &Freedoms, spec: &'static Spec) -> Option<Refusal> {
    let refuse = |field: &str, why: &str| {
        Some(Refusal {
            field: field.to_owned(),
            message: format!("{field}: {why}"),
        })
    };
    if freedoms.has(Freedom::StrictValidation) {
        if let (Some(known), Some(object)) = (known_fields(spec).get(path), json.as_object()) {
            if let Some(unknown) = object.keys().find(|k| !known.contains(k)) {
                return refuse(
                    unknown,
                    "unknown field; this server refuses fields it does not know",
                );
            }
        }
    }
    if freedoms.has(Freedom::CompareNeedsTwo)
        && path == ObjectKind::Comparison.endpoint()
        && json["dish_ids"].as_array().is_some_and(|ids| ids.len() < 2)
    {
        return refuse("dish_ids", "must contain at least 2 items");
    }
    if freedoms.has(Freedom::ToppingsAsObjects)
        && path == ObjectKind::Assembled.endpoint()
        && json["toppings"]
            .as_array()
            .is_some_and(|t| t.iter().any(Value::is_string))
    {
        return refuse("toppings", "each must be an object with a name");
    }
    if freedoms.has(Freedom::ToppingsRequired) && path == ObjectKind::Assembled.endpoint() {
        let listed = json["toppings"].as_array().is_some_and(|t| !t.is_empty());
        if !listed {
            return refuse("toppings", "required: list at least one topping");
        }
    }
    None
}

/// The top-level properties of each POST endpoint's request schema.
fn known_fields(spec: &'static Spec) -> &'static HashMap<String, Vec<String>> {
    // One spec is embedded per binary, so the first caller's is everyone's.
    static KNOWN: std::sync::OnceLock<HashMap<String, Vec<String>>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        spec.operations()
            .iter()
            .filter_map(|op| {
                let file = op.request_schema.as_ref()?;
                let schema: Value = serde_json::from_str(pizzastack_spec::embedded::text(
                    &format!("schemas/{file}"),
                ))
                .ok()?;
                let names = schema["properties"].as_object()?.keys().cloned().collect();
                Some((op.path.clone(), names))
            })
            .collect()
    })
}

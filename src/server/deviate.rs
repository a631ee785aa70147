//! Deliberate deviations: `serve --deviate RULE-ID` switches one documented
//! rule off, so that a test can prove the conformance suite notices. Never
//! used unless asked for.
//!
//! Most deviations rewrite responses in one middleware; the rest are hooks
//! where the rule is enforced (the key and session checks, the store's TTL
//! and ID scheme).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::state::AppState;
use super::switches::{SwitchTable, Switches};
use crate::kitchen::{Seeded, OPTIMAL_SUB};

/// Every rule the mock can switch off, with what it then does instead.
pub const DEVIATIONS: &[(&str, &str)] = &[
    (
        "AUTH-001",
        "accepts requests without a key or with an unknown key",
    ),
    (
        "SESS-001",
        "serves requests without X-Session-ID from a shared default session",
    ),
    (
        "SESS-002",
        "refuses a session ID it has not seen instead of creating the session",
    ),
    ("SESS-003", "refuses session IDs that are not UUIDs"),
    (
        "SESS-005",
        "answers 404 \"Not found\" for IDs that are not in the session",
    ),
    ("SESS-006", "never expires sessions"),
    ("ERR-001", "sends errors as text/plain"),
    ("ID-001", "gives every object the prefix obj_"),
    (
        "ID-002",
        "numbers objects per session, so sessions share IDs",
    ),
    ("ACQ-001", "leaves variety out of the tomato"),
    ("SLC-001", "answers type \"slice\" instead of \"sliced\""),
    ("SQZ-001", "leaves concentration out of the juice"),
    ("SIM-001", "leaves sauce_quality out of the sauce"),
    ("SIM-002", "refuses raw tomatoes in simmer with a 400"),
    ("RST-001", "gives roasted ingredients the prefix rtd_"),
    ("BAS-001", "defaults hydration to 0.5"),
    (
        "ASM-001",
        "leaves assembly_quality out of the assembled pizza",
    ),
    ("BAK-001", "leaves cheese_melt out of the quality metrics"),
    ("BAK-002", "bakes anything, a base included"),
    ("TST-001", "always includes aroma"),
    ("CMP-001", "ranks dishes worst first"),
    ("LOG-001", "leaves the newest operation out of the log"),
    (
        "LOG-002",
        "answers an unknown session's log with an empty 200",
    ),
    ("QLT-001", "forgets degradation at assembly"),
    (
        "QLT-001/simmer-again",
        "simmers a degraded ingredient (a sauce or roast) into an optimal sauce",
    ),
    (
        "QLT-001/through-toppings",
        "leaves a pizza optimal when only a topping is degraded",
    ),
    ("QLT-002", "scores every pizza 0.85 overall"),
    (
        "QLT-003",
        "lowers only sauce_integration for degraded pizzas",
    ),
    (
        "QLT-003/one-sub-score",
        "scores a degraded pizza's crust_crispness as a correct pizza's",
    ),
];

/// The table of rules the mock can switch off.
pub struct DeviationTable;

impl SwitchTable for DeviationTable {
    const TABLE: &'static [(&'static str, &'static str)] = DEVIATIONS;
    const WHAT: &'static str = "rule";
    const VERB: &'static str = "switch off";
}

/// The switched-off rules of one server, changeable at run time through
/// `/__admin/deviations`.
pub type Deviations = Switches<DeviationTable>;

/// Rewrites responses for the deviations that change what the mock says.
pub async fn rewrite_responses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let deviations = state.deviations();
    if !deviations.any() {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "deviation layer could not read a body",
        )
            .into_response();
    };
    let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mut status = parts.status;
    let d = |rule| deviations.has(rule);
    let ok = status == StatusCode::OK;
    let error = json
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match (method, path.as_str()) {
        (Method::POST, "/v1/tomato/acquire") if ok && d("ACQ-001") => remove(&mut json, "variety"),
        (Method::POST, "/v1/tomato/slice") if ok && d("SLC-001") => json["type"] = json!("slice"),
        (Method::POST, "/v1/tomato/squeeze") if ok && d("SQZ-001") => {
            remove(&mut json, "concentration")
        }
        (Method::POST, "/v1/cook/simmer")
            if ok && d("SIM-002") && json["degradation_reason"] == "raw_ingredient" =>
        {
            status = StatusCode::BAD_REQUEST;
            json = json!({"error": "raw tomatoes must be sliced first"});
        }
        (Method::POST, "/v1/cook/simmer")
            if ok
                && d("QLT-001/simmer-again")
                && json["degradation_reason"] == "degraded_ingredient" =>
        {
            json["sauce_quality"] = json!("optimal");
            remove(&mut json, "degradation_reason");
        }
        (Method::POST, "/v1/cook/simmer") if ok && d("SIM-001") => {
            remove(&mut json, "sauce_quality")
        }
        (Method::POST, "/v1/cook/roast") if ok && d("RST-001") => {
            rename_prefix(&mut json["id"], "rtd_")
        }
        (Method::POST, "/v1/pizza/base")
            if ok && d("BAS-001") && json["hydration"] == json!(0.6) =>
        {
            json["hydration"] = json!(0.5);
        }
        (Method::POST, "/v1/pizza/assemble") if ok && d("ASM-001") => {
            remove(&mut json, "assembly_quality")
        }
        (Method::POST, "/v1/pizza/assemble")
            if ok
                && d("QLT-001/through-toppings")
                && json["degradation_reason"] == "degraded_topping" =>
        {
            json["assembly_quality"] = json!("optimal");
            remove(&mut json, "degradation_reason");
        }
        (Method::POST, "/v1/pizza/assemble") if ok && d("QLT-001") => {
            json["assembly_quality"] = json!("optimal");
            remove(&mut json, "degradation_reason");
        }
        (Method::POST, "/v1/pizza/bake")
            if !ok && d("BAK-002") && error.starts_with("pizza_id: must be an assembled pizza") =>
        {
            status = StatusCode::OK;
            json = json!({
                "id": crate::ids::new_object_id(crate::ids::ObjectKind::Baked),
                "type": "baked",
                "quality_metrics": {"overall_score": 0.9, "crust_crispness": 0.9, "cheese_melt": 0.9, "topping_distribution": 0.9, "sauce_integration": 0.9}
            });
        }
        (Method::POST, "/v1/pizza/bake") if ok => {
            let id = json["id"].as_str().unwrap_or_default().to_owned();
            let metrics = &mut json["quality_metrics"];
            let degraded = metrics["overall_score"].as_f64().is_some_and(|s| s <= 0.5);
            if d("QLT-003") && degraded {
                for name in ["crust_crispness", "cheese_melt", "topping_distribution"] {
                    metrics[name] = json!(0.99);
                }
            }
            if d("QLT-003/one-sub-score") && degraded {
                // Drawn as a correct pizza's is: the same range, seeded
                // from the baked pizza's own ID.
                metrics["crust_crispness"] = json!(Seeded::new(&[&id, "crust"]).score(OPTIMAL_SUB));
            }
            if d("QLT-002") {
                metrics["overall_score"] = json!(0.85);
            }
            if d("BAK-001") {
                remove(metrics, "cheese_melt");
            }
        }
        (Method::POST, "/v1/taste/analyze")
            if ok && d("TST-001") && json.get("aroma").is_none() =>
        {
            json["aroma"] = json!({"intensity": 0.5, "complexity": 0.5, "primary_notes": [], "secondary_notes": [], "tertiary_notes": []});
        }
        (Method::POST, "/v1/taste/compare") if ok && d("CMP-001") => {
            if let Some(rankings) = json["rankings"].as_object_mut() {
                for ranked in rankings.values_mut() {
                    if let Some(list) = ranked.as_array_mut() {
                        list.reverse();
                    }
                }
            }
        }
        (Method::GET, p) if p.starts_with("/v1/session/") => {
            if ok && d("LOG-001") {
                if let Some(list) = json["operations"].as_array_mut() {
                    list.pop();
                }
            }
            if status == StatusCode::NOT_FOUND && d("LOG-002") {
                let id = p
                    .trim_start_matches("/v1/session/")
                    .trim_end_matches("/log");
                status = StatusCode::OK;
                json = json!({"session_id": id, "objects": [], "operations": []});
            }
        }
        _ => {}
    }
    if d("SESS-005") && error == "Object not found in session" {
        status = StatusCode::NOT_FOUND;
        json = json!({"error": "Not found"});
    }
    if d("ID-001") {
        rename_all_prefixes(&mut json);
    }
    if d("ERR-001") && status.is_client_error() {
        let text = json["error"].as_str().unwrap_or("error");
        return (status, format!("error: {text}")).into_response();
    }
    super::response::json_response(status, json.to_string())
}

fn remove(json: &mut Value, field: &str) {
    if let Some(object) = json.as_object_mut() {
        object.remove(field);
    }
}

fn rename_prefix(id: &mut Value, prefix: &str) {
    if let Some(text) = id.as_str() {
        if let Some((_, rest)) = text.split_once('_') {
            *id = json!(format!("{prefix}{rest}"));
        }
    }
}

/// Renames the prefix of every object ID in a response to `obj_`.
fn rename_all_prefixes(json: &mut Value) {
    match json {
        Value::String(s) => {
            let is_id = crate::ids::ObjectKind::ALL
                .iter()
                .any(|k| s.starts_with(k.prefix()));
            if is_id {
                rename_prefix(json, "obj_");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rename_all_prefixes),
        Value::Object(map) => map.values_mut().for_each(rename_all_prefixes),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rules_are_refused_with_the_list() {
        let error = Deviations::new(&["NOPE-001".to_owned()]).unwrap_err();
        assert!(error.contains("SESS-005"), "{error}");
        let deviations = Deviations::new(&["SESS-005".to_owned()]).unwrap();
        assert!(deviations.has("SESS-005") && !deviations.has("SESS-001"));
        deviations.set(&[]).unwrap();
        assert!(!deviations.any() && !deviations.has("SESS-005"));
    }
}

//! Deliberate deviations: `serve --deviate RULE-ID` switches one documented
//! rule off, so that a test can prove the conformance suite notices. Never
//! used unless asked for.
//!
//! Most deviations rewrite responses in one middleware; the rest are hooks
//! where the rule is enforced (the key and session checks, the store's TTL
//! and ID scheme).

use crate::switches::Deviation;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::state::AppState;
use crate::kitchen::{Seeded, OPTIMAL_SUB};

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
    let answer = Answer {
        status: &mut status,
        json: &mut json,
        ok,
        error: &error,
    };
    match (method, path.as_str()) {
        (Method::POST, p) if p.starts_with("/v1/tomato/") => tomato(p, answer, &d),
        (Method::POST, "/v1/cook/simmer") => simmer(answer, &d),
        (Method::POST, "/v1/cook/roast") if ok && d(Deviation::Rst001) => {
            rename_prefix(&mut answer.json["id"], "rtd_");
        }
        (Method::POST, "/v1/pizza/base")
            if ok && d(Deviation::Bas001) && answer.json["hydration"] == json!(0.6) =>
        {
            answer.json["hydration"] = json!(0.5);
        }
        (Method::POST, "/v1/pizza/assemble") if ok => assemble(answer.json, &d),
        (Method::POST, "/v1/pizza/bake") => bake(answer, &d),
        (Method::POST, p) if p.starts_with("/v1/taste/") && ok => taste(p, answer.json, &d),
        (Method::GET, p) if p.starts_with("/v1/session/") => session_log(p, answer, &d),
        _ => {}
    }
    if d(Deviation::Sess005) && error == "Object not found in session" {
        status = StatusCode::NOT_FOUND;
        json = json!({"error": "Not found"});
    }
    if d(Deviation::Id001) {
        rename_all_prefixes(&mut json);
    }
    if d(Deviation::Err001) && status.is_client_error() {
        let text = json["error"].as_str().unwrap_or("error");
        return (status, format!("error: {text}")).into_response();
    }
    super::response::json_response(status, json.to_string())
}

/// An answer being rewritten: its status and body, whether it was a
/// success, and its error text (empty for a success).
struct Answer<'a> {
    status: &'a mut StatusCode,
    json: &'a mut Value,
    ok: bool,
    error: &'a str,
}

fn tomato(path: &str, answer: Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = answer.json;
    if !answer.ok {
        return;
    }
    match path {
        "/v1/tomato/acquire" if d(Deviation::Acq001) => remove(json, "variety"),
        "/v1/tomato/slice" if d(Deviation::Slc001) => json["type"] = json!("slice"),
        "/v1/tomato/squeeze" if d(Deviation::Sqz001) => remove(json, "concentration"),
        _ => {}
    }
}

fn simmer(answer: Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = answer.json;
    if !answer.ok {
        return;
    }
    if d(Deviation::Sim002) && json["degradation_reason"] == "raw_ingredient" {
        *answer.status = StatusCode::BAD_REQUEST;
        *json = json!({"error": "raw tomatoes must be sliced first"});
    } else if d(Deviation::Qlt001SimmerAgain) && json["degradation_reason"] == "degraded_ingredient"
    {
        json["sauce_quality"] = json!("optimal");
        remove(json, "degradation_reason");
    } else if d(Deviation::Sim001) {
        remove(json, "sauce_quality");
    }
}

fn assemble(json: &mut Value, d: &impl Fn(Deviation) -> bool) {
    if d(Deviation::Asm001) {
        remove(json, "assembly_quality");
    } else if (d(Deviation::Qlt001ThroughToppings)
        && json["degradation_reason"] == "degraded_topping")
        || d(Deviation::Qlt001)
    {
        json["assembly_quality"] = json!("optimal");
        remove(json, "degradation_reason");
    }
}

fn bake(answer: Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = answer.json;
    if !answer.ok {
        if d(Deviation::Bak002)
            && answer
                .error
                .starts_with("pizza_id: must be an assembled pizza")
        {
            *answer.status = StatusCode::OK;
            *json = json!({
                "id": pizzastack_spec::ids::new_object_id(pizzastack_spec::ids::ObjectKind::Baked),
                "type": "baked",
                "quality_metrics": {"overall_score": 0.9, "crust_crispness": 0.9, "cheese_melt": 0.9, "topping_distribution": 0.9, "sauce_integration": 0.9}
            });
        }
        return;
    }
    let id = json["id"].as_str().unwrap_or_default().to_owned();
    let metrics = &mut json["quality_metrics"];
    let degraded = metrics["overall_score"].as_f64().is_some_and(|s| s <= 0.5);
    if d(Deviation::Qlt003) && degraded {
        for name in ["crust_crispness", "cheese_melt", "topping_distribution"] {
            metrics[name] = json!(0.99);
        }
    }
    if d(Deviation::Qlt003OneSubScore) && degraded {
        // Drawn as a correct pizza's is: the same range, seeded
        // from the baked pizza's own ID.
        metrics["crust_crispness"] = json!(Seeded::new(&[&id, "crust"]).score(OPTIMAL_SUB));
    }
    if d(Deviation::Qlt002) {
        metrics["overall_score"] = json!(0.85);
    }
    if d(Deviation::Bak001) {
        remove(metrics, "cheese_melt");
    }
}

fn taste(path: &str, json: &mut Value, d: &impl Fn(Deviation) -> bool) {
    match path {
        "/v1/taste/analyze" if d(Deviation::Tst001) && json.get("aroma").is_none() => {
            json["aroma"] = json!({"intensity": 0.5, "complexity": 0.5, "primary_notes": [], "secondary_notes": [], "tertiary_notes": []});
        }
        "/v1/taste/compare" if d(Deviation::Cmp001) => {
            if let Some(rankings) = json["rankings"].as_object_mut() {
                for ranked in rankings.values_mut() {
                    if let Some(list) = ranked.as_array_mut() {
                        list.reverse();
                    }
                }
            }
        }
        _ => {}
    }
}

fn session_log(path: &str, answer: Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = answer.json;
    if answer.ok && d(Deviation::Log001) {
        if let Some(list) = json["operations"].as_array_mut() {
            list.pop();
        }
    }
    if *answer.status == StatusCode::NOT_FOUND && d(Deviation::Log002) {
        let id = path
            .trim_start_matches("/v1/session/")
            .trim_end_matches("/log");
        *answer.status = StatusCode::OK;
        *json = json!({"session_id": id, "objects": [], "operations": []});
    }
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
            let is_id = pizzastack_spec::ids::ObjectKind::ALL
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

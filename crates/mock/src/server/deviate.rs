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
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::facts::{Facts, Refusal};
use super::state::AppState;
use crate::kitchen::{Degradation, Seeded, OPTIMAL_SUB};
use pizzastack_spec::ids::ObjectKind;

/// Rewrites responses for the deviations that change what the mock says,
/// deciding by the [`Facts`] the handler attached to its answer.
pub async fn rewrite_responses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let deviations = state.deviations();
    if !deviations.any() {
        return next.run(request).await;
    }
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
    let facts = Facts::of(&parts.extensions);
    let mut answer = Answer {
        status: parts.status,
        json: &mut json,
        facts: &facts,
    };
    let d = |rule| deviations.has(rule);
    if let Some(kind) = facts.making() {
        if answer.status == StatusCode::OK {
            made(kind, &mut answer, &d);
        } else {
            refused(kind, &mut answer, &d);
        }
    }
    if let Some(session_id) = facts.log_of() {
        session_log(session_id, &mut answer, &d);
    }
    let mut status = answer.status;
    if d(Deviation::Sess005) && facts.refusal == Some(Refusal::NotInSession) {
        status = StatusCode::NOT_FOUND;
        json = json!({"error": "Not found"});
    }
    if d(Deviation::Id001) {
        rename_all_prefixes(&mut json);
    }
    let mut response = if d(Deviation::Err001) && status.is_client_error() {
        let text = json["error"].as_str().unwrap_or("error");
        (status, format!("error: {text}")).into_response()
    } else {
        super::response::json_response(status, json.to_string())
    };
    facts.attach(&mut response);
    response
}

/// An answer being rewritten: its status, its body, and its facts.
struct Answer<'a> {
    status: StatusCode,
    json: &'a mut Value,
    facts: &'a Facts,
}

/// The deviations of a successful creation, by the kind it made.
fn made(kind: ObjectKind, answer: &mut Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = &mut *answer.json;
    match kind {
        ObjectKind::Raw if d(Deviation::Acq001) => remove(json, "variety"),
        ObjectKind::Sliced if d(Deviation::Slc001) => json["type"] = json!("slice"),
        ObjectKind::Juice if d(Deviation::Sqz001) => remove(json, "concentration"),
        ObjectKind::Sauce => simmer(answer, d),
        ObjectKind::Roasted if d(Deviation::Rst001) => rename_prefix(&mut json["id"], "rtd_"),
        ObjectKind::Base if d(Deviation::Bas001) && json["hydration"] == json!(0.6) => {
            json["hydration"] = json!(0.5);
        }
        ObjectKind::Assembled => assemble(answer, d),
        ObjectKind::Baked => bake(json, d),
        ObjectKind::Analysis if d(Deviation::Tst001) && json.get("aroma").is_none() => {
            json["aroma"] = json!({"intensity": 0.5, "complexity": 0.5, "primary_notes": [], "secondary_notes": [], "tertiary_notes": []});
        }
        ObjectKind::Comparison if d(Deviation::Cmp001) => reverse_rankings(json),
        _ => {}
    }
}

/// The deviations of a refused creation: BAK-002's, which bakes what is
/// not an assembled pizza.
fn refused(kind: ObjectKind, answer: &mut Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    if kind == ObjectKind::Baked
        && d(Deviation::Bak002)
        && answer.facts.refusal == Some(Refusal::WrongKind)
    {
        answer.status = StatusCode::OK;
        *answer.json = json!({
            "id": pizzastack_spec::ids::new_object_id(ObjectKind::Baked),
            "type": "baked",
            "quality_metrics": {"overall_score": 0.9, "crust_crispness": 0.9, "cheese_melt": 0.9, "topping_distribution": 0.9, "sauce_integration": 0.9}
        });
    }
}

fn simmer(answer: &mut Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = &mut *answer.json;
    let by = |degradation| answer.facts.degraded_by(degradation);
    if d(Deviation::Sim002) && by(Degradation::RawIngredient) {
        answer.status = StatusCode::BAD_REQUEST;
        *json = json!({"error": "raw tomatoes must be sliced first"});
    } else if d(Deviation::Qlt001SimmerAgain) && by(Degradation::DegradedIngredient) {
        json["sauce_quality"] = json!("optimal");
        remove(json, "degradation_reason");
    } else if d(Deviation::Sim001) {
        remove(json, "sauce_quality");
    }
}

fn assemble(answer: &mut Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = &mut *answer.json;
    let through_toppings = answer.facts.degraded_by(Degradation::DegradedTopping);
    if d(Deviation::Asm001) {
        remove(json, "assembly_quality");
    } else if (d(Deviation::Qlt001ThroughToppings) && through_toppings) || d(Deviation::Qlt001) {
        json["assembly_quality"] = json!("optimal");
        remove(json, "degradation_reason");
    }
}

fn bake(json: &mut Value, d: &impl Fn(Deviation) -> bool) {
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

fn reverse_rankings(json: &mut Value) {
    if let Some(rankings) = json["rankings"].as_object_mut() {
        for ranked in rankings.values_mut() {
            if let Some(list) = ranked.as_array_mut() {
                list.reverse();
            }
        }
    }
}

fn session_log(session_id: &str, answer: &mut Answer<'_>, d: &impl Fn(Deviation) -> bool) {
    let json = &mut *answer.json;
    if answer.status == StatusCode::OK && d(Deviation::Log001) {
        if let Some(list) = json["operations"].as_array_mut() {
            list.pop();
        }
    }
    if answer.facts.refusal == Some(Refusal::SessionNotFound) && d(Deviation::Log002) {
        answer.status = StatusCode::OK;
        *json = json!({"session_id": session_id, "objects": [], "operations": []});
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
        Value::String(s) if ObjectKind::of_prefixed(s).is_some() => rename_prefix(json, "obj_"),
        Value::Array(items) => items.iter_mut().for_each(rename_all_prefixes),
        Value::Object(map) => map.values_mut().for_each(rename_all_prefixes),
        _ => {}
    }
}

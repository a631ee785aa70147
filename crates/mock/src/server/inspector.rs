//! The session inspector (`--admin`): `GET /__admin/ui` lists the live
//! sessions, `GET /__admin/ui/session/{session_id}` draws one as its
//! pipeline graph, each object with its ID and quality, the degraded ones
//! marked and traced back to their cause, then the operation log and the
//! requests of the session the mock refused. One self-contained page each
//! (no external assets, works offline); looking renews no session.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::error::ApiError;
use super::state::AppState;
use crate::store::{InspectedObject, SessionKey};
use pizzastack_spec::ids::ObjectKind;

/// Sessions listed at most.
const LISTED: usize = 500;

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
code { font-size: 0.9em; }
.degraded { color: #b00; font-weight: bold; }
.cause { color: #a60; font-weight: bold; }
.note { color: #555; font-size: 0.9em; }
svg text { font-family: ui-monospace, monospace; font-size: 11px; }
"#;

fn page(title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    let mut response = markup.into_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn humane(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}

/// The key with this index, masked as the banner masks it.
fn masked(state: &AppState, index: u16) -> String {
    crate::config::mask_key(state.api_key_text(index).unwrap_or_default())
}

/// `GET /__admin/ui`: the live sessions.
pub async fn sessions(State(state): State<AppState>) -> Response {
    let sessions = match state.store().sessions(LISTED).await {
        Ok(sessions) => sessions,
        Err(e) => return ApiError::from(e).into_response(),
    };
    page(
        "PizzaStack mock: sessions",
        html! {
            h1 { "Live sessions" }
            p.note { (sessions.len()) " session(s), most recently active first (at most " (LISTED) "). Looking renews none of them." }
            table #sessions {
                thead { tr { th { "Session ID" } th { "API key" } th { "Objects" } th { "Last activity" } th { "Expires in" } } }
                tbody {
                    @for session in &sessions {
                        tr {
                            td { a href=(format!("/__admin/ui/session/{}", urlencode(&session.key.session_id))) { code { (session.key.session_id) } } }
                            td { code { (masked(&state, session.key.api_key)) } }
                            td { (session.objects) }
                            td { (humane(session.idle)) " ago" }
                            td { (humane(session.expires_in)) }
                        }
                    }
                }
            }
        },
    )
}

/// Percent-encodes what a path segment cannot hold as it is (all but
/// RFC 3986's unreserved characters).
fn urlencode(text: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// The column of the pipeline a kind is drawn in.
fn stage(kind: ObjectKind) -> usize {
    match kind {
        ObjectKind::Raw => 0,
        ObjectKind::Sliced | ObjectKind::Juice => 1,
        ObjectKind::Sauce | ObjectKind::Roasted => 2,
        ObjectKind::Base => 3,
        ObjectKind::Assembled => 4,
        ObjectKind::Baked => 5,
        ObjectKind::Analysis | ObjectKind::Comparison => 6,
    }
}

const STAGES: [&str; 7] = [
    "tomato",
    "slice / juice",
    "sauce / roast",
    "base",
    "pizza",
    "baked",
    "taste",
];

/// The IDs of the session's objects that `value` names: what it was made from.
fn inputs(value: &serde_json::Value, ids: &HashMap<&str, usize>, own: &str, out: &mut Vec<usize>) {
    match value {
        serde_json::Value::String(s) if s != own => {
            if let Some(&at) = ids.get(s.as_str()) {
                if !out.contains(&at) {
                    out.push(at);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| inputs(v, ids, own, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| inputs(v, ids, own, out)),
        _ => {}
    }
}

/// A short word on an object's quality, from its JSON.
fn quality(object: &InspectedObject) -> String {
    let json = &object.json;
    for (pointer, label) in [
        ("/quality_metrics/overall_score", "score "),
        ("/sauce_quality", ""),
        ("/assembly_quality", ""),
        ("/ripeness", "ripeness "),
    ] {
        if let Some(value) = json.pointer(pointer) {
            return format!("{label}{}", value.to_string().trim_matches('"'));
        }
    }
    String::new()
}

/// Why each degraded object is degraded: the objects it was made from that
/// caused it, found by following degraded inputs back to the first
/// degraded object, whose own inputs are the cause.
fn causes(objects: &[InspectedObject], edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut causes = vec![Vec::new(); objects.len()];
    for at in 0..objects.len() {
        if !objects[at].degraded {
            continue;
        }
        let mut current = at;
        // Inputs come before what is made of them, so this ends.
        while let Some(&degraded) = edges[current].iter().find(|&&i| objects[i].degraded) {
            current = degraded;
        }
        causes[at] = if edges[current].is_empty() {
            vec![current]
        } else {
            edges[current].clone()
        };
    }
    causes
}

/// `GET /__admin/ui/session/{session_id}`: one session, under every key
/// that has it.
pub async fn session(
    State(state): State<AppState>,
    session_id: Result<Path<String>, PathRejection>,
) -> Response {
    // An ID that is not even text names no session.
    let Ok(Path(session_id)) = session_id else {
        return ApiError::SessionNotFound.into_response();
    };
    // One lookup per accepted key, however many sessions there are.
    let mut found: Vec<(u16, Vec<InspectedObject>)> = Vec::new();
    for api_key in 0..state.api_key_count() {
        let key = SessionKey {
            api_key,
            session_id: session_id.as_str().into(),
        };
        match state.store().inspect(&key).await {
            Ok(Some(objects)) => found.push((api_key, objects)),
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let refused = state.journal().refused_of(&session_id);
    let title = format!("PizzaStack mock: session {session_id}");
    page(
        &title,
        html! {
            p { a href="/__admin/ui" { "← all sessions" } }
            h1 { "Session " code { (session_id) } }
            @if found.is_empty() {
                p #missing { "No live session has this ID (it may have expired, or never been used)." }
            }
            @for (key, objects) in &found {
                (session_view(&state, *key, objects))
            }
            h2 { "Requests of this session the mock refused" }
            @if refused.is_empty() {
                p.note { "None kept (the journal keeps the last requests only)." }
            } @else {
                table #refused {
                    thead { tr { th { "Time" } th { "Request" } th { "Status" } th { "Error" } } }
                    tbody {
                        @for entry in &refused {
                            tr {
                                td { (entry.time) }
                                td { code { (entry.method) " " (entry.path) } }
                                td { (entry.status) }
                                td { (entry.error.clone().or(entry.fault.clone()).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn session_view(state: &AppState, key: u16, objects: &[InspectedObject]) -> Markup {
    let ids: HashMap<&str, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = objects
        .iter()
        .map(|o| {
            let mut found = Vec::new();
            inputs(&o.json, &ids, &o.id, &mut found);
            found
        })
        .collect();
    let causes = causes(objects, &edges);
    let is_cause: Vec<bool> = (0..objects.len())
        .map(|i| causes.iter().any(|c| c.contains(&i)))
        .collect();
    // Layout: a column per stage, objects in creation order down it.
    const WIDTH: usize = 170;
    const HEIGHT: usize = 58;
    let mut rows = [0usize; STAGES.len()];
    let mut at = Vec::with_capacity(objects.len());
    for object in objects {
        let column = stage(object.kind);
        at.push((
            column * (WIDTH + 30) + 10,
            rows[column] * (HEIGHT + 14) + 30,
        ));
        rows[column] += 1;
    }
    let height = rows.iter().max().copied().unwrap_or(0).max(1) * (HEIGHT + 14) + 40;
    let width = STAGES.len() * (WIDTH + 30) + 10;
    html! {
        h2 { "Under key " code { (masked(state, key)) } ": " (objects.len()) " object(s)" }
        svg #graph width=(width) height=(height) viewBox=(format!("0 0 {width} {height}")) xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pipeline graph" {
            @for (column, name) in STAGES.iter().enumerate() {
                text x=(column * (WIDTH + 30) + 10) y="16" font-weight="bold" { (name) }
            }
            @for (to, from_list) in edges.iter().enumerate() {
                @for from in from_list {
                    line x1=(at[*from].0 + WIDTH) y1=(at[*from].1 + HEIGHT / 2) x2=(at[to].0) y2=(at[to].1 + HEIGHT / 2)
                        stroke=(if objects[*from].degraded || is_cause[*from] && objects[to].degraded { "#b00" } else { "#999" }) stroke-width="1.5" {}
                }
            }
            @for (i, object) in objects.iter().enumerate() {
                g.object.degraded[object.degraded].cause[is_cause[i]] data-id=(object.id) {
                    rect x=(at[i].0) y=(at[i].1) width=(WIDTH) height=(HEIGHT) rx="6"
                        fill=(if object.degraded { "#fde8e8" } else if is_cause[i] { "#fff3e0" } else { "#f4f8f4" })
                        stroke=(if object.degraded { "#b00" } else if is_cause[i] { "#e69500" } else { "#6a6" })
                        stroke-width=(if object.degraded || is_cause[i] { "2.5" } else { "1" }) {}
                    text x=(at[i].0 + 8) y=(at[i].1 + 16) { (object.id) }
                    @let word = quality(object);
                    text x=(at[i].0 + 8) y=(at[i].1 + 32) {
                        (object.kind.type_name())
                        @if !word.is_empty() { " · " (word) }
                    }
                    text x=(at[i].0 + 8) y=(at[i].1 + 48) fill=(if object.degraded { "#b00" } else { "#a60" }) {
                        @if object.degraded { "DEGRADED" } @else if is_cause[i] { "cause of degradation" }
                    }
                }
            }
        }
        (why_degraded(objects, &causes))
        (operation_log(objects, &edges))
    }
}

/// Each degraded object with its reason and the objects that caused it.
fn why_degraded(objects: &[InspectedObject], causes: &[Vec<usize>]) -> Markup {
    html! {
    @let degraded: Vec<usize> = (0..objects.len()).filter(|&i| objects[i].degraded).collect();
    @if !degraded.is_empty() {
        h3 { "Why degraded" }
        ul #why {
            @for i in &degraded {
                li {
                    span.degraded { code { (objects[*i].id) } }
                    " is degraded"
                    @if let Some(reason) = objects[*i].json.get("degradation_reason").and_then(|r| r.as_str()) {
                        " (" (reason) ")"
                    }
                    "; cause: "
                    @for (n, cause) in causes[*i].iter().enumerate() {
                        @if n > 0 { ", " }
                        span.cause { code { (objects[*cause].id) } } " (" (objects[*cause].kind.type_name()) ")"
                    }
                }
            }
        }
    }
    }
}

/// The session's operations, oldest first, with what each was made from.
fn operation_log(objects: &[InspectedObject], edges: &[Vec<usize>]) -> Markup {
    html! {
    h3 { "Operation log" }
    table.log {
        thead { tr { th { "#" } th { "Time" } th { "Endpoint" } th { "Result" } th { "Made from" } } }
        tbody {
            @for (i, object) in objects.iter().enumerate() {
                tr {
                    td { (i + 1) }
                    td { (humantime::format_rfc3339_millis(object.created)) }
                    td { code { (object.kind.endpoint()) } }
                    td { code.degraded[object.degraded] { (object.id) } }
                    td { @for from in &edges[i] { code { (objects[*from].id) } " " } }
                }
            }
        }
    }
    }
}

#[cfg(test)]
mod tests {
    use super::urlencode;

    #[test]
    fn a_session_id_becomes_one_path_segment() {
        assert_eq!(
            urlencode("a b/c%d?e#f~g-h.i_j"),
            "a%20b%2Fc%25d%3Fe%23f~g-h.i_j"
        );
    }
}

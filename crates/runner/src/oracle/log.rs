//! `GET /v1/session/{id}/log`: every object and operation of the session,
//! and only those, as their answers said; a 404 for a session the server
//! never saw or that expired.

use serde_json::{Map, Value};

use super::{Findings, SessionKey};
use crate::case::{JsonType, StatusPattern, ValueCheck};
use pizzastack_spec::ids::ObjectKind;

pub(super) fn judge(out: &mut Findings<'_, '_>, key: &str) {
    let exchange = out.exchange;
    let id = pizzastack_spec::ids::log_session(exchange.path).unwrap_or_default();
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned();
    let shared = out.oracle.named_by_another_key(key, &id);
    let skey: SessionKey = (key.to_owned(), id);
    let mention = out.oracle.sessions.entry(skey.clone()).or_default();
    let touched_after_expiry = mention.expired && !mention.reborn;
    mention.mentioned = true;
    if touched_after_expiry {
        let first = !mention.touched;
        mention.touched = true;
        if first {
            out.status("SESS-006", &[StatusPattern::Code(404)]);
        }
        return;
    }
    let Some(session) = out.oracle.sessions.get(&skey).filter(|s| s.named) else {
        if shared {
            return;
        }
        // Never named under this key: unknown (LOG-002).
        if out.status("LOG-002", &[StatusPattern::Code(404)]) {
            out.body(
                "ERR-001/every-error",
                "/error",
                ValueCheck::Type(JsonType::String),
            );
        }
        return;
    };
    if !session.accepted {
        return;
    }
    let objects: Vec<String> = session.objects.clone();
    let complete = !session.tainted && !session.other_operations && !shared;
    let rule = if exchange.session.is_some() {
        "LOG-001"
    } else {
        "SESS-001/not-on-log"
    };
    if !out.status(rule, &[StatusPattern::Class(2)]) {
        return;
    }
    let typed = typed_entries(out);
    out.schema_of(typed.as_ref().or(exchange.answer));
    judge_listed(out, &objects, complete);
}

/// Each object the session made is in the log, with what its creation
/// answered; and, when the oracle saw every operation of the session, no
/// other, in the order they were made.
fn judge_listed(out: &mut Findings<'_, '_>, objects: &[String], complete: bool) {
    for id in objects {
        let mut wanted = Map::new();
        wanted.insert("id".to_owned(), Value::String(id.clone()));
        if let Some(shadow) = out.oracle.objects.get(id) {
            for (field, value) in &shadow.logged {
                wanted.insert((*field).to_owned(), value.clone());
            }
        }
        out.body(
            "LOG-001",
            "/objects",
            ValueCheck::Contains(Value::Object(wanted)),
        );
        out.body(
            "LOG-001",
            "/operations",
            ValueCheck::Contains(serde_json::json!({"result_id": id})),
        );
    }
    if !complete {
        return;
    }
    out.body("LOG-001", "/objects", ValueCheck::Length(objects.len()));
    out.body("LOG-001", "/operations", ValueCheck::Length(objects.len()));
    for (i, id) in objects.iter().enumerate() {
        let id = Value::String(id.clone());
        out.body(
            "LOG-001/order",
            &format!("/objects/{i}/id"),
            ValueCheck::Equals(id.clone()),
        );
        out.body(
            "LOG-001/order",
            &format!("/operations/{i}/result_id"),
            ValueCheck::Equals(id),
        );
    }
}

/// A log entry without `type` counts against the rule that gives its kind
/// a `type` (MOCK for a baked pizza or a roast, SHOULD for an assembled
/// pizza), not against LOG-001: the log example reads `type` of the
/// entries it prints, but the pages give those kinds none of their own.
/// Judges those entries' `type` and gives back a copy of the answer with
/// the missing ones filled in, for the log's schema.
fn typed_entries(out: &mut Findings<'_, '_>) -> Option<Value> {
    let mut answer = out.exchange.answer?.clone();
    let entries = answer.get_mut("objects")?.as_array_mut()?;
    for (index, entry) in entries.iter_mut().enumerate() {
        let Some(object) = entry.as_object_mut() else {
            continue;
        };
        let kind = object
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| out.oracle.objects.get(id))
            .map(|o| o.kind);
        let rule = match kind {
            Some(ObjectKind::Baked) => "BAK-001/type",
            Some(ObjectKind::Roasted) => "RST-001/shape",
            Some(ObjectKind::Assembled) => "ASM-001/type",
            _ => continue,
        };
        let pointer = format!("/objects/{index}/type");
        if !out.body(rule, &pointer, ValueCheck::Type(JsonType::String)) {
            object.insert("type".to_owned(), Value::String(String::new()));
        }
    }
    Some(answer)
}

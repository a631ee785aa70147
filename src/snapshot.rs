//! Snapshots of each case's exchanges (insta), one baseline per target.
//!
//! Only cases that passed are snapshotted, so every dynamic value has had
//! its shape checked (by the response schema and the case's assertions)
//! before it is redacted here: object IDs keep their prefix
//! (`[tom_…]`), the case's session IDs, UUIDs and timestamps become
//! placeholders, and numbers the target computed (scores, volumes) become
//! `[number]` unless they echo a number of the request. This is the only
//! module that touches insta.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::runner::CaseOutcome;

/// Where snapshots live and which target's baseline they are.
#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    /// Directory of the `.snap` files (absolute).
    pub dir: PathBuf,
    /// The baseline's name, the snapshot suffix: `mock`, or a name a third
    /// party gives its own implementation.
    pub name: String,
}

static OBJECT_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(tom|slc|jce|sce|rst|bas|pza|bkd|tst|cmp)_[A-Za-z0-9]+\b").expect("valid regex")
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        .expect("valid regex")
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
        .expect("valid regex")
});

/// The redacted record of a passed case's exchanges.
pub fn exchanges(outcome: &CaseOutcome) -> Value {
    let mut echoed = BTreeSet::new();
    for step in &outcome.steps {
        let body = step.request.as_ref().and_then(|r| r.body.as_ref());
        if let Some(json) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) {
            collect_fields(&json, &mut echoed);
        }
    }
    let steps: Vec<Value> = outcome
        .steps
        .iter()
        .map(|step| {
            let request = step.request.as_ref().map(|r| {
                let body = r.body.as_ref().map(|b| {
                    serde_json::from_str::<Value>(b).unwrap_or_else(|_| Value::String(b.clone()))
                });
                json!({
                    "method": r.method,
                    "path": redact_text(&r.path),
                    "body": body.map(|b| redact(&b, None, &echoed)),
                })
            });
            let response = step.response.as_ref().map(|r| {
                json!({
                    "status": r.status,
                    "body": r.json.as_ref().map_or_else(
                        || Value::String(redact_text(&r.body)),
                        |j| redact(j, None, &echoed),
                    ),
                })
            });
            json!({ "step": step.name, "request": request, "response": response })
        })
        .collect();
    json!({ "case": outcome.id, "rules": outcome.rules, "steps": steps })
}

/// `(field name, number)` pairs of a request body: a response number is an
/// echo only when the same field held the same number in a request.
fn collect_fields(value: &Value, out: &mut BTreeSet<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if let Value::Number(n) = child {
                    out.insert((key.clone(), n.to_string()));
                }
                collect_fields(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_fields(item, out)),
        _ => {}
    }
}

fn redact(value: &Value, field: Option<&str>, echoed: &BTreeSet<(String, String)>) -> Value {
    match value {
        Value::String(s) if TIMESTAMP.is_match(s) => Value::String("[timestamp]".to_owned()),
        Value::String(s) => Value::String(redact_text(s)),
        Value::Number(n) if n.is_f64() => {
            let is_echo = field.is_some_and(|f| echoed.contains(&(f.to_owned(), n.to_string())));
            if is_echo {
                value.clone()
            } else {
                Value::String("[number]".to_owned())
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| redact(v, None, echoed)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact(v, Some(k), echoed)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn redact_text(text: &str) -> String {
    let text = UUID.replace_all(text, "[uuid]");
    OBJECT_ID.replace_all(&text, "[${1}_…]").into_owned()
}

/// A case's exchanges that differ from its stored snapshot, or have none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the exchanges of {case} differ from snapshot {file}; review with `cargo insta review`")]
pub struct SnapshotMismatch {
    pub case: String,
    /// The snapshot file.
    pub file: String,
}

/// Compares a passed case's exchanges with its stored snapshot.
///
/// # Errors
/// When the snapshot differs or is new (insta has printed the diff and,
/// outside CI, written a `.snap.new` for `cargo insta review`).
pub fn check(config: &SnapshotConfig, outcome: &CaseOutcome) -> Result<(), SnapshotMismatch> {
    let value = exchanges(outcome);
    let name = outcome.id.replace('/', "__");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&config.dir);
    settings.set_snapshot_suffix(config.name.clone());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("{} [{}]", outcome.name, outcome.rules.join(", ")));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name.as_str(), value));
    }));
    result.map_err(|_| SnapshotMismatch {
        case: outcome.id.clone(),
        file: format!("{}/{name}@{}.snap", config.dir.display(), config.name),
    })
}

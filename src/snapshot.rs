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
    let echoed: BTreeSet<String> = outcome
        .steps
        .iter()
        .filter_map(|s| s.request.as_ref()?.body.as_ref())
        .filter_map(|body| serde_json::from_str::<Value>(body).ok())
        .flat_map(|body| numbers(&body))
        .collect();
    let steps: Vec<Value> = outcome
        .steps
        .iter()
        .map(|step| {
            let request = step.request.as_ref().map(|r| {
                let body = r.body.as_ref().map(|b| serde_json::from_str::<Value>(b).unwrap_or_else(|_| Value::String(b.clone())));
                json!({
                    "method": r.method,
                    "path": redact_text(&r.path),
                    "body": body.map(|b| redact(&b, &echoed)),
                })
            });
            let response = step.response.as_ref().map(|r| {
                json!({
                    "status": r.status,
                    "body": r.json.as_ref().map_or_else(|| Value::String(redact_text(&r.body)), |j| redact(j, &echoed)),
                })
            });
            json!({ "step": step.name, "request": request, "response": response })
        })
        .collect();
    json!({ "case": outcome.id, "rules": outcome.rules, "steps": steps })
}

fn numbers(value: &Value) -> Vec<String> {
    match value {
        Value::Number(n) => vec![n.as_f64().unwrap_or_default().to_string()],
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        Value::Object(map) => map.values().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

fn redact(value: &Value, echoed: &BTreeSet<String>) -> Value {
    match value {
        Value::String(s) if TIMESTAMP.is_match(s) => Value::String("[timestamp]".to_owned()),
        Value::String(s) => Value::String(redact_text(s)),
        Value::Number(n)
            if n.is_f64() && !echoed.contains(&n.as_f64().unwrap_or_default().to_string()) =>
        {
            Value::String("[number]".to_owned())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| redact(v, echoed)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact(v, echoed)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn redact_text(text: &str) -> String {
    let text = UUID.replace_all(text, "[uuid]");
    OBJECT_ID.replace_all(&text, "[${1}_…]").into_owned()
}

/// Compares a passed case's exchanges with its stored snapshot.
///
/// # Errors
/// A message when the snapshot differs or is new (insta has printed the
/// diff and, outside CI, written a `.snap.new` for `cargo insta review`).
pub fn check(config: &SnapshotConfig, outcome: &CaseOutcome) -> Result<(), String> {
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
    result.map_err(|_| {
        format!(
            "the exchanges of {} differ from snapshot {}/{name}@{}.snap; review with `cargo insta review`",
            outcome.id,
            config.dir.display(),
            config.name
        )
    })
}

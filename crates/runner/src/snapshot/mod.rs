//! Snapshots of each case's exchanges (insta), one snapshot set per target.
//!
//! Only cases that passed are snapshotted, so every dynamic value has had
//! its shape checked (by the response schema and the case's assertions)
//! before it is redacted here: object IDs keep their prefix
//! (`[tom_…]`), the case's session IDs, UUIDs and timestamps become
//! placeholders, and numbers the target computed (scores, volumes) become
//! `[number]` unless they echo a number of the request. The files are
//! insta's `.snap` format, read and written by [`file`]; [`pending`]
//! reviews the changed ones.

pub mod file;
pub mod pending;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde_json::{json, Value};

use crate::runner::CaseOutcome;
use file::{FileError, Header};

static OBJECT_ID: LazyLock<Regex> = LazyLock::new(|| {
    let prefixes = pizzastack_spec::ids::prefix_alternation();
    Regex::new(&format!(r"\b({prefixes})_[A-Za-z0-9]+\b")).expect("valid regex")
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

/// When a run may write snapshot files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Update {
    /// Outside CI, record a missing snapshot (the case passes) and write a
    /// changed one beside the stored one as `.snap.new`, for review. In CI
    /// write nothing: a missing snapshot fails like a changed one.
    #[default]
    Auto,
    /// Record missing snapshots and overwrite changed ones; nothing fails
    /// for a snapshot.
    Always,
    /// Write nothing; missing and changed snapshots fail.
    No,
}

/// Whether this process runs in CI, by the variables CI services set (the
/// rule insta follows).
pub fn in_ci() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "false");
    set("CI") || set("TF_BUILD")
}

/// What happened to the snapshots of a run, for its summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub matched: AtomicUsize,
    pub recorded: AtomicUsize,
    pub updated: AtomicUsize,
    /// Written as `.snap.new`, waiting for review.
    pub pending: AtomicUsize,
    /// Missing or changed, and not written.
    pub failed: AtomicUsize,
}

impl Tally {
    /// One line for the end of a run, or `None` when no snapshot was
    /// looked at.
    pub fn summary(&self, config: &SnapshotConfig) -> Option<String> {
        let count = |n: &AtomicUsize| n.load(Ordering::Relaxed);
        let parts: Vec<String> = [
            (count(&self.matched), "matched"),
            (count(&self.recorded), "recorded"),
            (count(&self.updated), "updated"),
            (count(&self.pending), "changed, written as .snap.new"),
            (count(&self.failed), "missing or changed, not written"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            return None;
        }
        let mut line = format!(
            "snapshots @{} in {}: {}",
            config.name,
            config.dir.display(),
            parts.join(", ")
        );
        if count(&self.pending) > 0 {
            line.push_str(&format!(
                "; review them with `pizzastack snapshots review {}`",
                config.dir.display()
            ));
        }
        if count(&self.failed) > 0 && config.ci {
            line.push_str(
                "; in CI nothing is written: record them where you run the suite yourself, and commit them",
            );
        }
        Some(line)
    }
}

/// Where snapshots live, which target's snapshot set they are, and whether
/// this run may write them.
#[derive(Debug, Clone)]
pub struct SnapshotConfig {
    /// Directory of the `.snap` files (absolute).
    pub dir: PathBuf,
    /// The snapshot set's name, the snapshot suffix: `mock`, or a name a third
    /// party gives its own implementation.
    pub name: String,
    pub update: Update,
    /// In CI, [`Update::Auto`] writes nothing.
    pub ci: bool,
    pub tally: Arc<Tally>,
}

impl SnapshotConfig {
    /// A snapshot set in `dir`, written as [`Update::Auto`] allows here.
    pub fn new(dir: PathBuf, name: String) -> Self {
        Self {
            dir,
            name,
            update: Update::Auto,
            ci: in_ci(),
            tally: Arc::default(),
        }
    }

    fn path(&self, case: &str) -> PathBuf {
        self.dir
            .join(format!("{}@{}.snap", case.replace('/', "__"), self.name))
    }
}

/// A case's exchanges that are not those of its stored snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotMismatch {
    #[error("no snapshot {} yet, and this run may not write one{}", file.display(), if *ci { " (in CI)" } else { "" })]
    Missing { file: PathBuf, ci: bool },
    #[error("the exchanges differ from snapshot {}{}:\n{diff}", file.display(), match pending {
        Some(pending) => format!(" (this run's are in {})", pending.display()),
        None => String::new(),
    })]
    Changed {
        file: PathBuf,
        diff: String,
        /// Where this run's exchanges were written for review.
        pending: Option<PathBuf>,
    },
    #[error(transparent)]
    File(#[from] FileError),
}

/// Compares a passed case's exchanges with its stored snapshot, and
/// records or updates it as `config.update` allows.
///
/// # Errors
/// When the snapshot is missing or differs (and was not written as the
/// newly accepted one), or its file cannot be read or written.
pub fn check(config: &SnapshotConfig, outcome: &CaseOutcome) -> Result<(), SnapshotMismatch> {
    let contents =
        serde_json::to_string_pretty(&exchanges(outcome)).expect("a JSON value serializes");
    let path = config.path(&outcome.id);
    let pending_path = file::pending_path(&path);
    let header = Header {
        source: outcome.file.clone(),
        description: format!("{} [{}]", outcome.name, outcome.rules.join(", ")),
        case: outcome.id.clone(),
        target: config.name.clone(),
        rules: outcome.rules.clone(),
    };
    let writes = match config.update {
        Update::Auto => !config.ci,
        Update::Always => true,
        Update::No => false,
    };
    let tally = &config.tally;
    let count = |n: &AtomicUsize| n.fetch_add(1, Ordering::Relaxed);
    match file::read_contents(&path)? {
        Some(stored) if file::same(&stored, &contents) => {
            // A review left over from an earlier run is moot now.
            if writes {
                file::remove(&pending_path)?;
            }
            count(&tally.matched);
            Ok(())
        }
        None if writes => {
            file::write(&path, &file::render(&header, &contents))?;
            count(&tally.recorded);
            Ok(())
        }
        None => {
            count(&tally.failed);
            Err(SnapshotMismatch::Missing {
                file: path,
                ci: config.ci,
            })
        }
        Some(_) if config.update == Update::Always => {
            file::write(&path, &file::render(&header, &contents))?;
            file::remove(&pending_path)?;
            count(&tally.updated);
            Ok(())
        }
        Some(stored) => {
            let diff = file::diff(&stored, &contents, &path.display().to_string());
            let pending = if writes {
                file::write(&pending_path, &file::render(&header, &contents))?;
                count(&tally.pending);
                Some(pending_path)
            } else {
                count(&tally.failed);
                None
            };
            Err(SnapshotMismatch::Changed {
                file: path,
                diff,
                pending,
            })
        }
    }
}

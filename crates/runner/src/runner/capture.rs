//! Captures: the values a step keeps from its answer (a JSON pointer or a
//! header, optionally narrowed by a regex) for later steps' templates.

use serde_json::Value;

use super::assert::attribution;
use super::outcome::{Check, Failure, ReceivedResponse};
use crate::case::template::Vars;
use crate::case::{CaptureSource, RuleCatalogue, Step};

/// Sets each of `step`'s captures from `response` in `vars`; the failures
/// are the captures that found nothing (each stops the case).
pub(super) fn capture(
    step: &Step,
    response: &ReceivedResponse,
    vars: &mut Vars,
    catalogue: &RuleCatalogue,
) -> Vec<Failure> {
    let mut missing = Vec::new();
    for capture in &step.captures {
        let value = match &capture.source {
            CaptureSource::Pointer(pointer) => response
                .json
                .as_ref()
                .and_then(|j| j.pointer(pointer))
                .cloned(),
            CaptureSource::Header(name) => response
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| Value::String(v.clone())),
        };
        let value = match (&capture.regex, value) {
            (None, value) => value,
            (Some(re), Some(Value::String(text))) => re.captures(&text).map(|caps| {
                let kept = caps
                    .get(1)
                    .or_else(|| caps.get(0))
                    .map_or("", |m| m.as_str());
                Value::String(kept.to_owned())
            }),
            (Some(_), _) => None,
        };
        match value {
            Some(value) => vars.set(&capture.name, value),
            None => {
                let (rules, level) = attribution(&None, &step.rules, catalogue);
                missing.push(Failure {
                    check: Check::Capture {
                        name: capture.name.clone(),
                    },
                    expected: match (&capture.source, &capture.regex) {
                        (CaptureSource::Pointer(p), None) => format!("a value at {p}"),
                        (CaptureSource::Header(h), None) => format!("a {h} header"),
                        (CaptureSource::Pointer(p), Some(re)) => {
                            format!("a string at {p} matching /{}/", re.as_str())
                        }
                        (CaptureSource::Header(h), Some(re)) => {
                            format!("a {h} header matching /{}/", re.as_str())
                        }
                    },
                    actual: "absent".to_owned(),
                    location: capture.location,
                    rules,
                    level,
                });
            }
        }
    }
    missing
}

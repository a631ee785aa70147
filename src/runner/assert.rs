//! Evaluating expectations against a response: free functions that return
//! a [`Failure`] or nothing. No IO.

use serde_json::Value;

use super::outcome::{Failure, ReceivedResponse};
use super::template::{render, render_json, Vars};
use crate::case::{BodyAssertion, Expect, HeaderAssertion, HeaderCheck, Location, ValueCheck};
use crate::spec::Spec;

/// Every expectation of `expect` that `response` does not meet.
pub fn check_response(
    expect: &Expect,
    method: &str,
    path: &str,
    response: &ReceivedResponse,
    vars: &Vars,
    spec: &Spec,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    if !expect.status.is_empty() && !expect.status.contains(&response.status) {
        failures.push(Failure {
            check: "status".to_owned(),
            expected: join_statuses(&expect.status),
            actual: response.status.to_string(),
            location: expect.location,
        });
    }
    for assertion in &expect.headers {
        failures.extend(eval_header_assertion(assertion, response, vars));
    }
    let schema = if expect.schema {
        schema_for(method, path, response.status, spec)
    } else {
        None
    };
    match &response.json {
        Some(json) => {
            if let Some(schema) = schema {
                failures.extend(check_schema(&schema, json, spec, expect.location));
            }
            for assertion in &expect.body {
                failures.extend(eval_body_assertion(assertion, json, vars));
            }
        }
        None if !expect.body.is_empty() || schema.is_some() => failures.push(Failure {
            check: "body is JSON".to_owned(),
            expected: "a JSON body".to_owned(),
            actual: if response.body.is_empty() {
                "an empty body".to_owned()
            } else {
                excerpt(&response.body)
            },
            location: expect.location,
        }),
        None => {}
    }
    failures
}

/// The schema file the OpenAPI document gives for this response; for an
/// error status it does not list, the error shape (ERR-001).
pub fn schema_for(method: &str, path: &str, status: u16, spec: &Spec) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    spec.operation_for(method, path)
        .and_then(|op| op.response_schemas.get(&status).cloned())
        .or_else(|| (status >= 400 && path.starts_with("/v1/")).then(|| "error.json".to_owned()))
}

fn check_schema(schema: &str, json: &Value, spec: &Spec, location: Location) -> Vec<Failure> {
    match spec.validate(schema, json) {
        Ok(()) => Vec::new(),
        Err(problems) => vec![Failure {
            check: format!("body matches schemas/{schema}"),
            expected: format!("a body valid against specs/schemas/{schema}"),
            actual: problems.join("; "),
            location,
        }],
    }
}

/// Checks one header.
pub fn eval_header_assertion(
    assertion: &HeaderAssertion,
    response: &ReceivedResponse,
    vars: &Vars,
) -> Option<Failure> {
    let value = response
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&assertion.name))
        .map(|(_, v)| v.as_str());
    let (check, expected, ok) = match &assertion.check {
        HeaderCheck::Present(want) => (
            "present",
            if *want {
                "present".to_owned()
            } else {
                "absent".to_owned()
            },
            value.is_some() == *want,
        ),
        HeaderCheck::Equals(text) => {
            let text = render(text, vars).unwrap_or_else(|e| e);
            let ok = value == Some(text.as_str());
            ("equals", format!("{text:?}"), ok)
        }
        HeaderCheck::Contains(text) => {
            let text = render(text, vars).unwrap_or_else(|e| e);
            let ok = value.is_some_and(|v| v.contains(&text));
            ("contains", format!("contains {text:?}"), ok)
        }
    };
    (!ok).then(|| Failure {
        check: format!("header {} {check}", assertion.name),
        expected,
        actual: value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}")),
        location: assertion.location,
    })
}

/// Checks the value at one JSON pointer.
pub fn eval_body_assertion(
    assertion: &BodyAssertion,
    body: &Value,
    vars: &Vars,
) -> Option<Failure> {
    let found = body.pointer(&assertion.pointer);
    let shown =
        |v: Option<&Value>| v.map_or_else(|| "absent".to_owned(), |v| excerpt(&v.to_string()));
    let fail = |check: &str, expected: String| {
        Some(Failure {
            check: format!("body {} {check}", pointer_name(&assertion.pointer)),
            expected,
            actual: shown(found),
            location: assertion.location,
        })
    };
    match &assertion.check {
        ValueCheck::Equals(expected) => {
            let expected = render_json(expected, vars).unwrap_or_else(Value::String);
            if found.is_some_and(|v| json_equal(v, &expected)) {
                None
            } else {
                fail("equals", expected.to_string())
            }
        }
        ValueCheck::NotEquals(unexpected) => {
            let unexpected = render_json(unexpected, vars).unwrap_or_else(Value::String);
            match found {
                Some(v) if !json_equal(v, &unexpected) => None,
                _ => fail("not_equals", format!("present and not {unexpected}")),
            }
        }
        ValueCheck::Matches(re) => match found.and_then(Value::as_str) {
            Some(s) if re.is_match(s) => None,
            _ => fail("matches", format!("a string matching /{}/", re.as_str())),
        },
        ValueCheck::Type(t) => match found {
            Some(v) if t.matches(v) => None,
            _ => fail("type", format!("a value of type {}", t.name())),
        },
        ValueCheck::Range { min, max } => {
            let n = found.and_then(Value::as_f64);
            let ok = n.is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m));
            if ok {
                None
            } else {
                let text = match (min, max) {
                    (Some(a), Some(b)) => format!("a number in [{a}, {b}]"),
                    (Some(a), None) => format!("a number >= {a}"),
                    (None, Some(b)) => format!("a number <= {b}"),
                    (None, None) => "a number".to_owned(),
                };
                fail("range", text)
            }
        }
        ValueCheck::Exists => match found {
            Some(_) => None,
            None => fail("exists", "present".to_owned()),
        },
        ValueCheck::Absent => match found {
            None => None,
            Some(_) => fail("absent", "absent".to_owned()),
        },
        ValueCheck::Prefix(prefix) => {
            let prefix = render(prefix, vars).unwrap_or_else(|e| e);
            match found.and_then(Value::as_str) {
                Some(s) if s.starts_with(&prefix) => None,
                _ => fail("prefix", format!("a string starting with {prefix:?}")),
            }
        }
        ValueCheck::LessThan(bound) | ValueCheck::GreaterThan(bound) => {
            let less = matches!(assertion.check, ValueCheck::LessThan(_));
            let name = if less { "less_than" } else { "greater_than" };
            let bound = render_json(bound, vars).ok().and_then(|b| match b {
                Value::String(s) => s.parse::<f64>().ok(),
                other => other.as_f64(),
            });
            let Some(bound) = bound else {
                return fail(
                    name,
                    "a numeric bound (the captured value is not a number)".to_owned(),
                );
            };
            let ok =
                found
                    .and_then(Value::as_f64)
                    .is_some_and(|n| if less { n < bound } else { n > bound });
            match (ok, less) {
                (true, _) => None,
                (false, true) => fail(name, format!("a number below {bound}")),
                (false, false) => fail(name, format!("a number above {bound}")),
            }
        }
        ValueCheck::Sorted { by, descending } => {
            let keys: Option<Vec<f64>> = found.and_then(Value::as_array).and_then(|items| {
                items
                    .iter()
                    .map(|item| item.pointer(by).and_then(Value::as_f64))
                    .collect()
            });
            let ok = keys.is_some_and(|keys| {
                keys.windows(2).all(|w| {
                    if *descending {
                        w[0] >= w[1]
                    } else {
                        w[0] <= w[1]
                    }
                })
            });
            if ok {
                None
            } else {
                let order = if *descending { "highest" } else { "lowest" };
                fail(
                    "sorted",
                    format!("an array sorted by {} {order} first", pointer_name(by)),
                )
            }
        }
        ValueCheck::Length(n) => {
            let len = found.and_then(|v| match v {
                Value::Array(a) => Some(a.len()),
                Value::String(s) => Some(s.chars().count()),
                Value::Object(o) => Some(o.len()),
                _ => None,
            });
            if len == Some(*n) {
                None
            } else {
                fail("length", format!("length {n}"))
            }
        }
    }
}

/// Numbers compare by value (`150` equals `150.0`); the rest structurally.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn pointer_name(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(whole body)"
    } else {
        pointer
    }
}

fn join_statuses(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The first 300 characters of a text, for reports.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}… ({} bytes)", text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(pointer: &str, check: ValueCheck) -> BodyAssertion {
        BodyAssertion {
            pointer: pointer.to_owned(),
            check,
            location: Location::default(),
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        let body = json!({"weight": 150.0});
        assert!(eval_body_assertion(
            &at("/weight", ValueCheck::Equals(json!(150))),
            &body,
            &Vars::default()
        )
        .is_none());
    }

    #[test]
    fn a_failed_range_reports_expected_and_actual() {
        let body = json!({"score": 0.99});
        let failure = eval_body_assertion(
            &at(
                "/score",
                ValueCheck::Range {
                    min: Some(0.9),
                    max: Some(0.98),
                },
            ),
            &body,
            &Vars::default(),
        )
        .unwrap();
        assert_eq!(failure.expected, "a number in [0.9, 0.98]");
        assert_eq!(failure.actual, "0.99");
        assert_eq!(failure.check, "body /score range");
    }

    #[test]
    fn absent_values_fail_every_positive_check() {
        let body = json!({});
        for check in [
            ValueCheck::Equals(json!(1)),
            ValueCheck::NotEquals(json!(1)),
            ValueCheck::Exists,
            ValueCheck::Prefix("tom_".into()),
            ValueCheck::Length(0),
            ValueCheck::Type(crate::case::JsonType::Null),
        ] {
            let failure = eval_body_assertion(&at("/x", check.clone()), &body, &Vars::default());
            assert_eq!(
                failure.map(|f| f.actual),
                Some("absent".to_owned()),
                "{check:?}"
            );
        }
    }
}

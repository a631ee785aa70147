//! Evaluating expectations against a response: free functions that return
//! a [`Failure`] or nothing. No IO.

use serde_json::Value;

use super::outcome::{Failure, ReceivedResponse};
use crate::case::template::{render, render_json, Vars};
use crate::case::{
    BodyAssertion, HeaderAssertion, HeaderCheck, Level, Location, RuleCatalogue, StatusPattern,
    Step, ValueCheck,
};
use crate::spec::Spec;

/// What checking one response found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every expectation not met, attributed to its rules.
    pub failures: Vec<Failure>,
    /// Whether the status was as expected. When it was not, nothing else
    /// of the response was checked, and the case cannot go on.
    pub status_ok: bool,
}

/// Checks a step's expectations against a response, each failure
/// attributed to the rules it counts against: the expectation's own
/// `rule`, else the step's `rules`; a schema violation to the rule or
/// detail the schema names for it.
pub fn check_response(
    step: &Step,
    method: &str,
    path: &str,
    response: &ReceivedResponse,
    vars: &Vars,
    spec: &Spec,
    catalogue: &RuleCatalogue,
) -> Checked {
    let expect = &step.expect;
    let attribute = |own: &Option<String>| attribution(own, &step.rules, catalogue);
    if !expect.status.is_empty() && !expect.status.iter().any(|p| p.matches(response.status)) {
        let (rules, level) = attribute(&expect.status_rule);
        return Checked {
            failures: vec![Failure {
                check: "status".to_owned(),
                expected: join_statuses(&expect.status),
                actual: response.status.to_string(),
                location: expect.location,
                rules,
                level,
            }],
            status_ok: false,
        };
    }
    let mut failures = Vec::new();
    for assertion in &expect.headers {
        if let Some(mut failure) = eval_header_assertion(assertion, response, vars) {
            (failure.rules, failure.level) = attribute(&assertion.rule);
            failures.push(failure);
        }
    }
    let schema = if expect.schema {
        schema_for(method, path, response.status, spec)
    } else {
        None
    };
    match &response.json {
        Some(json) => {
            if let Some(schema) = &schema {
                failures.extend(check_schema(schema, json, spec, catalogue, expect.location));
            }
            for assertion in &expect.body {
                if let Some(mut failure) = eval_body_assertion(assertion, json, vars) {
                    (failure.rules, failure.level) = attribute(&assertion.rule);
                    failures.push(failure);
                }
            }
        }
        None => {
            // One failure per attribution: the schema's rule, and the rules
            // of the body assertions that had nothing to look at.
            let mut attributions = Vec::new();
            if let Some(schema) = &schema {
                attributions.push(attribute(&spec.schema_rule(schema).map(str::to_owned)));
            }
            for assertion in &expect.body {
                let attributed = attribute(&assertion.rule);
                if !attributions.contains(&attributed) {
                    attributions.push(attributed);
                }
            }
            for (rules, level) in attributions {
                failures.push(Failure {
                    check: "body is JSON".to_owned(),
                    expected: "a JSON body".to_owned(),
                    actual: if response.body.is_empty() {
                        "an empty body".to_owned()
                    } else {
                        excerpt(&response.body)
                    },
                    location: expect.location,
                    rules,
                    level,
                });
            }
        }
    }
    Checked {
        failures,
        status_ok: true,
    }
}

/// The rules an expectation counts against and the strictest of their
/// levels; no rules and no level for a setup step's expectation.
pub fn attribution(
    own: &Option<String>,
    step_rules: &[String],
    catalogue: &RuleCatalogue,
) -> (Vec<String>, Option<Level>) {
    let rules: Vec<String> = match own {
        Some(id) => vec![id.clone()],
        None => step_rules.to_vec(),
    };
    let level = rules
        .iter()
        .map(|id| catalogue.get(id).map_or(Level::Mock, |r| r.level))
        .max();
    (rules, level)
}

/// The schema file the OpenAPI document gives for this response; for a
/// success status it does not list (a 201, say), the 200's schema; for an
/// error status it does not list, the error shape (ERR-001).
pub fn schema_for(method: &str, path: &str, status: u16, spec: &Spec) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    let operation = spec.operation_for(method, path);
    let listed = |status| operation.and_then(|op| op.response_schemas.get(&status).cloned());
    listed(status)
        .or_else(|| (200..300).contains(&status).then(|| listed(200)).flatten())
        .or_else(|| (status >= 400 && path.starts_with("/v1/")).then(|| "error.json".to_owned()))
}

/// One failure per rule or detail that the response's schema problems
/// count against.
fn check_schema(
    schema: &str,
    json: &Value,
    spec: &Spec,
    catalogue: &RuleCatalogue,
    location: Location,
) -> Vec<Failure> {
    let mut by_rule: Vec<(String, Vec<String>)> = Vec::new();
    for problem in spec.judge(schema, json) {
        match by_rule.iter_mut().find(|(rule, _)| *rule == problem.rule) {
            Some((_, messages)) => messages.push(problem.message),
            None => by_rule.push((problem.rule, vec![problem.message])),
        }
    }
    by_rule
        .into_iter()
        .map(|(rule, messages)| {
            let (rules, level) = attribution(&Some(rule), &[], catalogue);
            Failure {
                check: format!("body matches schemas/{schema}"),
                expected: format!("a body valid against specs/schemas/{schema}"),
                actual: messages.join("; "),
                location,
                rules,
                level,
            }
        })
        .collect()
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
        rules: Vec::new(),
        level: None,
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
            rules: Vec::new(),
            level: None,
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
            None | Some(Value::Null) => None,
            Some(_) => fail("absent", "absent (or null)".to_owned()),
        },
        ValueCheck::Contains(wanted) => {
            let wanted = render_json(wanted, vars).unwrap_or_else(Value::String);
            let has = found
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|item| json_contains(item, &wanted)));
            if has {
                None
            } else {
                fail(
                    "contains",
                    format!("an array with an element like {wanted}"),
                )
            }
        }
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
            let number = |b: Value| match b {
                Value::String(s) => s.parse::<f64>().ok(),
                other => other.as_f64(),
            };
            // Below (above) every bound of a list is below its least (above
            // its greatest).
            let bound = match render_json(bound, vars) {
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .map(number)
                    .collect::<Option<Vec<f64>>>()
                    .and_then(|all| {
                        all.into_iter()
                            .reduce(|a, b| if less { a.min(b) } else { a.max(b) })
                    }),
                Ok(single) => number(single),
                Err(_) => None,
            };
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

/// Whether `item` has every member of `wanted` (an object), or equals it.
fn json_contains(item: &Value, wanted: &Value) -> bool {
    match (item, wanted) {
        (Value::Object(have), Value::Object(want)) => want
            .iter()
            .all(|(k, v)| have.get(k).is_some_and(|h| json_equal(h, v))),
        _ => json_equal(item, wanted),
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

fn join_statuses(statuses: &[StatusPattern]) -> String {
    statuses
        .iter()
        .map(StatusPattern::to_string)
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
            rule: None,
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

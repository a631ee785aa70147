//! Evaluating expectations against a response: free functions that return
//! a [`Failure`] or nothing. No IO.

use serde_json::Value;

use super::outcome::{Check, Failure, ReceivedResponse};
use crate::case::assertion::Mismatch;
use crate::case::template::{render, TemplateError, Vars};
use crate::case::{
    BodyAssertion, HeaderAssertion, HeaderCheck, Level, Location, RuleCatalogue, StatusPattern,
    Step,
};
use pizzastack_spec::Spec;

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
                check: Check::Status,
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
    if !expect.exactly.is_empty() && !expect.exactly.iter().any(|p| p.matches(response.status)) {
        // The page allows this status; the mock would have answered
        // another, which is the step's (MOCK) detail, not the rule.
        let (rules, level) = attribute(&None);
        failures.push(Failure {
            check: Check::Status,
            expected: join_statuses(&expect.exactly),
            actual: response.status.to_string(),
            location: expect.location,
            rules,
            level,
        });
    }
    for assertion in &expect.headers {
        if let Some(mut failure) = eval_header_assertion(assertion, response, vars) {
            if !failure.is_of_the_case() {
                (failure.rules, failure.level) = attribute(&assertion.rule);
            }
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
                    if !failure.is_of_the_case() {
                        (failure.rules, failure.level) = attribute(&assertion.rule);
                    }
                    failures.push(failure);
                }
            }
        }
        None => failures.extend(not_json(step, response, schema.as_deref(), spec, catalogue)),
    }
    Checked {
        failures,
        status_ok: true,
    }
}

/// An answer that is not JSON where the step expects a schema or body
/// assertions: one failure per attribution, the schema's rule and the
/// rules of the body assertions that had nothing to look at.
fn not_json(
    step: &Step,
    response: &ReceivedResponse,
    schema: Option<&str>,
    spec: &Spec,
    catalogue: &RuleCatalogue,
) -> Vec<Failure> {
    let expect = &step.expect;
    let attribute = |own: &Option<String>| attribution(own, &step.rules, catalogue);
    let mut attributions = Vec::new();
    if let Some(schema) = schema {
        attributions.push(attribute(&spec.schema_rule(schema).map(str::to_owned)));
    }
    for assertion in &expect.body {
        let attributed = attribute(&assertion.rule);
        if !attributions.contains(&attributed) {
            attributions.push(attributed);
        }
    }
    attributions
        .into_iter()
        .map(|(rules, level)| Failure {
            check: Check::BodyIsJson,
            expected: "a JSON body".to_owned(),
            actual: if response.body.is_empty() {
                "an empty body".to_owned()
            } else {
                excerpt(&response.body)
            },
            location: expect.location,
            rules,
            level,
        })
        .collect()
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
                check: Check::Schema {
                    schema: schema.to_owned(),
                },
                expected: format!("a body valid against specs/schemas/{schema}"),
                actual: messages.join("; "),
                location,
                rules,
                level,
            }
        })
        .collect()
}

/// Checks one header; a template it cannot render is a failure of the
/// case, attributed to no rule.
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
    let (check, text) = match &assertion.check {
        HeaderCheck::Present(_) => ("present", None),
        HeaderCheck::Equals(text) => ("equals", Some(text)),
        HeaderCheck::Contains(text) => ("contains", Some(text)),
    };
    let kind = Check::Header {
        name: assertion.name.clone(),
        check,
    };
    let text = match text.map(|t| render(t, vars)).transpose() {
        Ok(text) => text.unwrap_or_default(),
        Err(error) => return Some(template_failure(&kind, error, assertion.location)),
    };
    let (expected, ok) = match &assertion.check {
        HeaderCheck::Present(want) => (
            if *want { "present" } else { "absent" }.to_owned(),
            value.is_some() == *want,
        ),
        HeaderCheck::Equals(_) => (format!("{text:?}"), value == Some(text.as_str())),
        HeaderCheck::Contains(_) => (
            format!("contains {text:?}"),
            value.is_some_and(|v| v.contains(&text)),
        ),
    };
    (!ok).then(|| Failure {
        check: kind,
        expected,
        actual: value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}")),
        location: assertion.location,
        rules: Vec::new(),
        level: None,
    })
}

/// Checks the value at one JSON pointer; a template it cannot render is a
/// failure of the case, attributed to no rule.
pub fn eval_body_assertion(
    assertion: &BodyAssertion,
    body: &Value,
    vars: &Vars,
) -> Option<Failure> {
    let found = body.pointer(&assertion.pointer);
    let kind = Check::Body {
        pointer: assertion.pointer.clone(),
        check: assertion.check.name(),
    };
    match assertion.check.check(found, vars) {
        Ok(()) => None,
        Err(Mismatch::Template(error)) => Some(template_failure(&kind, error, assertion.location)),
        Err(Mismatch::Expected(expected)) => Some(Failure {
            check: kind,
            expected,
            actual: found.map_or_else(|| "absent".to_owned(), |v| excerpt(&v.to_string())),
            location: assertion.location,
            rules: Vec::new(),
            level: None,
        }),
    }
}

fn template_failure(within: &Check, error: TemplateError, location: Location) -> Failure {
    Failure::setup(
        Check::Template {
            within: within.to_string(),
        },
        "every {{variable}} defined",
        error.to_string(),
        location,
    )
}

fn join_statuses(statuses: &[StatusPattern]) -> String {
    statuses
        .iter()
        .map(StatusPattern::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The first 300 characters of a text, for reports, made printable.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        printable(text)
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{}… ({} bytes)", printable(&cut), text.len())
    }
}

/// A target's text as it may reach a terminal or a report: control
/// characters (an escape sequence could clear a screen or forge a line of
/// a CI log) written as `\u{1b}`, line breaks as `\n`.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::ValueCheck;
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
        assert_eq!(failure.check.to_string(), "body /score range");
    }

    #[test]
    fn absent_values_are_reported_as_absent() {
        let failure =
            eval_body_assertion(&at("/x", ValueCheck::Exists), &json!({}), &Vars::default());
        assert_eq!(failure.map(|f| f.actual), Some("absent".to_owned()));
    }

    #[test]
    fn a_template_that_cannot_be_rendered_fails_the_case_not_a_rule() {
        let failure = eval_body_assertion(
            &at("/id", ValueCheck::Prefix("{{missing}}".to_owned())),
            &json!({"id": "x"}),
            &Vars::default(),
        )
        .unwrap();
        assert!(failure.is_of_the_case());
        assert_eq!(failure.check.to_string(), "template in body /id prefix");
    }
}

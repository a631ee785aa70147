//! What a step expects: statuses, header checks, body assertions and their
//! bounds.

use std::collections::BTreeSet;

use saphyr::{MarkedYaml, Scalar, YamlData};
use serde_json::Value;

use super::*;

impl Ctx {
    pub(super) fn expect(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<Expect> {
        let entries = self.mapping(node, "`expect`", Some(EXPECT_KEYS))?;
        let mut expect = Expect::nothing(location(node));
        for (key, value, _) in &entries {
            match *key {
                "status" => {
                    let mut codes = *value;
                    if matches!(value.data, YamlData::Mapping(_)) {
                        let Some(parts) = self.mapping(value, "`status`", Some(STATUS_KEYS)) else {
                            continue;
                        };
                        let Some(&(_, code_node, _)) = parts.iter().find(|(k, _, _)| *k == "code")
                        else {
                            self.error(
                                value,
                                "`status` as a mapping needs `code`",
                                Some("e.g. `status: {code: 200, rule: SQZ-001/request-body}`"),
                            );
                            continue;
                        };
                        codes = code_node;
                        if let Some(&(_, rule, _)) = parts.iter().find(|(k, _, _)| *k == "rule") {
                            expect.status_rule = self.cited_rule(rule, catalogue);
                        }
                    }
                    let items: Vec<&MarkedYaml<'_>> = match &codes.data {
                        YamlData::Sequence(items) => items.iter().collect(),
                        _ => vec![codes],
                    };
                    for item in items {
                        match scalar(item) {
                            Some(Scalar::Integer(code)) if (100..=599).contains(code) => {
                                expect.status.push(StatusPattern::Code(*code as u16));
                            }
                            Some(Scalar::String(class))
                                if class.len() == 3
                                    && class.ends_with("xx")
                                    && (b'1'..=b'5').contains(&class.as_bytes()[0]) =>
                            {
                                expect
                                    .status
                                    .push(StatusPattern::Class(u16::from(class.as_bytes()[0] - b'0')));
                            }
                            _ => self.error(
                                item,
                                format!(
                                    "a status must be a number from 100 to 599 or a class such as 2xx, not {}",
                                    describe(item)
                                ),
                                Some("e.g. `status: 400`, `status: [400, 422]` or `status: 2xx`"),
                            ),
                        }
                    }
                }
                "schema" => match scalar(value) {
                    Some(Scalar::Boolean(b)) => expect.schema = *b,
                    _ => self.error(value, "`schema` must be true or false", None),
                },
                "headers" => {
                    for (name, check, key_location) in self
                        .mapping(value, "`expect.headers`", None)
                        .unwrap_or_default()
                    {
                        let check = match &check.data {
                            YamlData::Value(Scalar::String(text)) => {
                                self.check_templates(check, text, defined);
                                Some((HeaderCheck::Equals(text.to_string()), None))
                            }
                            YamlData::Mapping(_) => self.header_check(check, defined, catalogue),
                            _ => {
                                self.error(
                                    check,
                                    format!(
                                        "header `{name}` needs `present`, `equals` or `contains`"
                                    ),
                                    Some("e.g. `content-type: {contains: application/json}`"),
                                );
                                None
                            }
                        };
                        if let Some((check, rule)) = check {
                            expect.headers.push(HeaderAssertion {
                                name: name.to_ascii_lowercase(),
                                check,
                                rule,
                                location: key_location,
                            });
                        }
                    }
                }
                "body" => {
                    for item in self.list(value, "`expect.body`").unwrap_or_default() {
                        if let Some(assertion) = self.body_assertion(item, defined, catalogue) {
                            expect.body.push(assertion);
                        }
                    }
                }
                _ => {}
            }
        }
        Some(expect)
    }

    pub(super) fn header_check(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<(HeaderCheck, Option<String>)> {
        let mut entries = self.mapping(node, "a header check", Some(HEADER_CHECK_KEYS))?;
        let mut rule = None;
        if let Some(at) = entries.iter().position(|(k, _, _)| *k == "rule") {
            let (_, value, _) = entries.remove(at);
            rule = self.cited_rule(value, catalogue);
        }
        if entries.len() != 1 {
            self.error(
                node,
                "a header check has exactly one of `present`, `equals`, `contains`",
                None,
            );
            return None;
        }
        let (key, value, _) = entries[0];
        let check = match key {
            "present" => match scalar(value) {
                Some(Scalar::Boolean(b)) => HeaderCheck::Present(*b),
                _ => {
                    self.error(value, "`present` must be true or false", None);
                    return None;
                }
            },
            _ => {
                let text = self.string(value, &format!("`{key}`"))?;
                self.check_templates(value, &text, defined);
                if key == "equals" {
                    HeaderCheck::Equals(text)
                } else {
                    HeaderCheck::Contains(text)
                }
            }
        };
        Some((check, rule))
    }

    pub(super) fn body_assertion(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<BodyAssertion> {
        let mut allowed = vec!["pointer", "rule"];
        allowed.extend_from_slice(ASSERTION_CHECKS);
        let entries = self.mapping(node, "a body assertion", Some(&allowed))?;
        let mut pointer = None;
        let mut rule = None;
        let mut checks: Vec<(&str, &MarkedYaml<'_>)> = Vec::new();
        for (key, value, _) in &entries {
            if *key == "rule" {
                rule = self.cited_rule(value, catalogue);
            } else if *key == "pointer" {
                if let Some(p) = self.string(value, "`pointer`") {
                    if !p.is_empty() && !p.starts_with('/') {
                        self.error(
                            value,
                            format!("pointer `{p}` must start with / (RFC 6901)"),
                            Some(&format!("write `/{}`", p.replace('.', "/"))),
                        );
                    } else {
                        pointer = Some(p);
                    }
                }
            } else {
                checks.push((key, value));
            }
        }
        if !entries.iter().any(|(k, _, _)| *k == "pointer") {
            self.error(
                node,
                "the assertion has no `pointer`",
                Some("add e.g. `pointer: /error`; `\"\"` is the whole body"),
            );
        }
        if checks.len() != 1 {
            self.error(
                node,
                format!("an assertion has exactly one check, found {}", checks.len()),
                Some(&format!("one of: {}", ASSERTION_CHECKS.join(", "))),
            );
            return None;
        }
        let (key, value) = checks[0];
        let check = match key {
            "equals" | "not_equals" | "contains" => {
                let json = self.json(value)?;
                self.check_json_templates(value, &json, defined);
                match key {
                    "equals" => ValueCheck::Equals(json),
                    "not_equals" => ValueCheck::NotEquals(json),
                    _ => ValueCheck::Contains(json),
                }
            }
            "matches" => {
                let pattern = self.string(value, "`matches`")?;
                match regex::Regex::new(&pattern) {
                    Ok(re) => ValueCheck::Matches(re),
                    Err(e) => {
                        self.error(
                            value,
                            format!("`{pattern}` is not a valid regular expression: {e}"),
                            None,
                        );
                        return None;
                    }
                }
            }
            "type" => {
                let name = self.string(value, "`type`")?;
                match JsonType::parse(&name) {
                    Some(t) => ValueCheck::Type(t),
                    None => {
                        self.error(
                            value,
                            format!("unknown type `{name}`"),
                            Some(&format!("one of: {}", JsonType::NAMES)),
                        );
                        return None;
                    }
                }
            }
            "range" => self.range(value)?,
            "exists" | "absent" => match scalar(value) {
                Some(Scalar::Boolean(b)) => {
                    if *b == (key == "exists") {
                        ValueCheck::Exists
                    } else {
                        ValueCheck::Absent
                    }
                }
                _ => {
                    self.error(value, format!("`{key}` must be true or false"), None);
                    return None;
                }
            },
            "prefix" => {
                let text = self.string(value, "`prefix`")?;
                self.check_templates(value, &text, defined);
                ValueCheck::Prefix(text)
            }
            "less_than" | "greater_than" => {
                let bound = match &value.data {
                    YamlData::Sequence(items) if !items.is_empty() => {
                        let mut bounds = Vec::with_capacity(items.len());
                        for item in items {
                            bounds.push(self.numeric_bound(item, key, defined)?);
                        }
                        Value::Array(bounds)
                    }
                    _ => self.numeric_bound(value, key, defined)?,
                };
                if key == "less_than" {
                    ValueCheck::LessThan(bound)
                } else {
                    ValueCheck::GreaterThan(bound)
                }
            }
            "sorted" => {
                let entries = self.mapping(value, "`sorted`", Some(&["by", "order"]))?;
                let mut by = String::new();
                let mut descending = None;
                for (k, v, _) in entries {
                    let text = self.string(v, &format!("`sorted.{k}`"))?;
                    if k == "by" {
                        by = text;
                    } else {
                        match text.as_str() {
                            "descending" => descending = Some(true),
                            "ascending" => descending = Some(false),
                            other => self.error(
                                v,
                                format!("unknown order `{other}`"),
                                Some("ascending or descending"),
                            ),
                        }
                    }
                }
                let Some(descending) = descending else {
                    self.error(
                        value,
                        "`sorted` needs an `order`",
                        Some("e.g. `sorted: {by: /score, order: descending}`"),
                    );
                    return None;
                };
                ValueCheck::Sorted { by, descending }
            }
            "length" => match scalar(value) {
                Some(Scalar::Integer(n)) if *n >= 0 => ValueCheck::Length(*n as usize),
                _ => {
                    self.error(value, "`length` must be a whole number", None);
                    return None;
                }
            },
            _ => return None,
        };
        Some(BodyAssertion {
            pointer: pointer?,
            check,
            rule,
            location: location(node),
        })
    }

    /// A number, or a `{{template}}` naming a captured number.
    pub(super) fn numeric_bound(
        &mut self,
        node: &MarkedYaml<'_>,
        key: &str,
        defined: &BTreeSet<String>,
    ) -> Option<Value> {
        match scalar(node) {
            Some(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => self.json(node),
            Some(Scalar::String(s)) if s.trim().starts_with("{{") => {
                self.check_templates(node, s, defined);
                Some(Value::String(s.to_string()))
            }
            _ => {
                self.error(
                    node,
                    format!("`{key}` must be a number, a {{{{template}}}} naming a captured number, or a list of them"),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn range(&mut self, node: &MarkedYaml<'_>) -> Option<ValueCheck> {
        let number = |n: &MarkedYaml<'_>| match scalar(n) {
            Some(Scalar::Integer(i)) => Some(*i as f64),
            Some(Scalar::FloatingPoint(f)) => Some(f.into_inner()),
            _ => None,
        };
        let bounds = match &node.data {
            YamlData::Sequence(items) if items.len() == 2 => (number(&items[0]), number(&items[1])),
            YamlData::Mapping(_) => {
                let entries = self.mapping(node, "`range`", Some(&["min", "max"]))?;
                let mut bounds = (None, None);
                for (key, value, _) in entries {
                    let n = number(value);
                    if n.is_none() {
                        self.error(value, format!("`{key}` must be a number"), None);
                    }
                    if key == "min" {
                        bounds.0 = n
                    } else {
                        bounds.1 = n
                    }
                }
                bounds
            }
            _ => {
                self.error(
                    node,
                    "`range` must be [min, max] or {min: .., max: ..}",
                    Some("e.g. `range: [0.90, 0.98]`"),
                );
                return None;
            }
        };
        if let (Some(min), Some(max)) = bounds {
            if min > max {
                self.error(
                    node,
                    format!("the range is empty: {min} is above {max}"),
                    None,
                );
                return None;
            }
        }
        if bounds == (None, None) {
            self.error(
                node,
                "`range` needs numeric bounds",
                Some("e.g. `range: [0.90, 0.98]`"),
            );
            return None;
        }
        Some(ValueCheck::Range {
            min: bounds.0,
            max: bounds.1,
        })
    }
}

//! What a step expects: statuses, header checks, body assertions and their
//! bounds.

use std::collections::BTreeSet;

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::*;
use crate::case::assertion::{self, ValueCheck};

impl Ctx<'_> {
    /// A status code, a class such as `2xx`, or a list of them.
    fn status_patterns(&mut self, codes: &MarkedYaml<'_>) -> Vec<StatusPattern> {
        let items: Vec<&MarkedYaml<'_>> = match &codes.data {
            YamlData::Sequence(items) => items.iter().collect(),
            _ => vec![codes],
        };
        let mut patterns = Vec::new();
        for item in items {
            match scalar(item) {
                Some(Scalar::Integer(code)) if (100..=599).contains(code) => {
                    patterns.push(StatusPattern::Code(*code as u16));
                }
                Some(Scalar::String(class))
                    if class.len() == 3
                        && class.ends_with("xx")
                        && (b'1'..=b'5').contains(&class.as_bytes()[0]) =>
                {
                    patterns.push(StatusPattern::Class(u16::from(class.as_bytes()[0] - b'0')));
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
        patterns
    }

    pub(super) fn expect(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<Expect> {
        let entries = self.mapping(node, "`expect`", Some(&format::keys(format::EXPECT)))?;
        let mut expect = Expect::nothing(location(node));
        for (key, value, _) in &entries {
            match *key {
                "status" => {
                    let mut codes = *value;
                    if matches!(value.data, YamlData::Mapping(_)) {
                        let Some(parts) =
                            self.mapping(value, "`status`", Some(&format::keys(format::STATUS)))
                        else {
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
                        if let Some(&(_, exactly, _)) =
                            parts.iter().find(|(k, _, _)| *k == "exactly")
                        {
                            expect.exactly = self.status_patterns(exactly);
                        }
                    }
                    expect.status = self.status_patterns(codes);
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
        let mut entries = self.mapping(
            node,
            "a header check",
            Some(&format::keys(format::HEADER_CHECK)),
        )?;
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
        let mut allowed = format::keys(format::ASSERTION);
        allowed.extend(assertion::names());
        let reported = self.diagnostics.len();
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
            // An unknown key was reported already: say nothing more.
            if checks.is_empty() && self.diagnostics.len() > reported {
                return None;
            }
            self.error(
                node,
                format!("an assertion has exactly one check, found {}", checks.len()),
                Some(&format!("one of: {}", assertion::names().join(", "))),
            );
            return None;
        }
        let (key, value) = checks[0];
        let json = self.json(value)?;
        if assertion::kind(key).is_some_and(|k| k.templated) {
            self.check_json_templates(value, &json, defined);
        }
        let check = match ValueCheck::parse(key, &json) {
            Ok(check) => check,
            Err(invalid) => {
                self.error(
                    node_at(value, &invalid.at),
                    invalid.message,
                    invalid.hint.as_deref(),
                );
                return None;
            }
        };
        Some(BodyAssertion {
            pointer: pointer?,
            check,
            rule,
            location: location(node),
        })
    }
}

/// The node a relative JSON pointer names within `node`, or `node` itself
/// where the pointer leads nowhere in it.
fn node_at<'a, 'i>(node: &'a MarkedYaml<'i>, pointer: &str) -> &'a MarkedYaml<'i> {
    let mut at = node;
    for token in pointer.split('/').skip(1) {
        let next = match &at.data {
            YamlData::Mapping(map) => map
                .iter()
                .find(|(k, _)| {
                    scalar(k).is_some_and(|k| matches!(k, Scalar::String(s) if s == token))
                })
                .map(|(_, v)| v),
            YamlData::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return at,
        }
    }
    at
}

//! The case and its steps: top-level keys, rule IDs, requirements,
//! examples, and each step's request.

use std::collections::BTreeSet;

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::*;

impl Ctx<'_> {
    pub(super) fn case(
        &mut self,
        root: &MarkedYaml<'_>,
        catalogue: &RuleCatalogue,
    ) -> Option<Case> {
        let entries = self.mapping(root, "a case", Some(&format::keys(format::CASE)))?;
        let mut name = None;
        let mut examples = Vec::new();
        let mut requires = Vec::new();
        let mut steps = Vec::new();
        let mut steps_seen = false;
        // The rules first, wherever they stand: steps cite them.
        let (rules, level, rules_node) = self.case_rules(&entries, catalogue);
        for (key, value, _) in &entries {
            match *key {
                "name" => name = self.string(value, "`name`"),
                "description" => {
                    self.string(value, "`description`");
                }
                "examples" => examples = self.case_examples(value),
                "requires" => requires = self.case_requires(value),
                "steps" => {
                    steps_seen = true;
                    steps = self.case_steps(value, catalogue);
                }
                _ => {}
            }
        }
        self.check_case_keys(root, &entries, steps_seen, &steps, &requires);
        // A case whose steps name no rules checks all of its rules in every
        // step, as case files did before steps could name them.
        if steps.iter().all(|s: &Step| s.rules.is_empty()) {
            for step in &mut steps {
                step.rules = rules.clone();
            }
        }
        if let Some(node) = rules_node {
            self.check_rules_checked(node, &rules, &steps, catalogue);
        }
        Some(Case {
            file: self.file.clone(),
            path: self.file.clone(),
            name: name?,
            level: level?,
            rules,
            examples,
            requires,
            steps,
        })
    }

    /// The case's rule IDs (read first, wherever they stand: steps cite
    /// them), its level, and the `rules` node.
    fn case_rules<'y>(
        &mut self,
        entries: &[(&str, &'y MarkedYaml<'y>, Location)],
        catalogue: &RuleCatalogue,
    ) -> (Vec<String>, Option<Level>, Option<&'y MarkedYaml<'y>>) {
        let mut rules = Vec::new();
        let mut level = None;
        let mut rules_node = None;
        for (_, value, _) in entries.iter().filter(|(k, _, _)| *k == "rules") {
            rules_node = Some(*value);
            for item in self.list(value, "`rules`").unwrap_or_default() {
                let Some(id) = self.string(item, "a rule ID") else {
                    continue;
                };
                match catalogue.get(&id) {
                    Some(rule) => {
                        level = level.max(Some(rule.level));
                        rules.push(id);
                    }
                    None => {
                        let hint = catalogue.closest(&id).map(|near| {
                            format!("did you mean `{near}`? rule IDs come from pizzastack-api.md")
                        });
                        self.error(item, format!("unknown rule `{id}`"), hint.as_deref());
                    }
                }
            }
            if matches!(&value.data, YamlData::Sequence(items) if items.is_empty()) {
                self.error(
                    value,
                    "`rules` is empty",
                    Some("name the rule IDs this case checks, e.g. [SESS-005]"),
                );
            }
        }
        (rules, level, rules_node)
    }

    /// The documented examples a case sends.
    fn case_examples(&mut self, value: &MarkedYaml<'_>) -> Vec<String> {
        let mut examples = Vec::new();
        let known = crate::case::examples::ExampleCatalogue::embedded();
        for item in self.list(value, "`examples`").unwrap_or_default() {
            let Some(id) = self.string(item, "an example ID") else {
                continue;
            };
            if known.get(&id).is_none() {
                let hint = closest(&id, known.ids()).map(|near| {
                    format!("did you mean `{near}`? example IDs come from specs/examples.json")
                });
                self.error(
                    item,
                    format!("unknown documented example `{id}`"),
                    hint.as_deref(),
                );
            } else {
                examples.push(id);
            }
        }
        examples
    }

    /// The capabilities a case needs of its target.
    fn case_requires(&mut self, value: &MarkedYaml<'_>) -> Vec<Capability> {
        let mut requires = Vec::new();
        for item in self.list(value, "`requires`").unwrap_or_default() {
            let Some(word) = self.string(item, "a capability") else {
                continue;
            };
            match Capability::ALL.into_iter().find(|c| c.name() == word) {
                Some(capability) => requires.push(capability),
                None => {
                    let names = Capability::ALL.map(Capability::name);
                    self.error(
                        item,
                        format!("unknown capability `{word}`"),
                        Some(&format!("one of: {}", names.join(", "))),
                    );
                }
            }
        }
        requires
    }

    /// The steps, each with the variables the steps before it defined.
    fn case_steps(&mut self, value: &MarkedYaml<'_>, catalogue: &RuleCatalogue) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut defined: BTreeSet<String> = BUILTIN_VARIABLES
            .iter()
            .map(|v| (*v).to_owned())
            .chain(self.variables.iter().cloned())
            .collect();
        let items = self.list(value, "`steps`").unwrap_or_default();
        if items.is_empty() && matches!(value.data, YamlData::Sequence(_)) {
            self.error(
                value,
                "`steps` is empty",
                Some("a case needs at least one step"),
            );
        }
        for item in items {
            if let Some(step) = self.step(item, &mut defined, catalogue) {
                steps.push(step);
            }
        }
        steps
    }

    /// The keys a case must have, and `requires: [session_expiry]` for a
    /// case that lets time pass.
    fn check_case_keys(
        &mut self,
        root: &MarkedYaml<'_>,
        entries: &[(&str, &MarkedYaml<'_>, Location)],
        steps_seen: bool,
        steps: &[Step],
        requires: &[Capability],
    ) {
        let root_location = location(root);
        if !entries.iter().any(|(k, _, _)| *k == "name") {
            self.error_at(
                root_location,
                "the case has no `name`",
                Some("add `name: <what the case proves>`"),
            );
        }
        if !entries.iter().any(|(k, _, _)| *k == "rules") {
            self.error_at(
                root_location,
                "the case has no `rules`",
                Some("add `rules: [RULE-ID]` naming what it checks"),
            );
        }
        if !steps_seen {
            self.error_at(root_location, "the case has no `steps`", Some(CASE_HINT));
        }
        let lets_time_pass = steps
            .iter()
            .any(|s: &Step| matches!(s.action, Action::Idle(_) | Action::ExpireSessions));
        if lets_time_pass && !requires.contains(&Capability::SessionExpiry) {
            self.error_at(
                root_location,
                "the case lets time pass (`idle` or `expire_sessions`) but does not say it needs to",
                Some("add `requires: [session_expiry]`: against a target without a known TTL it is then skipped with the reason"),
            );
        }
    }

    /// Every rule the case cites is checked by one of its expectations.
    fn check_rules_checked(
        &mut self,
        node: &MarkedYaml<'_>,
        rules: &[String],
        steps: &[Step],
        catalogue: &RuleCatalogue,
    ) {
        let attributed: BTreeSet<&str> = steps.iter().flat_map(Step::attributed).collect();
        for rule in rules {
            let checked = attributed
                .iter()
                .any(|id| *id == rule || catalogue.get(id).is_some_and(|r| r.rule_id() == rule));
            if !checked && !steps.is_empty() {
                self.error(
                    node,
                    format!("the case cites `{rule}`, but no expectation checks it"),
                    Some(&format!(
                        "add `rules: [{rule}]` to the step that checks it, or `rule: {rule}` to an expectation"
                    )),
                );
            }
        }
    }

    /// A rule or detail a step or expectation cites.
    pub(super) fn cited_rule(
        &mut self,
        node: &MarkedYaml<'_>,
        catalogue: &RuleCatalogue,
    ) -> Option<String> {
        let id = self.string(node, "a rule ID")?;
        if catalogue.get(&id).is_none() {
            let hint = catalogue.closest(&id).map(|near| {
                format!(
                    "did you mean `{near}`? rule IDs come from specs/rules.json and --rules files"
                )
            });
            self.error(node, format!("unknown rule `{id}`"), hint.as_deref());
            return None;
        }
        Some(id)
    }

    pub(super) fn step(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &mut BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<Step> {
        let entries = self.mapping(node, "a step", Some(&format::keys(format::STEP)))?;
        let mut name = None;
        let mut rules = Vec::new();
        let mut action = None;
        let mut expect = None;
        let mut captures = Vec::new();
        for (key, value, _) in &entries {
            match *key {
                "name" => name = self.string(value, "a step's `name`"),
                "rules" => {
                    for item in self.list(value, "a step's `rules`").unwrap_or_default() {
                        if let Some(id) = self.cited_rule(item, catalogue) {
                            rules.push(id);
                        }
                    }
                }
                "request" => {
                    if action.is_some() {
                        self.error(
                            value,
                            "a step has either `request` or `expire_sessions`, not both",
                            None,
                        );
                    }
                    action = self.request(value, defined).map(Action::Request);
                }
                "expire_sessions" | "idle" => {
                    if action.is_some() {
                        let message = if *key == "idle" {
                            "a step has one of `request`, `expire_sessions` or `idle`"
                        } else {
                            "a step has either `request` or `expire_sessions`, not both"
                        };
                        self.error(value, message, None);
                    }
                    action = self.time_action(key, value);
                }
                "expect" => expect = self.expect(value, defined, catalogue),
                "capture" => captures = self.captures(value),
                _ => {}
            }
        }
        let Some(action) = action else {
            if !entries
                .iter()
                .any(|(k, _, _)| matches!(*k, "request" | "expire_sessions" | "idle"))
            {
                self.error(
                    node,
                    "the step has no `request`",
                    Some(
                        "add `request: {method: POST, path: /v1/...}`, or `expire_sessions: true`",
                    ),
                );
            }
            return None;
        };
        for capture in &captures {
            defined.insert(capture.name.clone());
        }
        let name = name.unwrap_or_else(|| match &action {
            Action::Request(r) => format!("{} {}", r.method, r.path),
            Action::ExpireSessions => "let the sessions expire".to_owned(),
            Action::Idle(f) => format!("stay idle for {:.0}% of the session TTL", f * 100.0),
        });
        let expect = expect.unwrap_or_else(|| Expect::nothing(location(node)));
        Some(Step {
            name,
            location: location(node),
            action,
            rules,
            expect,
            captures,
        })
    }

    /// `expire_sessions: true`, or `idle: FRACTION` of the session TTL.
    fn time_action(&mut self, key: &str, value: &MarkedYaml<'_>) -> Option<Action> {
        if key == "expire_sessions" {
            if let Some(Scalar::Boolean(true)) = scalar(value) {
                return Some(Action::ExpireSessions);
            }
            self.error(value, "`expire_sessions` must be `true`", None);
            return None;
        }
        match scalar(value) {
            Some(Scalar::FloatingPoint(f)) if f.into_inner() > 0.0 && f.into_inner() < 1.0 => {
                Some(Action::Idle(f.into_inner()))
            }
            _ => {
                self.error(
                    value,
                    "`idle` is the fraction of the session TTL to let pass, above 0 and below 1",
                    Some("e.g. `idle: 0.6`; to let sessions expire, use `expire_sessions: true`"),
                );
                None
            }
        }
    }

    /// A request's headers: a string each, or null to leave a default out.
    fn headers(
        &mut self,
        value: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
    ) -> Vec<(String, Option<String>)> {
        let mut headers = Vec::new();
        for (name, header_value, _) in self.mapping(value, "`headers`", None).unwrap_or_default() {
            let text = match scalar(header_value) {
                Some(Scalar::Null) => None,
                Some(Scalar::String(s)) => Some(s.to_string()),
                Some(Scalar::Integer(i)) => Some(i.to_string()),
                _ => {
                    self.error(
                        header_value,
                        format!("header `{name}` must be a string, or null to leave it out"),
                        None,
                    );
                    continue;
                }
            };
            if let Some(text) = &text {
                self.check_templates(header_value, text, defined);
            }
            headers.push((name.to_owned(), text));
        }
        headers
    }

    pub(super) fn request(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
    ) -> Option<RequestSpec> {
        let entries = self.mapping(node, "a request", Some(&format::keys(format::REQUEST)))?;
        let mut method = None;
        let mut path = None;
        let mut headers = Vec::new();
        let mut body = Body::None;
        for (key, value, _) in &entries {
            match *key {
                "method" => {
                    if let Some(m) = self.string(value, "`method`") {
                        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
                            self.error(
                                value,
                                format!("`{m}` is not an HTTP method"),
                                Some("write it in capitals, e.g. POST or GET"),
                            );
                        } else {
                            method = Some(m);
                        }
                    }
                }
                "path" => {
                    if let Some(p) = self.string(value, "`path`") {
                        if !p.starts_with('/') {
                            self.error(
                                value,
                                format!("path `{p}` must start with /"),
                                Some("paths are relative to the target, e.g. /v1/tomato/acquire"),
                            );
                        }
                        self.check_templates(value, &p, defined);
                        path = Some(p);
                    }
                }
                "headers" => headers = self.headers(value, defined),
                "json" => {
                    if matches!(body, Body::Raw(_)) {
                        self.error(value, "a request has `json` or `raw`, not both", None);
                    }
                    if let Some(json) = self.json(value) {
                        self.check_json_templates(value, &json, defined);
                        body = Body::Json(json);
                    }
                }
                "raw" => {
                    if matches!(body, Body::Json(_)) {
                        self.error(value, "a request has `json` or `raw`, not both", None);
                    }
                    if let Some(raw) = self.string(value, "`raw`") {
                        self.check_templates(value, &raw, defined);
                        body = Body::Raw(raw);
                    }
                }
                _ => {}
            }
        }
        if path.is_none() && !entries.iter().any(|(k, _, _)| *k == "path") {
            self.error(
                node,
                "the request has no `path`",
                Some("add e.g. `path: /v1/tomato/acquire`"),
            );
        }
        if method.is_none() && !entries.iter().any(|(k, _, _)| *k == "method") {
            self.error(
                node,
                "the request has no `method`",
                Some("add e.g. `method: POST`"),
            );
        }
        Some(RequestSpec {
            method: method?,
            path: path?,
            headers,
            body,
        })
    }
}

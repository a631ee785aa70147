//! Loading case files: YAML in, cases and diagnostics out.
//!
//! Parsing never stops at the first problem: every problem of every file
//! is reported with its file, line and column and, where one helps, a hint.
//! Only `load_dir` touches the file system; `parse_case` is pure.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::model::*;
use super::rules::{closest, RuleCatalogue};

/// One problem in a case file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file, relative to the cases directory.
    pub file: String,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// What would be right, when we can tell.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.location.line, self.location.column, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

/// The cases that loaded and the problems of those that did not.
#[derive(Debug, Default)]
pub struct LoadedCases {
    /// Cases without problems, in file order.
    pub cases: Vec<Case>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));

/// The cases of `specs/cases/` embedded in this binary at build time.
pub fn load_embedded(rules: &RuleCatalogue) -> LoadedCases {
    let mut loaded = LoadedCases::default();
    for (file, text) in EMBEDDED_CASES {
        loaded.add(parse_case(file, text, rules));
    }
    loaded
}

/// Every `*.yaml` / `*.yml` file under `dir`, recursively, in path order.
///
/// # Errors
/// Only if `dir` itself cannot be read; unreadable files become diagnostics.
pub fn load_dir(dir: &Path, rules: &RuleCatalogue) -> std::io::Result<LoadedCases> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut loaded = LoadedCases::default();
    for path in files {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(&path) {
            Ok(text) => loaded.add(parse_case(&name, &text, rules)),
            Err(e) => loaded.diagnostics.push(Diagnostic {
                file: name,
                location: Location { line: 1, column: 1 },
                message: format!("cannot read the file: {e}"),
                hint: None,
            }),
        }
    }
    Ok(loaded)
}

fn collect_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    Ok(())
}

impl LoadedCases {
    fn add(&mut self, result: Result<Case, Vec<Diagnostic>>) {
        match result {
            Ok(case) => self.cases.push(case),
            Err(mut diagnostics) => self.diagnostics.append(&mut diagnostics),
        }
    }
}

/// Parses one case file.
///
/// # Errors
/// Every problem found, in file order.
pub fn parse_case(file: &str, text: &str, rules: &RuleCatalogue) -> Result<Case, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        file: file.to_owned(),
        diagnostics: Vec::new(),
    };
    let documents = match MarkedYaml::load_from_str(text) {
        Ok(documents) => documents,
        Err(e) => {
            let marker = e.marker();
            ctx.diagnostics.push(Diagnostic {
                file: file.to_owned(),
                location: Location {
                    line: marker.line(),
                    column: marker.col() + 1,
                },
                message: format!("not valid YAML: {}", e.info()),
                hint: None,
            });
            return Err(ctx.diagnostics);
        }
    };
    let Some(root) = documents.first() else {
        ctx.error_at(
            Location { line: 1, column: 1 },
            "the file is empty",
            Some(CASE_HINT),
        );
        return Err(ctx.diagnostics);
    };
    if documents.len() > 1 {
        ctx.error(
            &documents[1],
            "a case file holds one YAML document",
            Some("split it into one file per case"),
        );
    }
    let case = ctx.case(root, rules);
    match case {
        Some(case) if ctx.diagnostics.is_empty() => Ok(case),
        _ => {
            ctx.diagnostics
                .sort_by_key(|d| (d.location.line, d.location.column));
            Err(ctx.diagnostics)
        }
    }
}

/// A case file's YAML as plain JSON (no checks beyond YAML itself), e.g.
/// to validate it against `specs/case.schema.json`.
///
/// # Errors
/// The problems that kept it from converting.
pub fn yaml_to_json(file: &str, text: &str) -> Result<Value, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        file: file.to_owned(),
        diagnostics: Vec::new(),
    };
    let documents = MarkedYaml::load_from_str(text).map_err(|e| {
        vec![Diagnostic {
            file: file.to_owned(),
            location: Location {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: format!("not valid YAML: {}", e.info()),
            hint: None,
        }]
    })?;
    let value = documents
        .first()
        .and_then(|root| ctx.json(root))
        .unwrap_or(Value::Null);
    if ctx.diagnostics.is_empty() {
        Ok(value)
    } else {
        Err(ctx.diagnostics)
    }
}

const CASE_HINT: &str = "a case has `name`, `rules` and `steps`; see specs/README.md";
const CASE_KEYS: &[&str] = &[
    "name",
    "description",
    "rules",
    "examples",
    "requires",
    "steps",
];
const STEP_KEYS: &[&str] = &[
    "name",
    "rules",
    "request",
    "expire_sessions",
    "idle",
    "expect",
    "capture",
];
const REQUEST_KEYS: &[&str] = &["method", "path", "headers", "json", "raw"];
const EXPECT_KEYS: &[&str] = &["status", "headers", "body", "schema"];
const HEADER_CHECK_KEYS: &[&str] = &["present", "equals", "contains", "rule"];
const STATUS_KEYS: &[&str] = &["code", "rule"];
const ASSERTION_CHECKS: &[&str] = &[
    "equals",
    "not_equals",
    "matches",
    "type",
    "range",
    "exists",
    "absent",
    "contains",
    "prefix",
    "length",
    "less_than",
    "greater_than",
    "sorted",
];
const CAPTURE_KEYS: &[&str] = &["pointer", "header", "regex"];
const CAPABILITIES: &[(&str, Capability)] = &[
    ("second_api_key", Capability::SecondApiKey),
    ("session_expiry", Capability::SessionExpiry),
];

type Entry<'a, 'i> = (&'a str, &'a MarkedYaml<'i>, Location);

struct Ctx {
    file: String,
    diagnostics: Vec<Diagnostic>,
}

fn location(node: &MarkedYaml<'_>) -> Location {
    Location {
        line: node.span.start.line(),
        column: node.span.start.col() + 1,
    }
}

fn scalar<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a Scalar<'a>> {
    match &node.data {
        YamlData::Value(scalar) => Some(scalar),
        _ => None,
    }
}

fn describe(node: &MarkedYaml<'_>) -> &'static str {
    match &node.data {
        YamlData::Value(Scalar::Null) => "null",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        YamlData::Value(Scalar::Integer(_)) => "an integer",
        YamlData::Value(Scalar::FloatingPoint(_)) => "a number",
        YamlData::Value(Scalar::String(_)) | YamlData::Representation(..) => "a string",
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a mapping",
        YamlData::Tagged(..) => "a tagged value",
        YamlData::Alias(_) | YamlData::BadValue => "an unreadable value",
    }
}

impl Ctx {
    fn error_at(&mut self, location: Location, message: impl Into<String>, hint: Option<&str>) {
        self.diagnostics.push(Diagnostic {
            file: self.file.clone(),
            location,
            message: message.into(),
            hint: hint.map(str::to_owned),
        });
    }

    fn error(&mut self, node: &MarkedYaml<'_>, message: impl Into<String>, hint: Option<&str>) {
        self.error_at(location(node), message, hint);
    }

    /// The entries of a mapping, with unknown keys reported.
    fn mapping<'a, 'i>(
        &mut self,
        node: &'a MarkedYaml<'i>,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Option<Vec<Entry<'a, 'i>>> {
        let YamlData::Mapping(map) = &node.data else {
            self.error(
                node,
                format!("{what} must be a mapping, not {}", describe(node)),
                None,
            );
            return None;
        };
        let mut entries = Vec::new();
        for (key, value) in map {
            let Some(Scalar::String(name)) = scalar(key) else {
                self.error(
                    key,
                    format!("keys of {what} must be strings, not {}", describe(key)),
                    None,
                );
                continue;
            };
            if let Some(allowed) = allowed {
                if !allowed.contains(&name.as_ref()) {
                    let hint = match closest(name, allowed.iter().copied()) {
                        Some(near) => format!(
                            "did you mean `{near}`? {what} takes: {}",
                            allowed.join(", ")
                        ),
                        None => format!("{what} takes: {}", allowed.join(", ")),
                    };
                    self.error(key, format!("unknown key `{name}` in {what}"), Some(&hint));
                    continue;
                }
            }
            entries.push((name.as_ref(), value, location(key)));
        }
        Some(entries)
    }

    fn string(&mut self, node: &MarkedYaml<'_>, what: &str) -> Option<String> {
        match scalar(node) {
            Some(Scalar::String(s)) => Some(s.to_string()),
            _ => {
                self.error(
                    node,
                    format!("{what} must be a string, not {}", describe(node)),
                    None,
                );
                None
            }
        }
    }

    fn list<'a, 'i>(
        &mut self,
        node: &'a MarkedYaml<'i>,
        what: &str,
    ) -> Option<&'a [MarkedYaml<'i>]> {
        match &node.data {
            YamlData::Sequence(items) => Some(items),
            _ => {
                self.error(
                    node,
                    format!("{what} must be a list, not {}", describe(node)),
                    None,
                );
                None
            }
        }
    }

    /// Converts a YAML value into JSON.
    fn json(&mut self, node: &MarkedYaml<'_>) -> Option<Value> {
        Some(match &node.data {
            YamlData::Value(Scalar::Null) => Value::Null,
            YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            YamlData::Value(Scalar::Integer(i)) => Value::Number((*i).into()),
            YamlData::Value(Scalar::FloatingPoint(f)) => match Number::from_f64(f.into_inner()) {
                Some(n) => Value::Number(n),
                None => {
                    self.error(
                        node,
                        "JSON has no NaN or infinity",
                        Some("write a finite number"),
                    );
                    return None;
                }
            },
            YamlData::Value(Scalar::String(s)) => Value::String(s.to_string()),
            YamlData::Representation(s, ..) => Value::String(s.to_string()),
            YamlData::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.json(item)?);
                }
                Value::Array(out)
            }
            YamlData::Mapping(map) => {
                let mut out = Map::new();
                for (key, value) in map {
                    let name = match scalar(key) {
                        Some(Scalar::String(s)) => s.to_string(),
                        Some(Scalar::Integer(i)) => i.to_string(),
                        _ => {
                            self.error(
                                key,
                                "JSON object keys must be strings",
                                Some("quote the key"),
                            );
                            return None;
                        }
                    };
                    out.insert(name, self.json(value)?);
                }
                Value::Object(out)
            }
            YamlData::Tagged(..) => {
                self.error(
                    node,
                    "YAML tags are not supported in case files",
                    Some("remove the `!tag`"),
                );
                return None;
            }
            YamlData::Alias(_) | YamlData::BadValue => {
                self.error(node, "this value could not be read", None);
                return None;
            }
        })
    }

    fn case(&mut self, root: &MarkedYaml<'_>, catalogue: &RuleCatalogue) -> Option<Case> {
        let entries = self.mapping(root, "a case", Some(CASE_KEYS))?;
        let mut name = None;
        let mut rules = Vec::new();
        let mut level = None;
        let mut examples = Vec::new();
        let mut requires = Vec::new();
        let mut steps = Vec::new();
        let mut steps_seen = false;
        // The rules first, wherever they stand: steps cite them.
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
        for (key, value, _) in &entries {
            match *key {
                "name" => name = self.string(value, "`name`"),
                "description" => {
                    self.string(value, "`description`");
                }
                "examples" => {
                    for item in self.list(value, "`examples`").unwrap_or_default() {
                        let Some(id) = self.string(item, "an example ID") else {
                            continue;
                        };
                        if super::examples::ExampleCatalogue::embedded()
                            .get(&id)
                            .is_none()
                        {
                            let known = super::examples::ExampleCatalogue::embedded();
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
                }
                "requires" => {
                    for item in self.list(value, "`requires`").unwrap_or_default() {
                        let Some(word) = self.string(item, "a capability") else {
                            continue;
                        };
                        match CAPABILITIES.iter().find(|(n, _)| *n == word) {
                            Some((_, capability)) => requires.push(*capability),
                            None => {
                                let names: Vec<&str> =
                                    CAPABILITIES.iter().map(|(n, _)| *n).collect();
                                self.error(
                                    item,
                                    format!("unknown capability `{word}`"),
                                    Some(&format!("one of: {}", names.join(", "))),
                                );
                            }
                        }
                    }
                }
                "steps" => {
                    steps_seen = true;
                    let mut defined: BTreeSet<String> =
                        BUILTIN_VARIABLES.iter().map(|v| (*v).to_owned()).collect();
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
                }
                _ => {}
            }
        }
        let root_location = location(root);
        if name.is_none() && !entries.iter().any(|(k, _, _)| *k == "name") {
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
        // A case whose steps name no rules checks all of its rules in every
        // step, as case files did before steps could name them.
        if steps.iter().all(|s: &Step| s.rules.is_empty()) {
            for step in &mut steps {
                step.rules = rules.clone();
            }
        }
        if let Some(node) = rules_node {
            let attributed: BTreeSet<&str> = steps.iter().flat_map(Step::attributed).collect();
            for rule in &rules {
                let checked = attributed.iter().any(|id| {
                    *id == rule || catalogue.get(id).is_some_and(|r| r.rule_id() == rule)
                });
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
        Some(Case {
            file: self.file.clone(),
            name: name?,
            level: level?,
            rules,
            examples,
            requires,
            steps,
        })
    }

    /// A rule or detail a step or expectation cites.
    fn cited_rule(&mut self, node: &MarkedYaml<'_>, catalogue: &RuleCatalogue) -> Option<String> {
        let id = self.string(node, "a rule ID")?;
        if catalogue.get(&id).is_none() {
            let hint = catalogue
                .closest(&id)
                .map(|near| format!("did you mean `{near}`? rule IDs come from specs/rules.json"));
            self.error(node, format!("unknown rule `{id}`"), hint.as_deref());
            return None;
        }
        Some(id)
    }

    fn step(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &mut BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<Step> {
        let entries = self.mapping(node, "a step", Some(STEP_KEYS))?;
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
                "expire_sessions" => {
                    if action.is_some() {
                        self.error(
                            value,
                            "a step has either `request` or `expire_sessions`, not both",
                            None,
                        );
                    }
                    match scalar(value) {
                        Some(Scalar::Boolean(true)) => action = Some(Action::ExpireSessions),
                        _ => self.error(value, "`expire_sessions` must be `true`", None),
                    }
                }
                "idle" => {
                    if action.is_some() {
                        self.error(
                            value,
                            "a step has one of `request`, `expire_sessions` or `idle`",
                            None,
                        );
                    }
                    let fraction = match scalar(value) {
                        Some(Scalar::FloatingPoint(f)) => Some(f.into_inner()),
                        _ => None,
                    };
                    match fraction {
                        Some(f) if f > 0.0 && f < 1.0 => action = Some(Action::Idle(f)),
                        _ => self.error(
                            value,
                            "`idle` is the fraction of the session TTL to let pass, above 0 and below 1",
                            Some("e.g. `idle: 0.6`; to let sessions expire, use `expire_sessions: true`"),
                        ),
                    }
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
        let expect = expect.unwrap_or(Expect {
            status: Vec::new(),
            status_rule: None,
            headers: Vec::new(),
            body: Vec::new(),
            schema: true,
            location: location(node),
        });
        Some(Step {
            name,
            location: location(node),
            action,
            rules,
            expect,
            captures,
        })
    }

    fn request(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
    ) -> Option<RequestSpec> {
        let entries = self.mapping(node, "a request", Some(REQUEST_KEYS))?;
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
                "headers" => {
                    for (name, header_value, _) in
                        self.mapping(value, "`headers`", None).unwrap_or_default()
                    {
                        let text = match scalar(header_value) {
                            Some(Scalar::Null) => None,
                            Some(Scalar::String(s)) => Some(s.to_string()),
                            Some(Scalar::Integer(i)) => Some(i.to_string()),
                            _ => {
                                self.error(
                                    header_value,
                                    format!(
                                        "header `{name}` must be a string, or null to leave it out"
                                    ),
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
                }
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

    fn expect(
        &mut self,
        node: &MarkedYaml<'_>,
        defined: &BTreeSet<String>,
        catalogue: &RuleCatalogue,
    ) -> Option<Expect> {
        let entries = self.mapping(node, "`expect`", Some(EXPECT_KEYS))?;
        let mut expect = Expect {
            status: Vec::new(),
            status_rule: None,
            headers: Vec::new(),
            body: Vec::new(),
            schema: true,
            location: location(node),
        };
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

    fn header_check(
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

    fn body_assertion(
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
    fn numeric_bound(
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

    fn range(&mut self, node: &MarkedYaml<'_>) -> Option<ValueCheck> {
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

    fn captures(&mut self, node: &MarkedYaml<'_>) -> Vec<Capture> {
        let mut captures = Vec::new();
        for (name, source, key_location) in
            self.mapping(node, "`capture`", None).unwrap_or_default()
        {
            let valid_name = name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_name {
                self.error_at(
                    key_location,
                    format!("`{name}` is not a valid variable name"),
                    Some("use lower-case letters, digits and _"),
                );
                continue;
            }
            if BUILTIN_VARIABLES.contains(&name) {
                self.error_at(
                    key_location,
                    format!("`{name}` is a built-in variable and cannot be captured"),
                    Some(&format!("built-ins: {}", BUILTIN_VARIABLES.join(", "))),
                );
                continue;
            }
            let Some(entries) = self.mapping(source, "a capture", Some(CAPTURE_KEYS)) else {
                continue;
            };
            let mut regex = None;
            let mut sources = Vec::new();
            for &(kind, value, _) in &entries {
                if kind == "regex" {
                    let Some(pattern) = self.string(value, "`regex`") else {
                        continue;
                    };
                    match regex::Regex::new(&pattern) {
                        Ok(re) => regex = Some(re),
                        Err(e) => self.error(
                            value,
                            format!("`{pattern}` is not a valid regular expression: {e}"),
                            None,
                        ),
                    }
                } else {
                    sources.push((kind, value));
                }
            }
            let [(kind, value)] = sources[..] else {
                self.error(
                    source,
                    "a capture has exactly one of `pointer` or `header`, and may have a `regex`",
                    Some("e.g. `tomato: {pointer: /id}` or `suffix: {pointer: /id, regex: \"_(.+)$\"}`"),
                );
                continue;
            };
            let Some(text) = self.string(value, &format!("`{kind}`")) else {
                continue;
            };
            let source = if kind == "pointer" {
                if !text.is_empty() && !text.starts_with('/') {
                    self.error(value, format!("pointer `{text}` must start with /"), None);
                    continue;
                }
                CaptureSource::Pointer(text)
            } else {
                CaptureSource::Header(text.to_ascii_lowercase())
            };
            captures.push(Capture {
                name: name.to_owned(),
                source,
                regex,
                location: key_location,
            });
        }
        captures
    }

    /// Reports `{{names}}` that no earlier step defines, and unclosed braces.
    fn check_templates(&mut self, node: &MarkedYaml<'_>, text: &str, defined: &BTreeSet<String>) {
        match super::template::variables(text) {
            Ok(names) => {
                for name in names {
                    if !defined.contains(name) {
                        let hint = format!(
                            "capture it in an earlier step, or use a built-in: {}",
                            BUILTIN_VARIABLES.join(", ")
                        );
                        self.error(
                            node,
                            format!("`{{{{{name}}}}}` is not defined at this point"),
                            Some(&hint),
                        );
                    }
                }
            }
            Err(message) => self.error(node, message, None),
        }
    }

    fn check_json_templates(
        &mut self,
        node: &MarkedYaml<'_>,
        json: &Value,
        defined: &BTreeSet<String>,
    ) {
        match json {
            Value::String(s) => self.check_templates(node, s, defined),
            Value::Array(items) => items
                .iter()
                .for_each(|v| self.check_json_templates(node, v, defined)),
            Value::Object(map) => map
                .values()
                .for_each(|v| self.check_json_templates(node, v, defined)),
            _ => {}
        }
    }
}

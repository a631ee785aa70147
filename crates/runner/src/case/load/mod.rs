//! Loading case files: YAML in, cases and diagnostics out.
//!
//! Parsing never stops at the first problem: every problem of every file
//! is reported with its file, line and column and, where one helps, a hint.
//! `parse_case` is pure: the file system is read by `CaseSources`
//! (`case/sources.rs`), through `collect_files`.
//!
//! This file holds the entry points and the reading of YAML values; one
//! file per part of the format does the rest: `case` (the case, its
//! steps and requests), `expect` (statuses, header checks, body
//! assertions) and `capture`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::format;
use super::hint::closest;
use super::model::*;
use super::rules::RuleCatalogue;

mod capture;
mod case;
mod expect;

/// One problem in a case file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file, relative to the cases directory.
    pub file: String,
    /// Where the problem is.
    pub location: Location,
    /// How many characters from `location` the problem spans on its line
    /// (at least one is marked).
    pub width: usize,
    /// The line of the file at `location`, for showing it.
    pub source_line: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What would be right, when we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at one point of a file.
    pub(crate) fn at(
        file: &str,
        location: Location,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Self {
        Self {
            file: file.to_owned(),
            location,
            width: 1,
            source_line: None,
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    /// The problem as a compiler shows one: the message, the file's line
    /// with the problem underlined, and the hint; with colours when
    /// `styled`.
    pub fn render(&self, styled: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let mut groups = Vec::new();
        let title = Level::ERROR.primary_title(&self.message);
        let origin = format!(
            "{}:{}:{}",
            self.file, self.location.line, self.location.column
        );
        let group = match &self.source_line {
            Some(line) => {
                // Columns count characters; spans are bytes of the line.
                let byte = |column: usize| {
                    line.char_indices()
                        .nth(column)
                        .map_or(line.len(), |(i, _)| i)
                };
                let start = byte(self.location.column.saturating_sub(1));
                let end = byte(self.location.column.saturating_sub(1) + self.width.max(1));
                title.element(
                    Snippet::source(line.as_str())
                        .line_start(self.location.line)
                        .path(&self.file)
                        .annotation(AnnotationKind::Primary.span(start..end.max(start))),
                )
            }
            None => title.element(annotate_snippets::Origin::path(&origin)),
        };
        groups.push(group);
        if let Some(hint) = &self.hint {
            groups.push(Group::with_title(Level::HELP.secondary_title(hint)));
        }
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&groups)
    }
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

/// The cases of `specs/cases/` embedded in this binary at build time.
pub fn load_embedded(rules: &RuleCatalogue) -> LoadedCases {
    let mut loaded = LoadedCases::default();
    for (file, text) in pizzastack_spec::embedded::files_under("cases", &["yaml", "yml"]) {
        loaded.add(parse_case(file, text, rules));
    }
    loaded
}

/// Every case file under `dir`, each once: a folder or file reached again
/// through a link (a loop, or two links to one place) is not read again.
pub(crate) fn collect_files(
    dir: &Path,
    files: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    let mut seen = std::collections::HashSet::new();
    seen.insert(std::fs::canonicalize(dir)?);
    collect_files_once(dir, files, &mut seen)
}

fn collect_files_once(
    dir: &Path,
    files: &mut Vec<std::path::PathBuf>,
    seen: &mut std::collections::HashSet<std::path::PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_case = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !path.is_dir() && !is_case {
            continue;
        }
        // A broken link has no canonical form; reading it reports it.
        let first_visit = std::fs::canonicalize(&path).map_or(true, |real| seen.insert(real));
        if !first_visit {
            continue;
        }
        if path.is_dir() {
            collect_files_once(&path, files, seen)?;
        } else {
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
    parse_case_with(file, text, rules, &[])
}

/// Parses one case file whose templates may also use `variables`.
///
/// # Errors
/// Every problem found, each with its location.
pub fn parse_case_with(
    file: &str,
    text: &str,
    rules: &RuleCatalogue,
    variables: &[String],
) -> Result<Case, Vec<Diagnostic>> {
    let mut ctx = Ctx {
        file: file.to_owned(),
        diagnostics: Vec::new(),
        variables,
    };
    let documents = match MarkedYaml::load_from_str(text) {
        Ok(documents) => documents,
        Err(e) => {
            ctx.diagnostics.push(not_yaml(file, &e));
            return Err(with_source_lines(ctx.diagnostics, text));
        }
    };
    let Some(root) = documents.first() else {
        ctx.error_at(
            Location { line: 1, column: 1 },
            "the file is empty",
            Some(CASE_HINT),
        );
        return Err(with_source_lines(ctx.diagnostics, text));
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
            Err(with_source_lines(ctx.diagnostics, text))
        }
    }
}

/// The one diagnostic of a file that is not YAML, where the parser stopped.
fn not_yaml(file: &str, error: &saphyr::ScanError) -> Diagnostic {
    let marker = error.marker();
    Diagnostic::at(
        file,
        Location {
            line: marker.line(),
            column: marker.col() + 1,
        },
        format!("not valid YAML: {}", error.info()),
        None,
    )
}

/// The diagnostics with the line each points at; a mark that would run
/// past its line ends at the line's last non-blank character.
fn with_source_lines(mut diagnostics: Vec<Diagnostic>, text: &str) -> Vec<Diagnostic> {
    let lines: Vec<&str> = text.lines().collect();
    for diagnostic in &mut diagnostics {
        let Some(line) = diagnostic
            .location
            .line
            .checked_sub(1)
            .and_then(|i| lines.get(i))
        else {
            continue;
        };
        let visible = line.trim_end().chars().count();
        let from = diagnostic.location.column.saturating_sub(1);
        diagnostic.width = diagnostic.width.min(visible.saturating_sub(from)).max(1);
        diagnostic.source_line = Some((*line).to_owned());
    }
    diagnostics
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
        variables: &[],
    };
    let documents = MarkedYaml::load_from_str(text).map_err(|e| vec![not_yaml(file, &e)])?;
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
type Entry<'a, 'i> = (&'a str, &'a MarkedYaml<'i>, Location);

struct Ctx<'v> {
    file: String,
    diagnostics: Vec<Diagnostic>,
    /// Variables the run defines (`check --variable`), usable in every step.
    variables: &'v [String],
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

impl Ctx<'_> {
    fn error_at(&mut self, location: Location, message: impl Into<String>, hint: Option<&str>) {
        self.diagnostics
            .push(Diagnostic::at(&self.file, location, message, hint));
    }

    /// A problem with `node`, marked over as much of it as its first line
    /// holds.
    fn error(&mut self, node: &MarkedYaml<'_>, message: impl Into<String>, hint: Option<&str>) {
        let (start, end) = (node.span.start, node.span.end);
        let width = if end.line() == start.line() {
            end.col().saturating_sub(start.col())
        } else {
            usize::MAX
        };
        let mut diagnostic = Diagnostic::at(&self.file, location(node), message, hint);
        diagnostic.width = width.max(1);
        self.diagnostics.push(diagnostic);
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

    /// Reports `{{names}}` that no earlier step defines, and unclosed braces.
    fn check_templates(&mut self, node: &MarkedYaml<'_>, text: &str, defined: &BTreeSet<String>) {
        match super::template::variables(text) {
            Ok(names) => {
                for name in names {
                    if !defined.contains(name) {
                        let hint = format!(
                            "capture it in an earlier step, define it with --variable NAME=VALUE, or use a built-in: {}",
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
            Err(error) => self.error(node, error.to_string(), None),
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

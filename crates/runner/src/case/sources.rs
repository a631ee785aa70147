//! Where a run's cases come from: `--cases` paths (files, folders and
//! globs, each as many times as wanted), the built-in suite, and the
//! variables the run defines (`--variable`, `--variables-file`, Hurl's
//! names and file format).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::load::{collect_files, load_embedded, parse_case_with, Diagnostic, LoadedCases};
use super::model::{Location, BUILTIN_VARIABLES};
use super::rules::RuleCatalogue;

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct CaseSources {
    /// Files, folders or globs, as the user wrote them.
    pub paths: Vec<String>,
    /// Whether the built-in suite runs too (it runs alone when `paths` is
    /// empty).
    pub builtin: bool,
    /// Variables every case's templates may use.
    pub variables: BTreeMap<String, Value>,
}

/// Why cases could not be found.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("--cases {0}: no such file or folder")]
    Missing(String),
    #[error("--cases {0}: the pattern matches no case file (*.yaml, *.yml)")]
    NoMatch(String),
    #[error("--cases {pattern}: not a valid pattern: {source}")]
    Pattern {
        pattern: String,
        source: globset::Error,
    },
    #[error("--cases {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// One case file found: where to read it, how to show it, its ID's path.
struct Found {
    real: PathBuf,
    shown: String,
    relative: String,
}

impl CaseSources {
    /// Loads every case the sources name, each file once.
    ///
    /// # Errors
    /// A path that does not exist, a pattern that matches nothing or is
    /// malformed, or a folder that cannot be read. Problems inside case
    /// files are diagnostics of the result instead.
    pub fn load(&self, rules: &RuleCatalogue) -> Result<LoadedCases, SourceError> {
        let names: Vec<String> = self.variables.keys().cloned().collect();
        let mut loaded = if self.paths.is_empty() || self.builtin {
            load_embedded(rules)
        } else {
            LoadedCases::default()
        };
        let mut seen = HashSet::new();
        let mut ids: BTreeMap<String, String> = loaded
            .cases
            .iter()
            .map(|c| (c.id().to_owned(), format!("the built-in {}", c.file)))
            .collect();
        for given in &self.paths {
            for found in find(given)? {
                // A file named twice (two patterns, a link) runs once.
                let real = std::fs::canonicalize(&found.real).unwrap_or(found.real.clone());
                if !seen.insert(real) {
                    continue;
                }
                let parsed = std::fs::read_to_string(&found.real)
                    .map_err(|e| {
                        vec![Diagnostic::at(
                            &found.shown,
                            Location { line: 1, column: 1 },
                            format!("cannot read the file: {e}"),
                            None,
                        )]
                    })
                    .and_then(|text| parse_case_with(&found.relative, &text, rules, &names));
                match parsed {
                    Ok(mut case) => {
                        case.path.clone_from(&found.shown);
                        if let Some(other) = ids.get(case.id()) {
                            loaded.diagnostics.push(Diagnostic::at(
                                &found.shown,
                                Location { line: 1, column: 1 },
                                format!("case ID `{}` is taken by {other}", case.id()),
                                Some("a case's ID is its path within the folder given; rename the file or move it into a folder of its own"),
                            ));
                            continue;
                        }
                        ids.insert(case.id().to_owned(), found.shown.clone());
                        loaded.cases.push(case);
                    }
                    Err(diagnostics) => {
                        loaded
                            .diagnostics
                            .extend(diagnostics.into_iter().map(|d| Diagnostic {
                                file: found.shown.clone(),
                                ..d
                            }));
                    }
                }
            }
        }
        Ok(loaded)
    }
}

fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

fn is_case_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// `base` and `relative` joined as the user would write them.
fn shown(base: &str, relative: &str) -> String {
    if base.is_empty() || base == "." {
        relative.to_owned()
    } else {
        format!("{}/{relative}", base.trim_end_matches('/'))
    }
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The case files under `root` (each once, in path order) that `keep`
/// takes by their path as shown: `base` (as the user spelt it) joined with
/// the path within `root`.
fn files_under(
    root: &Path,
    base: &str,
    keep: impl Fn(&str) -> bool,
) -> std::io::Result<Vec<Found>> {
    let mut files = Vec::new();
    collect_files(root, &mut files)?;
    files.sort();
    Ok(files
        .into_iter()
        .filter_map(|real| {
            let relative = relative(&real, root);
            let shown = shown(base, &relative);
            keep(&shown).then_some(Found {
                real,
                shown,
                relative,
            })
        })
        .collect())
}

/// The case files `given` names: itself, the files under it, or the files
/// its pattern matches (under the pattern's literal folder).
fn find(given: &str) -> Result<Vec<Found>, SourceError> {
    let read = |source| SourceError::Read {
        path: given.to_owned(),
        source,
    };
    let path = Path::new(given);
    let found = if is_pattern(given) {
        let matcher = globset::GlobBuilder::new(given)
            .literal_separator(true)
            .build()
            .map_err(|source| SourceError::Pattern {
                pattern: given.to_owned(),
                source,
            })?
            .compile_matcher();
        // The folders before the first component with a wildcard.
        let literal: Vec<&str> = given
            .split('/')
            .take_while(|part| !is_pattern(part))
            .collect();
        let base = literal.join("/");
        let root = Path::new(if base.is_empty() { "." } else { base.as_str() });
        if root.is_dir() {
            files_under(root, &base, |shown| matcher.is_match(shown)).map_err(read)?
        } else {
            Vec::new()
        }
    } else if path.is_dir() {
        files_under(path, given, |_| true).map_err(read)?
    } else if path.is_file() {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        is_case_file(path)
            .then(|| Found {
                real: path.to_owned(),
                shown: given.to_owned(),
                relative: name,
            })
            .into_iter()
            .collect()
    } else {
        return Err(SourceError::Missing(given.to_owned()));
    };
    if found.is_empty() {
        return Err(SourceError::NoMatch(given.to_owned()));
    }
    Ok(found)
}

/// Why a variable could not be defined.
#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    #[error("--variable {0}: expected NAME=VALUE")]
    NoValue(String),
    #[error("variable `{0}`: a name is letters, digits and _, not starting with a digit")]
    BadName(String),
    #[error("variable `{0}` is built in; pick another name")]
    BuiltIn(String),
    #[error("cannot read the variables file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: expected NAME=VALUE (or a # comment)")]
    FileLine { path: String, line: usize },
}

/// A `NAME=VALUE` pair as Hurl reads it: `true`, `false`, `null` and
/// numbers are typed, anything else is a string.
///
/// # Errors
/// No `=`, a name that is not an identifier, or a built-in's name.
pub fn parse_variable(text: &str) -> Result<(String, Value), VariableError> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| VariableError::NoValue(text.to_owned()))?;
    let name = name.trim();
    let identifier = name.chars().next().is_some_and(|c| !c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(VariableError::BadName(name.to_owned()));
    }
    if BUILTIN_VARIABLES.contains(&name) {
        return Err(VariableError::BuiltIn(name.to_owned()));
    }
    let typed = match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => match serde_json::from_str::<serde_json::Number>(value) {
            Ok(number) => Value::Number(number),
            Err(_) => Value::String(value.to_owned()),
        },
    };
    Ok((name.to_owned(), typed))
}

/// The variables of a Hurl-style file: a `NAME=VALUE` per line; blank
/// lines and `#` comments are skipped.
///
/// # Errors
/// The file cannot be read, or a line is not a variable.
pub fn read_variables_file(path: &Path) -> Result<Vec<(String, Value)>, VariableError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| VariableError::File {
        path: shown.clone(),
        source,
    })?;
    let mut variables = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_variable(line) {
            Ok(variable) => variables.push(variable),
            Err(VariableError::NoValue(_)) => {
                return Err(VariableError::FileLine {
                    path: shown,
                    line: index + 1,
                })
            }
            Err(other) => return Err(other),
        }
    }
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_are_typed_as_hurl_types_them() {
        let parse = |t| parse_variable(t).unwrap().1;
        assert_eq!(parse("a=42"), json!(42));
        assert_eq!(parse("a=0.5"), json!(0.5));
        assert_eq!(parse("a=true"), json!(true));
        assert_eq!(parse("a=null"), json!(null));
        assert_eq!(parse("a=San Marzano"), json!("San Marzano"));
        assert_eq!(parse("a=x=y"), json!("x=y"));
        assert_eq!(parse("a="), json!(""));
    }

    #[test]
    fn bad_variables_say_why() {
        for (text, says) in [
            ("novalue", "NAME=VALUE"),
            ("1a=2", "a name is"),
            ("a-b=2", "a name is"),
            ("session=x", "built in"),
        ] {
            let error = parse_variable(text).unwrap_err().to_string();
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn shown_paths_keep_the_users_spelling() {
        assert_eq!(shown("mine/", "a/b.yaml"), "mine/a/b.yaml");
        assert_eq!(shown(".", "b.yaml"), "b.yaml");
        assert_eq!(shown("", "b.yaml"), "b.yaml");
    }
}

//! The PizzaStack v1 specification as data, shared by the mock and the
//! runner: the files of `specs/` carried in the binary ([`embedded`]), the
//! object kinds and their prefixed IDs ([`ids`]), and the JSON Schemas and
//! OpenAPI document compiled once (this crate's root).
//!
//! The JSON Schemas and the OpenAPI document under `specs/`, compiled once.
//!
//! These files are the single source of truth for request and response
//! bodies: the mock validates every request body against them, the tests
//! validate every response against them, and `/openapi.json` serves them
//! bundled into one document. This is the only module that touches the
//! `jsonschema` crate.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{Draft, ValidationError, Validator};
use serde::de::DeserializeOwned;
use serde_json::Value;

use body::{Body, BodyJson};

mod body;
pub mod embedded;
pub mod ids;
mod layers;
mod openapi;

use layers::{annotation_along, collect_annotations, with_details_merged, without_details};
pub use openapi::template_matches;
use openapi::{bundle, read_operations};

/// The annotation each request schema uses to say, in words, what it expects.
const EXPECTED_KEYWORD: &str = "x-expected";

/// How many problems one `400` names at most; the rest are counted.
const MAX_PROBLEMS_NAMED: usize = 5;

/// The compiled specification.
pub struct Spec {
    /// Compiled schemas by file name.
    schemas: BTreeMap<&'static str, CompiledSchema>,
    /// Operations of the OpenAPI document, for looking up schemas by route.
    operations: Vec<Operation>,
    /// The OpenAPI document with every schema file bundled in, as served.
    bundled_openapi: String,
}

struct CompiledSchema {
    /// The schema as the mock keeps it: every `x-details` overlay merged in.
    source: Value,
    /// The mock's own shape, which its tests hold it to.
    validator: Validator,
    /// The documented layer alone: what any target is held to.
    documented_source: Value,
    documented: Validator,
    /// The same schema compiled for request bodies read in place, if the
    /// OpenAPI document names it as a request body's schema.
    body_validator: Option<Validator<BodyJson>>,
}

/// The keyword under which a schema keeps the mock's decisions beyond the
/// docs, by the rule detail each belongs to:
/// `"x-details": {"LOG-001/endpoint-format": {"pattern": "^/v1/"}}`.
const DETAILS_KEYWORD: &str = "x-details";

/// Where a merged overlay says which detail it belongs to.
const DETAIL_ID_KEYWORD: &str = "x-detail-id";

/// The rule a part of the documented layer checks; the innermost one along
/// a violation's schema path wins.
const RULE_KEYWORD: &str = "x-rule";

/// One way a response does not match its schema, and the rule (or detail)
/// it counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// `instance-pointer: message`.
    pub message: String,
    /// The rule or detail: the innermost `x-rule` of the documented layer,
    /// or the `x-details` entry the violated overlay came from.
    pub rule: String,
}

/// Why a request body was refused (ERR-002).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is not JSON text: `serde_json`'s message.
    Malformed(String),
    /// The body is JSON but does not match its schema: which fields are
    /// wrong and what was expected, in one line.
    Invalid(String),
}

/// One method and path of the OpenAPI document with its body schemas.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/v1/session/{session_id}/log`.
    pub path: String,
    /// The request body's schema file, if the operation has a body.
    pub request_schema: Option<String>,
    /// Response schema files by status code.
    pub response_schemas: BTreeMap<u16, String>,
    /// Statuses marked `x-pizzastack-optional`: the mock's own limits, or an
    /// alternative a target may use; coverage does not require them.
    pub optional_statuses: Vec<u16>,
}

/// A problem with the embedded specification files; a test keeps it from
/// ever reaching a user.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A file is not valid JSON.
    #[error("specs/{file} is not valid JSON: {source}")]
    NotJson {
        file: &'static str,
        source: serde_json::Error,
    },
    /// A file is not a valid JSON Schema.
    #[error("specs/schemas/{file} is not a valid JSON Schema: {message}")]
    BadSchema {
        file: &'static str,
        /// What the compiler said.
        message: String,
    },
    /// The OpenAPI document refers to something that is not there.
    #[error("specs/openapi.json: {0}")]
    BadOpenApi(String),
}

static EMBEDDED: LazyLock<Result<Spec, SpecError>> = LazyLock::new(Spec::from_embedded_files);

impl Spec {
    /// The specification compiled from the files embedded in this binary.
    ///
    /// # Errors
    /// Only if the embedded files are broken, which the test suite rules out.
    pub fn embedded() -> Result<&'static Spec, &'static SpecError> {
        EMBEDDED.as_ref()
    }

    fn from_embedded_files() -> Result<Spec, SpecError> {
        let mut schemas = BTreeMap::new();
        for (file, text) in crate::embedded::files_under("schemas", &["json"]) {
            let source: Value =
                serde_json::from_str(text).map_err(|source| SpecError::NotJson { file, source })?;
            let bad_schema = |e: ValidationError<'_>| SpecError::BadSchema {
                file,
                message: e.to_string(),
            };
            let documented_source = without_details(&source);
            let source = with_details_merged(&source);
            let validator = jsonschema::draft202012::new(&source).map_err(bad_schema)?;
            let documented =
                jsonschema::draft202012::new(&documented_source).map_err(bad_schema)?;
            schemas.insert(
                file,
                CompiledSchema {
                    source,
                    validator,
                    documented_source,
                    documented,
                    body_validator: None,
                },
            );
        }
        let openapi: Value =
            serde_json::from_str(crate::embedded::text("openapi.json")).map_err(|source| {
                SpecError::NotJson {
                    file: "openapi.json",
                    source,
                }
            })?;
        let operations = read_operations(&openapi)?;
        for op in &operations {
            let named = op.request_schema.iter().chain(op.response_schemas.values());
            for file in named {
                if !schemas.contains_key(file.as_str()) {
                    return Err(SpecError::BadOpenApi(format!(
                        "{} {} refers to schemas/{file}, which does not exist",
                        op.method, op.path
                    )));
                }
            }
        }
        // Only request schemas are read against bodies in place.
        let request_files: BTreeSet<&str> = operations
            .iter()
            .filter_map(|op| op.request_schema.as_deref())
            .collect();
        for (file, schema) in schemas.iter_mut() {
            if request_files.contains(file) {
                let body_validator = jsonschema::options_for::<BodyJson>()
                    .with_draft(Draft::Draft202012)
                    .build(&schema.source)
                    .map_err(|e| SpecError::BadSchema {
                        file,
                        message: e.to_string(),
                    })?;
                schema.body_validator = Some(body_validator);
            }
        }
        let bundled_openapi = bundle(openapi, &schemas);
        Ok(Spec {
            schemas,
            operations,
            bundled_openapi,
        })
    }

    /// The OpenAPI 3.1 document with every schema under `components.schemas`.
    pub fn openapi_json(&self) -> &str {
        &self.bundled_openapi
    }

    /// The operations of the OpenAPI document.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation whose method and path template match a concrete request.
    pub fn operation_for(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.method.eq_ignore_ascii_case(method) && template_matches(&op.path, path))
    }

    /// Reads a request body: parses it, validates it against a request
    /// schema and deserializes it into the handler's type. A refusal says in
    /// one line which fields are wrong and what was expected (ERR-002), e.g.
    /// `ripeness: must be a number between 0 and 1`.
    ///
    /// # Errors
    /// The message for a `400`, when the body is not JSON or does not match.
    pub fn read_request<T: DeserializeOwned>(
        &self,
        schema_file: &str,
        text: &[u8],
    ) -> Result<T, BodyError> {
        let body = Body::parse(text).map_err(|e| {
            let message = e.to_string();
            if message.starts_with(body::TOO_MANY_VALUES) {
                BodyError::Invalid(format!(
                    "body: {} (a limit of this mock)",
                    body::TOO_MANY_VALUES
                ))
            } else if message.starts_with("number out of range") {
                // Valid JSON, but no 64-bit float holds it (e.g. 1e999).
                BodyError::Invalid(format!(
                    "body: a number is too large ({message}); numbers must fit a 64-bit float"
                ))
            } else {
                BodyError::Malformed(message)
            }
        })?;
        let Some((schema, body_validator)) = self
            .schemas
            .get(schema_file)
            .and_then(|schema| Some((schema, schema.body_validator.as_ref()?)))
        else {
            return Err(BodyError::Invalid(format!(
                "no request schema named {schema_file}"
            )));
        };
        if !matches!(body, Body::Object(_)) {
            return Err(BodyError::Invalid("body: must be a JSON object".to_owned()));
        }
        // Most bodies are valid: answer them without collecting errors.
        if !body_validator.is_valid(&body) {
            // jsonschema collects every error before handing out the first,
            // so a large body names only its first problem: one error, not
            // thousands, whatever the body holds.
            let message = if text.len() <= ALL_PROBLEMS_UP_TO_BYTES {
                describe_problems(&schema.source, body_validator.iter_errors(&body))
            } else {
                body_validator
                    .validate(&body)
                    .err()
                    .and_then(|first| describe_problems(&schema.source, std::iter::once(first)))
            };
            if let Some(message) = message {
                return Err(BodyError::Invalid(message));
            }
        }
        // The schema has already vetted every field, so this only fails if
        // the schema and the type disagree; say so rather than panic.
        T::deserialize(&body).map_err(|e| BodyError::Invalid(format!("body: {e}")))
    }

    /// Validates any JSON value against a schema file and lists every
    /// violation as `instance-pointer: message`.
    ///
    /// # Errors
    /// The list of violations.
    pub fn validate(&self, schema_file: &str, value: &Value) -> Result<(), Vec<String>> {
        let Some(schema) = self.schemas.get(schema_file) else {
            return Err(vec![format!("no schema named {schema_file}")]);
        };
        list_violations(&schema.validator, value)
    }

    /// Judges a target's answer: every violation of the documented layer,
    /// attributed to its `x-rule`, and every violation of an `x-details`
    /// overlay that the documented layer allows, attributed to its detail.
    pub fn judge(&self, schema_file: &str, value: &Value) -> Vec<SchemaProblem> {
        let Some(schema) = self.schemas.get(schema_file) else {
            return vec![SchemaProblem {
                message: format!("no schema named {schema_file}"),
                rule: String::new(),
            }];
        };
        let mut problems: Vec<SchemaProblem> = schema
            .documented
            .iter_errors(value)
            .map(|e| SchemaProblem {
                message: format!("{}: {e}", pointer_or_root(e.instance_path().as_str())),
                rule: annotation_along(
                    &schema.documented_source,
                    e.schema_path().as_str(),
                    RULE_KEYWORD,
                )
                .unwrap_or_default()
                .to_owned(),
            })
            .collect();
        for error in schema.validator.iter_errors(value) {
            if let Some(detail) = annotation_along(
                &schema.source,
                error.schema_path().as_str(),
                DETAIL_ID_KEYWORD,
            ) {
                problems.push(SchemaProblem {
                    message: format!(
                        "{}: {error}",
                        pointer_or_root(error.instance_path().as_str())
                    ),
                    rule: detail.to_owned(),
                });
            }
        }
        problems
    }

    /// The rule a schema's documented layer checks as a whole (its root
    /// `x-rule`).
    pub fn schema_rule(&self, schema_file: &str) -> Option<&str> {
        self.schemas
            .get(schema_file)?
            .documented_source
            .get(RULE_KEYWORD)?
            .as_str()
    }

    /// Every rule or detail ID the schemas attribute violations to, with
    /// the schema file naming it, for a test to check against the catalogue.
    pub fn attributed_ids(&self) -> Vec<(&'static str, String)> {
        let mut ids = Vec::new();
        for (file, schema) in &self.schemas {
            collect_annotations(&schema.source, &mut |key, value| {
                if key == RULE_KEYWORD || key == DETAIL_ID_KEYWORD {
                    ids.push((*file, value.to_owned()));
                }
            });
        }
        ids
    }

    /// The names of all schema files.
    pub fn schema_files(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.schemas.keys().copied()
    }
}

/// Validates `instance` against any JSON Schema (draft 2020-12), such as
/// `specs/case.schema.json`, listing every violation.
///
/// # Errors
/// The violations, or why the schema itself does not compile.
pub fn validate_with(schema: &Value, instance: &Value) -> Result<(), Vec<String>> {
    let validator = jsonschema::draft202012::new(schema)
        .map_err(|e| vec![format!("the schema does not compile: {e}")])?;
    list_violations(&validator, instance)
}

/// Every violation as `instance-pointer: message`.
fn list_violations(validator: &Validator, instance: &Value) -> Result<(), Vec<String>> {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", pointer_or_root(e.instance_path().as_str())))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

/// A schema's violations in one line: the first few in words, then how
/// many more there were; `None` if there were none.
/// Bodies up to this size have every problem counted and the first few
/// named; larger ones have their first problem named.
const ALL_PROBLEMS_UP_TO_BYTES: usize = 16 * 1024;

fn describe_problems<'e>(
    schema: &Value,
    errors: impl Iterator<Item = ValidationError<'e>>,
) -> Option<String> {
    let mut problems: Vec<String> = Vec::new();
    let mut total = 0usize;
    for error in errors {
        total += 1;
        if problems.len() < MAX_PROBLEMS_NAMED {
            let problem = describe_problem(schema, &error);
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
    }
    let mut message = problems.join("; ");
    if total > MAX_PROBLEMS_NAMED {
        message.push_str(&format!(" (and {} more)", total - MAX_PROBLEMS_NAMED));
    }
    (total > 0).then_some(message)
}

/// One violation in words: the field as a client wrote it, then what the
/// schema's `x-expected` annotation says it should be.
fn describe_problem(schema: &Value, error: &ValidationError<'_>) -> String {
    let field = field_name(error);
    let keyword_parent = parent_pointer(error.schema_path().as_str());
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let field = if field.is_empty() {
                name.to_owned()
            } else {
                format!("{field}.{name}")
            };
            let escaped = name.replace('~', "~0").replace('/', "~1");
            match expected_at(schema, &format!("{keyword_parent}/properties/{escaped}")) {
                Some(expected) => format!("{field}: is required and must be {expected}"),
                None => format!("{field}: is required"),
            }
        }
        _ => {
            let field = if field.is_empty() { "body" } else { &field };
            match expected_at(schema, keyword_parent) {
                Some(expected) => format!("{field}: must be {expected}"),
                None => format!("{field}: {error}"),
            }
        }
    }
}

/// `ingredients[0].amount` for the instance path `/ingredients/0/amount`.
fn field_name(error: &ValidationError<'_>) -> String {
    let mut name = String::new();
    for segment in error.instance_path().segments() {
        match segment {
            LocationSegment::Property(p) => {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&p);
            }
            LocationSegment::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    name
}

fn parent_pointer(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(parent, _)| parent)
}

fn expected_at<'s>(schema: &'s Value, pointer: &str) -> Option<&'s str> {
    schema.pointer(pointer)?.get(EXPECTED_KEYWORD)?.as_str()
}

#[cfg(test)]
mod tests;

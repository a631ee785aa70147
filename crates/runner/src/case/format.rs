//! The case-file format, defined once. Every mapping a case file has is a
//! list of [`Field`]s here, each with its JSON Schema; the loader takes the
//! keys it accepts from these lists, the body assertions come from
//! [`super::assertion::KINDS`], and `specs/case.schema.json` is generated
//! from both (`pizzastack case-schema`; a test keeps the file current).

use serde_json::{json, Map, Value};

use super::assertion;
use super::model::Capability;

/// One key of a mapping in a case file.
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Its value's JSON Schema.
    schema: fn() -> Value,
}

const fn field(name: &'static str, schema: fn() -> Value) -> Field {
    Field { name, schema }
}

/// The keys of one mapping.
pub fn keys(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.name).collect()
}

/// A case file's top level.
pub const CASE: &[Field] = &[
    field(
        "name",
        || json!({"type": "string", "minLength": 1, "description": "What the case proves, as a sentence."}),
    ),
    field("description", || json!({"type": "string"})),
    field("rules", || {
        json!({"type": "array", "minItems": 1,
               "description": "Rule IDs (or details) this case checks; each must be checked by an expectation. Their levels come from specs/rules.json.",
               "items": {"$ref": "#/$defs/rule_id"}})
    }),
    field("examples", || {
        json!({"type": "array",
               "description": "IDs of the documented examples (specs/examples.json) this case sends exactly as documented.",
               "items": {"type": "string", "pattern": "^[a-z0-9-]+/[a-z0-9-]+$"}})
    }),
    field("requires", || {
        json!({"type": "array",
               "description": "Capabilities the target must offer; without them the case is skipped with the reason.",
               "items": {"enum": Capability::ALL.map(Capability::name)}})
    }),
    field(
        "steps",
        || json!({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}}),
    ),
];

/// The keys a case must have.
const CASE_REQUIRED: [&str; 3] = ["name", "rules", "steps"];

/// A step: what it does (one of [`STEP_ACTIONS`]), the rules it checks,
/// what it expects and captures.
pub const STEP: &[Field] = &[
    field("name", || json!({"type": "string"})),
    field("rules", || {
        json!({"type": "array", "minItems": 1,
               "description": "The rules this step's expectations check (unless an expectation names its own `rule`). A step without `rules` is a setup step: if it fails, the rules after it are `error` (not evaluated), not FAIL. A case none of whose steps name rules checks all of its rules in every step.",
               "items": {"$ref": "#/$defs/rule_id"}})
    }),
    field("request", || json!({"$ref": "#/$defs/request"})),
    field("expire_sessions", || {
        json!({"const": true,
               "description": "Let the case's sessions expire: the mock's admin clock, or waiting out --session-ttl."})
    }),
    field("idle", || {
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
               "description": "Let this fraction of the target's session TTL pass with no request (the mock's admin clock, or waiting out --session-ttl); the case must require session_expiry."})
    }),
    field("expect", || json!({"$ref": "#/$defs/expect"})),
    field("capture", || {
        json!({"type": "object",
               "propertyNames": {"pattern": "^[a-z_][a-z0-9_]*$"},
               "additionalProperties": {"$ref": "#/$defs/capture"}})
    }),
];

/// The keys of a step of which it has exactly one: what it does.
pub const STEP_ACTIONS: [&str; 3] = ["request", "expire_sessions", "idle"];

/// A request: method and path, with headers and a body to send.
pub const REQUEST: &[Field] = &[
    field(
        "method",
        || json!({"type": "string", "pattern": "^[A-Z]+$"}),
    ),
    field(
        "path",
        || json!({"allOf": [{"$ref": "#/$defs/template"}, {"pattern": "^/"}]}),
    ),
    field("headers", || {
        json!({"type": "object",
               "description": "Overrides of the default headers (X-API-Key, X-Session-ID, Content-Type); null leaves one out.",
               "additionalProperties": {"type": ["string", "integer", "null"]}})
    }),
    field(
        "json",
        || json!({"description": "A JSON body; strings may hold {{templates}}, and a string that is one template keeps the captured value's type."}),
    ),
    field(
        "raw",
        || json!({"type": "string", "description": "A body sent as written, for malformed input."}),
    ),
];

/// What a step expects.
pub const EXPECT: &[Field] = &[
    field("status", || {
        json!({"description": "A code, a class such as 2xx, a list of them, or {code: ..., rule: RULE-ID, exactly: ...} to attribute the status check to another rule and name the narrower status the mock answers.",
        "oneOf": [
            {"$ref": "#/$defs/status_codes"},
            {"type": "object", "required": ["code"], "additionalProperties": false,
             "properties": schema_properties(STATUS)}
        ]})
    }),
    field("headers", || {
        json!({"type": "object",
        "additionalProperties": {"oneOf": [
            {"type": "string"},
            {"type": "object", "additionalProperties": false,
             "properties": schema_properties(HEADER_CHECK),
             "oneOf": exactly_one_of(&HEADER_CHECKS)}
        ]}})
    }),
    field(
        "body",
        || json!({"type": "array", "items": {"$ref": "#/$defs/assertion"}}),
    ),
    field(
        "schema",
        || json!({"type": "boolean", "description": "Validate the body against its OpenAPI response schema (default true)."}),
    ),
];

/// `status` written as a mapping.
pub const STATUS: &[Field] = &[
    field("code", || json!({"$ref": "#/$defs/status_codes"})),
    field("rule", rule_ref),
    field("exactly", || {
        json!({"$ref": "#/$defs/status_codes",
               "description": "Where the page states less than the mock answers (e.g. any 4xx), the mock's own status: checked once `code` held, against the step's rules (a MOCK detail), and never stopping the case."})
    }),
];

/// A header check written as a mapping.
pub const HEADER_CHECK: &[Field] = &[
    field("present", || json!({"type": "boolean"})),
    field("equals", || json!({"type": "string"})),
    field("contains", || json!({"type": "string"})),
    field("rule", rule_ref),
];

/// The keys of a header check of which it has exactly one.
pub const HEADER_CHECKS: [&str; 3] = ["present", "equals", "contains"];

/// What a body assertion has besides its one check.
pub const ASSERTION: &[Field] = &[
    field(
        "pointer",
        || json!({"type": "string", "pattern": "^(/.*)?$", "description": "RFC 6901 pointer into the body; \"\" is the whole body."}),
    ),
    field("rule", rule_ref),
];

/// A capture: where a later step's `{{name}}` comes from.
pub const CAPTURE: &[Field] = &[
    field(
        "pointer",
        || json!({"type": "string", "description": "RFC 6901 pointer into the response body."}),
    ),
    field("header", || json!({"type": "string"})),
    field("regex", || {
        json!({"type": "string", "format": "regex",
               "description": "Keep only what this matches of the value: its first group, or the whole match."})
    }),
];

fn rule_ref() -> Value {
    json!({"$ref": "#/$defs/rule_id"})
}

fn schema_properties(fields: &[Field]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|f| (f.name.to_owned(), (f.schema)()))
            .collect(),
    )
}

/// Exactly one of `keys` present: `oneOf` passes when exactly one of its
/// branches does, and each branch asks for one key.
fn exactly_one_of(keys: &[&str]) -> Value {
    keys.iter().map(|key| json!({"required": [key]})).collect()
}

/// The JSON Schema of a case file, as `specs/case.schema.json` holds it.
pub fn case_schema() -> Value {
    let mut assertion_properties = Map::new();
    for field in ASSERTION {
        assertion_properties.insert(field.name.to_owned(), (field.schema)());
    }
    for kind in assertion::KINDS {
        assertion_properties.insert(kind.name.to_owned(), kind.schema());
    }
    let status_code = json!({"oneOf": [
        {"type": "integer", "minimum": 100, "maximum": 599},
        {"type": "string", "pattern": "^[1-5]xx$"}
    ]});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pizzastack.invalid/specs/case.schema.json",
        "title": "PizzaStack conformance case",
        "description": "One case file of specs/cases/. Generated by `pizzastack case-schema` from crates/runner/src/case/format.rs; point your editor's YAML language server at it (# yaml-language-server: $schema=../../case.schema.json).",
        "type": "object",
        "required": CASE_REQUIRED,
        "additionalProperties": false,
        "properties": schema_properties(CASE),
        "$defs": {
            "template": {
                "type": "string",
                "description": "Text with {{variables}}: session, other_session, api_key, other_api_key, uuid, the run's --variable ones, and captures of earlier steps."
            },
            "rule_id": {
                "type": "string",
                "pattern": "^[A-Z]{2,4}-[0-9]{3}(/[a-z0-9-]+)?$",
                "description": "A rule ID of specs/rules.json, or one of its details (e.g. LOG-001/endpoint-format)."
            },
            "step": {
                "type": "object",
                "additionalProperties": false,
                "properties": schema_properties(STEP),
                "oneOf": exactly_one_of(&STEP_ACTIONS)
            },
            "request": {
                "type": "object",
                "required": ["method", "path"],
                "additionalProperties": false,
                "properties": schema_properties(REQUEST),
                "not": {"required": ["json", "raw"]}
            },
            "expect": {
                "type": "object",
                "additionalProperties": false,
                "properties": schema_properties(EXPECT)
            },
            "status_code": status_code,
            "status_codes": {"oneOf": [
                {"$ref": "#/$defs/status_code"},
                {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/status_code"}}
            ]},
            "assertion": {
                "type": "object",
                "required": ["pointer"],
                "additionalProperties": false,
                "properties": assertion_properties,
                "oneOf": exactly_one_of(&assertion::names())
            },
            "capture": {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": schema_properties(CAPTURE),
                "oneOf": exactly_one_of(&["pointer", "header"])
            }
        }
    })
}

/// The schema as the file holds it: pretty-printed, with a final newline.
pub fn case_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&case_schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_schema_and_keys_are_unique() {
        for fields in [
            CASE,
            STEP,
            REQUEST,
            EXPECT,
            STATUS,
            HEADER_CHECK,
            ASSERTION,
            CAPTURE,
        ] {
            let names = keys(fields);
            let unique: std::collections::BTreeSet<_> = names.iter().collect();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            for field in fields {
                assert!((field.schema)().is_object(), "{}", field.name);
            }
        }
        for action in STEP_ACTIONS {
            assert!(keys(STEP).contains(&action));
        }
        for check in HEADER_CHECKS {
            assert!(keys(HEADER_CHECK).contains(&check));
        }
    }

    #[test]
    fn specs_case_schema_json_is_the_generated_schema() {
        let committed = include_str!("../../../../specs/case.schema.json");
        assert!(
            committed == case_schema_text(),
            "specs/case.schema.json is stale: run `cargo run -- case-schema > specs/case.schema.json`"
        );
    }

    #[test]
    fn the_schema_is_a_valid_json_schema() {
        let schema = case_schema();
        assert!(jsonschema::meta::is_valid(&schema));
        jsonschema::validator_for(&schema).expect("compiles");
    }
}

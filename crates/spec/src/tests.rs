//! Unit tests of the compiled specification: request bodies read and
//! refused, the two schema layers, the bundled OpenAPI document.

use super::*;
use serde_json::json;

fn spec() -> &'static Spec {
    Spec::embedded().expect("embedded specs compile")
}

#[test]
fn a_target_is_judged_by_the_documented_layer_and_told_of_the_mock_s_details() {
    let log = json!({
        "objects": [{"id": "tom_1", "type": "raw"}],
        "operations": [{"timestamp": "2026-12-02T15:36:34.123456+00:00", "endpoint": "/tomato/acquire", "result_id": "tom_1"}]
    });
    let mut rules: Vec<String> = spec()
        .judge("session-log.json", &log)
        .into_iter()
        .map(|p| p.rule)
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "LOG-001/endpoint-format",
            "LOG-001/session-id",
            "LOG-001/timestamp-format"
        ]
    );
    assert!(
        spec().validate("session-log.json", &log).is_err(),
        "the mock's own shape is strict"
    );

    let no_objects = json!({"operations": []});
    let problems = spec().judge("session-log.json", &no_objects);
    assert!(
        problems
            .iter()
            .any(|p| p.rule == "LOG-001" && p.message.contains("objects")),
        "{problems:?}"
    );
    let tomato = json!({"id": "xyz_1", "variety": "Roma", "ripeness": 0.5, "weight": 1, "type": "raw", "properties": {}});
    let problems = spec().judge("tomato.json", &tomato);
    assert!(problems.iter().any(|p| p.rule == "ID-001"), "{problems:?}");
    assert!(problems.iter().all(|p| p.rule != "ACQ-001"), "{problems:?}");
}

#[test]
fn every_embedded_file_compiles_and_every_reference_resolves() {
    let spec = spec();
    assert_eq!(
        spec.schema_files().count(),
        crate::embedded::files_under("schemas", &["json"]).len()
    );
    assert!(spec.operations().len() >= 11);
}

/// The refusal of a body, as the `400` would word it.
fn refusal(schema_file: &str, body: &Value) -> BodyError {
    spec()
        .read_request::<Value>(schema_file, body.to_string().as_bytes())
        .unwrap_err()
}

fn invalid(message: &str) -> BodyError {
    BodyError::Invalid(message.to_owned())
}

#[test]
fn an_out_of_range_number_names_the_field_and_the_range() {
    let body = json!({"variety": "San Marzano", "ripeness": 1.5, "weight": 150});
    assert_eq!(
        refusal("acquire.request.json", &body),
        invalid("ripeness: must be a number between 0 and 1")
    );
}

#[test]
fn a_missing_field_is_named_with_what_it_should_be() {
    let body = json!({"variety": "San Marzano", "ripeness": 0.5});
    assert_eq!(
        refusal("acquire.request.json", &body),
        invalid("weight: is required and must be a number of grams greater than 0")
    );
}

#[test]
fn a_nested_field_is_named_with_its_index() {
    let body = json!({
        "ingredients": [{"id": "generic", "name": "garlic", "amount": "two", "unit": "cloves"}],
        "temperature": 100, "duration": "30m"
    });
    assert_eq!(
        refusal("simmer.request.json", &body),
        invalid("ingredients[0].amount: must be a number greater than 0")
    );
}

#[test]
fn a_body_that_is_not_an_object_is_refused() {
    assert_eq!(
        refusal("acquire.request.json", &json!([1])),
        invalid("body: must be a JSON object")
    );
}

#[test]
fn a_body_that_is_not_json_is_malformed() {
    let refused = spec().read_request::<Value>("acquire.request.json", b"{\"variety\": ");
    assert!(
        matches!(refused, Err(BodyError::Malformed(_))),
        "{refused:?}"
    );
}

#[test]
fn only_request_schemas_read_bodies() {
    let text = br#"{"id": "tom_000000000000"}"#;
    assert_eq!(
        spec().read_request::<Value>("tomato.json", text),
        Err(invalid("no request schema named tomato.json"))
    );
    assert_eq!(request_schema_files().count(), 10);
}

#[test]
fn a_valid_body_is_read_into_the_requested_type() {
    let text = br#"{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}"#;
    let body: Value = spec()
        .read_request("acquire.request.json", text)
        .expect("valid");
    assert_eq!(
        body,
        json!({"ripeness": 0.8, "variety": "San Marzano", "weight": 150})
    );
}

/// What `read_request` answered when bodies were `serde_json::Value`s:
/// the reference its in-place reading must agree with.
fn read_as_value(schema_file: &str, text: &str) -> Result<Value, BodyError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| BodyError::Malformed(e.to_string()))?;
    let schema = &spec().schemas[schema_file];
    if !value.is_object() {
        return Err(invalid("body: must be a JSON object"));
    }
    match describe_problems(&schema.source, schema.validator.iter_errors(&value)) {
        Some(message) => Err(BodyError::Invalid(message)),
        None => Ok(value),
    }
}

fn request_schema_files() -> impl Iterator<Item = &'static str> {
    spec()
        .operations()
        .iter()
        .filter_map(|op| op.request_schema.as_deref())
}

#[test]
fn the_documented_bodies_are_read_as_serde_json_reads_them() {
    let bodies = [
        (
            "acquire.request.json",
            r#"{"variety": "San Marzano", "ripeness": 0.8, "weight": 150}"#,
        ),
        (
            "acquire.request.json",
            r#"{"variety": "", "ripeness": 2, "weight": 0}"#,
        ),
        (
            "acquire.request.json",
            r#"{"v\u0061riety": "Roma", "ripeness": 1, "weight": 1e2}"#,
        ),
        (
            "slice.request.json",
            r#"{"tomato_id": "tom_0", "method": "dice", "size": "small"}"#,
        ),
        (
            "assemble.request.json",
            r#"{"base_id": "b", "sauce_id": "s", "toppings": ["basil", {"name": "x", "amount": 2}]}"#,
        ),
        (
            "compare.request.json",
            r#"{"dish_ids": ["a", "a"], "metrics": ["sweetness", "nope"]}"#,
        ),
    ];
    for (file, text) in bodies {
        assert_eq!(
            spec().read_request::<Value>(file, text.as_bytes()),
            read_as_value(file, text),
            "{file}: {text}"
        );
    }
}

proptest::proptest! {
    /// Any body gets the same answer, word for word, from the in-place
    /// reading as from `serde_json::Value`, under every request schema.
    #[test]
    fn any_body_is_judged_as_with_serde_json_values(text in body::tests::json_text()) {
        let text = text.render();
        for file in request_schema_files() {
            proptest::prop_assert_eq!(
                spec().read_request::<Value>(file, text.as_bytes()),
                read_as_value(file, &text),
                "{}: {}", file, text
            );
        }
    }
}

#[test]
fn operations_are_found_by_concrete_path() {
    let op = spec()
        .operation_for("GET", "/v1/session/abc/log")
        .expect("log op");
    assert_eq!(op.response_schemas[&200], "session-log.json");
    assert!(spec().operation_for("GET", "/v1/session//log").is_none());
    assert!(spec()
        .operation_for("POST", "/v1/tomato/acquire/x")
        .is_none());
}

#[test]
fn the_bundled_document_has_no_external_references() {
    let doc: Value = serde_json::from_str(spec().openapi_json()).expect("json");
    let text = doc.to_string();
    assert!(!text.contains("\"schemas/"), "external $ref left in bundle");
    assert!(doc
        .pointer("/components/schemas/Tomato/properties/id")
        .is_some());
    assert!(doc.pointer("/components/schemas/Tomato/$schema").is_none());
}

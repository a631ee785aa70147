//! The OpenAPI document: its operations read, each body's schema file
//! found from its `$ref`, path templates matched, and the document bundled
//! with every schema as a component (`/openapi.json`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::{CompiledSchema, Operation, SpecError};

/// Reads every operation's schema references out of the OpenAPI document.
pub(crate) fn read_operations(openapi: &Value) -> Result<Vec<Operation>, SpecError> {
    let paths = openapi
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| SpecError::BadOpenApi("has no `paths` object".to_owned()))?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let request_schema = op
                .pointer("/requestBody/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .map(schema_file_of_ref)
                .transpose()?;
            let mut response_schemas = BTreeMap::new();
            let mut optional_statuses = Vec::new();
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for (status, response) in responses {
                    let status: u16 = status.parse().map_err(|_| {
                        SpecError::BadOpenApi(format!(
                            "{method} {path}: response key `{status}` is not a status code"
                        ))
                    })?;
                    if response.get("x-pizzastack-optional") == Some(&Value::Bool(true)) {
                        optional_statuses.push(status);
                    }
                    if let Some(reference) = response
                        .pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                    {
                        response_schemas.insert(status, schema_file_of_ref(reference)?);
                    }
                }
            }
            operations.push(Operation {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                request_schema,
                response_schemas,
                optional_statuses,
            });
        }
    }
    Ok(operations)
}

pub(crate) fn schema_file_of_ref(reference: &str) -> Result<String, SpecError> {
    reference
        .strip_prefix("schemas/")
        .map(str::to_owned)
        .ok_or_else(|| {
            SpecError::BadOpenApi(format!(
                "`$ref: {reference}` should name a file under schemas/"
            ))
        })
}

/// Whether a concrete path matches a template such as `/v1/session/{id}/log`.
pub fn template_matches(template: &str, path: &str) -> bool {
    let mut template_parts = template.split('/');
    let mut path_parts = path.split('/');
    loop {
        match (template_parts.next(), path_parts.next()) {
            (None, None) => return true,
            (Some(t), Some(p)) => {
                let is_param = t.starts_with('{') && t.ends_with('}');
                if !(is_param && !p.is_empty() || t == p) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The component name a schema file gets in the bundled document:
/// `slice-result.json` becomes `SliceResult`, from the schema's `title`.
pub(crate) fn component_name(file: &str, source: &Value) -> String {
    source
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| file.trim_end_matches(".json").replace(['.', '-'], "_"))
}

/// Replaces every `schemas/FILE` reference with a local component
/// reference, so that one self-contained document can be served.
pub(crate) fn bundle(
    mut openapi: Value,
    schemas: &BTreeMap<&'static str, CompiledSchema>,
) -> String {
    let names: BTreeMap<&str, String> = schemas
        .iter()
        .map(|(file, s)| (*file, component_name(file, &s.source)))
        .collect();
    rewrite_refs(&mut openapi, &names);
    let mut components = Map::new();
    for (file, schema) in schemas {
        let mut body = schema.source.clone();
        if let Some(obj) = body.as_object_mut() {
            obj.remove("$schema");
        }
        components.insert(names[file].clone(), body);
    }
    if let Some(root) = openapi.as_object_mut() {
        let comps = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(comps) = comps.as_object_mut() {
            comps.insert("schemas".to_owned(), Value::Object(components));
        }
    }
    serde_json::to_string_pretty(&openapi).unwrap_or_default()
}

pub(crate) fn rewrite_refs(value: &mut Value, names: &BTreeMap<&str, String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(file) = child.as_str().and_then(|r| r.strip_prefix("schemas/")) {
                        if let Some(name) = names.get(file) {
                            *child = Value::String(format!("#/components/schemas/{name}"));
                        }
                    }
                } else {
                    rewrite_refs(child, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, names)),
        _ => {}
    }
}

//! The two layers of a response schema, kept in one file: the documented
//! layer, and the mock's own decisions in `x-details` overlays. These
//! functions take them apart and find which rule or detail a violation
//! counts against.

use serde_json::{Map, Value};

use super::{DETAILS_KEYWORD, DETAIL_ID_KEYWORD};

/// The documented layer: the schema without its `x-details` overlays.
pub(super) fn without_details(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != DETAILS_KEYWORD)
                .map(|(key, value)| (key.clone(), without_details(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_details).collect()),
        other => other.clone(),
    }
}

/// The mock's shape: each `x-details` overlay becomes one more `allOf`
/// entry where it stands, marked with the detail it belongs to.
pub(super) fn with_details_merged(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut overlays = Vec::new();
            for (key, value) in map {
                if key == DETAILS_KEYWORD {
                    for (detail, overlay) in value.as_object().into_iter().flatten() {
                        let mut overlay = with_details_merged(overlay);
                        if let Some(obj) = overlay.as_object_mut() {
                            obj.insert(DETAIL_ID_KEYWORD.to_owned(), Value::String(detail.clone()));
                        }
                        overlays.push(overlay);
                    }
                } else {
                    out.insert(key.clone(), with_details_merged(value));
                }
            }
            if !overlays.is_empty() {
                let all_of = out
                    .entry("allOf")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = all_of.as_array_mut() {
                    list.extend(overlays);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(with_details_merged).collect()),
        other => other.clone(),
    }
}

/// The innermost value of `keyword` on the objects along a schema path,
/// from the root to the violated keyword.
pub(super) fn annotation_along<'s>(
    schema: &'s Value,
    schema_path: &str,
    keyword: &str,
) -> Option<&'s str> {
    let mut found = schema.get(keyword).and_then(Value::as_str);
    let mut node = schema;
    for segment in schema_path.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Object(map) => map.get(&segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return found,
        };
        if let Some(value) = node.get(keyword).and_then(Value::as_str) {
            found = Some(value);
        }
    }
    found
}

/// Calls `visit` with every string-valued member of every object inside.
pub(super) fn collect_annotations(schema: &Value, visit: &mut impl FnMut(&str, &str)) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if let Some(text) = value.as_str() {
                    visit(key, text);
                }
                collect_annotations(value, visit);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_annotations(v, visit)),
        _ => {}
    }
}

//! The assertions whose value a case file writes as a mapping or a pair
//! (`range`, `sorted`), read and checked, with the hint for each mistake.

use serde_json::Value;

use super::{describe, Invalid, ValueCheck};

pub(super) fn parse_range(value: &Value) -> Result<ValueCheck, Invalid> {
    let shape = || {
        Invalid::new("`range` must be [min, max] or {min: .., max: ..}")
            .hint("e.g. `range: [0.90, 0.98]`")
    };
    let (min, max) =
        match value {
            Value::Array(items) if items.len() == 2 => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_number() {
                        return Err(
                            Invalid::new("a bound of `range` must be a number").at(format!("/{i}"))
                        );
                    }
                }
                (items[0].as_f64(), items[1].as_f64())
            }
            Value::Object(map) => {
                let mut bounds = (None, None);
                for (key, bound) in map {
                    let slot = match key.as_str() {
                        "min" => &mut bounds.0,
                        "max" => &mut bounds.1,
                        other => {
                            return Err(unknown_key(other, &["min", "max"], "`range`")
                                .at(format!("/{other}")))
                        }
                    };
                    *slot = Some(bound.as_f64().ok_or_else(|| {
                        Invalid::new(format!("`{key}` must be a number")).at(format!("/{key}"))
                    })?);
                }
                if bounds == (None, None) {
                    return Err(Invalid::new("`range` needs numeric bounds")
                        .hint("e.g. `range: [0.90, 0.98]`"));
                }
                bounds
            }
            _ => return Err(shape()),
        };
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(Invalid::new(format!(
                "the range is empty: {min} is above {max}"
            )));
        }
    }
    Ok(ValueCheck::Range { min, max })
}

pub(super) fn check_bound(name: &str, bound: &Value) -> Result<(), Invalid> {
    match bound {
        Value::Number(_) => Ok(()),
        Value::String(s) if s.trim().starts_with("{{") => Ok(()),
        _ => Err(Invalid::new(format!(
            "`{name}` must be a number, a {{{{template}}}} naming a captured number, or a list of them"
        ))),
    }
}

pub(super) fn parse_sorted(value: &Value) -> Result<ValueCheck, Invalid> {
    let Value::Object(map) = value else {
        return Err(Invalid::new(format!(
            "`sorted` must be a mapping, not {}",
            describe(value)
        ))
        .hint("e.g. `sorted: {by: /score, order: descending}`"));
    };
    let mut by = String::new();
    let mut descending = None;
    for (key, v) in map {
        let text = v.as_str().ok_or_else(|| {
            Invalid::new(format!(
                "`sorted.{key}` must be a string, not {}",
                describe(v)
            ))
            .at(format!("/{key}"))
        })?;
        match key.as_str() {
            "by" => by = text.to_owned(),
            "order" => {
                descending = Some(match text {
                    "descending" => true,
                    "ascending" => false,
                    other => {
                        return Err(Invalid::new(format!("unknown order `{other}`"))
                            .hint("ascending or descending")
                            .at("/order"))
                    }
                });
            }
            other => {
                return Err(unknown_key(other, &["by", "order"], "`sorted`").at(format!("/{other}")))
            }
        }
    }
    let Some(descending) = descending else {
        return Err(Invalid::new("`sorted` needs an `order`")
            .hint("e.g. `sorted: {by: /score, order: descending}`"));
    };
    Ok(ValueCheck::Sorted { by, descending })
}

/// An unknown key, with the closest known one as a hint.
pub(super) fn unknown_key(key: &str, known: &[&str], within: &str) -> Invalid {
    let invalid = Invalid::new(format!("unknown key `{key}` in {within}"));
    match crate::case::hint::closest(key, known.iter().copied()) {
        Some(close) => invalid.hint(format!("did you mean `{close}`?")),
        None => invalid.hint(format!("one of: {}", known.join(", "))),
    }
}

//! Assertions read from a case file: each kind from the value the file
//! writes (those written as a mapping or a pair, `range` and `sorted`,
//! read and checked apart), with the hint for each mistake.

use serde_json::Value;

use super::json_type::JsonType;
use super::{describe, names, Invalid, ValueCheck};

impl ValueCheck {
    /// Reads the kind named `name` from its value in a case file.
    ///
    /// # Errors
    /// What is wrong with the value, and where in it.
    pub fn parse(name: &str, value: &Value) -> Result<Self, Invalid> {
        let boolean = |value: &Value| {
            value
                .as_bool()
                .ok_or_else(|| Invalid::new(format!("`{name}` must be true or false")))
        };
        let string = |value: &Value| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                Invalid::new(format!(
                    "`{name}` must be a string, not {}",
                    describe(value)
                ))
            })
        };
        Ok(match name {
            "equals" => Self::Equals(value.clone()),
            "not_equals" => Self::NotEquals(value.clone()),
            "contains" => Self::Contains(value.clone()),
            "not_contains" => Self::NotContains(value.clone()),
            "matches" => {
                let pattern = string(value)?;
                let re = regex::Regex::new(&pattern).map_err(|e| {
                    Invalid::new(format!(
                        "`{pattern}` is not a valid regular expression: {}",
                        crate::case::hint::regex_problem(&e)
                    ))
                })?;
                Self::Matches(re)
            }
            "type" => {
                let type_name = string(value)?;
                let t = JsonType::parse(&type_name).ok_or_else(|| {
                    Invalid::new(format!("unknown type `{type_name}`")).hint(format!(
                        "one of: {}",
                        JsonType::ALL.map(JsonType::name).join(", ")
                    ))
                })?;
                Self::Type(t)
            }
            "range" => parse_range(value)?,
            "exists" | "absent" => {
                if boolean(value)? == (name == "exists") {
                    Self::Exists
                } else {
                    Self::Absent
                }
            }
            "prefix" => Self::Prefix(string(value)?),
            "length" => match value.as_u64() {
                Some(n) => Self::Length(usize::try_from(n).unwrap_or(usize::MAX)),
                None => return Err(Invalid::new("`length` must be a whole number")),
            },
            "less_than" | "greater_than" => {
                let bound = match value {
                    Value::Array(items) if !items.is_empty() => {
                        for (i, item) in items.iter().enumerate() {
                            check_bound(name, item).map_err(|e| e.at(format!("/{i}")))?;
                        }
                        value.clone()
                    }
                    _ => {
                        check_bound(name, value)?;
                        value.clone()
                    }
                };
                if name == "less_than" {
                    Self::LessThan(bound)
                } else {
                    Self::GreaterThan(bound)
                }
            }
            "sorted" => parse_sorted(value)?,
            _ => {
                return Err(Invalid::new(format!("unknown check `{name}`"))
                    .hint(format!("one of: {}", names().join(", "))))
            }
        })
    }
}

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

//! Body assertions, each kind in one place: its name, how its value is read
//! from a case file, how it is checked against a response, and its piece of
//! `specs/case.schema.json`. A new kind is one entry of [`KINDS`] and one
//! variant of [`ValueCheck`] with its arms below.

mod json_type;
mod parse;

pub use json_type::JsonType;

use serde_json::{json, Value};

use super::template::{render, render_json, TemplateError, Vars};

/// What an assertion checks of the value at its pointer.
#[derive(Debug, Clone)]
pub enum ValueCheck {
    /// Equal to this JSON (numbers by value; templates rendered).
    Equals(Value),
    /// Present and not equal to this JSON.
    NotEquals(Value),
    /// A string this regular expression matches.
    Matches(regex::Regex),
    /// Of this JSON type.
    Type(JsonType),
    /// A number within the bounds, inclusive.
    Range {
        /// Lower bound, if any.
        min: Option<f64>,
        /// Upper bound, if any.
        max: Option<f64>,
    },
    /// Present, whatever its value.
    Exists,
    /// Absent, or `null`.
    Absent,
    /// An array with an element having every member of this object (or
    /// equal to this value).
    Contains(Value),
    /// An array with no element having every member of this object (or
    /// equal to this value): `absent`'s counterpart inside a list.
    NotContains(Value),
    /// A string starting with this text (templates rendered).
    Prefix(String),
    /// An array, string or object of exactly this many elements.
    Length(usize),
    /// A number below this bound: a number, a template naming a captured
    /// number, or a list of them (below every one).
    LessThan(Value),
    /// A number above this bound, as for `less_than`.
    GreaterThan(Value),
    /// An array sorted by the number at `by` in each element.
    Sorted {
        /// Pointer into each element.
        by: String,
        /// Highest first.
        descending: bool,
    },
}

/// One kind of assertion as a case file writes it.
pub struct Kind {
    /// The key that names it in an assertion, e.g. `equals`.
    pub name: &'static str,
    /// Whether `{{templates}}` in its value are rendered (and so must be
    /// defined where it is written).
    pub templated: bool,
    /// Its value's JSON Schema, for `specs/case.schema.json`.
    schema: fn() -> Value,
}

impl Kind {
    /// The JSON Schema of the kind's value.
    pub fn schema(&self) -> Value {
        (self.schema)()
    }
}

/// Every kind of body assertion, in the order documentation lists them.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "equals",
        templated: true,
        schema: || json!({"description": "Equal to this JSON; numbers compare by value."}),
    },
    Kind {
        name: "not_equals",
        templated: true,
        schema: || json!({"description": "Present and not equal to this JSON."}),
    },
    Kind {
        name: "matches",
        templated: false,
        schema: || json!({"type": "string", "format": "regex"}),
    },
    Kind {
        name: "type",
        templated: false,
        schema: || json!({"enum": JsonType::ALL.map(JsonType::name)}),
    },
    Kind {
        name: "range",
        templated: false,
        schema: || {
            json!({"oneOf": [
                {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "minItems": 2, "maxItems": 2},
                {"type": "object", "additionalProperties": false, "minProperties": 1,
                 "properties": {"min": {"type": "number"}, "max": {"type": "number"}}}
            ]})
        },
    },
    Kind {
        name: "exists",
        templated: false,
        schema: || json!({"type": "boolean"}),
    },
    Kind {
        name: "absent",
        templated: false,
        schema: || json!({"type": "boolean", "description": "Absent, or null."}),
    },
    Kind {
        name: "contains",
        templated: true,
        schema: || json!({"description": "An array with an element having every member of this object (or equal to this value)."}),
    },
    Kind {
        name: "not_contains",
        templated: true,
        schema: || json!({"description": "An array with no element having every member of this object (or equal to this value)."}),
    },
    Kind {
        name: "prefix",
        templated: true,
        schema: || json!({"type": "string"}),
    },
    Kind {
        name: "length",
        templated: false,
        schema: || json!({"type": "integer", "minimum": 0}),
    },
    Kind {
        name: "less_than",
        templated: true,
        schema: bound_schema,
    },
    Kind {
        name: "greater_than",
        templated: true,
        schema: bound_schema,
    },
    Kind {
        name: "sorted",
        templated: false,
        schema: || {
            json!({"type": "object", "required": ["order"], "additionalProperties": false,
                   "properties": {"by": {"type": "string"}, "order": {"enum": ["ascending", "descending"]}}})
        },
    },
];

fn bound_schema() -> Value {
    json!({
        "description": "A number, a {{template}} naming a captured number, or a list of them (below/above every one).",
        "oneOf": [
            {"type": ["number", "string"]},
            {"type": "array", "minItems": 1, "items": {"type": ["number", "string"]}}
        ]
    })
}

/// Why an assertion's value as written is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Where in the value, as a JSON pointer relative to it (`""`: the
    /// value itself), so the loader can point at the line.
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, if there is a usual way.
    pub hint: Option<String>,
}

impl Invalid {
    fn new(message: impl Into<String>) -> Self {
        Self {
            at: String::new(),
            message: message.into(),
            hint: None,
        }
    }

    fn at(mut self, at: impl Into<String>) -> Self {
        self.at = at.into();
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Why a value did not pass its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The value is not what the check wants; says what it wants.
    Expected(String),
    /// A `{{template}}` of the check could not be rendered.
    Template(TemplateError),
}

impl ValueCheck {
    /// Checks the value found at the assertion's pointer (`None`: absent).
    ///
    /// # Errors
    /// What the check wanted instead, or a template it could not render.
    pub fn check(&self, found: Option<&Value>, vars: &Vars) -> Result<(), Mismatch> {
        let want = |ok: bool, expected: String| {
            if ok {
                Ok(())
            } else {
                Err(Mismatch::Expected(expected))
            }
        };
        match self {
            Self::Equals(expected) => {
                let expected = render_json(expected, vars).map_err(Mismatch::Template)?;
                want(
                    found.is_some_and(|v| json_equal(v, &expected)),
                    expected.to_string(),
                )
            }
            Self::NotEquals(unexpected) => {
                let unexpected = render_json(unexpected, vars).map_err(Mismatch::Template)?;
                want(
                    found.is_some_and(|v| !json_equal(v, &unexpected)),
                    format!("present and not {unexpected}"),
                )
            }
            Self::Matches(re) => want(
                found
                    .and_then(Value::as_str)
                    .is_some_and(|s| re.is_match(s)),
                format!("a string matching /{}/", re.as_str()),
            ),
            Self::Type(t) => want(
                found.is_some_and(|v| t.matches(v)),
                format!("a value of type {}", t.name()),
            ),
            Self::Range { min, max } => {
                let (ok, expected) = in_range(*min, *max, found);
                want(ok, expected)
            }
            Self::Exists => want(found.is_some(), "present".to_owned()),
            Self::Absent => want(
                matches!(found, None | Some(Value::Null)),
                "absent (or null)".to_owned(),
            ),
            Self::Contains(wanted) => {
                let wanted = render_json(wanted, vars).map_err(Mismatch::Template)?;
                let has = found
                    .and_then(Value::as_array)
                    .is_some_and(|items| items.iter().any(|item| json_contains(item, &wanted)));
                want(has, format!("an array with an element like {wanted}"))
            }
            Self::NotContains(unwanted) => {
                let unwanted = render_json(unwanted, vars).map_err(Mismatch::Template)?;
                let clear = found
                    .and_then(Value::as_array)
                    .is_some_and(|items| !items.iter().any(|item| json_contains(item, &unwanted)));
                want(clear, format!("an array with no element like {unwanted}"))
            }
            Self::Prefix(prefix) => {
                let prefix = render(prefix, vars).map_err(Mismatch::Template)?;
                want(
                    found
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.starts_with(&prefix)),
                    format!("a string starting with {prefix:?}"),
                )
            }
            Self::LessThan(bound) | Self::GreaterThan(bound) => {
                let bound = render_json(bound, vars).map_err(Mismatch::Template)?;
                beyond(matches!(self, Self::LessThan(_)), &bound, found)
            }
            Self::Sorted { by, descending } => {
                let (ok, expected) = sorted(by, *descending, found);
                want(ok, expected)
            }
            Self::Length(n) => want(length(found) == Some(*n), format!("length {n}")),
        }
    }

    /// The name of its kind, as the case file writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Equals(_) => "equals",
            Self::NotEquals(_) => "not_equals",
            Self::Matches(_) => "matches",
            Self::Type(_) => "type",
            Self::Range { .. } => "range",
            Self::Exists => "exists",
            Self::Absent => "absent",
            Self::Contains(_) => "contains",
            Self::NotContains(_) => "not_contains",
            Self::Prefix(_) => "prefix",
            Self::Length(_) => "length",
            Self::LessThan(_) => "less_than",
            Self::GreaterThan(_) => "greater_than",
            Self::Sorted { .. } => "sorted",
        }
    }
}

impl ValueCheck {
    /// Its value as a case file writes it, so that [`ValueCheck::parse`]
    /// reads back the same check: what `explore` writes its cases with.
    pub fn value(&self) -> Value {
        match self {
            Self::Equals(v)
            | Self::NotEquals(v)
            | Self::Contains(v)
            | Self::NotContains(v)
            | Self::LessThan(v)
            | Self::GreaterThan(v) => v.clone(),
            Self::Matches(re) => Value::String(re.as_str().to_owned()),
            Self::Type(t) => Value::String(t.name().to_owned()),
            Self::Range { min, max } => {
                let mut bounds = serde_json::Map::new();
                if let Some(min) = min {
                    bounds.insert("min".to_owned(), json!(min));
                }
                if let Some(max) = max {
                    bounds.insert("max".to_owned(), json!(max));
                }
                Value::Object(bounds)
            }
            Self::Exists | Self::Absent => Value::Bool(true),
            Self::Prefix(p) => Value::String(p.clone()),
            Self::Length(n) => json!(n),
            Self::Sorted { by, descending } => json!({
                "by": by,
                "order": if *descending { "descending" } else { "ascending" },
            }),
        }
    }
}

/// The names of every kind.
pub fn names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// The kind with this name.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// `range`: whether the number is within the bounds, and the bounds in
/// words.
fn in_range(min: Option<f64>, max: Option<f64>, found: Option<&Value>) -> (bool, String) {
    let n = found.and_then(Value::as_f64);
    let ok = n.is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m));
    let text = match (min, max) {
        (Some(a), Some(b)) => format!("a number in [{a}, {b}]"),
        (Some(a), None) => format!("a number >= {a}"),
        (None, Some(b)) => format!("a number <= {b}"),
        (None, None) => "a number".to_owned(),
    };
    (ok, text)
}

/// `length`: of an array, a string (in characters) or an object.
fn length(found: Option<&Value>) -> Option<usize> {
    found.and_then(|v| match v {
        Value::Array(a) => Some(a.len()),
        Value::String(s) => Some(s.chars().count()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    })
}

/// `less_than` (`less`) or `greater_than`: a number beyond the bound, or
/// beyond every bound of a list (below its least, above its greatest).
fn beyond(less: bool, bound: &Value, found: Option<&Value>) -> Result<(), Mismatch> {
    let number = |b: &Value| match b {
        Value::String(s) => s.parse::<f64>().ok(),
        other => other.as_f64(),
    };
    // Below (above) every bound of a list is below its least
    // (above its greatest).
    let bound = match bound {
        Value::Array(items) => items
            .iter()
            .map(number)
            .collect::<Option<Vec<f64>>>()
            .and_then(|all| {
                all.into_iter()
                    .reduce(|a, b| if less { a.min(b) } else { a.max(b) })
            }),
        single => number(single),
    };
    let Some(bound) = bound else {
        return Err(Mismatch::Expected(
            "a numeric bound (the captured value is not a number)".to_owned(),
        ));
    };
    let ok = found
        .and_then(Value::as_f64)
        .is_some_and(|n| if less { n < bound } else { n > bound });
    let side = if less { "below" } else { "above" };
    if ok {
        Ok(())
    } else {
        Err(Mismatch::Expected(format!("a number {side} {bound}")))
    }
}

/// `sorted`: whether the array is sorted by the number at `by`, and what
/// was wanted in words.
fn sorted(by: &str, descending: bool, found: Option<&Value>) -> (bool, String) {
    let keys: Option<Vec<f64>> = found.and_then(Value::as_array).and_then(|items| {
        items
            .iter()
            .map(|item| item.pointer(by).and_then(Value::as_f64))
            .collect()
    });
    let ok = keys.is_some_and(|keys| {
        keys.windows(2).all(|w| {
            if descending {
                w[0] >= w[1]
            } else {
                w[0] <= w[1]
            }
        })
    });
    let order = if descending { "highest" } else { "lowest" };
    (
        ok,
        format!("an array sorted by {} {order} first", pointer_name(by)),
    )
}

/// A JSON value's kind in words, for messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Whether `item` has every member of `wanted` (an object), or equals it.
fn json_contains(item: &Value, wanted: &Value) -> bool {
    match (item, wanted) {
        (Value::Object(have), Value::Object(want)) => want
            .iter()
            .all(|(k, v)| have.get(k).is_some_and(|h| json_equal(h, v))),
        _ => json_equal(item, wanted),
    }
}

/// Numbers compare by value (`150` equals `150.0`); the rest structurally.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A pointer as reports name it: `(whole body)` for the empty one.
pub fn pointer_name(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(whole body)"
    } else {
        pointer
    }
}

#[cfg(test)]
mod tests;

//! `{{name}}` templates in paths, headers and bodies.

use std::collections::BTreeMap;

use serde_json::Value;

/// A template that cannot be read or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{{` without its `}}`.
    #[error("`{{{{` without a closing `}}}}` in {text:?}")]
    Unclosed {
        /// The whole template.
        text: String,
    },
    /// Braces around something that is not a variable name.
    #[error("`{{{{{inner}}}}}` is not a variable name")]
    NotAName {
        /// What the braces hold.
        inner: String,
    },
    /// A variable with no value (the loader rules this out for cases).
    #[error("`{{{{{name}}}}}` has no value")]
    Undefined {
        /// The variable.
        name: String,
    },
}

/// Variables of one running case: built-ins and captures.
#[derive(Debug, Clone, Default)]
pub struct Vars(BTreeMap<String, Value>);

impl Vars {
    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_owned(), value);
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// All variables.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }
}

/// The variable names a template uses.
///
/// # Errors
/// When a `{{` is not closed or holds no valid name.
pub fn variables(text: &str) -> Result<Vec<&str>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(TemplateError::Unclosed {
                text: text.to_owned(),
            });
        };
        let name = after[..end].trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(TemplateError::NotAName {
                inner: after[..end].to_owned(),
            });
        }
        names.push(name);
        rest = &after[end + 2..];
    }
    Ok(names)
}

/// Replaces every `{{name}}` with the variable's text.
///
/// # Errors
/// When a variable is not set (the loader rules this out for cases).
pub fn render(text: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError::Unclosed {
            text: text.to_owned(),
        })?;
        let name = after[..end].trim();
        let value = vars.get(name).ok_or_else(|| TemplateError::Undefined {
            name: name.to_owned(),
        })?;
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders every string of a JSON value. A string that is exactly one
/// `{{name}}` becomes the variable's JSON value, keeping its type.
///
/// # Errors
/// When a variable is not set.
pub fn render_json(value: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    Ok(match value {
        Value::String(s) => {
            let trimmed = s.trim();
            let whole = trimmed
                .strip_prefix("{{")
                .and_then(|t| t.strip_suffix("}}"))
                .map(str::trim)
                .filter(|name| !name.contains("{{") && !name.contains("}}"));
            match whole.and_then(|name| vars.get(name)) {
                Some(v) => v.clone(),
                None => Value::String(render(s, vars)?),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_json(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_json(v, vars)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut vars = Vars::default();
        vars.set("session", json!("abc"));
        vars.set("count", json!(3));
        vars
    }

    #[test]
    fn names_are_found_and_bad_braces_reported() {
        assert_eq!(
            variables("/v1/session/{{session}}/log?{{ x }}").unwrap(),
            ["session", "x"]
        );
        assert!(variables("{{session").is_err());
        assert!(variables("{{a b}}").is_err());
    }

    #[test]
    fn strings_are_interpolated_and_whole_templates_keep_their_type() {
        assert_eq!(
            render("/v1/session/{{session}}/log", &vars()).unwrap(),
            "/v1/session/abc/log"
        );
        let body = json!({"n": "{{count}}", "s": "x{{count}}", "list": ["{{session}}"]});
        assert_eq!(
            render_json(&body, &vars()).unwrap(),
            json!({"n": 3, "s": "x3", "list": ["abc"]})
        );
        assert!(render("{{missing}}", &vars()).is_err());
    }
}

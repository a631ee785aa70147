//! What a step captures for later steps: a pointer or a header, and an
//! optional regex.

use saphyr::MarkedYaml;

use super::*;

impl Ctx<'_> {
    pub(super) fn captures(&mut self, node: &MarkedYaml<'_>) -> Vec<Capture> {
        let mut captures = Vec::new();
        for (name, source, key_location) in
            self.mapping(node, "`capture`", None).unwrap_or_default()
        {
            if !self.capturable(name, key_location) {
                continue;
            }
            let reported = self.diagnostics.len();
            let Some(entries) =
                self.mapping(source, "a capture", Some(&format::keys(format::CAPTURE)))
            else {
                continue;
            };
            let mut regex = None;
            let mut sources = Vec::new();
            for &(kind, value, _) in &entries {
                if kind == "regex" {
                    let Some(pattern) = self.string(value, "`regex`") else {
                        continue;
                    };
                    match regex::Regex::new(&pattern) {
                        Ok(re) => regex = Some(re),
                        Err(e) => self.error(
                            value,
                            format!(
                                "`{pattern}` is not a valid regular expression: {}",
                                crate::case::hint::regex_problem(&e)
                            ),
                            None,
                        ),
                    }
                } else {
                    sources.push((kind, value));
                }
            }
            let [(kind, value)] = sources[..] else {
                // An unknown key was reported already: say nothing more.
                if sources.is_empty() && self.diagnostics.len() > reported {
                    continue;
                }
                self.error(
                    source,
                    "a capture has exactly one of `pointer` or `header`, and may have a `regex`",
                    Some("e.g. `tomato: {pointer: /id}` or `suffix: {pointer: /id, regex: \"_(.+)$\"}`"),
                );
                continue;
            };
            let Some(text) = self.string(value, &format!("`{kind}`")) else {
                continue;
            };
            let source = if kind == "pointer" {
                if !text.is_empty() && !text.starts_with('/') {
                    self.error(value, format!("pointer `{text}` must start with /"), None);
                    continue;
                }
                CaptureSource::Pointer(text)
            } else {
                CaptureSource::Header(text.to_ascii_lowercase())
            };
            captures.push(Capture {
                name: name.to_owned(),
                source,
                regex,
                location: key_location,
            });
        }
        captures
    }

    /// Whether `name` can be captured into: a variable name, and not a
    /// built-in one (each refusal reported).
    fn capturable(&mut self, name: &str, key_location: Location) -> bool {
        let valid_name = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            self.error_at(
                key_location,
                format!("`{name}` is not a valid variable name"),
                Some("use lower-case letters, digits and _"),
            );
            return false;
        }
        if BUILTIN_VARIABLES.contains(&name) {
            self.error_at(
                key_location,
                format!("`{name}` is a built-in variable and cannot be captured"),
                Some(&format!("built-ins: {}", BUILTIN_VARIABLES.join(", "))),
            );
            return false;
        }
        true
    }
}

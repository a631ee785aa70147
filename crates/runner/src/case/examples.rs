//! The documented examples: every code example of the stored documentation
//! pages that sends a request, from `specs/examples.json`. Cases list the
//! examples they send; coverage shows which case covers each.

use std::sync::LazyLock;

use super::rules::{RuleCatalogue, Source};

/// One documented example.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// `page/name`, e.g. `session-management/error-handling`.
    pub id: String,
    /// The page's short name (as in `specs/rules.json`).
    pub page: String,
    /// The section heading the example stands under.
    pub section: String,
    /// What it does, in our words.
    pub summary: String,
    /// Why no case can send it, for an example that is not a request a
    /// server must answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsendable: Option<String>,
}

impl Example {
    /// Where the example stands, as a citation.
    pub fn source(&self) -> Source {
        Source {
            page: self.page.clone(),
            section: self.section.clone(),
        }
    }
}

/// Every documented example.
#[derive(Debug, Clone)]
pub struct ExampleCatalogue {
    examples: Vec<Example>,
}

#[derive(serde::Deserialize)]
struct ExamplesFile {
    examples: Vec<Example>,
}

static EMBEDDED: LazyLock<ExampleCatalogue> = LazyLock::new(|| {
    let file: ExamplesFile = serde_json::from_str(pizzastack_spec::embedded::text("examples.json"))
        .unwrap_or_else(|e| panic!("specs/examples.json is broken: {e}"));
    ExampleCatalogue {
        examples: file.examples,
    }
});

impl ExampleCatalogue {
    /// The catalogue embedded from `specs/examples.json`.
    ///
    /// # Panics
    /// Never for a built binary: a unit test parses the same embedded file.
    pub fn embedded() -> &'static Self {
        &EMBEDDED
    }

    /// The example with this ID.
    pub fn get(&self, id: &str) -> Option<&Example> {
        self.examples.iter().find(|e| e.id == id)
    }

    /// Every example, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Example> {
        self.examples.iter()
    }

    /// Every example's ID.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.examples.iter().map(|e| e.id.as_str())
    }

    /// Examples citing a page or section the rule catalogue does not list.
    pub fn unknown_sources(&self, rules: &RuleCatalogue) -> Vec<String> {
        self.examples
            .iter()
            .filter(|e| {
                rules
                    .page(&e.page)
                    .is_none_or(|p| !p.sections.contains(&e.section))
            })
            .map(|e| e.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_cites_a_listed_page_and_section() {
        let examples = ExampleCatalogue::embedded();
        assert!(examples.iter().count() > 10);
        assert_eq!(
            examples.unknown_sources(&RuleCatalogue::embedded()),
            Vec::<String>::new()
        );
        for example in examples.iter() {
            assert!(
                example.id.starts_with(&format!("{}/", example.page)),
                "{} is not named after its page",
                example.id
            );
        }
    }

    /// The catalogue lists every example of the stored pages that sends a
    /// request: per page, as many as the page has fenced code blocks that
    /// call `requests.post`, `requests.get` or `curl`, or request lines
    /// such as `POST /v1/... HTTP/1.1` (the OpenAPI-rendered page).
    #[test]
    fn every_request_example_of_the_stored_pages_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/docs");
        let rules = RuleCatalogue::embedded();
        let Some(pages) = rules.stored_pages(dir) else {
            eprintln!("note: {dir} not found; the examples were not counted in the pages");
            return;
        };
        let examples = ExampleCatalogue::embedded();
        let mut counted = 0;
        for (page, text) in pages {
            let found = request_examples_in(&text);
            let listed = examples.iter().filter(|e| e.page == page.id).count();
            assert_eq!(
                found, listed,
                "{} has {found} request examples; specs/examples.json lists {listed}",
                page.address
            );
            counted += found;
        }
        assert!(counted > 10, "only {counted} examples found in {dir}");
    }

    /// Request examples in one stored page: fenced blocks that send a
    /// request, and unfenced HTTP request lines. Only the first rendering
    /// of a page counts (a second one repeats the first).
    fn request_examples_in(text: &str) -> usize {
        let first = text.split("## Variant B").next().unwrap_or(text);
        let mut count = 0;
        let mut block: Option<String> = None;
        for line in first.lines() {
            if line.trim_start().starts_with("```") {
                match block.take() {
                    Some(code) => count += usize::from(sends_request(&code)),
                    None => block = Some(String::new()),
                }
            } else if let Some(code) = &mut block {
                code.push_str(line);
                code.push('\n');
            } else if (line.starts_with("POST /v1/") || line.starts_with("GET /v1/"))
                && line.ends_with(" HTTP/1.1")
            {
                count += 1;
            }
        }
        count
    }

    fn sends_request(code: &str) -> bool {
        code.contains("requests.post(") || code.contains("requests.get(") || code.contains("curl ")
    }
}

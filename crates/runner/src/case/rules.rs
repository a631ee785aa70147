//! The rule catalogue: every rule ID of the contract with its level and
//! the documentation pages it comes from, from `specs/rules.json` (kept
//! equal to `pizzastack-api.md` by a test).
//!
//! A rule may have *details*, e.g. `LOG-001/endpoint-format`: parts of it
//! that the docs leave open (MOCK) or only imply (SHOULD). An expectation
//! attributed to a detail is judged at the detail's level, so a target
//! that decides an open point differently is told so, not failed.

use std::collections::BTreeMap;

use super::model::Level;

/// A documentation page the rules cite.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Short name used in citations, e.g. `session-management`.
    pub id: String,
    /// The page's title.
    pub title: String,
    /// Where the page is published.
    pub address: String,
    /// The section headings that rules cite.
    pub sections: Vec<String>,
}

/// Where in the documentation a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A [`Page::id`].
    pub page: String,
    /// One of that page's section headings.
    pub section: String,
}

/// One rule of the contract, or one detail of a rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rule {
    /// E.g. `SESS-005`, or `LOG-001/endpoint-format` for a detail.
    pub id: String,
    /// MUST, SHOULD or MOCK.
    pub level: Level,
    /// What it says, in short.
    pub summary: String,
    /// The pages it comes from; empty for MOCK rules.
    pub sources: Vec<Source>,
    /// Why it has this level, where that needs saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// How the pages disagree, when they do (the rule is then at most SHOULD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
    /// The rule a detail belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl Rule {
    /// The rule itself for a rule, its parent for a detail.
    pub fn rule_id(&self) -> &str {
        self.parent.as_deref().unwrap_or(&self.id)
    }
}

/// All rules and details, by ID, with the pages they cite.
#[derive(Debug, Clone)]
pub struct RuleCatalogue {
    rules: BTreeMap<String, Rule>,
    pages: Vec<Page>,
}

#[derive(serde::Deserialize)]
struct RulesFile {
    #[serde(default)]
    pages: Vec<Page>,
    rules: Vec<RawRule>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    level: String,
    summary: String,
    #[serde(default)]
    sources: Vec<Source>,
    why: Option<String>,
    disagreement: Option<String>,
    #[serde(default)]
    details: Vec<RawRule>,
}

/// A catalogue that breaks the rules of its own format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Not the JSON shape of `specs/rules.json`.
    #[error("not a rules file: {0}")]
    Format(String),
    /// A level other than MUST, SHOULD, MOCK.
    #[error("{id}: unknown level `{level}`; use MUST, SHOULD or MOCK")]
    UnknownLevel {
        /// The rule.
        id: String,
        /// The level written.
        level: String,
    },
    /// The same ID twice.
    #[error("{0}: the ID is used twice")]
    Duplicate(String),
    /// A MUST or SHOULD rule that cites no page.
    #[error("{0}: a MUST or SHOULD rule needs a docs source; with none it is MOCK")]
    Unsourced(String),
    /// A citation of a page or section the catalogue does not list.
    #[error("{id}: cites {page} § {section}, which is not among the pages and sections listed")]
    UnknownSource {
        /// The rule.
        id: String,
        /// The page cited.
        page: String,
        /// The section cited.
        section: String,
    },
    /// A disagreement of pages on a rule stricter than SHOULD, or with
    /// fewer than two pages cited.
    #[error("{0}: where pages disagree the rule is at most SHOULD and cites two pages or more")]
    Disagreement(String),
    /// A detail stricter than its rule, or named outside it.
    #[error("{0}: a detail is named RULE-ID/name and is no stricter than its rule")]
    BadDetail(String),
    /// A MOCK detail that does not say why the docs leave it open.
    #[error("{0}: a MOCK detail says `why` the docs leave it open")]
    Unexplained(String),
}

impl RuleCatalogue {
    /// The catalogue embedded from `specs/rules.json`.
    ///
    /// # Panics
    /// Never for a built binary: a unit test parses the same embedded file.
    pub fn embedded() -> Self {
        Self::parse(pizzastack_spec::embedded::text("rules.json"))
            .unwrap_or_else(|e| panic!("specs/rules.json is broken: {e}"))
    }

    /// Parses a rules file and checks its citations.
    ///
    /// # Errors
    /// The first problem found.
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let mut catalogue = Self {
            rules: BTreeMap::new(),
            pages: Vec::new(),
        };
        catalogue.extend(text)?;
        Ok(catalogue)
    }

    /// Adds a team's own rules (and the pages they cite) in the format of
    /// `specs/rules.json`, checked by the same rules as ours.
    ///
    /// # Errors
    /// The first problem found, e.g. an ID the catalogue already has.
    pub fn extend(&mut self, text: &str) -> Result<(), CatalogueError> {
        self.add_file(
            serde_json::from_str(text).map_err(|e| CatalogueError::Format(e.to_string()))?,
        )
    }

    /// [`extend`](Self::extend) with the file already read, e.g. from YAML.
    ///
    /// # Errors
    /// As `extend`.
    pub fn extend_value(&mut self, rules: serde_json::Value) -> Result<(), CatalogueError> {
        self.add_file(
            serde_json::from_value(rules).map_err(|e| CatalogueError::Format(e.to_string()))?,
        )
    }

    fn add_file(&mut self, file: RulesFile) -> Result<(), CatalogueError> {
        for page in file.pages {
            if self.page(&page.id).is_some() {
                return Err(CatalogueError::Duplicate(format!("page {}", page.id)));
            }
            self.pages.push(page);
        }
        for mut raw in file.rules {
            let details = std::mem::take(&mut raw.details);
            let rule = self.add(raw, None)?;
            for detail in details {
                if !detail.details.is_empty() {
                    return Err(CatalogueError::BadDetail(detail.id));
                }
                self.add(detail, Some(&rule))?;
            }
        }
        Ok(())
    }

    fn add(&mut self, raw: RawRule, parent: Option<&Rule>) -> Result<Rule, CatalogueError> {
        let level = match raw.level.as_str() {
            "MUST" => Level::Must,
            "SHOULD" => Level::Should,
            "MOCK" => Level::Mock,
            other => {
                return Err(CatalogueError::UnknownLevel {
                    id: raw.id,
                    level: other.to_owned(),
                })
            }
        };
        if let Some(parent) = parent {
            let named_inside = raw
                .id
                .strip_prefix(&parent.id)
                .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/'));
            if !named_inside || level > parent.level {
                return Err(CatalogueError::BadDetail(raw.id));
            }
            if level == Level::Mock && raw.why.is_none() {
                return Err(CatalogueError::Unexplained(raw.id));
            }
        }
        if level != Level::Mock && raw.sources.is_empty() {
            return Err(CatalogueError::Unsourced(raw.id));
        }
        for source in &raw.sources {
            if !self.page_has(source) {
                return Err(CatalogueError::UnknownSource {
                    id: raw.id,
                    page: source.page.clone(),
                    section: source.section.clone(),
                });
            }
        }
        if raw.disagreement.is_some() {
            let mut pages: Vec<&str> = raw.sources.iter().map(|s| s.page.as_str()).collect();
            pages.sort_unstable();
            pages.dedup();
            if level == Level::Must || (level == Level::Should && pages.len() < 2) {
                return Err(CatalogueError::Disagreement(raw.id));
            }
        }
        let rule = Rule {
            id: raw.id,
            level,
            summary: raw.summary,
            sources: raw.sources,
            why: raw.why,
            disagreement: raw.disagreement,
            parent: parent.map(|p| p.id.clone()),
        };
        if self.rules.contains_key(&rule.id) {
            return Err(CatalogueError::Duplicate(rule.id));
        }
        self.rules.insert(rule.id.clone(), rule.clone());
        Ok(rule)
    }

    fn page_has(&self, source: &Source) -> bool {
        self.page(&source.page)
            .is_some_and(|page| page.sections.contains(&source.section))
    }

    /// The rule or detail with this ID.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    /// The rules in ID order, without their details.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values().filter(|r| r.parent.is_none())
    }

    /// Every rule and detail in ID order (a detail right after its rule).
    pub fn entries(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    /// The details of a rule.
    pub fn details_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .values()
            .filter(move |r| r.parent.as_deref() == Some(id))
    }

    /// The pages the rules cite.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page with this short name.
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// A citation in words: `Session Management (address) § Error Handling`.
    pub fn cite(&self, source: &Source) -> String {
        match self.page(&source.page) {
            Some(page) => format!("{} <{}> § {}", page.title, page.address, source.section),
            None => format!("{} § {}", source.page, source.section),
        }
    }

    /// The known ID closest to `id`, for "did you mean" hints.
    pub fn closest(&self, id: &str) -> Option<&str> {
        super::hint::closest(id, self.rules.keys().map(String::as_str))
    }

    /// Each listed page with the text of its stored copy in `dir` (the
    /// file whose `Address:` line names it), for tests that hold the
    /// catalogue to the pages; `None` when `dir` cannot be read.
    ///
    /// # Panics
    /// When a listed page has no stored copy in `dir`.
    #[cfg(test)]
    pub(crate) fn stored_pages(&self, dir: &str) -> Option<Vec<(&Page, String)>> {
        let texts: Vec<String> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect();
        let pages = self
            .pages
            .iter()
            .map(|page| {
                let text = texts
                    .iter()
                    .find(|t| {
                        t.lines()
                            .any(|l| l.starts_with("Address: ") && l.contains(&page.address))
                    })
                    .unwrap_or_else(|| panic!("no stored page has the address {}", page.address));
                (page, text.clone())
            })
            .collect();
        Some(pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_parses() {
        let catalogue = RuleCatalogue::embedded();
        assert_eq!(
            catalogue.get("SESS-005").map(|r| r.level),
            Some(Level::Must)
        );
        assert_eq!(
            catalogue.get("SESS-003").map(|r| r.level),
            Some(Level::Should)
        );
        assert_eq!(catalogue.get("QLT-004").map(|r| r.level), Some(Level::Mock));
    }

    #[test]
    fn close_ids_are_suggested() {
        let catalogue = RuleCatalogue::embedded();
        assert_eq!(catalogue.closest("SES-005"), Some("SESS-005"));
        assert_eq!(catalogue.closest("XYZ-999-LONG"), None);
    }

    #[test]
    fn every_must_and_should_rule_and_detail_cites_a_page() {
        let catalogue = RuleCatalogue::embedded();
        for rule in catalogue.entries().filter(|r| r.level != Level::Mock) {
            assert!(!rule.sources.is_empty(), "{} has no source", rule.id);
        }
        let details = catalogue.details_of("LOG-001").count();
        assert!(details >= 3, "LOG-001 has {details} details");
    }

    #[test]
    fn the_format_rules_are_enforced_when_parsing() {
        let page = r#"{"id": "p", "title": "P", "address": "http://x", "sections": ["S"]}"#;
        let parse = |rules: &str| {
            RuleCatalogue::parse(&format!(r#"{{"pages": [{page}], "rules": [{rules}]}}"#))
        };
        assert_eq!(
            parse(r#"{"id": "A-001", "level": "MUST", "summary": "s"}"#).unwrap_err(),
            CatalogueError::Unsourced("A-001".into())
        );
        assert!(matches!(
            parse(
                r#"{"id": "A-001", "level": "MUST", "summary": "s", "sources": [{"page": "p", "section": "T"}]}"#
            ),
            Err(CatalogueError::UnknownSource { .. })
        ));
        assert_eq!(
            parse(r#"{"id": "A-001", "level": "MUST", "summary": "s", "sources": [{"page": "p", "section": "S"}], "disagreement": "d"}"#).unwrap_err(),
            CatalogueError::Disagreement("A-001".into())
        );
        assert_eq!(
            parse(r#"{"id": "A-001", "level": "SHOULD", "summary": "s", "sources": [{"page": "p", "section": "S"}], "details": [{"id": "A-001/x", "level": "MUST", "summary": "s", "sources": [{"page": "p", "section": "S"}]}]}"#).unwrap_err(),
            CatalogueError::BadDetail("A-001/x".into())
        );
        assert_eq!(
            parse(r#"{"id": "A-001", "level": "MOCK", "summary": "s", "details": [{"id": "A-001/x", "level": "MOCK", "summary": "s"}]}"#).unwrap_err(),
            CatalogueError::Unexplained("A-001/x".into())
        );
        let ok = parse(r#"{"id": "A-001", "level": "MUST", "summary": "s", "sources": [{"page": "p", "section": "S"}], "details": [{"id": "A-001/x", "level": "MOCK", "summary": "s", "why": "w"}]}"#).unwrap();
        assert_eq!(ok.get("A-001/x").map(Rule::rule_id), Some("A-001"));
        assert_eq!(ok.iter().count(), 1);
    }

    /// Every page the catalogue lists is one of the stored documentation
    /// pages beside the repository (`../shared/docs/`, as in CI), and every
    /// section it cites is a heading of that page (or, on the OpenAPI-rendered
    /// reference page, an operation's request line).
    #[test]
    fn every_citation_names_a_page_and_heading_of_the_stored_docs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/docs");
        let catalogue = RuleCatalogue::embedded();
        let Some(pages) = catalogue.stored_pages(dir) else {
            eprintln!("note: {dir} not found; the citations were not compared with the pages");
            return;
        };
        for (page, text) in pages {
            for section in &page.sections {
                let is_heading = text.lines().any(|line| {
                    let line = line.trim_start_matches('#').trim().replace('\\', "");
                    // The OpenAPI-rendered reference page has no headings;
                    // its operations stand as `POST /v1/... HTTP/1.1` lines.
                    line == *section || line.starts_with(&format!("{section} HTTP/"))
                });
                assert!(is_heading, "{} has no heading `{section}`", page.address);
            }
        }
    }

    /// The catalogue must say what the contract says. The contract lives
    /// beside the repository (`../shared/pizzastack-api.md`), as in CI.
    #[test]
    fn the_catalogue_matches_the_contract_when_it_is_beside_the_repo() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/pizzastack-api.md"
        );
        let Ok(contract) = std::fs::read_to_string(path) else {
            eprintln!("note: {path} not found; the catalogue was not compared");
            return;
        };
        let catalogue = RuleCatalogue::embedded();
        let table =
            regex::Regex::new(r"(?m)^\| ([A-Z]{2,4}-\d{3}) \| (MUST|SHOULD|MOCK) \|").unwrap();
        let mut seen = 0;
        for caps in table.captures_iter(&contract) {
            seen += 1;
            let rule = catalogue
                .get(&caps[1])
                .unwrap_or_else(|| panic!("{} missing from specs/rules.json", &caps[1]));
            assert_eq!(rule.level.as_str(), &caps[2], "{}", &caps[1]);
        }
        let prose = regex::Regex::new(r"\b([A-Z]{3}-\d{3}) MUST\b").unwrap();
        for caps in prose.captures_iter(&contract) {
            seen += 1;
            let rule = catalogue
                .get(&caps[1])
                .unwrap_or_else(|| panic!("{} missing from specs/rules.json", &caps[1]));
            assert_eq!(rule.level, Level::Must, "{}", &caps[1]);
        }
        assert!(seen > 30, "the contract's rule tables were not recognised");
    }

    #[test]
    fn every_rule_the_schemas_attribute_to_is_in_the_catalogue() {
        let catalogue = RuleCatalogue::embedded();
        let spec = pizzastack_spec::Spec::embedded().unwrap();
        let ids = spec.attributed_ids();
        assert!(ids.len() > 20, "{ids:?}");
        for (file, id) in ids {
            assert!(catalogue.get(&id).is_some(), "schemas/{file} names {id}");
        }
        // The API's answers, not the mock-only /healthz.
        for op in spec
            .operations()
            .iter()
            .filter(|op| op.path.starts_with("/v1/"))
        {
            for file in op.response_schemas.values() {
                assert!(
                    spec.schema_rule(file).is_some(),
                    "schemas/{file} has no x-rule"
                );
            }
        }
    }
}

//! The rule catalogue: every rule ID of the contract with its level,
//! from `specs/rules.json` (kept equal to `pizzastack-api.md` by a test).

use std::collections::BTreeMap;

use super::model::Level;

const RULES_JSON: &str = include_str!("../../specs/rules.json");

/// One rule of the contract.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rule {
    /// E.g. `SESS-005`.
    pub id: String,
    /// MUST, SHOULD or MOCK.
    pub level: Level,
    /// What it says, in short.
    pub summary: String,
}

/// All rules, by ID.
#[derive(Debug, Clone)]
pub struct RuleCatalogue {
    rules: BTreeMap<String, Rule>,
}

#[derive(serde::Deserialize)]
struct RulesFile {
    rules: Vec<RawRule>,
}

#[derive(serde::Deserialize)]
struct RawRule {
    id: String,
    level: String,
    summary: String,
}

impl RuleCatalogue {
    /// The catalogue embedded from `specs/rules.json`.
    ///
    /// # Panics
    /// Never for a built binary: a unit test parses the same embedded file.
    pub fn embedded() -> Self {
        Self::parse(RULES_JSON).unwrap_or_else(|e| panic!("specs/rules.json is broken: {e}"))
    }

    /// Parses a rules file.
    ///
    /// # Errors
    /// A description of the first problem.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: RulesFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut rules = BTreeMap::new();
        for raw in file.rules {
            let level = match raw.level.as_str() {
                "MUST" => Level::Must,
                "SHOULD" => Level::Should,
                "MOCK" => Level::Mock,
                other => return Err(format!("{}: unknown level {other}", raw.id)),
            };
            rules.insert(
                raw.id.clone(),
                Rule {
                    id: raw.id,
                    level,
                    summary: raw.summary,
                },
            );
        }
        Ok(Self { rules })
    }

    /// The rule with this ID.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    /// All rules in ID order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    /// The known ID closest to `id`, for "did you mean" hints.
    pub fn closest(&self, id: &str) -> Option<&str> {
        closest(id, self.rules.keys().map(String::as_str))
    }
}

/// The candidate closest to `word` by edit distance, if reasonably close.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
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

    /// The catalogue must say what the contract says. The contract lives
    /// beside the repository (`../shared/pizzastack-api.md`), as in CI.
    #[test]
    fn the_catalogue_matches_the_contract_when_it_is_beside_the_repo() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/pizzastack-api.md");
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
}

//! Loading a run: the rule catalogue (with `--rules`), the case files
//! (problems printed, one per line, before the run stops), and the cases
//! the selection picks.

use std::path::Path;

use super::error::CheckError;
use super::options::CheckOptions;
use crate::case::{Case, RuleCatalogue};
use crate::report;
use pizzastack_spec::Spec;

/// What a run works from.
pub(super) struct Loaded {
    pub catalogue: RuleCatalogue,
    pub spec: &'static Spec,
    /// The cases selected (none for `pizzastack explore`).
    pub cases: Vec<Case>,
}

/// What loading ends with: a run to make, or (`--coverage`, `--list`)
/// the whole answer already printed.
pub(super) enum Load {
    Run(Loaded),
    Printed,
}

/// Loads and selects the cases; prints the coverage or the list instead
/// when asked.
pub(super) fn load(options: &CheckOptions) -> Result<Load, CheckError> {
    let mut catalogue = RuleCatalogue::embedded();
    for path in &options.rules_files {
        extend_catalogue(&mut catalogue, path)?;
    }
    let spec = Spec::embedded().map_err(CheckError::Spec)?;
    let loaded = if options.suite {
        options.cases.load(&catalogue)?
    } else {
        crate::case::LoadedCases::default()
    };
    if !loaded.diagnostics.is_empty() {
        // anstream drops the colours where stderr is not a terminal.
        for diagnostic in &loaded.diagnostics {
            anstream::eprintln!("{}\n", diagnostic.render(true));
        }
        return Err(CheckError::CaseFiles(loaded.diagnostics.len()));
    }
    if loaded.cases.is_empty() && options.suite {
        return Err(CheckError::NoCases);
    }
    if options.coverage {
        let coverage = report::coverage::coverage(&loaded.cases, &catalogue, spec);
        report::coverage::print(&coverage);
        return Ok(Load::Printed);
    }
    let selection = &options.selection;
    let cases: Vec<_> = loaded
        .cases
        .into_iter()
        .filter(|case| selection.selects(case))
        .collect();
    if cases.is_empty() && options.suite {
        return Err(CheckError::NoMatch {
            filters: selection.filters.join(", "),
            exact: if selection.exact { " exactly" } else { "" },
        });
    }
    if options.libtest.list && options.progress {
        report::terminal::print_list(&cases);
        return Ok(Load::Printed);
    }
    Ok(Load::Run(Loaded {
        catalogue,
        spec,
        cases,
    }))
}

/// Adds the rules of a `--rules` file, JSON as `specs/rules.json` or the
/// same in YAML.
fn extend_catalogue(catalogue: &mut RuleCatalogue, path: &Path) -> Result<(), CheckError> {
    let failed = |message: String| CheckError::Rules {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if !yaml {
        return catalogue.extend(&text).map_err(|e| failed(e.to_string()));
    }
    let shown = path.display().to_string();
    let rules = crate::case::yaml_to_json(&shown, &text).map_err(|diagnostics| {
        failed(
            diagnostics
                .iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    catalogue
        .extend_value(rules)
        .map_err(|e| failed(e.to_string()))
}

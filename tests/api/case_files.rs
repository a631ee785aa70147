//! The case-file format: the loader's diagnostics, one broken file per
//! kind of problem, snapshotted; and the loader and the generated
//! `specs/case.schema.json` agreeing on which files are broken.
//!
//! `tests/broken-cases/shape/` holds files the schema refuses too (an
//! editor with the schema flags them); `meaning/` holds files whose shape is
//! right but which only the loader can refuse (an unknown rule, an undefined
//! variable). A file in the wrong folder, or a loader that accepts one,
//! fails here.

use pizzastack::case::{parse_case, yaml_to_json, RuleCatalogue};

fn case_schema() -> jsonschema::Validator {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/specs/case.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Whether the schema refuses the file (a file that is not YAML at all
/// counts as refused).
fn schema_refuses(validator: &jsonschema::Validator, name: &str, text: &str) -> bool {
    match yaml_to_json(name, text) {
        Ok(json) => !validator.is_valid(&json),
        Err(_) => true,
    }
}

fn broken_files() -> Vec<(String, String)> {
    let root = format!("{}/tests/broken-cases", env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["shape", "meaning"] {
        for entry in std::fs::read_dir(format!("{root}/{folder}")).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn the_loader_and_the_case_schema_agree_on_every_broken_file() {
    let catalogue = RuleCatalogue::embedded();
    let validator = case_schema();
    let mut wrong = Vec::new();
    for (name, text) in broken_files() {
        if parse_case(&name, &text, &catalogue).is_ok() {
            wrong.push(format!("{name}: the loader accepts it"));
        }
        let refused = schema_refuses(&validator, &name, &text);
        if name.starts_with("shape/") != refused {
            wrong.push(format!(
                "{name}: the schema {} it",
                if refused { "refuses" } else { "accepts" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_broken_case_file_gets_its_diagnostics() {
    let catalogue = RuleCatalogue::embedded();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/diagnostics");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../broken-cases", "*/*.yaml", |path: &std::path::Path| {
            let text = std::fs::read_to_string(path).unwrap();
            let folder = path.parent().and_then(std::path::Path::file_name).unwrap();
            let name = format!(
                "{}/{}",
                folder.to_string_lossy(),
                path.file_name().unwrap().to_string_lossy()
            );
            let rendered: Vec<String> = parse_case(&name, &text, &catalogue)
                .err()
                .unwrap_or_default()
                .iter()
                .map(|d| d.render(false))
                .collect();
            insta::assert_snapshot!(rendered.join("\n\n"));
        });
    });
}

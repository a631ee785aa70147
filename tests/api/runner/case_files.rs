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
use serde_json::json;

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
    settings.set_snapshot_path("../../../snapshots/diagnostics");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!(
            "../../broken-cases",
            "*/*.yaml",
            |path: &std::path::Path| {
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
            }
        );
    });
}

#[test]
fn a_case_file_with_three_mistakes_reports_all_three_with_line_and_column() {
    let text = "\
name: three mistakes
rules: [SES-005]
steps:
  - request:
      method: POST
      path: /v1/tomato/acquire
      jsn: {variety: Roma}
    expect:
      body:
        - {pointer: /id, prefix: \"{{tomato}}\"}
";
    let diagnostics = parse_case("three.yaml", text, &RuleCatalogue::embedded()).unwrap_err();
    let found: Vec<(usize, usize, &str)> = diagnostics
        .iter()
        .map(|d| (d.location.line, d.location.column, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (2, 9, "unknown rule `SES-005`"),
            (7, 7, "unknown key `jsn` in a request"),
            (10, 34, "`{{tomato}}` is not defined at this point"),
        ],
        "{diagnostics:#?}"
    );
    assert_eq!(
        diagnostics[0].hint.as_deref(),
        Some("did you mean `SESS-005`? rule IDs come from pizzastack-api.md")
    );
    assert!(diagnostics[1]
        .hint
        .as_deref()
        .unwrap()
        .starts_with("did you mean `json`?"));
    assert_eq!(
        diagnostics[0].to_string().lines().next(),
        Some("three.yaml:2:9: unknown rule `SES-005`")
    );
}

#[test]
fn invalid_yaml_is_reported_with_its_place_not_a_panic() {
    let diagnostics = parse_case(
        "bad.yaml",
        "name: [unclosed\nrules: x",
        &RuleCatalogue::embedded(),
    )
    .unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert!(
        diagnostics[0].message.starts_with("not valid YAML"),
        "{diagnostics:?}"
    );
    assert!(diagnostics[0].location.line >= 1);
}

#[test]
fn every_embedded_case_loads_without_diagnostics() {
    let loaded = pizzastack::case::load_embedded(&RuleCatalogue::embedded());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert!(loaded.cases.len() >= 10);
}

#[test]
fn the_attribution_keys_are_checked_when_loading() {
    let text = "\
name: attribution mistakes
rules: [SESS-005, ID-002]
examples: [session-management/no-such-example]
steps:
  - rules: [SES-005]
    request: {method: POST, path: /v1/tomato/acquire, json: {variety: Roma, ripeness: 0.5, weight: 1}}
    expect:
      status: {code: 2xx, rule: SESS-005}
    capture:
      suffix: {pointer: /id, regex: \"(unclosed\"}
  - idle: 1.5
";
    let diagnostics = parse_case("attribution.yaml", text, &RuleCatalogue::embedded()).unwrap_err();
    let messages: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
    for expected in [
        "unknown documented example `session-management/no-such-example`",
        "unknown rule `SES-005`",
        "`(unclosed` is not a valid regular expression",
        "`idle` is the fraction of the session TTL to let pass, above 0 and below 1",
        "the case cites `ID-002`, but no expectation checks it",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "missing {expected:?} in {messages:#?}"
        );
    }
    let idle_without_requirement = "\
name: waits
rules: [SESS-006]
steps:
  - idle: 0.5
  - rules: [SESS-006]
    request: {method: GET, path: /v1/session/x/log}
    expect: {status: 404}
";
    let diagnostics = parse_case(
        "waits.yaml",
        idle_without_requirement,
        &RuleCatalogue::embedded(),
    )
    .unwrap_err();
    assert!(
        diagnostics[0].message.contains("does not say it needs to"),
        "{diagnostics:#?}"
    );
}

#[test]
fn every_case_file_validates_against_the_case_schema_and_a_broken_one_does_not() {
    let root = env!("CARGO_MANIFEST_DIR");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/specs/case.schema.json")).unwrap(),
    )
    .unwrap();
    let loaded = pizzastack::case::CaseSources {
        paths: vec![format!("{root}/specs/cases")],
        ..Default::default()
    }
    .load(&RuleCatalogue::embedded())
    .unwrap();
    assert!(!loaded.cases.is_empty());
    for case in &loaded.cases {
        let text = std::fs::read_to_string(format!("{root}/specs/cases/{}", case.file)).unwrap();
        let json = pizzastack::case::yaml_to_json(&case.file, &text).unwrap();
        if let Err(problems) = pizzastack::spec::validate_with(&schema, &json) {
            panic!(
                "{} breaks specs/case.schema.json:\n{}",
                case.file,
                problems.join("\n")
            );
        }
    }
    let broken = json!({"name": "x", "rules": ["SESS-005"], "steps": [{"request": {"method": "post", "path": "v1"}, "expect": {"body": [{"pointer": "/a"}]}}]});
    let problems = pizzastack::spec::validate_with(&schema, &broken).unwrap_err();
    assert!(problems.len() >= 3, "{problems:#?}");
}

//! `check` as a team outside this repository uses it: the release binary
//! run from a folder of its own (no Cargo.toml), against a mock it did not
//! start with cargo. Reports into folders that do not exist yet, filters,
//! JSON on stdout, a refused key, progress lines, the known-deviation
//! baseline cycle.

use std::path::{Path, PathBuf};
use std::process::Output;

use pizzastack::config::ServeConfig;

use crate::helpers::*;

struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("pizzastack-user-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

async fn check_in(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    pizzastack_in(dir, &all, &[]).await
}

/// Runs the binary in `dir` as a user's shell would, outside CI unless
/// `env` sets `CI`.
async fn pizzastack_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_pizzastack(Some(dir), args, env).await
}

async fn mock(deviations: &[&str]) -> String {
    mock_with(deviations, &[]).await
}

async fn mock_with(deviations: &[&str], freedoms: &[&str]) -> String {
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        deviations: deviations.iter().map(|d| (*d).to_owned()).collect(),
        freedoms: freedoms.iter().map(|f| (*f).to_owned()).collect(),
        ..ServeConfig::default()
    })
    .await;
    app.url("")
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_go_into_folders_that_do_not_exist_yet() {
    let folder = Folder::new();
    let target = mock(&[]).await;
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "--report-junit",
            "out/ci/junit.xml",
            "--report-html",
            "out/html/report.html",
            "tomato/",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(folder.0.join("out/ci/junit.xml").is_file());
    let html = std::fs::read_to_string(folder.0.join("out/html/report.html")).unwrap();
    assert!(html.contains("<table") && html.contains("ACQ-001"));
    // Self-contained: no stylesheet, script or image fetched from anywhere.
    for external in ["<link", "src=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_select_by_case_or_rule_and_one_that_selects_nothing_is_an_error() {
    let folder = Folder::new();
    let target = mock(&[]).await;
    let output = check_in(&folder.0, &["--target", &target, "--exact", "SESS-005"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("pass ")).collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|l| l.contains("SESS-005")),
        "{stdout}"
    );
    let output = check_in(
        &folder.0,
        &["--target", &target, "--exact", "tomato/acquire"],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("pass ")).count(),
        1,
        "{stdout}"
    );
    let output = check_in(&folder.0, &["--target", &target, "SESS-5"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no case matches SESS-5"));
}

#[tokio::test(flavor = "multi_thread")]
async fn json_format_puts_only_json_on_stdout() {
    let folder = Folder::new();
    let target = mock(&["SLC-001"]).await;
    let output = check_in(
        &folder.0,
        &["--target", &target, "--format", "json", "tomato/"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(report["passed"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_is_one_line_and_exit_2() {
    let folder = Folder::new();
    let target = mock(&[]).await;
    let output = check_in(&folder.0, &["--target", &target, "--api-key", "wrong"]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("refuses the API key (HTTP 401)"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_lines_say_warn_for_a_should_failure_and_each_failure_is_printed_once() {
    let folder = Folder::new();
    let target = mock(&["SESS-003", "SLC-001"]).await;
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "sessions/any-visible-ascii-id",
            "tomato/slice",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("warn  sessions/any-visible-ascii-id [SESS-003]"),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("FAIL  tomato/slice")),
        "{stdout}"
    );
    assert!(!stdout.contains("... ok"), "no libtest lines: {stdout}");
    let header = "FAIL tomato/slice";
    assert_eq!(stdout.matches(header).count(), 1, "{stdout}");
}

#[test]
fn help_lists_no_libtest_option_that_does_nothing() {
    let output = pizzastack_command()
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for useless in [
        "--ignored",
        "--include-ignored",
        "--bench",
        "--nocapture",
        "--show-output",
        " -Z",
    ] {
        assert!(!help.contains(useless), "{useless} in {help}");
    }
    for useful in [
        "--exact",
        "--skip",
        "--list",
        "--format",
        "--color",
        "--baseline",
    ] {
        assert!(help.contains(useful), "{useful} missing from {help}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_baseline_cycle_records_accepts_and_reports_fixed() {
    let folder = Folder::new();
    let deviating = mock(&["QLT-002"]).await;
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &deviating,
            "quality/",
            "--write-baseline",
            "ci/known.json",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "the deviation fails while it is new"
    );
    let text = std::fs::read_to_string(folder.0.join("ci/known.json")).unwrap();
    let baseline: serde_json::Value = serde_json::from_str(&text).unwrap();
    let known = baseline["known"].as_array().unwrap();
    assert!(
        known
            .iter()
            .any(|k| k["rule"] == "QLT-002" && k["reason"].is_string()),
        "{text}"
    );
    let output = with_baseline(&folder.0, &deviating, false).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("known"), "{stdout}");
    // A new deviation still fails.
    let worse = mock(&["QLT-002", "QLT-003"]).await;
    let output = with_baseline(&folder.0, &worse, false).await;
    assert_eq!(output.status.code(), Some(1));
    // Fixed: reported; fails only with --strict.
    let fixed = mock(&[]).await;
    let output = with_baseline(&folder.0, &fixed, false).await;
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("fixed QLT-002"));
    let output = with_baseline(&folder.0, &fixed, true).await;
    assert_eq!(output.status.code(), Some(1));
}

/// `check` of the quality cases against `target` with the baseline the
/// cycle wrote, `--strict` when asked.
async fn with_baseline(
    folder: &std::path::Path,
    target: &str,
    strict: bool,
) -> std::process::Output {
    let mut args = vec![
        "--target",
        target,
        "quality/",
        "--baseline",
        "ci/known.json",
    ];
    if strict {
        args.push("--strict");
    }
    check_in(folder, &args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_baseline_entry_does_not_hide_another_failure_of_the_same_rule() {
    let folder = Folder::new();
    let deviating = mock(&["QLT-002"]).await;
    let args = |extra: &'static [&'static str]| {
        let mut all = vec!["--target", deviating.as_str(), "quality/"];
        all.extend_from_slice(extra);
        all
    };
    let output = check_in(&folder.0, &args(&["--write-baseline", "known.json"])).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let path = folder.0.join("known.json");
    let mut baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let entry = baseline["known"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|k| k["rule"] == "QLT-002")
        .expect("QLT-002 recorded");
    let seen = entry["seen"]
        .as_array_mut()
        .expect("what was seen is pinned");
    assert!(
        seen.len() > 1,
        "QLT-002 fails in more than one step: {seen:?}"
    );
    assert!(
        seen.iter().all(|s| s["case"].is_string()
            && s["step"].is_string()
            && s["status"].is_u64()
            && s["check"].is_string()
            && s["expected"].is_string()),
        "{seen:?}"
    );
    let output = check_in(&folder.0, &args(&["--baseline", "known.json"])).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "as recorded: {}",
        text(&output)
    );
    // The team accepted only the first failure it saw: the others are new.
    seen.truncate(1);
    std::fs::write(&path, baseline.to_string()).unwrap();
    let output = check_in(&folder.0, &args(&["--baseline", "known.json"])).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("QLT-002"),
        "{}",
        text(&output)
    );
    // An entry that pins nothing is refused, not taken as "any failure".
    let unpinned =
        serde_json::json!({"known": [{"rule": "QLT-002", "cases": [], "reason": "legacy"}]});
    std::fs::write(&path, unpinned.to_string()).unwrap();
    let output = check_in(&folder.0, &args(&["--baseline", "known.json"])).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("lists no `seen` failure"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_must_rule_no_case_could_evaluate_fails_the_run_unless_listed_unverifiable() {
    let folder = Folder::new();
    // No admin clock and no --session-ttl: the expiry cases are skipped,
    // the other session cases verify their rules.
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        ..ServeConfig::default()
    })
    .await;
    let target = app.url("");
    let output = check_in(&folder.0, &["--target", &target, "sessions/"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("MUST rule(s) not verified") && stderr.contains("SESS-006"),
        "{}",
        text(&output)
    );
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "sessions/",
            "--write-baseline",
            "known.json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let recorded = std::fs::read_to_string(folder.0.join("known.json")).unwrap();
    let baseline: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    assert!(
        baseline["known"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["rule"] == "SESS-006" && k["unverifiable"] == true),
        "{recorded}"
    );
    let output = check_in(
        &folder.0,
        &["--target", &target, "sessions/", "--baseline", "known.json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    // Recorded again while the baseline is in use, the rule stays an
    // unverifiable entry, and the new file is one the next run accepts.
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "sessions/",
            "--baseline",
            "known.json",
            "--write-baseline",
            "again.json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = check_in(
        &folder.0,
        &["--target", &target, "sessions/", "--baseline", "again.json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn the_snapshot_cycle_records_compares_and_reviews_in_a_plain_folder() {
    let folder = Folder::new();
    let snaps = folder.0.join("snaps");
    let plain = mock(&[]).await;
    // Extra fields leave every case passing but change the exchanges.
    let changed = mock_with(&[], &["extra-fields"]).await;
    let run = |target: String| {
        let dir = folder.0.clone();
        async move {
            check_in(
                &dir,
                &[
                    "--target",
                    &target,
                    "--snapshots",
                    "snaps",
                    "--snapshot-name",
                    "mine",
                    "tomato/",
                ],
            )
            .await
        }
    };

    let first = run(plain.clone()).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let recorded = files_ending(&snaps, ".snap");
    assert!(!recorded.is_empty(), "{}", text(&first));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains(&format!("{} recorded", recorded.len())),
        "{stderr}"
    );
    let stored = std::fs::read_to_string(snaps.join(&recorded[0])).unwrap();
    assert!(
        stored.contains("\"target\":\"mine\"") && !stored.contains("src/"),
        "{stored}"
    );

    let again = run(plain.clone()).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(&format!("{} matched", recorded.len())),
        "{}",
        text(&again)
    );

    let differ = run(changed.clone()).await;
    let shown = text(&differ);
    assert_eq!(differ.status.code(), Some(1), "{shown}");
    assert!(
        !shown.contains("panicked") && !shown.contains("cargo insta"),
        "{shown}"
    );
    assert!(
        shown.contains("+++ this run") && shown.contains("snapshots review"),
        "{shown}"
    );
    assert_eq!(
        files_ending(&snaps, ".snap.new").len(),
        recorded.len(),
        "{shown}"
    );

    let reject = pizzastack_in(&folder.0, &["snapshots", "reject", "snaps"], &[]).await;
    assert_eq!(reject.status.code(), Some(0), "{}", text(&reject));
    assert!(files_ending(&snaps, ".snap.new").is_empty());
    assert_eq!(
        std::fs::read_to_string(snaps.join(&recorded[0])).unwrap(),
        stored
    );

    let differ = run(changed.clone()).await;
    assert_eq!(differ.status.code(), Some(1), "{}", text(&differ));
    let accept = pizzastack_in(&folder.0, &["snapshots", "accept", "snaps"], &[]).await;
    assert!(
        String::from_utf8_lossy(&accept.stdout).contains(&format!("{} accepted", recorded.len())),
        "{}",
        text(&accept)
    );
    let now = run(changed).await;
    assert_eq!(now.status.code(), Some(0), "{}", text(&now));
    // The old server now deviates from the accepted baseline.
    let back = run(plain).await;
    assert_eq!(back.status.code(), Some(1), "{}", text(&back));
}

#[tokio::test(flavor = "multi_thread")]
async fn in_ci_a_missing_snapshot_fails_and_nothing_is_written() {
    let folder = Folder::new();
    let target = mock(&[]).await;
    let output = pizzastack_in(
        &folder.0,
        &[
            "check",
            "--target",
            &target,
            "--snapshots",
            "snaps",
            "--snapshot-name",
            "mine",
            "--exact",
            "tomato/acquire",
        ],
        &[("CI", "true")],
    )
    .await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(shown.contains("in CI nothing is written"), "{shown}");
    assert!(!folder.0.join("snaps").exists(), "{shown}");
}

const VARIETY_CASE: &str = r#"name: Acquire echoes the team's variety
rules: [ACME-001]
steps:
  - rules: [ACME-001]
    request:
      method: POST
      path: /v1/tomato/acquire
      json: {variety: "{{variety}}", ripeness: "{{ripeness}}", weight: 100}
    expect:
      status: 2xx
      body:
        - {pointer: /variety, equals: "{{expected}}"}
        - {pointer: /ripeness, equals: "{{ripeness}}"}
"#;

const TEAM_RULES: &str = "pages:
  - {id: handbook, title: Our handbook, address: 'https://example.test/handbook', sections: [Tomatoes]}
rules:
  - {id: ACME-001, level: MUST, summary: A tomato keeps its variety, sources: [{page: handbook, section: Tomatoes}]}
";

#[tokio::test(flavor = "multi_thread")]
async fn a_teams_own_cases_rules_and_variables_run_from_files_folders_and_globs() {
    let folder = Folder::new();
    let target = mock(&[]).await;
    let write = |name: &str, text: &str| {
        let path = folder.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("team/variety.yaml", VARIETY_CASE);
    write("more/deep/variety-too.yaml", VARIETY_CASE);
    write("rules.yaml", TEAM_RULES);
    write(
        "vars.env",
        "# the team's values\nvariety=Roma\nexpected=Roma\nripeness=0.7\n",
    );
    let base = [
        "--target",
        &target,
        "--rules",
        "rules.yaml",
        "--variables-file",
        "vars.env",
        "--format",
        "json",
    ];
    let run = |extra: Vec<&'static str>| {
        let mut args: Vec<String> = base.iter().map(|a| (*a).to_owned()).collect();
        args.extend(extra.into_iter().map(str::to_owned));
        let dir = folder.0.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            check_in(&dir, &args).await
        }
    };
    let report = |output: &Output| -> serde_json::Value {
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
    };
    let case_files = |report: &serde_json::Value| -> Vec<String> {
        let mut files: Vec<String> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["file"].as_str().unwrap().to_owned())
            .collect();
        files.sort();
        files
    };

    // A file, a glob reaching the same file again, and a folder: each file
    // runs once, shown as the user spelt it.
    let output = run(vec![
        "--cases",
        "team/variety.yaml",
        "--cases",
        "team/*.yaml",
        "--cases",
        "more",
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let json = report(&output);
    assert_eq!(
        case_files(&json),
        ["more/deep/variety-too.yaml", "team/variety.yaml"],
        "{json}"
    );
    assert!(json.to_string().contains("ACME-001"), "{json}");

    // A value from the command line overrides the file's: now the
    // expectation cannot hold, and the team's MUST rule fails the run.
    let output = run(vec!["--cases", "team", "--variable", "expected=Plum"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Plum"),
        "{}",
        text(&output)
    );

    // --builtin adds the built-in suite.
    let output = run(vec!["--cases", "team", "--builtin", "--list"]).await;
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        listed.contains("variety") && listed.contains("tomato/acquire"),
        "{}",
        text(&output)
    );

    // Without the variable, the diagnostic shows the path as given, the
    // line and a caret.
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "--rules",
            "rules.yaml",
            "--cases",
            "./team/",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--> ./team/variety.yaml:8:"), "{stderr}");
    assert!(
        stderr.contains("^^^") && stderr.contains("--variable NAME=VALUE"),
        "{stderr}"
    );

    // Without the rules file, the team's rule is unknown.
    let output = check_in(&folder.0, &["--target", &target, "--cases", "team"]).await;
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("unknown rule `ACME-001`"),
        "{}",
        text(&output)
    );
    for (args, says) in [
        (vec!["--cases", "nowhere"], "no such file or folder"),
        (vec!["--cases", "team/*.yml"], "matches no case file"),
    ] {
        let mut all = vec!["--target", target.as_str()];
        all.extend(args);
        let output = check_in(&folder.0, &all).await;
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(says),
            "{}",
            text(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_for_the_targets_ttl_says_what_it_waits_for() {
    let folder = Folder::new();
    // No admin clock: the expiry case really waits out the 11 s TTL.
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into()],
        session_ttl: std::time::Duration::from_secs(11),
        ..ServeConfig::default()
    })
    .await;
    let target = app.url("");
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &target,
            "--session-ttl",
            "11s",
            "--exact",
            "sessions/expiry",
        ],
    )
    .await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("waiting for the target's TTL: sessions/expiry"))
        .unwrap_or_else(|| panic!("no wait line in {shown}"));
    assert!(line.contains(" left"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_says_its_cause_once() {
    let folder = Folder::new();
    let output = check_in(
        &folder.0,
        &[
            "--target",
            "http://127.0.0.1:1",
            "--variables-file",
            "missing.env",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

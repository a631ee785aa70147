//! `check` as a team outside this repository uses it: the release binary
//! run from a folder of its own (no Cargo.toml), against a mock it did not
//! start with cargo. Reports into folders that do not exist yet, filters,
//! JSON on stdout, a refused key, progress lines, the known-deviation
//! baseline cycle.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_pizzastack"))
            .arg("check")
            .args(&args)
            .current_dir(&dir)
            .env_remove("PIZZASTACK_TARGET")
            .env_remove("PIZZASTACK_API_KEY")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

async fn mock(deviations: &[&str]) -> String {
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        deviations: deviations.iter().map(|d| (*d).to_owned()).collect(),
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
    let output = Command::new(env!("CARGO_BIN_EXE_pizzastack"))
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
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &deviating,
            "quality/",
            "--baseline",
            "ci/known.json",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("known"), "{stdout}");
    // A new deviation still fails.
    let worse = mock(&["QLT-002", "QLT-003"]).await;
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &worse,
            "quality/",
            "--baseline",
            "ci/known.json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    // Fixed: reported; fails only with --strict.
    let fixed = mock(&[]).await;
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &fixed,
            "quality/",
            "--baseline",
            "ci/known.json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("fixed QLT-002"));
    let output = check_in(
        &folder.0,
        &[
            "--target",
            &fixed,
            "quality/",
            "--baseline",
            "ci/known.json",
            "--strict",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
}

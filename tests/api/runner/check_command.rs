//! The `check`, `list` and `coverage` commands as a user runs them: the
//! reports written, the documented exit codes, colour on a terminal, and
//! one clear line for a target that is down or case files that are broken.

use crate::helpers::*;

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_against_the_mock_and_writes_junit_and_json() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("pizzastack-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, report) = (dir.join("junit.xml"), dir.join("report.json"));
    let output = tokio::task::spawn_blocking({
        let (junit, report, url) = (junit.clone(), report.clone(), app.url(""));
        move || {
            pizzastack_command()
                .args(["check", "--target", &url, "--other-api-key", OTHER_KEY])
                .arg("--report-junit")
                .arg(&junit)
                .arg("--report-json")
                .arg(&report)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("conformance: ") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no colours off a terminal: {stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testcase name=\"sessions/cross-session-slice [SESS-005]\""),
        "{xml}"
    );
    assert!(xml.contains("name=\"rules\" value=\"SESS-005\""));
    let report_text = std::fs::read_to_string(&report).unwrap();
    let json: serde_json::Value = serde_json::from_str(&report_text).unwrap();
    let exchanges = json["cases"].to_string();
    assert!(
        !exchanges.contains("your-api-key"),
        "the API key is masked in the recorded requests"
    );
    assert!(exchanges.contains("[redacted]"));
    assert_eq!(json["passed"], true);
    let rule = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "SESS-005")
        .unwrap();
    assert_eq!(rule["verdict"], "pass");
    assert_eq!(rule["level"], "MUST");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn check_exits_1_and_names_the_deviation_against_a_wrong_server() {
    let base = spawn_wrong_server().await;
    let output = tokio::task::spawn_blocking(move || {
        pizzastack_command()
            .args(["check", "--target", &base, "tomato/acquire"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL tomato/acquire"), "{stdout}");
    assert!(
        stdout.contains("expected:") && stdout.contains("actual:"),
        "{stdout}"
    );
    assert!(stdout.contains("> POST "), "the request is shown: {stdout}");
    assert!(
        stdout.contains("> X-API-Key: [redacted]"),
        "the key is masked: {stdout}"
    );
    assert!(
        !stdout.contains("your-api-key"),
        "the key never reaches a report: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_colours_its_verdicts_when_asked_to_as_on_a_terminal() {
    let base = spawn_wrong_server().await;
    let output = tokio::task::spawn_blocking(move || {
        pizzastack_command()
            .args(["check", "--target", &base, "tomato/acquire"])
            .env("CLICOLOR_FORCE", "1")
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // FAIL in bold red, as a label and in the rule table.
    assert!(stdout.contains("\u{1b}[1m\u{1b}[31mFAIL"), "{stdout:?}");
    let plain = pizzastack_command()
        .args(["check", "--target", "http://127.0.0.1:1"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\u{1b}'));
}

#[test]
fn check_exits_2_with_one_clear_line_for_a_target_that_is_down() {
    let output = pizzastack_command()
        .args(["check", "--target", "http://127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: cannot reach the target http://127.0.0.1:1: connection refused or host unreachable"
    );
}

#[test]
fn check_exits_2_listing_every_problem_of_broken_case_files() {
    let dir = std::env::temp_dir().join(format!("pizzastack-cases-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.yaml"),
        "name: a\nrules: [NOPE-001]\nsteps: []\n",
    )
    .unwrap();
    std::fs::write(dir.join("b.yaml"), "name: b\n").unwrap();
    let output = pizzastack_command()
        .args(["check", "--target", "http://127.0.0.1:1", "--cases"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Each problem as a compiler shows one: message, place, line, mark.
    for (message, place, line, mark) in [
        (
            "unknown rule `NOPE-001`",
            "a.yaml:2:9",
            "2 | rules: [NOPE-001]",
            "^^^^^^^^",
        ),
        ("`steps` is empty", "a.yaml:3:8", "3 | steps: []", "^^"),
        ("the case has no `rules`", "b.yaml:1:1", "1 | name: b", "^"),
    ] {
        // The path as it was given: here the whole folder's.
        let shown = format!("error: {message}\n --> {}/{place}", dir.display());
        assert!(stderr.contains(&shown), "{shown:?} in {stderr}");
        assert!(stderr.contains(line) && stderr.contains(mark), "{stderr}");
    }
    assert!(
        !stderr.contains('\u{1b}'),
        "no colours off a terminal: {stderr}"
    );
    assert!(stderr.contains("nothing was run"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_refuses_bad_arguments_with_exit_2() {
    let output = pizzastack_command()
        .args(["check", "--target", "http://x", "--timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = pizzastack_command()
        .args(["check", "--target", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must be an http:// or https:// URL"));
    // Zero is no TTL, no body and no thread: refused before anything runs.
    for (command, option, value) in [
        ("check", "--session-ttl", "0s"),
        ("check", "--max-body", "0"),
        ("check", "--test-threads", "0"),
        ("explore", "--session-ttl", "0s"),
        ("explore", "--max-body", "0B"),
    ] {
        let output = pizzastack_command()
            .args([command, "--target", "http://127.0.0.1:9", option, value])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command} {option} {value}: {stderr}"
        );
        assert!(
            stderr.contains(option)
                && (stderr.contains("more than zero") || stderr.contains("not in 1..")),
            "{command} {option} {value}: {stderr}"
        );
    }
}

#[test]
fn list_names_every_case_with_its_rules_without_a_target_running() {
    let output = pizzastack_command()
        .args(["check", "--target", "http://127.0.0.1:1", "--list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("sessions/cross-session-slice [SESS-005] (MUST): "),
        "{stdout}"
    );
}

#[test]
fn coverage_lists_rules_and_documented_statuses_without_a_target() {
    let output = pizzastack_command()
        .args(["check", "--coverage"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("MUST   SESS-005  docs/session-management-errors, sessions/cross-session-every-endpoint"),
        "{stdout}"
    );
    assert!(
        stdout.contains("source: Session Management <http://tomatopy.pizza/docs/core-modules/kitchen-hardware-interface> § Error Handling"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "session-management/error-handling            docs/session-management-errors"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("POST /v1/pizza/bake"), "{stdout}");
    assert!(
        stdout.contains("coverage: 26 of 26 MUST and SHOULD rules cite the docs and 26 have a case; 16 of 16 documented examples are sent by a case"),
        "{stdout}"
    );
}

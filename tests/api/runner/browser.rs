//! The HTML report in a real browser: headless Chromium (Debian's
//! `chromium`) loads the file `check --report-html` wrote and runs its
//! script. Chromium is found on PATH or installed from Debian's packages;
//! only where neither is possible does a test say it skipped, and why. In
//! CI (`.ci/run` installs it) a missing browser fails instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pizzastack::config::ServeConfig;

use crate::helpers::*;

/// The browser, or `None` after saying why the test skips (never in CI).
pub fn browser_or_skip(test: &str) -> Option<&'static Path> {
    system_command_or_skip(test, &["chromium", "chromium-browser"], "chromium")
}

/// The DOM after the page's scripts ran.
fn dump_dom(browser: &Path, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("chromium-{}", uuid::Uuid::new_v4()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            // Only the file itself: any request elsewhere would fail.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut dom).unwrap();
        dom
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::remove_dir_all(profile).ok();
    reader.join().unwrap()
}

/// A report of the quality cases against a mock that breaks QLT-002.
async fn failing_report(dir: &Path) -> PathBuf {
    let app = spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into(), OTHER_KEY.into()],
        admin: true,
        deviations: vec!["QLT-002".into()],
        ..ServeConfig::default()
    })
    .await;
    let target = app.url("");
    let report = dir.join("report.html");
    let path = report.clone();
    let output = tokio::task::spawn_blocking(move || {
        pizzastack_command()
            .args(["check", "--target", &target, "--report-html"])
            .arg(&path)
            .arg("quality/")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    report
}

/// The `<tr class="rule…">` openings of the DOM, with their verdicts.
fn rule_rows(dom: &str) -> Vec<&str> {
    dom.match_indices("<tr class=\"rule")
        .map(|(at, _)| &dom[at..at + dom[at..].find('>').unwrap()])
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_report_renders_rules_and_failures_in_chromium() {
    let Some(browser) = browser_or_skip("the_html_report_renders_rules_and_failures_in_chromium")
    else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("report-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = failing_report(&dir).await;
    let html = std::fs::read_to_string(&report).unwrap();
    // Self-contained: nothing the page would fetch.
    for attribute in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(attribute), "the report loads {attribute}…");
    }
    let url = format!("file://{}", report.display());
    let dom = tokio::task::spawn_blocking(move || dump_dom(browser, &url))
        .await
        .unwrap();
    let rows = rule_rows(&dom);
    assert!(rows.len() >= 3, "{dom}");
    assert!(
        rows.iter().all(|row| !row.contains("hidden")),
        "all verdicts shown at first: {rows:?}"
    );
    assert!(
        rows.iter().any(|row| row.contains("data-verdict=\"FAIL\"")),
        "{rows:?}"
    );
    let qlt = dom.find("<code>QLT-002</code>").expect("the QLT-002 row");
    assert!(
        dom[qlt..].starts_with(
            "<code>QLT-002</code></td><td class=\"verdict\"><span class=\"v-FAIL\">FAIL"
        ),
        "{}",
        &dom[qlt..qlt + 200]
    );
    // The failure, with its exchange and where in the case file it is.
    let cases = &dom[dom.find("id=\"cases\"").expect("the cases section")..];
    assert!(
        cases.contains("POST /v1/pizza/bake") || cases.contains("/v1/pizza/bake"),
        "{cases}"
    );
    assert!(
        cases.contains("quality/") && cases.contains(".yaml:"),
        "{cases}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_verdict_filter_hides_rows_in_chromium() {
    let Some(browser) = browser_or_skip("the_verdict_filter_hides_rows_in_chromium") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("report-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = failing_report(&dir).await;
    let url = format!("file://{}#hide=pass,not%20covered", report.display());
    let dom = tokio::task::spawn_blocking(move || dump_dom(browser, &url))
        .await
        .unwrap();
    let rows = rule_rows(&dom);
    let (hidden, shown): (Vec<&str>, Vec<&str>) =
        rows.iter().partition(|row| row.contains("hidden"));
    assert!(!hidden.is_empty() && !shown.is_empty(), "{rows:?}");
    assert!(
        hidden
            .iter()
            .all(|row| row.contains("data-verdict=\"pass\"")
                || row.contains("data-verdict=\"not covered\"")),
        "{hidden:?}"
    );
    assert!(
        shown
            .iter()
            .any(|row| row.contains("data-verdict=\"FAIL\"")),
        "{shown:?}"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// The `<g class="object…" data-id="ID">` opening of an object in the DOM.
fn object_node<'d>(dom: &'d str, id: &str) -> &'d str {
    let marker = format!("data-id=\"{id}\"");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} is not drawn: {dom}"));
    let start = dom[..at].rfind('<').unwrap();
    &dom[start..at + marker.len()]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_inspector_draws_the_pipeline_and_traces_degradation_in_chromium() {
    let Some(browser) = browser_or_skip(
        "the_session_inspector_draws_the_pipeline_and_traces_degradation_in_chromium",
    ) else {
        return;
    };
    let app = spawn_app().await;
    let session = new_session();
    // A good pizza (sliced tomato) and a degraded one (a raw tomato
    // simmered), then a refused request.
    let good = app.pipeline(&session, true).await.id();
    let raw = app.acquire(&session).await;
    let bad_sauce = app.simmer(&session, &raw).await.id();
    let base = app.base(&session).await;
    let bad_pizza = app.assemble(&session, &base, &bad_sauce).await.id();
    let bad = app.bake(&session, &bad_pizza).await.id();
    let refused = app
        .post(
            "/v1/pizza/bake",
            &session,
            serde_json::json!({ "pizza_id": base }),
        )
        .await;
    assert_eq!(refused.status, 400);

    let list_url = app.url("/__admin/ui");
    let list = tokio::task::spawn_blocking(move || dump_dom(browser, &list_url))
        .await
        .unwrap();
    assert!(list.contains(&session), "{list}");
    assert!(!list.contains(KEY), "the key is masked: {list}");

    let url = app.url(&format!("/__admin/ui/session/{session}"));
    let dom = tokio::task::spawn_blocking(move || dump_dom(browser, &url))
        .await
        .unwrap();
    assert!(
        dom.contains("<svg") && dom.contains("id=\"graph\""),
        "{dom}"
    );
    for id in [&bad_sauce, &bad_pizza, &bad] {
        let node = object_node(&dom, id);
        assert!(
            node.contains("degraded"),
            "{id} is not marked degraded: {node}"
        );
    }
    assert!(
        object_node(&dom, &raw).contains("cause"),
        "the raw tomato is the cause"
    );
    let good_node = object_node(&dom, &good);
    assert!(!good_node.contains("degraded"), "{good_node}");
    let why = &dom[dom.find("id=\"why\"").expect("a why list")..];
    assert!(why.contains(&bad) && why.contains(&raw), "{why}");
    let table = &dom[dom.find("id=\"refused\"").expect("the refused requests")..];
    assert!(
        table.contains("/v1/pizza/bake") && table.contains("400"),
        "{table}"
    );
    // Looking renewed nothing: the session was not touched by the pages.
    assert!(!dom.contains(KEY));
}

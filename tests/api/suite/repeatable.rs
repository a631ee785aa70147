//! Verdicts that do not depend on run order or on what the target already
//! holds: the whole suite, run twice in a row against one server process
//! and then twice at once, gives the same verdict for every rule. The
//! server never reuses an expired session ID (the `expired-ids-never-reused`
//! freedom), so a case that sent a fixed session ID would land, on its
//! second run, in a tombstone and fail: this test is what catches it.

use serde_json::Value;

use crate::helpers::*;

/// Each rule's verdict in a `check --format json` report, and its exit code.
async fn check_verdicts(base_url: &str) -> (Option<i32>, Vec<(String, String)>) {
    let output = run_pizzastack(
        None,
        &[
            "check",
            "--target",
            base_url,
            "--api-key",
            KEY,
            "--other-api-key",
            OTHER_KEY,
            "--session-ttl",
            "2s",
            "--strict",
            "--format",
            "json",
        ],
        &[],
    )
    .await;
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "a JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let verdicts = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|rule| {
            (
                rule["id"].as_str().unwrap_or_default().to_owned(),
                rule["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (output.status.code(), verdicts)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_suite_twice_in_a_row_and_twice_at_once_gives_the_same_verdicts() {
    // A real TTL that the runs wait out, not the admin clock: two runs at
    // once must not move each other's time.
    let server = start_binary(&[
        "--api-key",
        KEY,
        "--api-key",
        OTHER_KEY,
        "--session-ttl",
        "2s",
        "--freedom",
        "expired-ids-never-reused",
    ]);
    let base_url = format!("http://{}", server.addr);
    let _stop = KillOnDrop(server.child);
    let first = check_verdicts(&base_url).await;
    assert_eq!(first.0, Some(0), "the first run passes: {:?}", first.1);
    assert!(
        first
            .1
            .iter()
            .any(|(id, verdict)| id == "SESS-006" && verdict == "pass"),
        "expiry was checked: {:?}",
        first.1
    );
    let second = check_verdicts(&base_url).await;
    assert_eq!(second, first, "the second run in a row");
    let (third, fourth) = tokio::join!(check_verdicts(&base_url), check_verdicts(&base_url));
    assert_eq!(third, first, "one of two runs at once");
    assert_eq!(fourth, first, "the other of two runs at once");
}

/// Stops the server however the test ends, so that it holds no pipe of
/// the test harness open.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

//! `check` against hostile or broken targets, on loopback: a body without
//! end, bytes that would drive a terminal, an answer cut short, a redirect;
//! and case folders that link back into themselves.

use std::process::Output;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// A target that answers every request with `answer`, as raw bytes, then
/// closes the connection (or, with `endless`, streams zeros after it).
async fn raw_target(answer: &'static [u8], endless: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(answer).await;
                if endless {
                    let chunk = vec![b'0'; 64 * 1024];
                    // Bounded: at most 64 MiB, and the runner stops far sooner.
                    for _ in 0..1024 {
                        if stream.write_all(&chunk).await.is_err() {
                            break;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn check(args: &[&str]) -> Output {
    pizzastack_command()
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

async fn check_async(args: Vec<String>) -> Output {
    let mut all = vec!["check"];
    all.extend(args.iter().map(String::as_str));
    run_pizzastack(None, &all, &[]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_without_end_is_read_only_up_to_max_body() {
    let base = raw_target(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n",
        true,
    )
    .await;
    let dir = std::env::temp_dir().join(format!("pizzastack-endless-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let output = check_async(vec![
        "--target".into(),
        base,
        "--max-body".into(),
        "100KiB".into(),
        "--report-json".into(),
        report.display().to_string(),
        "tomato/acquire".into(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("more than 102400 bytes (--max-body); stopped reading"),
        "{stdout}"
    );
    let size = std::fs::metadata(&report).unwrap().len();
    assert!(size < 1024 * 1024, "the report stays small: {size} bytes");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn escape_sequences_from_a_target_never_reach_the_terminal() {
    // Raw control bytes: a terminal would clear its screen, retitle its
    // window and show a forged summary line.
    let body = "\u{1b}[2J\u{1b}]0;owned\u{7}\nconformance: 33 passed\n";
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let base = raw_target(Box::leak(answer.into_bytes().into_boxed_slice()), false).await;
    let output = check_async(vec!["--target".into(), base, "tomato/acquire".into()]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("\\u{1b}[2J"), "shown, harmless: {stdout}");
    assert!(
        !stdout
            .lines()
            .any(|line| line.starts_with("conformance: 33 passed")),
        "no forged line: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_cut_short_keeps_its_status_and_headers() {
    let base = raw_target(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"id\": \"tom_",
        false,
    )
    .await;
    let output = check_async(vec!["--target".into(), base, "tomato/acquire".into()]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("HTTP 200 (content-type: application/json, content-length: 500), then the body broke off after 12 bytes"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_shows_where_it_points() {
    let base = raw_target(
        b"HTTP/1.1 302 Found\r\nlocation: https://elsewhere.example/v1/tomato/acquire\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        false,
    )
    .await;
    let output = check_async(vec!["--target".into(), base, "tomato/acquire".into()]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("< 302")
            && stdout.contains("< location: https://elsewhere.example/v1/tomato/acquire"),
        "{stdout}"
    );
}

#[test]
fn a_zero_timeout_is_refused() {
    let output = check(&["--target", "http://127.0.0.1:1", "--timeout", "0s"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("it must be more than zero"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_case_folder_linking_into_itself_is_read_once() {
    let dir = std::env::temp_dir().join(format!("pizzastack-loop-{}", uuid::Uuid::new_v4()));
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(
        inner.join("one.yaml"),
        "name: one\nrules: [SESS-001]\nsteps:\n  - request: {method: GET, path: /healthz}\n    expect: {status: 200, schema: false}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&dir, inner.join("back-to-the-top")).unwrap();
    std::os::unix::fs::symlink(inner.join("one.yaml"), dir.join("same-file.yaml")).unwrap();
    let started = std::time::Instant::now();
    let output = check(&[
        "--target",
        "http://127.0.0.1:1",
        "--list",
        "--cases",
        dir.to_str().unwrap(),
    ]);
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listed = stdout.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(listed, 1, "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A target that answers the runner's first probe (a session log) as a
/// PizzaStack server would, and then, with `garbage`, every request with
/// bytes that are not HTTP, or else nothing: its listener is gone.
async fn target_that_fails_after_the_probe(garbage: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request).await;
            if first {
                let body = r#"{"error": "Session not found"}"#;
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                first = false;
                if !garbage {
                    return;
                }
            } else {
                let _ = stream
                    .write_all(b"\x00\x01 not HTTP at all \xff\r\n\r\n")
                    .await;
            }
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_answers_garbage_or_goes_away_after_the_probe_is_never_a_pass() {
    for garbage in [true, false] {
        let base = target_that_fails_after_the_probe(garbage).await;
        let output = check_async(vec!["--target".into(), base.clone()]).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "garbage: {garbage}\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("no rule could be verified"))
            .collect();
        assert_eq!(lines.len(), 1, "one clear line: {stderr}");
        assert!(lines[0].contains(&base), "{stderr}");
    }
}

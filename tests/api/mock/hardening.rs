//! Hostile and careless clients, on loopback, each bounded in time: a
//! half-sent request, a trickling client, more connections than allowed, a
//! body that never comes, an oversized body announced with `Expect:
//! 100-continue`, two API keys; and shutdown with requests still open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use pizzastack::config::{ConnectionLimits, ServeConfig};

use crate::helpers::*;

async fn app_with_limits(limits: ConnectionLimits) -> TestApp {
    spawn_app_with(ServeConfig {
        api_keys: vec![KEY.into()],
        connections: limits,
        ..ServeConfig::default()
    })
    .await
}

fn limits(header: u64, body: u64, connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_millis(header),
        body_timeout: Duration::from_millis(body),
        max_connections: connections,
        shutdown_timeout: Duration::from_secs(1),
    }
}

/// Sends `request` on a fresh connection, off the runtime's threads, and
/// returns what came back and whether the server closed the connection.
async fn send_raw(addr: SocketAddr, request: impl Into<Vec<u8>>, wait: Duration) -> (String, bool) {
    let request = request.into();
    tokio::task::spawn_blocking(move || exchange_raw(addr, &request, wait))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = app_with_limits(limits(500, 10_000, 16)).await;
    let addr = app.addr;
    let started = Instant::now();
    let (_, closed) = send_raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(closed, "the half-sent request kept its connection");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_client_is_disconnected_at_the_header_timeout() {
    let app = app_with_limits(limits(800, 10_000, 16)).await;
    let addr = app.addr;
    let (closed, elapsed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        // One byte every 200 ms: each arrives well within any read timeout,
        // but the head as a whole never does.
        for byte in b"GET /healthz HTTP/1.1\r\nHost: somewhere.example\r\n".iter() {
            if stream.write_all(&[*byte]).is_err() {
                return (true, started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(200));
            if started.elapsed() > Duration::from_secs(4) {
                break;
            }
        }
        let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(1));
        (closed, started.elapsed())
    })
    .await
    .unwrap();
    assert!(closed, "the trickling client kept its connection");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// Reads one answer to `GET /healthz` (its head ends its body's length).
fn read_health_answer(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        head.push_str(&line);
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    head
}

#[tokio::test(flavor = "multi_thread")]
async fn each_answer_restarts_the_wait_for_the_next_head() {
    let app = app_with_limits(limits(600, 10_000, 16)).await;
    let addr = app.addr;
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        // Four requests 400 ms apart: 1.6 s on one connection, far past the
        // 600 ms timeout, but each head comes within 600 ms of an answer.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(400));
            stream.write_all(HEALTH).unwrap();
            let head = read_health_answer(&mut stream);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_timeout() {
    let app = app_with_limits(limits(500, 10_000, 16)).await;
    let addr = app.addr;
    let (closed, elapsed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(HEALTH).unwrap();
        read_health_answer(&mut stream);
        let answered = Instant::now();
        let (rest, closed) = read_until_closed(&mut stream, Duration::from_secs(5));
        assert!(rest.is_empty(), "{rest}");
        (closed, answered.elapsed())
    })
    .await
    .unwrap();
    assert!(closed, "the idle connection stayed open");
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_past_the_cap_wait_until_one_ends() {
    let app = app_with_limits(limits(5_000, 5_000, 2)).await;
    let addr = app.addr;
    tokio::task::spawn_blocking(move || {
        let first = TcpStream::connect(addr).unwrap();
        let _second = TcpStream::connect(addr).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let mut third = TcpStream::connect(addr).unwrap();
        third.write_all(request).unwrap();
        let (answer, _) = read_until_closed(&mut third, Duration::from_millis(700));
        assert!(answer.is_empty(), "answered past the cap: {answer}");
        drop(first);
        let (answer, _) = read_until_closed(&mut third, Duration::from_secs(3));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_never_comes_gets_408_in_the_error_shape() {
    let app = app_with_limits(limits(5_000, 500, 16)).await;
    let addr = app.addr;
    let (answer, _) = send_raw(
        addr,
        format!(
        "POST /v1/tomato/acquire HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nX-Session-ID: s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"variety\""
    ),
        Duration::from_secs(4),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.contains("application/json")
            && answer.contains("{\"error\":\"Request body did not arrive within 500ms"),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_announced_with_expect_continue_gets_413_at_once() {
    let app = app_with_limits(ConnectionLimits::default()).await;
    let addr = app.addr;
    let (answer, _) = send_raw(
        addr,
        format!(
        "POST /v1/tomato/acquire HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nX-Session-ID: s\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"
    ),
        Duration::from_secs(2),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "no 100 Continue first: {answer:?}"
    );
    assert!(
        answer.contains("{\"error\":\"Request body is larger"),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_api_keys_are_refused_like_two_session_ids() {
    let app = app_with_limits(ConnectionLimits::default()).await;
    let addr = app.addr;
    let (answer, _) = send_raw(
        addr,
        format!(
        "GET /v1/session/s/log HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nX-API-Key: someone-else\r\nConnection: close\r\n\r\n"
    ),
        Duration::from_secs(2),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    assert!(
        answer.contains("X-API-Key header must be given once"),
        "{answer:?}"
    );
}

/// Starts the binary with `args`; returns it and the address it serves.
fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits at most `limit` for the child to exit; how long it took.
fn exit_within(child: &mut std::process::Child, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "{status:?}");
            return started.elapsed();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_half_sent_request_never_holds_shutdown_past_its_deadline() {
    let ServedBinary {
        mut child, addr, ..
    } = start_binary(&["--header-timeout", "60s", "--shutdown-timeout", "1s"]);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "TERM");
    let took = exit_within(&mut child, Duration::from_secs(5));
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_second_signal_stops_at_once() {
    let ServedBinary {
        mut child, addr, ..
    } = start_binary(&["--header-timeout", "60s", "--shutdown-timeout", "60s"]);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    let took = exit_within(&mut child, Duration::from_secs(5));
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_of_invalid_items_is_refused_in_one_line() {
    let app = app_with_limits(ConnectionLimits::default()).await;
    let zeros = vec!["0"; 500_000].join(",");
    let body = format!(
        "{{\"tomato_ids\":[{zeros}],\"method\":\"dice\",\"size\":\"medium\",\"consistency\":\"uniform\"}}"
    );
    assert!(body.len() < 1024 * 1024);
    let response = app
        .client
        .post(format!("http://{}/v1/tomato/slice", app.addr))
        .header("X-API-Key", KEY)
        .header("X-Session-ID", "hostile")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        answer["error"],
        "body: holds more than 10000 array items and object members (a limit of this mock)"
    );
    // Just under the limit, the items are judged, and a large body names
    // only its first problem.
    let zeros = vec!["0"; 9_990].join(",");
    let body = format!(
        "{{\"tomato_ids\":[{zeros}],\"method\":\"dice\",\"size\":\"medium\",\"consistency\":\"uniform\"}}"
    );
    let response = app
        .client
        .post(format!("http://{}/v1/tomato/slice", app.addr))
        .header("X-API-Key", KEY)
        .header("X-Session-ID", "hostile")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let message = answer["error"].as_str().unwrap();
    assert!(message.starts_with("tomato_ids"), "{message}");
    assert!(!message.contains(';'), "one problem named: {message}");
}

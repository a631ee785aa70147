//! The mock embedded in a Rust test (`pizzastack_mock::MockServer`): it
//! serves from a thread of its own, keeps the journal, refuses a bad
//! configuration with a typed error, and frees its port when dropped.

use std::net::TcpStream;
use std::time::Duration;

use pizzastack::config::ConfigError;
use pizzastack::server::ServeError;
use pizzastack_mock::{Deviation, MockServer};

use crate::helpers::{exchange_raw, new_session, TestApp};

/// One request over a plain socket, from a thread with no runtime.
fn raw_get(mock: &MockServer, path: &str, key: &str) -> String {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nX-API-Key: {key}\r\nConnection: close\r\n\r\n",
        mock.address()
    );
    exchange_raw(mock.address(), request.as_bytes(), Duration::from_secs(5)).0
}

#[test]
fn serves_a_test_with_no_runtime_and_journals_what_it_was_sent() {
    let mock = MockServer::builder().api_key("k1").try_start().unwrap();
    let session = "0b6e2c1a-7d4f-4a8e-9c3b-5f1e2d3c4b5a";

    let answer = raw_get(&mock, &format!("/v1/session/{session}/log"), "k1");
    let refused = raw_get(&mock, &format!("/v1/session/{session}/log"), "wrong");

    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let journal = mock.received_requests();
    let statuses: Vec<u16> = journal.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 401], "oldest first: {journal:?}");
    assert_eq!(journal[0].path, format!("/v1/session/{session}/log"));
}

#[test]
fn a_refused_configuration_is_an_error_not_a_panic() {
    let error = MockServer::builder().api_key("").try_start().unwrap_err();
    assert!(
        matches!(error, ServeError::Config(ConfigError::InvalidApiKey(_))),
        "{error:?}"
    );
    let error = MockServer::builder()
        .session_ttl(Duration::ZERO)
        .try_start()
        .unwrap_err();
    assert!(matches!(error, ServeError::Config(ConfigError::ZeroTtl)));
}

#[test]
fn dropping_the_mock_stops_it_and_frees_its_port() {
    let mock = MockServer::builder()
        .deviate(Deviation::Auth001)
        .try_start()
        .unwrap();
    let address = mock.address();
    // AUTH-001 switched off: a wrong key is served.
    let answer = raw_get(
        &mock,
        "/v1/session/0b6e2c1a-7d4f-4a8e-9c3b-5f1e2d3c4b5a/log",
        "wrong",
    );
    assert!(!answer.starts_with("HTTP/1.1 401"), "{answer}");

    drop(mock);

    let refused = TcpStream::connect_timeout(&address, Duration::from_secs(1)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[tokio::test]
async fn the_clock_moves_for_the_sessions_of_an_async_test() {
    let mock = MockServer::builder()
        .session_ttl(Duration::from_secs(60))
        .start()
        .await;
    let app = TestApp {
        addr: mock.address(),
        client: pizzastack::runner::http_client().unwrap(),
    };
    let session = new_session();
    app.acquire(&session).await;

    mock.advance_clock(Duration::from_secs(59)).await;
    assert_eq!(
        app.log(&session).await.status,
        200,
        "59 s idle of a 60 s TTL"
    );
    mock.advance_clock(Duration::from_secs(61)).await;
    assert_eq!(
        app.log(&session).await.status,
        404,
        "61 s idle: expired (SESS-006)"
    );
}

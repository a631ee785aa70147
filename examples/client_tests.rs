//! A PizzaStack client and its own tests, written as a client developer
//! writes them: each test embeds the mock (`pizzastack_mock::MockServer`),
//! points the client at `mock.uri()`, and checks what the client did and
//! what it made of the answers. `cargo test --example client_tests` runs
//! them (and `cargo test` runs them with everything else).
//!
//! `cargo run --example client_tests -- http://127.0.0.1:8080` runs the
//! client once against a mock (or a real server) that is already running.

use serde_json::{json, Value};

/// The client under test: one session, one key, the calls a sauce needs.
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
    session_id: String,
}

/// What the client reports when the server refuses a call.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub error: String,
}

impl Client {
    pub fn new(base_url: &str, api_key: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            session_id: uuid::Uuid::new_v4().to_string(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Refused> {
        let mut request = self
            .http
            .request(method, format!("{}/v1{path}", self.base_url))
            .header("X-API-Key", &self.api_key)
            .header("X-Session-ID", &self.session_id);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let answer = request.send().await.map_err(|e| Refused {
            status: 0,
            error: e.to_string(),
        })?;
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status == 200 {
            Ok(body)
        } else {
            Err(Refused {
                status,
                error: body["error"].as_str().unwrap_or_default().to_owned(),
            })
        }
    }

    /// A tomato's ID.
    pub async fn acquire(&self, variety: &str) -> Result<String, Refused> {
        let body = json!({"variety": variety, "ripeness": 0.8, "weight": 120});
        let tomato = self
            .call(reqwest::Method::POST, "/tomato/acquire", Some(body))
            .await?;
        Ok(tomato["id"].as_str().unwrap_or_default().to_owned())
    }

    /// A sauce simmered from `tomato`, with its `sauce_quality`.
    pub async fn simmer(&self, tomato: &str) -> Result<(String, String), Refused> {
        let body = json!({
            "ingredients": [{"id": tomato, "name": "tomato", "amount": 400, "unit": "g"}],
            "temperature": 90,
            "duration": "30m",
        });
        let sauce = self
            .call(reqwest::Method::POST, "/cook/simmer", Some(body))
            .await?;
        let field = |name: &str| sauce[name].as_str().unwrap_or_default().to_owned();
        Ok((field("id"), field("sauce_quality")))
    }

    /// The session's operations, as the log lists them.
    pub async fn operations(&self) -> Result<Vec<Value>, Refused> {
        let path = format!("/session/{}/log", self.session_id);
        let log = self.call(reqwest::Method::GET, &path, None).await?;
        Ok(log["operations"].as_array().cloned().unwrap_or_default())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let client = Client::new(&base_url, "your-api-key");
    match client.acquire("roma").await {
        Ok(tomato) => println!("acquired {tomato}"),
        Err(refused) => println!("refused: {} {}", refused.status, refused.error),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use pizzastack_mock::{FaultRule, MockServer};

    use super::*;

    #[tokio::test]
    async fn a_sauce_from_a_raw_tomato_is_degraded_and_logged() {
        let mock = MockServer::start().await;
        let client = Client::new(&mock.uri(), mock.api_key());

        let tomato = client.acquire("roma").await.unwrap();
        let (_, quality) = client.simmer(&tomato).await.unwrap();

        assert_eq!(quality, "degraded");
        let operations = client.operations().await.unwrap();
        let endpoints: Vec<&str> = operations
            .iter()
            .filter_map(|op| op["endpoint"].as_str())
            .collect();
        assert_eq!(endpoints, ["/v1/tomato/acquire", "/v1/cook/simmer"]);
    }

    #[tokio::test]
    async fn the_client_sends_its_key_and_one_session_on_every_call() {
        let mock = MockServer::builder().api_key("team-key").start().await;
        let client = Client::new(&mock.uri(), "team-key");

        client.acquire("roma").await.unwrap();
        client.acquire("cherry").await.unwrap();

        let sent = mock.received_requests();
        assert_eq!(sent.len(), 2);
        assert!(sent.iter().all(|r| r.status == 200));
        assert_eq!(sent[0].session_id, sent[1].session_id);
    }

    #[tokio::test]
    async fn a_wrong_key_is_reported_as_refused() {
        let mock = MockServer::start().await;
        let client = Client::new(&mock.uri(), "not-the-key");

        let refused = client.acquire("roma").await.unwrap_err();

        assert_eq!(refused.status, 401);
    }

    #[tokio::test]
    async fn an_expired_session_s_objects_are_gone() {
        let mock = MockServer::builder()
            .session_ttl(Duration::from_secs(60))
            .start()
            .await;
        let client = Client::new(&mock.uri(), mock.api_key());
        let tomato = client.acquire("roma").await.unwrap();

        mock.advance_clock(Duration::from_secs(61)).await;

        assert_eq!(client.operations().await.unwrap_err().status, 404);
        let refused = client.simmer(&tomato).await.unwrap_err();
        assert_eq!(refused.status, 400);
        assert_eq!(refused.error, "Object not found in session");
    }

    #[tokio::test]
    async fn a_server_error_reaches_the_caller_as_a_refusal() {
        let mock = MockServer::builder()
            .fault(FaultRule::parse("503:1").unwrap())
            .start()
            .await;
        let client = Client::new(&mock.uri(), mock.api_key());

        let refused = client.acquire("roma").await.unwrap_err();

        assert_eq!(refused.status, 503);
        assert_eq!(mock.received_requests()[0].fault.as_deref(), Some("503"));
    }
}

//! The mock embedded in a Rust client's own tests, as wiremock-rs embeds
//! its server: [`MockServer::start`] serves on a free loopback port from a
//! thread of its own (so the test may use any runtime, or none), and the
//! server stops when the value is dropped.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! use pizzastack_mock::MockServer;
//!
//! let mock = MockServer::start().await;
//! let answer = reqwest::Client::new()
//!     .post(format!("{}/v1/tomato/acquire", mock.uri()))
//!     .header("X-API-Key", mock.api_key())
//!     .header("X-Session-ID", "3f0a4c8e-2b1d-4e5f-9a6b-7c8d9e0f1a2b")
//!     .header("Content-Type", "application/json")
//!     .body(r#"{"variety": "roma", "ripeness": 0.8, "weight": 120}"#)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(answer.status(), 200);
//! assert_eq!(mock.received_requests().len(), 1);
//! # }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::ServeConfig;
use crate::injection::{FaultRule, LatencyRule};
use crate::server::{run, AppState, Deviation, Freedom, JournalEntry, ServeError, Switch as _};
use crate::store::StoreLimits;

/// How long a dropped mock lets open requests finish.
const DRAIN: Duration = Duration::from_secs(1);

/// A running mock on `127.0.0.1`, with the admin endpoints on and the
/// request journal kept. Dropping it stops the server and frees its port.
pub struct MockServer {
    address: SocketAddr,
    api_key: String,
    state: AppState,
    runtime: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What a [`MockServer`] starts with: keys, TTL, limits, deviations,
/// freedoms, latency and faults. Every setter is optional.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use pizzastack_mock::{Deviation, FaultRule, MockServer};
///
/// let mock = MockServer::builder()
///     .api_key("test-key")
///     .session_ttl(Duration::from_secs(60))
///     .deviate(Deviation::Sess005)
///     .fault(FaultRule::parse("503:0.5:/v1/pizza/bake").unwrap())
///     .seed(7)
///     .start()
///     .await;
/// assert_eq!(mock.api_key(), "test-key");
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start`"]
pub struct MockServerBuilder {
    config: ServeConfig,
}

impl MockServer {
    /// A mock as `pizzastack serve --admin` runs it: the documentation's
    /// example key `your-api-key`, the 30-minute TTL, no switch on.
    ///
    /// # Panics
    /// When no loopback port can be bound or no thread started; use
    /// [`MockServerBuilder::try_start`] to handle that.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder for a mock with other keys, TTL, switches or faults.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            config: ServeConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                admin: true,
                connections: crate::config::ConnectionLimits {
                    shutdown_timeout: DRAIN,
                    ..Default::default()
                },
                ..ServeConfig::default()
            },
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`; the API is under `/v1`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the mock listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The first accepted API key (the one to send unless the test is
    /// about another).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Moves the mock's clock forward by `by`, as `POST
    /// /__admin/clock/advance` does: the sessions whose TTL ran out are gone
    /// when it returns (SESS-006), their logs `404`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use pizzastack_mock::MockServer;
    ///
    /// let mock = MockServer::start().await;
    /// mock.advance_clock(Duration::from_secs(31 * 60)).await;
    /// # }
    /// ```
    ///
    /// # Panics
    /// If the mock's thread has stopped, which only a bug in the mock does.
    pub async fn advance_clock(&self, by: Duration) {
        let store = self.state.store().clone();
        let advanced = self
            .runtime
            .spawn(async move { store.advance_clock(by).await })
            .await
            .expect("the mock's thread is running");
        // Only the shared store can fail here, and an embedded mock keeps
        // its sessions in memory.
        debug_assert!(advanced.is_ok());
    }

    /// The requests received so far (refused ones included), oldest first:
    /// method, path, session, status, the refusal's `error` and any
    /// injected fault, as `GET /__admin/requests` lists them. The journal
    /// keeps the last 1000.
    pub fn received_requests(&self) -> Vec<JournalEntry> {
        self.state.journal().oldest_first()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Bounded by DRAIN: the server stops accepting at once and
            // lets open requests finish for at most that long.
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl MockServerBuilder {
    /// Accepts `key` (AUTH-001); call it again for more keys. Without it,
    /// the documentation's example key `your-api-key` is the one accepted.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.api_keys.push(key.into());
        self
    }

    /// Sessions expire after `ttl` without a request (SESS-006, SESS-007).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.config.session_ttl = ttl;
        self
    }

    /// Session and object limits (how many sessions, objects and bytes).
    pub fn limits(mut self, limits: StoreLimits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Breaks the documented rule `rule` on purpose, as `--deviate` does:
    /// to see that a client's tests notice.
    pub fn deviate(mut self, rule: Deviation) -> Self {
        self.config.deviations.push(rule.name().to_owned());
        self
    }

    /// Takes another choice the documentation allows, as `--freedom`
    /// does: to see that a client does not depend on the mock's own.
    pub fn freedom(mut self, freedom: Freedom) -> Self {
        self.config.freedoms.push(freedom.name().to_owned());
        self
    }

    /// Adds latency before answering (`--latency`), e.g.
    /// `LatencyRule::parse("20ms..80ms:/v1/pizza/bake")`.
    pub fn latency(mut self, rule: LatencyRule) -> Self {
        self.config.client.latency.push(rule);
        self
    }

    /// Answers a share of requests with a fault instead (`--fault`), e.g.
    /// `FaultRule::parse("503:0.1")`.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.config.client.faults.push(rule);
        self
    }

    /// Makes the faults and latencies chosen repeat from run to run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.client.seed = Some(seed);
        self
    }

    /// Starts the mock.
    ///
    /// # Panics
    /// When the configuration is refused, or no loopback port can be bound
    /// or no thread started; [`Self::try_start`] returns those instead.
    pub async fn start(self) -> MockServer {
        self.try_start()
            .unwrap_or_else(|e| panic!("the PizzaStack mock could not start: {e}"))
    }

    /// Starts the mock, or says why it cannot. It needs no runtime of the
    /// caller's: the mock runs on a thread of its own.
    ///
    /// # Errors
    /// A refused configuration (say an empty key), a port that cannot be
    /// bound, or a thread or runtime that cannot be started.
    pub fn try_start(self) -> Result<MockServer, ServeError> {
        let config = self.config;
        config.validate()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = {
            let _entered = runtime.enter();
            AppState::new(&config)?
        };
        let listener =
            std::net::TcpListener::bind(config.listen).map_err(|source| ServeError::Bind {
                addr: config.listen,
                source,
            })?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = runtime.handle().clone();
        let serving = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("pizzastack-mock-{}", address.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let result = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            run(listener, serving, async {
                                let _ = stopped.await;
                            })
                            .await
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = result {
                        tracing::error!("the embedded PizzaStack mock stopped: {e}");
                    }
                });
            })?;
        // Never empty: without keys, the docs' example key is the one.
        let api_key = config.effective_api_keys().swap_remove(0);
        Ok(MockServer {
            address,
            api_key,
            state,
            runtime: handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

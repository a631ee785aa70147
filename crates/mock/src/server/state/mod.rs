//! The server's shared state: one cheap-to-clone handle.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub mod injection;
pub mod journal;
pub mod memory;

use super::error::ServeError;
use crate::clock::Clock;
use crate::config::{ClientOptions, ConfigError, ConnectionLimits, ServeConfig};
use crate::store::{RedisStore, SessionStore, Store};
use injection::Injection;
use journal::Journal;
use memory::SessionMemory;
use pizzastack_spec::Spec;

use crate::switches::{Deviation, Deviations, Freedoms, UnknownSwitch};

/// Everything handlers need, behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    /// Accepted API keys to their index in [`crate::store::SessionKey`].
    api_keys: HashMap<String, u16>,
    /// All sessions; shared with the sweeper task.
    store: Store,
    /// The compiled schemas and OpenAPI document.
    spec: &'static Spec,
    /// Whether `/__admin` is served.
    admin: bool,
    /// The TTL configured, which the SESS-006 deviation lifts while on.
    session_ttl: Duration,
    connections: ConnectionLimits,
    /// Rules switched off on purpose.
    deviations: Deviations,
    /// Choices the docs allow, taken instead of the mock's own.
    freedoms: Freedoms,
    /// When each session was last named, for the expired-session freedoms.
    freedom_sessions: SessionMemory,
    /// Latency and faults on purpose.
    injection: Injection,
    /// The requests received, for `/__admin/requests`.
    journal: Journal,
    /// The client-developer options as configured (CORS is read at start).
    client: ClientOptions,
}

impl AppState {
    /// State for a validated configuration.
    ///
    /// # Errors
    /// If the embedded specification files are broken, or a switch named
    /// in the configuration is unknown.
    pub fn new(config: &ServeConfig) -> Result<Self, ServeError> {
        let spec = Spec::embedded().map_err(ServeError::Spec)?;
        let api_keys = config
            .effective_api_keys()
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let store = match &config.store {
            None => Store::Memory(Arc::new(SessionStore::new(
                Arc::new(Clock::new()),
                config.session_ttl,
                config.limits,
            ))),
            Some(url) => Store::Redis(Arc::new(
                RedisStore::new(
                    url.clone(),
                    &config.effective_api_keys(),
                    config.session_ttl,
                    config.limits,
                )
                .map_err(ServeError::Store)?,
            )),
        };
        let state = AppState(Arc::new(Inner {
            api_keys,
            store,
            spec,
            admin: config.admin,
            session_ttl: config.session_ttl,
            connections: config.connections,
            deviations: Deviations::default(),
            freedoms: Freedoms::default(),
            freedom_sessions: Default::default(),
            injection: Injection::new(
                config.client.latency.clone(),
                config.client.faults.clone(),
                config.client.seed,
                config.client.hang_for,
            ),
            journal: Journal::new(
                config.client.journal_size,
                config.admin,
                config.client.log_requests,
            ),
            client: config.client.clone(),
        }));
        state
            .set_deviations(&config.deviations)
            .map_err(ConfigError::UnknownDeviation)?;
        state
            .freedoms()
            .set(&config.freedoms)
            .map_err(ConfigError::UnknownFreedom)?;
        Ok(state)
    }

    /// The index of an accepted API key (AUTH-001).
    pub fn api_key_index(&self, key: &str) -> Option<u16> {
        self.0.api_keys.get(key).copied()
    }

    /// How many keys are accepted (their indexes run from 0).
    pub fn api_key_count(&self) -> u16 {
        u16::try_from(self.0.api_keys.len()).unwrap_or(u16::MAX)
    }

    /// The accepted key with this index, for showing it masked.
    pub fn api_key_text(&self, index: u16) -> Option<&str> {
        self.0
            .api_keys
            .iter()
            .find(|(_, i)| **i == index)
            .map(|(key, _)| key.as_str())
    }

    /// The session store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The compiled specification.
    pub fn spec(&self) -> &'static Spec {
        self.0.spec
    }

    /// What one connection may take.
    pub fn connection_limits(&self) -> ConnectionLimits {
        self.0.connections
    }

    /// Whether the admin endpoints are on.
    pub fn admin_enabled(&self) -> bool {
        self.0.admin
    }

    /// The rules switched off on purpose.
    pub fn deviations(&self) -> &Deviations {
        &self.0.deviations
    }

    /// When each session was last named, for the expired-session freedoms.
    pub fn freedom_sessions(&self) -> &SessionMemory {
        &self.0.freedom_sessions
    }

    /// The freedoms taken.
    pub fn freedoms(&self) -> &Freedoms {
        &self.0.freedoms
    }

    /// The latency and faults in force.
    pub fn injection(&self) -> &Injection {
        &self.0.injection
    }

    /// The requests received.
    pub fn journal(&self) -> &Journal {
        &self.0.journal
    }

    /// The client-developer options as configured.
    pub fn client_options(&self) -> &ClientOptions {
        &self.0.client
    }

    /// Makes exactly these rules the switched-off ones, in the request
    /// path and in the store: SESS-006 as a TTL of a century, ID-002 as
    /// one ID tweak shared by the sessions begun while it is on.
    ///
    /// # Errors
    /// An unknown rule ID; nothing changes then.
    pub fn set_deviations(&self, rules: &[String]) -> Result<(), UnknownSwitch> {
        let deviations = &self.0.deviations;
        deviations.set(rules)?;
        let store = &self.0.store;
        store.set_ttl(if deviations.has(Deviation::Sess006) {
            NEVER
        } else {
            self.0.session_ttl
        });
        store.share_id_tweak(deviations.has(Deviation::Id002));
        Ok(())
    }
}

/// A TTL no test outlives: the SESS-006 deviation's "never".
const NEVER: Duration = Duration::from_secs(100 * 365 * 86_400);

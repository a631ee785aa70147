//! The server's shared state: one cheap-to-clone handle.

use std::collections::HashMap;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::ServeConfig;
use crate::spec::Spec;
use crate::store::SessionStore;

use super::deviate::Deviations;

/// Everything handlers need, behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    /// Accepted API keys to their index in [`crate::store::SessionKey`].
    api_keys: HashMap<String, u16>,
    /// All sessions; shared with the sweeper task.
    store: Arc<SessionStore>,
    /// The compiled schemas and OpenAPI document.
    spec: &'static Spec,
    /// Whether `/__admin` is served.
    admin: bool,
    /// Rules switched off on purpose.
    deviations: Deviations,
    /// The TTL the mock was started with (the store's differs when SESS-006
    /// is switched off).
    configured_ttl: std::time::Duration,
}

impl AppState {
    /// State for a validated configuration.
    ///
    /// # Errors
    /// Only if the embedded specification files are broken.
    pub fn new(config: &ServeConfig) -> Result<Self, String> {
        let spec = Spec::embedded()?;
        let api_keys = config
            .effective_api_keys()
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let deviations = Deviations::new(&config.deviations)?;
        // SESS-006 switched off: sessions never expire.
        let ttl = if deviations.has("SESS-006") {
            std::time::Duration::from_secs(100 * 365 * 24 * 3600)
        } else {
            config.session_ttl
        };
        let mut store = SessionStore::new(Arc::new(Clock::new()), ttl, config.limits);
        if deviations.has("ID-002") {
            store = store.with_sequential_ids();
        }
        Ok(AppState(Arc::new(Inner {
            api_keys,
            store: Arc::new(store),
            spec,
            admin: config.admin,
            deviations,
            configured_ttl: config.session_ttl,
        })))
    }

    /// The index of an accepted API key (AUTH-001).
    pub fn api_key_index(&self, key: &str) -> Option<u16> {
        self.0.api_keys.get(key).copied()
    }

    /// The session store.
    pub fn store(&self) -> &Arc<SessionStore> {
        &self.0.store
    }

    /// The compiled specification.
    pub fn spec(&self) -> &'static Spec {
        self.0.spec
    }

    /// Whether the admin endpoints are on.
    pub fn admin_enabled(&self) -> bool {
        self.0.admin
    }

    /// The rules switched off on purpose.
    pub fn deviations(&self) -> &Deviations {
        &self.0.deviations
    }

    /// The session TTL the mock was configured with.
    pub fn configured_ttl(&self) -> std::time::Duration {
        self.0.configured_ttl
    }
}

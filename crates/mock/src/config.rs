//! The mock server's typed configuration and its checks (AUTH-004, SESS-007).

use std::net::SocketAddr;
use std::time::Duration;

use crate::injection::{FaultRule, LatencyRule};
use crate::store::{StoreLimits, StoreUrl};

/// The key the documentation's examples use; accepted when no key is given.
pub const DEFAULT_API_KEY: &str = "your-api-key";

/// Largest accepted request body (ERR-003); larger ones get `413`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest accepted session ID or API key, in bytes (SESS-004).
pub const MAX_HEADER_ID_BYTES: usize = 256;

/// Most requests `--journal-size` may keep: a few hundred megabytes.
pub const MAX_JOURNAL_SIZE: usize = 1_000_000;

/// Default inactivity TTL (SESS-007).
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(30 * 60);

/// Everything `pizzastack serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Accepted API keys; empty means only [`DEFAULT_API_KEY`].
    pub api_keys: Vec<String>,
    /// Inactivity time after which a session expires.
    pub session_ttl: Duration,
    /// Whether `/__admin` is served.
    pub admin: bool,
    /// Session and object limits.
    pub limits: StoreLimits,
    /// Rules to switch off on purpose (`--deviate`), to prove the suite notices.
    pub deviations: Vec<String>,
    /// Choices the docs allow to take instead of the mock's (`--freedom`),
    /// to prove the suite raises no false alarm.
    pub freedoms: Vec<String>,
    /// What one connection may take, and how long shutdown waits.
    pub connections: ConnectionLimits,
    /// Latency, faults, the request journal and CORS, for client developers.
    pub client: ClientOptions,
    /// `--store`: a Redis that replicas share; `None` keeps sessions in
    /// this process's memory.
    pub store: Option<StoreUrl>,
}

/// What a client developer asks of a local mock beyond exactness.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientOptions {
    /// `--latency`: added before answering.
    pub latency: Vec<LatencyRule>,
    /// `--fault`: answered instead of the API's answer.
    pub faults: Vec<FaultRule>,
    /// `--seed`: makes the faults and latencies chosen repeat.
    pub seed: Option<u64>,
    /// `--hang-for`: how long a `hang` fault holds a request.
    pub hang_for: Duration,
    /// `--journal-size`: requests kept for `/__admin/requests` (with
    /// `--admin`).
    pub journal_size: usize,
    /// `--log-requests`: one log line per request.
    pub log_requests: bool,
    /// `--cors`: origins a browser client may call from (`*` for any).
    pub cors: Vec<String>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            latency: Vec::new(),
            faults: Vec::new(),
            seed: None,
            hang_for: Duration::from_secs(30),
            journal_size: 1000,
            log_requests: false,
            cors: Vec::new(),
        }
    }
}

/// Limits on connections, so that slow or hostile clients cannot hold the
/// mock, and the bound on draining at shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's head must arrive within this, and an idle keep-alive
    /// connection is closed after it (`--header-timeout`).
    pub header_timeout: Duration,
    /// A request's body must arrive within this once its head has
    /// (`--body-timeout`); later, the answer is 408.
    pub body_timeout: Duration,
    /// Connections served at once; more wait to be accepted
    /// (`--max-connections`).
    pub max_connections: usize,
    /// How long shutdown lets open requests finish (`--shutdown-timeout`).
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_keys: Vec::new(),
            session_ttl: DEFAULT_SESSION_TTL,
            admin: false,
            limits: StoreLimits::default(),
            deviations: Vec::new(),
            freedoms: Vec::new(),
            connections: ConnectionLimits::default(),
            client: ClientOptions::default(),
            store: None,
        }
    }
}

/// A configuration the mock refuses to start with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// AUTH-004: the default key is public, so it only serves loopback.
    #[error(
        "refusing to listen on {0} with only the documentation's public key `{DEFAULT_API_KEY}`: \
         give real keys with --api-key (or PIZZASTACK_API_KEYS), or listen on a loopback address such as 127.0.0.1"
    )]
    DefaultKeyOnPublicAddress(SocketAddr),
    /// An API key a client could never send in a header.
    #[error("API key {0:?} is invalid: a key must be 1 to {MAX_HEADER_ID_BYTES} visible ASCII characters (no spaces)")]
    InvalidApiKey(String),
    /// Too many keys to index.
    #[error("too many API keys ({0}); at most 65535 are supported")]
    TooManyApiKeys(usize),
    /// A zero TTL would expire every session at once.
    #[error("--session-ttl must be longer than zero, e.g. 30m or 10s")]
    ZeroTtl,
    /// A zero limit would refuse every request.
    #[error("{0} must be more than zero")]
    ZeroLimit(&'static str),
    /// A rule the mock cannot switch off.
    #[error("--deviate {0}")]
    UnknownDeviation(#[source] crate::switches::UnknownSwitch),
    /// A freedom the mock cannot take.
    #[error("--freedom {0}")]
    UnknownFreedom(#[source] crate::switches::UnknownSwitch),
    /// A journal larger than memory should hold.
    #[error("--journal-size {0} is more than {MAX_JOURNAL_SIZE} (each kept request takes a few hundred bytes)")]
    JournalTooLarge(usize),
    /// A `--cors` origin that is not `*` or `scheme://host[:port]`.
    #[error("--cors {0}: an origin is * or scheme://host[:port], e.g. http://localhost:3000")]
    BadOrigin(String),
}

impl ServeConfig {
    /// The keys the server accepts: the configured ones, de-duplicated in
    /// order, or the documentation's default key when none were given.
    pub fn effective_api_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for key in &self.api_keys {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        if keys.is_empty() {
            keys.push(DEFAULT_API_KEY.to_owned());
        }
        keys
    }

    /// Checks the configuration before anything is bound.
    ///
    /// # Errors
    /// The first problem found, worded for the command line.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let keys = self.effective_api_keys();
        if let Some(bad) = keys.iter().find(|k| !is_visible_ascii_token(k)) {
            return Err(ConfigError::InvalidApiKey(bad.clone()));
        }
        if keys.len() > usize::from(u16::MAX) {
            return Err(ConfigError::TooManyApiKeys(keys.len()));
        }
        if keys == [DEFAULT_API_KEY] && !self.listen.ip().is_loopback() {
            return Err(ConfigError::DefaultKeyOnPublicAddress(self.listen));
        }
        if self.session_ttl.is_zero() {
            return Err(ConfigError::ZeroTtl);
        }
        if self.limits.max_sessions == 0 {
            return Err(ConfigError::ZeroLimit("--max-sessions"));
        }
        if self.limits.max_objects_per_session == 0 {
            return Err(ConfigError::ZeroLimit("--max-objects-per-session"));
        }
        if self.limits.max_session_bytes == 0 {
            return Err(ConfigError::ZeroLimit("--max-session-bytes"));
        }
        if self.limits.max_store_bytes == 0 {
            return Err(ConfigError::ZeroLimit("--max-store-bytes"));
        }
        let connections = &self.connections;
        if connections.max_connections == 0 {
            return Err(ConfigError::ZeroLimit("--max-connections"));
        }
        for (value, name) in [
            (connections.header_timeout, "--header-timeout"),
            (connections.body_timeout, "--body-timeout"),
        ] {
            if value.is_zero() {
                return Err(ConfigError::ZeroLimit(name));
            }
        }
        if self.client.journal_size > MAX_JOURNAL_SIZE {
            return Err(ConfigError::JournalTooLarge(self.client.journal_size));
        }
        if let Some(bad) = self.client.cors.iter().find(|origin| {
            *origin != "*"
                && !(origin.contains("://")
                    && !origin.ends_with('/')
                    && axum::http::HeaderValue::from_str(origin).is_ok())
        }) {
            return Err(ConfigError::BadOrigin(bad.clone()));
        }
        crate::switches::Deviations::parse(&self.deviations)
            .map_err(ConfigError::UnknownDeviation)?;
        crate::switches::Freedoms::parse(&self.freedoms).map_err(ConfigError::UnknownFreedom)?;
        Ok(())
    }
}

/// Whether `value` is 1 to 256 bytes of visible ASCII (`!` to `~`).
pub fn is_visible_ascii_token(value: &str) -> bool {
    visible_ascii_token(value.as_bytes()).is_some()
}

/// `bytes` as text if they are 1 to 256 bytes of visible ASCII (`!` to
/// `~`): a header value checked in one pass, where `HeaderValue::to_str`
/// would check it once more.
pub fn visible_ascii_token(bytes: &[u8]) -> Option<&str> {
    let visible = !bytes.is_empty()
        && bytes.len() <= MAX_HEADER_ID_BYTES
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    // ASCII is UTF-8, so this cannot fail once the bytes are visible ASCII.
    visible.then(|| std::str::from_utf8(bytes).ok()).flatten()
}

/// A key as the banner and the inspector show it: its first and last two
/// characters.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_options_out_of_bounds_are_refused() {
        let with = |client: ClientOptions| ServeConfig {
            client,
            ..ServeConfig::default()
        };
        let huge = with(ClientOptions {
            journal_size: MAX_JOURNAL_SIZE + 1,
            ..ClientOptions::default()
        });
        assert!(matches!(
            huge.validate(),
            Err(ConfigError::JournalTooLarge(_))
        ));
        for origin in [
            "localhost:3000",
            "http://localhost:3000/",
            "http://bad\nhost",
        ] {
            let config = with(ClientOptions {
                cors: vec![origin.to_owned()],
                ..ClientOptions::default()
            });
            assert!(
                matches!(config.validate(), Err(ConfigError::BadOrigin(_))),
                "{origin}"
            );
        }
        for origin in ["*", "http://localhost:3000", "https://app.example"] {
            let config = with(ClientOptions {
                cors: vec![origin.to_owned()],
                ..ClientOptions::default()
            });
            assert!(config.validate().is_ok(), "{origin}");
        }
    }

    #[test]
    fn the_default_key_alone_is_refused_on_a_public_address() {
        let config = ServeConfig {
            listen: "0.0.0.0:8080".parse().unwrap(),
            ..ServeConfig::default()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::DefaultKeyOnPublicAddress(_))
        ));
        let with_key = ServeConfig {
            api_keys: vec!["s3cret".into()],
            ..config
        };
        assert_eq!(with_key.validate(), Ok(()));
    }

    #[test]
    fn the_default_key_alone_is_fine_on_loopback() {
        assert_eq!(ServeConfig::default().validate(), Ok(()));
        let v6 = ServeConfig {
            listen: "[::1]:8080".parse().unwrap(),
            ..ServeConfig::default()
        };
        assert_eq!(v6.validate(), Ok(()));
    }

    #[test]
    fn keys_with_spaces_or_nothing_in_them_are_refused() {
        for bad in ["", "has space", "tab\t", "é"] {
            let config = ServeConfig {
                api_keys: vec![bad.into()],
                ..ServeConfig::default()
            };
            assert!(
                matches!(config.validate(), Err(ConfigError::InvalidApiKey(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_merged() {
        let config = ServeConfig {
            api_keys: vec!["a".into(), "b".into(), "a".into()],
            ..ServeConfig::default()
        };
        assert_eq!(config.effective_api_keys(), ["a", "b"]);
    }
}

//! The oracle's one entry: an exchange judged by the endpoint it calls
//! (the log, or a creation along the pipeline), after the key.

use super::{endpoint, log, pipeline, Endpoint, Exchange, Finding, Findings, Oracle};

impl Oracle {
    /// Judges one exchange and updates the model with what it did.
    pub fn observe(&mut self, exchange: &Exchange<'_>) -> Vec<Finding> {
        let number = self.exchanges;
        self.exchanges += 1;
        let Some(endpoint) = endpoint(exchange.method, exchange.path) else {
            return Vec::new();
        };
        // AUTH-001: a missing or unknown key is a 401 on every endpoint.
        let key = exchange.api_key.filter(|k| !k.is_empty());
        let key_valid = key.map(|k| self.config.valid_keys.iter().any(|v| v == k));
        let refused_key = match key_valid {
            None => true,
            Some(false) => self.config.other_keys_invalid,
            Some(true) => false,
        };
        let mut out = Findings::new(self, exchange, number);
        if key_valid != Some(true) {
            if refused_key {
                out.auth_refusal(endpoint);
            }
            if exchange.status / 100 == 2 {
                out.oracle.taint(exchange);
            }
            return out.done();
        }
        let key = key.unwrap_or_default().to_owned();
        match endpoint {
            Endpoint::Log => log::judge(&mut out, &key),
            Endpoint::Create(kind) => pipeline::judge(&mut out, kind, key),
        }
        out.done()
    }
}

//! One call of the store's Lua script: its arguments encoded up front,
//! Redis's failures turned into `503`s (an outage logged once when it
//! begins and once when it ends), and the limits a reply says were passed.

use std::sync::atomic::Ordering;

use redis::Value;

use super::reply::{first_word, unavailable};
use super::{RedisStore, PREFIX, SCRIPT};
use crate::store::model::StoreError;

impl RedisStore {
    /// Runs one step of the script; Redis's failures become
    /// [`StoreError::Unavailable`], logged when an outage begins and ends.
    ///
    /// The arguments are encoded before the future is made, so that it
    /// holds none of what they borrowed.
    pub(super) fn call(
        &self,
        step: &str,
        args: impl FnOnce(&mut redis::ScriptInvocation<'static>),
    ) -> impl std::future::Future<Output = Result<Value, StoreError>> + Send + '_ {
        let mut invocation = SCRIPT.prepare_invoke();
        invocation.arg(step).arg(PREFIX);
        args(&mut invocation);
        let mut connection = self.connection.clone();
        async move { self.answer(invocation.invoke_async::<Value>(&mut connection).await) }
    }

    /// Logs an outage's beginning and end once each.
    fn answer(&self, reply: redis::RedisResult<Value>) -> Result<Value, StoreError> {
        match reply {
            Ok(value) => {
                if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(store = %self.url, "Redis answers again");
                }
                Ok(value)
            }
            Err(e) => {
                if !self.down.swap(true, Ordering::Relaxed) {
                    tracing::error!(
                        store = %self.url,
                        "Redis does not answer ({e}); answering 503 until it does"
                    );
                }
                Err(unavailable(e))
            }
        }
    }

    /// The limit a script's reply says was passed, if any.
    pub(super) fn refusal(&self, reply: &Value) -> Option<StoreError> {
        let limits = &self.limits;
        Some(match first_word(reply)? {
            "sessions" => StoreError::TooManySessions {
                limit: limits.max_sessions,
            },
            "objects" => StoreError::TooManyObjects {
                limit: limits.max_objects_per_session,
            },
            "session_bytes" => StoreError::SessionFull {
                limit: limits.max_session_bytes,
            },
            "store_bytes" => StoreError::StoreFull {
                limit: limits.max_store_bytes,
            },
            _ => return None,
        })
    }
}

//! The freedoms about expired sessions: a server may refuse a request in a
//! session that expired (the pages say only that its objects are "no
//! longer accessible"), once or for good. The freedom layer remembers when
//! each session it passed on was last named, by the store's clock and TTL,
//! so it tells an expired session from a new one as the store did.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Sessions remembered at most: past it, those long gone are forgotten.
const REMEMBERED: usize = 100_000;

/// When each session was last named, and the tombstones of expired ones.
#[derive(Debug, Default)]
pub struct SessionMemory {
    /// (API key's index, session ID) → when it was last named, or `None`
    /// for a tombstone (never reused).
    seen: Mutex<HashMap<(u16, String), Option<Instant>>>,
}

/// What the layer does with a request in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    /// Live or new: passed on, and renewed.
    PassOn,
    /// Expired: answered 404 "Session has expired".
    Expired,
}

impl SessionMemory {
    /// Judges a request in `session` under `key` at `now`, and records it:
    /// a live or new session is renewed; an expired one is forgotten (so the
    /// ID starts over) or, with `tombstones`, kept refused for good.
    pub fn judge(
        &self,
        key: u16,
        session: &str,
        now: Instant,
        ttl: Duration,
        tombstones: bool,
    ) -> Judged {
        let mut seen = self.seen.lock();
        let entry = (key, session.to_owned());
        match seen.get(&entry).copied() {
            Some(None) => Judged::Expired,
            Some(Some(last)) if now.saturating_duration_since(last) >= ttl => {
                if tombstones {
                    seen.insert(entry, None);
                } else {
                    seen.remove(&entry);
                }
                Judged::Expired
            }
            _ => {
                if seen.len() >= REMEMBERED {
                    seen.retain(|_, last| {
                        last.is_some_and(|l| now.saturating_duration_since(l) < ttl)
                    });
                }
                seen.insert(entry, Some(now));
                Judged::PassOn
            }
        }
    }

    /// Forgets every session (the admin reset).
    pub fn clear(&self) {
        self.seen.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_session_is_refused_once_or_for_good() {
        let ttl = Duration::from_secs(10);
        let start = Instant::now();
        let later = start + Duration::from_secs(11);
        for tombstones in [false, true] {
            let memory = SessionMemory::default();
            assert_eq!(memory.judge(0, "s", start, ttl, tombstones), Judged::PassOn);
            assert_eq!(
                memory.judge(0, "s", start + Duration::from_secs(9), ttl, tombstones),
                Judged::PassOn,
                "a request within the TTL renews"
            );
            assert_eq!(
                memory.judge(0, "s", later + Duration::from_secs(9), ttl, tombstones),
                Judged::Expired
            );
            let again = memory.judge(0, "s", later + Duration::from_secs(9), ttl, tombstones);
            assert_eq!(
                again == Judged::Expired,
                tombstones,
                "tombstones: {tombstones}"
            );
            assert_eq!(
                memory.judge(1, "s", later, ttl, tombstones),
                Judged::PassOn,
                "sessions are per key"
            );
        }
    }
}

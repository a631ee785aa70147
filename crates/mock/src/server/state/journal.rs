//! The request journal's ring: every request to the API (refused ones
//! included), bounded by count; the layer that fills it and the admin
//! endpoints that read it are `server/journal.rs`.

use std::collections::VecDeque;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// One request as the journal keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Position since start-up (or the last clearing), from 1.
    pub seq: u64,
    /// When it arrived, RFC 3339 with milliseconds.
    pub time: String,
    pub method: String,
    pub path: String,
    pub session_id: Option<String>,
    /// The answer's status; 0 when the connection was dropped on purpose.
    pub status: u16,
    /// The `error` of a refused request's answer.
    pub error: Option<String>,
    /// An injected fault (`503`, `reset`...).
    pub fault: Option<String>,
    /// Injected latency, in milliseconds.
    pub latency_ms: Option<f64>,
    /// From arrival to the answer's head, in milliseconds.
    pub duration_ms: f64,
}

/// The ring.
#[derive(Debug)]
pub struct Journal {
    entries: Mutex<(VecDeque<Entry>, u64)>,
    pub(in crate::server) capacity: usize,
    /// Whether requests are kept (`--admin`).
    pub keep: bool,
    /// Whether each request is logged (`--log-requests`).
    pub log: bool,
}

impl Journal {
    pub fn new(capacity: usize, keep: bool, log: bool) -> Self {
        Self {
            entries: Mutex::new((VecDeque::with_capacity(capacity.min(4096)), 0)),
            capacity,
            keep: keep && capacity > 0,
            log,
        }
    }

    pub(in crate::server) fn push(&self, mut entry: Entry) {
        let mut guard = self.entries.lock();
        let (entries, seq) = &mut *guard;
        *seq += 1;
        entry.seq = *seq;
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The entries `filter` selects, newest first.
    pub(in crate::server) fn select(&self, filter: &Filter) -> Vec<Entry> {
        let guard = self.entries.lock();
        guard
            .0
            .iter()
            .rev()
            .filter(|e| filter.selects(e))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Every kept entry, oldest first.
    pub fn oldest_first(&self) -> Vec<Entry> {
        self.entries.lock().0.iter().cloned().collect()
    }

    /// How many kept entries `filter` selects (its limit aside).
    pub(in crate::server) fn count(&self, filter: &Filter) -> usize {
        let guard = self.entries.lock();
        guard.0.iter().filter(|e| filter.selects(e)).count()
    }

    /// The kept requests of `session_id` the mock refused or faulted,
    /// newest first.
    pub fn refused_of(&self, session_id: &str) -> Vec<Entry> {
        let guard = self.entries.lock();
        guard
            .0
            .iter()
            .rev()
            .filter(|e| e.status >= 400 && e.session_id.as_deref() == Some(session_id))
            .cloned()
            .collect()
    }

    pub(in crate::server) fn clear(&self) -> usize {
        let mut guard = self.entries.lock();
        let cleared = guard.0.len();
        guard.0.clear();
        cleared
    }
}

/// The query of the journal endpoints.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    session_id: Option<String>,
    /// A path, or a prefix ending in `*`.
    path: Option<String>,
    /// A status, or a class such as `4xx`.
    status: Option<String>,
    method: Option<String>,
    limit: Option<usize>,
}

impl Filter {
    fn selects(&self, entry: &Entry) -> bool {
        let session = self
            .session_id
            .as_ref()
            .is_none_or(|s| entry.session_id.as_ref() == Some(s));
        let path = self
            .path
            .as_ref()
            .is_none_or(|p| crate::injection::path_matches(p, &entry.path));
        let status = self.status.as_ref().is_none_or(|s| {
            let code = entry.status.to_string();
            match s.strip_suffix("xx") {
                Some(class) => code.starts_with(class),
                None => code == *s,
            }
        });
        let method = self
            .method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&entry.method));
        session && path && status && method
    }
}

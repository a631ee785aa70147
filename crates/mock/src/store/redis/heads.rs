//! What a replica remembers of the objects it made or read.

use std::collections::HashMap;

use crate::store::fetched::Fetched;
use crate::store::model::ObjectRef;

/// What this replica remembers of objects: their kind and degradation,
/// which never change. A creation builds on them and its commit checks
/// that the session still holds them, so a stale entry (the session
/// expired, or was reset through another replica) costs a retry, never a
/// wrong answer.
#[derive(Default)]
pub(super) struct Heads {
    /// By session tag and ID, joined by a newline (which neither holds).
    entries: parking_lot::Mutex<HashMap<String, ObjectRef>>,
}

/// Entries remembered before the memory is emptied and begun again.
const MAX_HEADS: usize = 1 << 16;

impl Heads {
    fn entry_key(tag: &str, id: &str) -> String {
        let mut key = String::with_capacity(tag.len() + 1 + id.len());
        key.push_str(tag);
        key.push('\n');
        key.push_str(id);
        key
    }

    pub(super) fn remember(&self, tag: &str, id: &str, object: ObjectRef) {
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_HEADS {
            entries.clear();
        }
        entries.insert(Self::entry_key(tag, id), object);
    }

    /// Teaches `fetched` what is remembered of `ids`; returns the others.
    pub(super) fn recall(
        &self,
        tag: &str,
        ids: Vec<Box<str>>,
        fetched: &mut Fetched,
    ) -> Vec<Box<str>> {
        let entries = self.entries.lock();
        ids.into_iter()
            .filter(|id| match entries.get(&Self::entry_key(tag, id)) {
                Some(object) => {
                    fetched.recall(id.clone(), *object);
                    false
                }
                None => true,
            })
            .collect()
    }

    pub(super) fn forget(&self, tag: &str, id: &str) {
        self.entries.lock().remove(&Self::entry_key(tag, id));
    }

    pub(super) fn forget_session(&self, tag: &str) {
        let prefix = Self::entry_key(tag, "");
        self.entries
            .lock()
            .retain(|key, _| !key.starts_with(&prefix));
    }
}

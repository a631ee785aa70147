//! What the workers of one exploration share: the stop flag and counters,
//! the rules already claimed, the failures found and the tally per rule.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

use super::model::{Model, Step};
use super::request::Learned;
use super::run::Ran;
use crate::case::Level;

/// A failure's workflow, shrunk: its sessions, steps, run, and rule.
pub(super) type Shrunk = (Model, Vec<Step>, Ran, &'static str);

/// What the workers share.
pub(super) struct Shared {
    pub(super) stop: AtomicBool,
    pub(super) steps: AtomicUsize,
    pub(super) workflows: AtomicUsize,
    pub(super) sessions: AtomicUsize,
    /// Rules whose failure a worker found (and is shrinking or has shrunk).
    pub(super) claimed: Mutex<Vec<&'static str>>,
    pub(super) found: Mutex<Vec<Shrunk>>,
    pub(super) tally: Mutex<HashMap<&'static str, (Level, usize, usize)>>,
    pub(super) transport: Mutex<Option<String>>,
    /// Held alone by a workflow that lets sessions expire.
    pub(super) expiry: RwLock<()>,
    pub(super) learned: Learned,
}

impl Shared {
    pub(super) fn new() -> Self {
        Self {
            stop: AtomicBool::new(false),
            steps: AtomicUsize::new(0),
            workflows: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            claimed: Mutex::new(Vec::new()),
            found: Mutex::new(Vec::new()),
            tally: Mutex::new(HashMap::new()),
            transport: Mutex::new(None),
            expiry: RwLock::new(()),
            learned: Learned::new(),
        }
    }

    pub(super) fn known(&self, rule: &str) -> bool {
        self.claimed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&rule)
    }

    /// Whether this worker is the first to find `rule` broken.
    pub(super) fn claim(&self, rule: &'static str) -> bool {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        if claimed.contains(&rule) {
            return false;
        }
        claimed.push(rule);
        true
    }

    pub(super) fn count(&self, ran: &Ran) {
        self.workflows.fetch_add(1, Ordering::Relaxed);
        self.sessions.fetch_add(ran.sessions, Ordering::Relaxed);
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        for finding in ran.exchanges.iter().flat_map(|e| &e.findings) {
            let entry = tally.entry(finding.rule).or_insert((finding.level, 0, 0));
            if finding.passed {
                entry.1 += 1;
            } else {
                entry.2 += 1;
            }
        }
    }
}

//! A run-time switchboard of named behaviours, shared by deliberate
//! deviations (`--deviate RULE-ID`) and freedoms (`--freedom NAME`): a
//! fixed table of names with what each does, and the ones switched on.
//! Reading costs one atomic load while nothing is switched on.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;

/// The names a switchboard knows.
pub trait SwitchTable {
    /// Every name with what switching it on does.
    const TABLE: &'static [(&'static str, &'static str)];
    /// What one name is, for messages: "rule", "freedom".
    const WHAT: &'static str;
    /// What switching one on does, for messages: "switch that rule off".
    const VERB: &'static str;
}

/// The switched-on names of one server, changeable at run time.
pub struct Switches<T: SwitchTable> {
    /// Whether `active` is non-empty.
    any: AtomicBool,
    /// The switched-on names.
    active: RwLock<BTreeSet<&'static str>>,
    table: PhantomData<T>,
}

impl<T: SwitchTable> Default for Switches<T> {
    fn default() -> Self {
        Self {
            any: AtomicBool::new(false),
            active: RwLock::default(),
            table: PhantomData,
        }
    }
}

impl<T: SwitchTable> std::fmt::Debug for Switches<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl<T: SwitchTable> Switches<T> {
    /// A switchboard with these names on.
    ///
    /// # Errors
    /// The first name the table does not know, with the list it knows.
    pub fn new(names: &[String]) -> Result<Self, String> {
        let switches = Self::default();
        switches.set(names)?;
        Ok(switches)
    }

    /// The names among the table, or the first one that is not.
    ///
    /// # Errors
    /// The unknown name with the list of known ones.
    pub fn parse(names: &[String]) -> Result<BTreeSet<&'static str>, String> {
        names
            .iter()
            .map(|name| {
                T::TABLE
                    .iter()
                    .find(|(known, _)| known == name)
                    .map(|(known, _)| *known)
                    .ok_or_else(|| {
                        let known: Vec<&str> = T::TABLE.iter().map(|(n, _)| *n).collect();
                        format!(
                            "{name}: the mock cannot {verb} that {}; it can {verb} {}",
                            T::WHAT,
                            known.join(", "),
                            verb = T::VERB,
                        )
                    })
            })
            .collect()
    }

    /// Makes exactly these names the switched-on ones.
    ///
    /// # Errors
    /// An unknown name; nothing changes then.
    pub fn set(&self, names: &[String]) -> Result<(), String> {
        let parsed = Self::parse(names)?;
        let mut active = self.active.write();
        self.any.store(!parsed.is_empty(), Ordering::Release);
        *active = parsed;
        Ok(())
    }

    /// Whether `name` is switched on.
    pub fn has(&self, name: &str) -> bool {
        self.any() && self.active.read().contains(name)
    }

    /// Whether anything is switched on.
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// The switched-on names.
    pub fn ids(&self) -> Vec<&'static str> {
        self.active.read().iter().copied().collect()
    }

    /// The table as JSON for the admin endpoints: what is on, and every
    /// name with what it does.
    pub fn describe(&self, key: &str) -> serde_json::Value {
        let available: Vec<_> = T::TABLE
            .iter()
            .map(|(name, effect)| serde_json::json!({ key: name, "effect": effect }))
            .collect();
        serde_json::json!({"active": self.ids(), "available": available})
    }
}

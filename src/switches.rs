//! The mock's run-time switches: deliberate deviations (`--deviate
//! RULE-ID`, a documented rule switched off to prove a suite notices) and
//! freedoms (`--freedom NAME`, another choice the docs allow, to prove a
//! suite raises no false alarm). Each is a fixed table of names with what
//! each does, and a switchboard of the ones switched on; reading costs one
//! atomic load while nothing is switched on. Plain data: the configuration
//! checks names against the tables, and the server acts on them.

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

/// Every rule the mock can switch off, with what it then does instead.
pub const DEVIATIONS: &[(&str, &str)] = &[
    (
        "AUTH-001",
        "accepts requests without a key or with an unknown key",
    ),
    (
        "SESS-001",
        "serves requests without X-Session-ID from a shared default session",
    ),
    (
        "SESS-002",
        "refuses a session ID it has not seen instead of creating the session",
    ),
    ("SESS-003", "refuses session IDs that are not UUIDs"),
    (
        "SESS-005",
        "answers 404 \"Not found\" for IDs that are not in the session",
    ),
    ("SESS-006", "never expires sessions"),
    ("ERR-001", "sends errors as text/plain"),
    ("ID-001", "gives every object the prefix obj_"),
    (
        "ID-002",
        "numbers objects per session, so sessions share IDs",
    ),
    ("ACQ-001", "leaves variety out of the tomato"),
    ("SLC-001", "answers type \"slice\" instead of \"sliced\""),
    ("SQZ-001", "leaves concentration out of the juice"),
    ("SIM-001", "leaves sauce_quality out of the sauce"),
    ("SIM-002", "refuses raw tomatoes in simmer with a 400"),
    ("RST-001", "gives roasted ingredients the prefix rtd_"),
    ("BAS-001", "defaults hydration to 0.5"),
    (
        "ASM-001",
        "leaves assembly_quality out of the assembled pizza",
    ),
    ("BAK-001", "leaves cheese_melt out of the quality metrics"),
    ("BAK-002", "bakes anything, a base included"),
    ("TST-001", "always includes aroma"),
    ("CMP-001", "ranks dishes worst first"),
    ("LOG-001", "leaves the newest operation out of the log"),
    (
        "LOG-002",
        "answers an unknown session's log with an empty 200",
    ),
    ("QLT-001", "forgets degradation at assembly"),
    (
        "QLT-001/simmer-again",
        "simmers a degraded ingredient (a sauce or roast) into an optimal sauce",
    ),
    (
        "QLT-001/through-toppings",
        "leaves a pizza optimal when only a topping is degraded",
    ),
    ("QLT-002", "scores every pizza 0.85 overall"),
    (
        "QLT-003",
        "lowers only sauce_integration for degraded pizzas",
    ),
    (
        "QLT-003/one-sub-score",
        "scores a degraded pizza's crust_crispness as a correct pizza's",
    ),
];

/// The table of rules the mock can switch off.
pub struct DeviationTable;

impl SwitchTable for DeviationTable {
    const TABLE: &'static [(&'static str, &'static str)] = DEVIATIONS;
    const WHAT: &'static str = "rule";
    const VERB: &'static str = "switch off";
}

/// The switched-off rules of one server, changeable at run time through
/// `/__admin/deviations`.
pub type Deviations = Switches<DeviationTable>;

/// Every freedom the mock can take, with what it then does.
pub const FREEDOMS: &[(&str, &str)] = &[
    (
        "log-endpoint-without-v1",
        "writes the session log's endpoints without /v1, e.g. /tomato/acquire",
    ),
    (
        "timestamp-microseconds",
        "writes log timestamps with microseconds and a +00:00 offset",
    ),
    (
        "no-log-session-id",
        "leaves session_id out of the session log",
    ),
    (
        "hex-id-suffix",
        "ends object IDs in 32 hexadecimal digits instead of 12 base-36 characters",
    ),
    (
        "validation-422",
        "answers a refused request body with 422 instead of 400",
    ),
    (
        "other-error-wording",
        "words every error whose text the docs do not quote differently",
    ),
    (
        "detail-error-shape",
        "answers every error the docs do not show as {\"detail\": ...}, as FastAPI does",
    ),
    (
        "extra-fields",
        "adds fields the docs' models do not show to every JSON object it answers",
    ),
    (
        "null-for-absent",
        "writes optional fields it leaves out (degradation_reason, aroma, texture) as null",
    ),
    (
        "created-201",
        "answers a creation with 201 Created (simmer keeps the 200 the docs give it)",
    ),
    (
        "charset",
        "sends Content-Type: application/json; charset=utf-8",
    ),
    (
        "connection-close",
        "closes the connection after every answer (Connection: close)",
    ),
];

/// The table of freedoms.
pub struct FreedomTable;

impl SwitchTable for FreedomTable {
    const TABLE: &'static [(&'static str, &'static str)] = FREEDOMS;
    const WHAT: &'static str = "freedom";
    const VERB: &'static str = "take";
}

/// The freedoms one server takes, changeable at run time through
/// `/__admin/freedoms`.
pub type Freedoms = Switches<FreedomTable>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rules_are_refused_with_the_list() {
        let error = Deviations::new(&["NOPE-001".to_owned()]).unwrap_err();
        assert!(error.contains("SESS-005"), "{error}");
        let deviations = Deviations::new(&["SESS-005".to_owned()]).unwrap();
        assert!(deviations.has("SESS-005") && !deviations.has("SESS-001"));
        deviations.set(&[]).unwrap();
        assert!(!deviations.any() && !deviations.has("SESS-005"));
    }

    #[test]
    fn unknown_freedoms_are_refused_with_the_list() {
        let error = Freedoms::new(&["nope".to_owned()]).unwrap_err();
        assert!(error.contains("hex-id-suffix"), "{error}");
        assert!(Freedoms::new(&["charset".to_owned()])
            .unwrap()
            .has("charset"));
    }
}

//! The mock's run-time switches: deliberate deviations (`--deviate
//! RULE-ID`, a documented rule switched off to prove a suite notices) and
//! freedoms (`--freedom NAME`, another choice the docs allow, to prove a
//! suite raises no false alarm). Each kind is an enum whose one table gives
//! every switch's name and effect, and a switchboard holds the ones
//! switched on as a bit set: reading one costs one atomic load. Plain data:
//! the configuration checks names against the tables, and the server acts
//! on them.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

/// One kind of switch: an enum of at most 64 switches, each with a name and
/// what switching it on does.
pub trait Switch: Copy + Eq + std::fmt::Debug + 'static {
    /// Every switch, in the order listings show them.
    const ALL: &'static [Self];
    /// What one is called in messages: "rule", "freedom".
    const WHAT: &'static str;
    /// What switching one on does, for messages: "switch off", "take".
    const VERB: &'static str;
    /// The name on the command line and in the admin API.
    fn name(self) -> &'static str;
    /// What the mock does while it is on.
    fn effect(self) -> &'static str;
    /// Its place in [`Self::ALL`].
    fn index(self) -> usize;

    /// The switch with this name.
    ///
    /// # Errors
    /// The unknown name, with the names there are.
    fn from_name(name: &str) -> Result<Self, UnknownSwitch> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| UnknownSwitch {
                name: name.to_owned(),
                what: Self::WHAT,
                verb: Self::VERB,
                known: Self::ALL.iter().map(|s| s.name()).collect(),
            })
    }
}

/// A name no switch of its kind has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: the mock cannot {verb} that {what}; it can {verb} {}", known.join(", "))]
pub struct UnknownSwitch {
    /// The name asked for.
    pub name: String,
    what: &'static str,
    verb: &'static str,
    known: Vec<&'static str>,
}

/// Declares a switch enum from one table of `Variant = ("name", "effect")`.
macro_rules! switch_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal, $verb:literal) {
            $($(#[$vmeta:meta])* $variant:ident = ($text:literal, $effect:literal),)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl Switch for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)+];
            const WHAT: &'static str = $what;
            const VERB: &'static str = $verb;
            fn name(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }
            fn effect(self) -> &'static str {
                match self { $(Self::$variant => $effect,)+ }
            }
            fn index(self) -> usize {
                self as usize
            }
        }

        const _: () = assert!($name::ALL.len() <= 64, "a switchboard holds 64 switches");
    };
}

/// The switched-on switches of one server, changeable at run time.
pub struct Switches<T: Switch> {
    /// Bit `i` is `T::ALL[i]`.
    on: AtomicU64,
    kind: PhantomData<T>,
}

impl<T: Switch> Default for Switches<T> {
    fn default() -> Self {
        Self {
            on: AtomicU64::new(0),
            kind: PhantomData,
        }
    }
}

impl<T: Switch> std::fmt::Debug for Switches<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.active()).finish()
    }
}

impl<T: Switch> Switches<T> {
    /// A switchboard with these names on.
    ///
    /// # Errors
    /// The first name the table does not know, with the names it knows.
    pub fn new(names: &[String]) -> Result<Self, UnknownSwitch> {
        let switches = Self::default();
        switches.set(names)?;
        Ok(switches)
    }

    /// The switches these names name, or the first name that names none.
    ///
    /// # Errors
    /// The unknown name with the list of known ones.
    pub fn parse(names: &[String]) -> Result<Vec<T>, UnknownSwitch> {
        names.iter().map(|name| T::from_name(name)).collect()
    }

    /// Makes exactly these names the switched-on ones.
    ///
    /// # Errors
    /// An unknown name; nothing changes then.
    pub fn set(&self, names: &[String]) -> Result<(), UnknownSwitch> {
        let mask = Self::parse(names)?
            .into_iter()
            .fold(0, |mask, s| mask | 1 << s.index());
        self.on.store(mask, Ordering::Release);
        Ok(())
    }

    /// Whether `switch` is on.
    pub fn has(&self, switch: T) -> bool {
        self.on.load(Ordering::Acquire) & 1 << switch.index() != 0
    }

    /// Whether anything is switched on.
    pub fn any(&self) -> bool {
        self.on.load(Ordering::Acquire) != 0
    }

    /// The switched-on switches, in table order.
    pub fn active(&self) -> Vec<T> {
        let on = self.on.load(Ordering::Acquire);
        T::ALL
            .iter()
            .copied()
            .filter(|s| on & 1 << s.index() != 0)
            .collect()
    }

    /// The table as JSON for the admin endpoints: what is on, and every
    /// name with what it does.
    pub fn describe(&self, key: &str) -> serde_json::Value {
        let active: Vec<&str> = self.active().into_iter().map(T::name).collect();
        let available: Vec<_> = T::ALL
            .iter()
            .map(|s| serde_json::json!({ key: s.name(), "effect": s.effect() }))
            .collect();
        serde_json::json!({"active": active, "available": available})
    }
}

switch_enum! {
    /// A documented rule the mock can switch off, to prove a suite notices.
    pub enum Deviation ("rule", "switch off") {
        Auth001 = ("AUTH-001", "accepts requests without a key or with an unknown key"),
        Sess001 = ("SESS-001", "serves requests without X-Session-ID from a shared default session"),
        Sess002 = ("SESS-002", "refuses a session ID it has not seen instead of creating the session"),
        Sess003 = ("SESS-003", "refuses session IDs that are not UUIDs"),
        Sess005 = ("SESS-005", "answers 404 \"Not found\" for IDs that are not in the session"),
        Sess006 = ("SESS-006", "never expires sessions"),
        Err001 = ("ERR-001", "sends errors as text/plain"),
        Id001 = ("ID-001", "gives every object the prefix obj_"),
        Id002 = ("ID-002", "gives the n-th object of every session begun while it is on the same ID"),
        Acq001 = ("ACQ-001", "leaves variety out of the tomato"),
        Slc001 = ("SLC-001", "answers type \"slice\" instead of \"sliced\""),
        Sqz001 = ("SQZ-001", "leaves concentration out of the juice"),
        Sim001 = ("SIM-001", "leaves sauce_quality out of the sauce"),
        Sim002 = ("SIM-002", "refuses raw tomatoes in simmer with a 400"),
        Rst001 = ("RST-001", "gives roasted ingredients the prefix rtd_"),
        Bas001 = ("BAS-001", "defaults hydration to 0.5"),
        Asm001 = ("ASM-001", "leaves assembly_quality out of the assembled pizza"),
        Bak001 = ("BAK-001", "leaves cheese_melt out of the quality metrics"),
        Bak002 = ("BAK-002", "bakes anything, a base included"),
        Tst001 = ("TST-001", "always includes aroma"),
        Cmp001 = ("CMP-001", "ranks dishes worst first"),
        Log001 = ("LOG-001", "leaves the newest operation out of the log"),
        Log002 = ("LOG-002", "answers an unknown session's log with an empty 200"),
        Qlt001 = ("QLT-001", "forgets degradation at assembly"),
        Qlt001SimmerAgain = ("QLT-001/simmer-again", "simmers a degraded ingredient (a sauce or roast) into an optimal sauce"),
        Qlt001ThroughToppings = ("QLT-001/through-toppings", "leaves a pizza optimal when only a topping is degraded"),
        Qlt002 = ("QLT-002", "scores every pizza 0.85 overall"),
        Qlt003 = ("QLT-003", "lowers only sauce_integration for degraded pizzas"),
        Qlt003OneSubScore = ("QLT-003/one-sub-score", "scores a degraded pizza's crust_crispness as a correct pizza's"),
    }
}

/// The switched-off rules of one server, changeable at run time through
/// `/__admin/deviations`.
pub type Deviations = Switches<Deviation>;

switch_enum! {
    /// Another choice the docs allow, to prove a suite raises no false alarm.
    pub enum Freedom ("freedom", "take") {
        LogEndpointWithoutV1 = ("log-endpoint-without-v1", "writes the session log's endpoints without /v1, e.g. /tomato/acquire"),
        TimestampMicroseconds = ("timestamp-microseconds", "writes log timestamps with microseconds and a +00:00 offset"),
        NoLogSessionId = ("no-log-session-id", "leaves session_id out of the session log"),
        HexIdSuffix = ("hex-id-suffix", "ends object IDs in 32 hexadecimal digits instead of 12 base-36 characters"),
        Validation422 = ("validation-422", "answers a refused request body with 422 instead of 400"),
        OtherErrorWording = ("other-error-wording", "words every error whose text the docs do not quote differently"),
        DetailErrorShape = ("detail-error-shape", "answers every error the docs do not show as {\"detail\": ...}, as FastAPI does"),
        ExtraFields = ("extra-fields", "adds fields the docs' models do not show to every JSON object it answers"),
        NullForAbsent = ("null-for-absent", "writes optional fields it leaves out (degradation_reason, aroma, texture) as null"),
        Created201 = ("created-201", "answers a creation with 201 Created (simmer keeps the 200 the docs give it)"),
        Charset = ("charset", "sends Content-Type: application/json; charset=utf-8"),
        ConnectionClose = ("connection-close", "closes the connection after every answer (Connection: close)"),
        ExpiredSession404 = ("expired-session-404", "answers the first request in a session after it expired with 404 {\"error\": \"Session has expired\"}; the ID then starts a new session"),
        ExpiredIdsNeverReused = ("expired-ids-never-reused", "keeps an expired session ID as a tombstone: every later request in it is a 404 {\"error\": \"Session has expired\"}"),
        CompareNeedsTwo = ("compare-needs-two", "refuses a comparison of fewer than two dishes with a 400"),
        ToppingsRequired = ("toppings-required", "refuses an assembly without toppings with a 400"),
        ToppingsAsObjects = ("toppings-as-objects", "refuses toppings named by strings: each must be an object with a name"),
        StrictValidation = ("strict-validation", "refuses request fields it does not know, and answers every refused body with 422 and a list of field errors"),
    }
}

/// The freedoms one server takes, changeable at run time through
/// `/__admin/freedoms`.
pub type Freedoms = Switches<Freedom>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rules_are_refused_with_the_list() {
        let error = Deviations::new(&["NOPE-001".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("SESS-005"), "{error}");
        let deviations = Deviations::new(&["SESS-005".to_owned()]).unwrap();
        assert!(deviations.has(Deviation::Sess005) && !deviations.has(Deviation::Sess001));
        assert_eq!(deviations.active(), [Deviation::Sess005]);
        deviations.set(&[]).unwrap();
        assert!(!deviations.any() && !deviations.has(Deviation::Sess005));
    }

    #[test]
    fn unknown_freedoms_are_refused_with_the_list() {
        let error = Freedoms::new(&["nope".to_owned()]).unwrap_err().to_string();
        assert!(error.contains("hex-id-suffix"), "{error}");
        assert!(Freedoms::new(&["charset".to_owned()])
            .unwrap()
            .has(Freedom::Charset));
    }

    #[test]
    fn names_are_unique_and_read_back() {
        for (i, d) in Deviation::ALL.iter().enumerate() {
            assert_eq!(d.index(), i);
            assert_eq!(Deviation::from_name(d.name()), Ok(*d));
        }
        for f in Freedom::ALL {
            assert_eq!(Freedom::from_name(f.name()), Ok(*f));
        }
    }
}

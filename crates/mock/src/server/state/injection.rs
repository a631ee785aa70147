//! The latency and faults in force, changeable at run time; the layer
//! that applies them is `server/inject.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rand::{RngExt as _, SeedableRng as _};

use crate::injection::{FaultKind, FaultRule, LatencyRule};

/// "The next `remaining` requests of this session answer `kind`."
#[derive(Debug, Clone)]
struct Scripted {
    session_id: String,
    remaining: u32,
    kind: FaultKind,
}

/// The latency and faults in force, changeable at run time.
#[derive(Debug)]
pub struct Injection {
    latency: Mutex<Vec<LatencyRule>>,
    faults: Mutex<Vec<FaultRule>>,
    scripted: Mutex<Vec<Scripted>>,
    rng: Mutex<rand::rngs::StdRng>,
    /// Whether any rule or script is in force: the layer's fast path.
    active: AtomicBool,
    /// How long a `hang` fault holds a request.
    pub hang_for: Duration,
}

/// What the layer did to one request, for the journal.
#[derive(Debug, Clone, Default)]
pub struct Injected {
    pub fault: Option<FaultKind>,
    pub latency: Option<Duration>,
}

impl Injection {
    /// Rules from the command line; `seed` makes the random choices
    /// repeat from run to run.
    pub fn new(
        latency: Vec<LatencyRule>,
        faults: Vec<FaultRule>,
        seed: Option<u64>,
        hang_for: Duration,
    ) -> Self {
        let rng = match seed {
            Some(seed) => rand::rngs::StdRng::seed_from_u64(seed),
            None => rand::rngs::StdRng::from_rng(&mut rand::rng()),
        };
        let injection = Self {
            latency: Mutex::new(latency),
            faults: Mutex::new(faults),
            scripted: Mutex::default(),
            rng: Mutex::new(rng),
            active: AtomicBool::new(false),
            hang_for,
        };
        injection.refresh();
        injection
    }

    fn refresh(&self) {
        let active = !self.latency.lock().is_empty()
            || !self.faults.lock().is_empty()
            || !self.scripted.lock().is_empty();
        self.active.store(active, Ordering::Relaxed);
    }

    /// Whether any rule or script is in force: at start-up, whether the
    /// layer is needed; later, its fast path.
    pub fn any(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Replaces the latency rules.
    pub fn set_latency(&self, rules: Vec<LatencyRule>) {
        *self.latency.lock() = rules;
        self.refresh();
    }

    /// Replaces the fault rules, and reseeds when asked.
    pub fn set_faults(&self, rules: Vec<FaultRule>, seed: Option<u64>) {
        *self.faults.lock() = rules;
        if let Some(seed) = seed {
            *self.rng.lock() = rand::rngs::StdRng::seed_from_u64(seed);
        }
        self.refresh();
    }

    /// Makes the next `count` requests of `session_id` answer `kind`.
    pub fn script(&self, session_id: String, count: u32, kind: FaultKind) {
        self.scripted.lock().push(Scripted {
            session_id,
            remaining: count,
            kind,
        });
        self.refresh();
    }

    /// The rules in force, spelled as the options take them.
    pub fn describe(&self) -> serde_json::Value {
        let scripted: Vec<serde_json::Value> = self
            .scripted
            .lock()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "session_id": s.session_id,
                    "remaining": s.remaining,
                    "fault": s.kind.name(),
                })
            })
            .collect();
        serde_json::json!({
            "latency": self.latency.lock().iter().map(LatencyRule::spelled).collect::<Vec<_>>(),
            "faults": self.faults.lock().iter().map(FaultRule::spelled).collect::<Vec<_>>(),
            "scripted": scripted,
            "hang_for": humantime::format_duration(self.hang_for).to_string(),
        })
    }

    /// The fault and the latency this request gets.
    pub(in crate::server) fn decide(&self, path: &str, session_id: Option<&str>) -> Injected {
        let mut injected = Injected::default();
        if let Some(session_id) = session_id {
            let mut scripted = self.scripted.lock();
            if let Some(at) = scripted.iter().position(|s| s.session_id == session_id) {
                injected.fault = Some(scripted[at].kind);
                scripted[at].remaining -= 1;
                if scripted[at].remaining == 0 {
                    scripted.remove(at);
                    drop(scripted);
                    self.refresh();
                }
            }
        }
        let mut rng = self.rng.lock();
        if injected.fault.is_none() {
            injected.fault = self
                .faults
                .lock()
                .iter()
                .filter(|rule| rule.paths.matches(path))
                .find(|rule| rng.random::<f64>() < rule.rate)
                .map(|rule| rule.kind);
        }
        // A rule for the path wins over one for every path.
        let latency = self.latency.lock();
        let rule = latency
            .iter()
            .find(|r| r.paths.0.is_some() && r.paths.matches(path))
            .or_else(|| latency.iter().find(|r| r.paths.0.is_none()));
        injected.latency = rule.map(|r| {
            if r.min == r.max {
                r.min
            } else {
                rng.random_range(r.min..=r.max)
            }
        });
        injected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_repeats_the_choices_and_rates_hold() {
        let run = || {
            let injection = Injection::new(
                vec![LatencyRule::parse("1ms..9ms").unwrap()],
                vec![FaultRule::parse("503:0.3").unwrap()],
                Some(7),
                Duration::from_secs(1),
            );
            (0..2000)
                .map(|_| injection.decide("/v1/tomato/acquire", None))
                .map(|i| (i.fault, i.latency))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let faulted = first.iter().filter(|(f, _)| f.is_some()).count();
        // 0.3 of 2000 is 600; five standard deviations are ~100.
        assert!((500..=700).contains(&faulted), "{faulted}");
        assert!(first.iter().all(
            |(_, l)| (Duration::from_millis(1)..=Duration::from_millis(9)).contains(&l.unwrap())
        ));
    }

    #[test]
    fn a_script_faults_the_next_requests_of_its_session_only() {
        let injection = Injection::new(vec![], vec![], Some(1), Duration::from_secs(1));
        assert!(!injection.any());
        injection.script("s1".to_owned(), 2, FaultKind::Status(500));
        assert!(injection.any());
        let fault = |session| injection.decide("/v1/tomato/acquire", Some(session)).fault;
        assert_eq!(fault("s2"), None);
        assert_eq!(fault("s1"), Some(FaultKind::Status(500)));
        assert_eq!(fault("s1"), Some(FaultKind::Status(500)));
        assert_eq!(fault("s1"), None);
        assert!(!injection.any());
    }
}

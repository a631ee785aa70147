//! The implementation under test as the runner sees it: its address and
//! keys, how its sessions can be made to expire, the waits for its TTL
//! under way, and letting time pass on it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::assert::excerpt;
use super::outcome::{Check, Failure};
use crate::case::{Capability, Case, Step};

/// How the runner can make a target's sessions expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The target is the mock with `--admin`: advance its clock by the TTL.
    AdminClock {
        /// The mock's session TTL.
        ttl: Duration,
    },
    /// Wait out the target's TTL (`--session-ttl`).
    Wait {
        /// The target's session TTL.
        ttl: Duration,
    },
    /// No way known: expiry cases are skipped with the reason.
    Unavailable,
}

/// The implementation under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Server root, e.g. `http://127.0.0.1:8080` (no `/v1`, no trailing `/`).
    pub base_url: String,
    /// The API key cases send by default.
    pub api_key: String,
    /// A second accepted key, for ownership rules.
    pub other_api_key: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// How sessions can be made to expire.
    pub expiry: Expiry,
    /// The most bytes of one response body the runner reads
    /// ([`DEFAULT_MAX_BODY`] unless `--max-body` says otherwise).
    pub max_body: usize,
    /// Variables the run defines for every case (`--variable`).
    pub variables: std::collections::BTreeMap<String, Value>,
    /// The waits under way, for whoever shows progress.
    pub waits: Arc<Waits>,
}

/// The real waits for a target's TTL under way (an admin clock's are
/// instant), so that a long run can say what it waits for.
#[derive(Debug, Default)]
pub struct Waits {
    active: Mutex<Vec<Wait>>,
    next: std::sync::atomic::AtomicU64,
}

/// A case waiting for time to pass.
#[derive(Debug, Clone)]
pub struct Wait {
    key: u64,
    /// The case's ID.
    pub case: String,
    /// The step that waits, which says what for.
    pub step: String,
    pub started: Instant,
    pub length: Duration,
}

/// Ends its wait when dropped.
pub struct WaitGuard<'a> {
    waits: &'a Waits,
    key: u64,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        let mut active = self
            .waits
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        active.retain(|w| w.key != self.key);
    }
}

impl Waits {
    fn begin(&self, case: &str, step: &str, length: Duration) -> WaitGuard<'_> {
        let key = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Wait {
                key,
                case: case.to_owned(),
                step: step.to_owned(),
                started: Instant::now(),
                length,
            });
        WaitGuard { waits: self, key }
    }

    /// The waits under way, longest remaining first.
    pub fn active(&self) -> Vec<Wait> {
        let mut active = self
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        active.sort_by_key(|w| std::cmp::Reverse(w.started + w.length));
        active
    }
}

/// How much of one response body the runner reads by default: far more
/// than any PizzaStack answer, far less than a runaway target can send.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

impl Target {
    /// Why this target cannot run `case`, if it cannot.
    pub fn unmet_requirement(&self, case: &Case) -> Option<String> {
        case.requires.iter().find_map(|capability| match capability {
            Capability::SecondApiKey if self.other_api_key.is_none() => Some(
                "needs a second accepted API key: pass --other-api-key KEY".to_owned(),
            ),
            Capability::SessionExpiry if self.expiry == Expiry::Unavailable => Some(
                "needs sessions to expire: pass --session-ttl DURATION (the target's TTL), or target the mock started with --admin"
                    .to_owned(),
            ),
            _ => None,
        })
    }
}

/// Lets time pass with no request, through the mock's admin clock or by
/// waiting: `fraction` of the TTL (sessions stay alive), or with `None`
/// the whole TTL and a margin (every session expires).
pub(super) async fn let_time_pass(
    client: &reqwest::Client,
    target: &Target,
    fraction: Option<f64>,
    case: &Case,
    step: &Step,
) -> Result<(), Failure> {
    let location = step.location;
    match target.expiry {
        Expiry::AdminClock { ttl } => {
            let by = match fraction {
                Some(fraction) => ttl.mul_f64(fraction),
                None => ttl + Duration::from_secs(1),
            };
            let by = humantime::format_duration(by).to_string();
            let url = format!("{}/__admin/clock/advance", target.base_url);
            let result = client
                .post(&url)
                .timeout(target.timeout)
                .header("Content-Type", "application/json")
                .body(json!({ "by": by }).to_string())
                .send()
                .await;
            match result {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(Failure::setup(
                    Check::Time {
                        how: "advance the admin clock",
                    },
                    "200 from /__admin/clock/advance",
                    format!(
                        "{} {}",
                        response.status(),
                        excerpt(&response.text().await.unwrap_or_default())
                    ),
                    location,
                )),
                Err(e) => Err(Failure::setup(
                    Check::Time {
                        how: "advance the admin clock",
                    },
                    "a response from /__admin/clock/advance",
                    e.to_string(),
                    location,
                )),
            }
        }
        Expiry::Wait { ttl } => {
            let length = match fraction {
                Some(fraction) => ttl.mul_f64(fraction),
                // A margin for clock granularity and the target's sweeping.
                None => ttl + (ttl / 10).clamp(Duration::from_millis(50), Duration::from_secs(1)),
            };
            // Recorded while it lasts, for whoever shows the run's progress.
            let _waiting = target.waits.begin(case.id(), &step.name, length);
            tokio::time::sleep(length).await;
            Ok(())
        }
        Expiry::Unavailable => Err(Failure::setup(
            Check::Time {
                how: "let time pass",
            },
            "a way to let time pass",
            "none (the case should have been skipped)",
            location,
        )),
    }
}

//! The conformance runner: executes cases against any base URL over HTTP
//! (reqwest) and records outcomes. It knows nothing of axum or of how the
//! mock works; it only speaks HTTP to a target.

pub mod assert;
mod capture;
pub mod client;
pub mod outcome;
pub mod shapes;
mod step;
pub mod target;

pub use client::{
    classify, http_client, http_client_trusting, root_cause, send, tls_problem, ClientError,
    ConnectKind, SendError,
};
pub use outcome::{CaseOutcome, CaseStatus, Check, Failure, RuleCheck, StepOutcome, Verdict};
pub use step::run_case;
pub use target::{Expiry, Target, Wait, Waits, DEFAULT_MAX_BODY};

//! The conformance runner: executes cases against any base URL over HTTP
//! (reqwest) and records outcomes. It knows nothing of axum or of how the
//! mock works; it only speaks HTTP to a target.

pub mod assert;
pub mod exec;
pub mod outcome;
pub mod shapes;

pub use exec::{
    http_client, http_client_trusting, root_cause, run_case, tls_problem, ClientError, Expiry,
    SendError, Target, Wait, Waits, DEFAULT_MAX_BODY,
};
pub use outcome::{CaseOutcome, CaseStatus, Check, Failure, RuleCheck, StepOutcome, Verdict};

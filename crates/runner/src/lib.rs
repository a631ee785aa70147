//! The PizzaStack conformance runner: case files, the runner that plays
//! them against any base URL over HTTP, the docs-level oracle and the
//! explorer, and the reports. It never imports the mock
//! (`pizzastack-mock`) and pulls in neither axum nor redis; both stand on
//! `pizzastack-spec`.
//!
//! Modules, from the top down, and what each owns:
//! - [`check`]: `pizzastack check`: load cases, reach the target, run, report, exit code.
//! - [`suite`]: the one libtest-mimic harness over many cases, with snapshots
//!   and failure rendering.
//! - [`report`]: terminal summary, JUnit, JSON and HTML, each rendered from one [`summary`].
//! - [`explore`]: `pizzastack explore`: generated workflows judged by the
//!   oracle, each failure shrunk to a case file.
//! - [`baseline`]: known deviations a team accepts for now, with reasons.
//! - [`summary`]: the run's summary, computed once: case and rule verdicts, totals, MUST counts.
//! - [`snapshot`]: redacted insta snapshots of case exchanges; the only module touching insta.
//! - [`oracle`]: the docs-level oracle: exchanges in, per-rule verdicts out,
//!   from a shadow model of what the pages guarantee; no HTTP.
//! - [`runner`]: runs one case against any base URL over HTTP; results as data.
//! - [`case`]: case files: the model (plain data, no IO), the rule catalogue, the loader.

pub mod baseline;
pub mod case;
pub mod check;
pub mod explore;
pub mod oracle;
pub mod report;
pub mod runner;
pub mod snapshot;
pub mod suite;
pub mod summary;

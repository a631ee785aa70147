//! PizzaStack conformance kit: a stateful mock of the PizzaStack v1 HTTP API
//! that behaves as its documentation says, and a conformance runner that
//! checks any implementation against declarative case files.
//!
//! The rules implemented here are the ones of `pizzastack-api.md`, cited by
//! ID (e.g. `SESS-005`) where they are enforced.
//!
//! Modules, and what each owns:
//! - [`baseline`]: known deviations a team accepts for now, with reasons.
//! - [`check`]: `pizzastack check`: load cases, reach the target, run, report, exit code.
//! - [`case`]: case files: the model (plain data, no IO), the rule catalogue, the loader.
//! - [`runner`]: runs one case against any base URL over HTTP; results as data.
//! - [`suite`]: the one libtest-mimic harness over many cases, with snapshots
//!   and failure rendering.
//! - [`oracle`]: the docs-level oracle: exchanges in, per-rule verdicts out,
//!   from a shadow model of what the pages guarantee; no HTTP.
//! - [`explore`]: `pizzastack explore`: generated workflows judged by the
//!   oracle, each failure shrunk to a case file.
//! - [`report`]: terminal summary, JUnit and JSON; the only writer of results.
//! - [`snapshot`]: redacted insta snapshots of case exchanges; the only module touching insta.
//! - [`config`]: the server's typed configuration and its checks.
//! - [`server`]: HTTP only: routes, extractors, the error shape, admin
//!   endpoints, `router`/`run`/`serve`.
//! - [`kitchen`]: the pipeline's rules as pure functions, no HTTP, no locks.
//! - [`store`]: sessions, objects, operations, limits and expiry.
//! - [`spec`]: the JSON Schemas and OpenAPI document of `specs/`, and request
//!   bodies read in place against them; the only module that touches `jsonschema`.
//! - [`ids`]: object kinds and their random, prefixed IDs.
//! - [`clock`]: the mock's clock, which the admin endpoints can advance.
//! - [`embedded`]: the files of `specs/` carried in the binary.
//! - [`injection`]: latency and fault rules as `serve --latency`/`--fault`
//!   spell them (parsed and checked; the server applies them).
//! - [`switches`]: the tables of deviations and freedoms the mock can take,
//!   and the run-time switchboard of those switched on; plain data.

pub mod baseline;
pub mod case;
pub mod check;
pub mod clock;
pub mod config;
pub mod embedded;
pub mod explore;
pub mod ids;
pub mod injection;
pub mod kitchen;
pub mod oracle;
pub mod report;
pub mod runner;
pub mod server;
pub mod snapshot;
pub mod spec;
pub mod store;
pub mod suite;
pub mod switches;

//! The PizzaStack v1 mock: a stateful server that behaves as the
//! documentation says, with the deviations, freedoms, latency and faults a
//! test can switch on. It never imports the runner (`pizzastack-runner`);
//! both stand on `pizzastack-spec`.
//!
//! A Rust client's tests embed it with [`MockServer`]; the `pizzastack
//! serve` command runs the same server.
//!
//! Modules, from the top down, and what each owns:
//! - [`mock_server`]: the mock embedded in a test: start, builder, clock,
//!   journal, stop on drop.
//! - [`server`]: HTTP only: routes, extractors, the error shape, admin
//!   endpoints, `router`/`run`/`serve`.
//! - [`config`]: the server's typed configuration and its checks.
//! - [`kitchen`]: the pipeline's rules as pure functions, no HTTP, no locks.
//! - [`store`]: sessions, objects, operations, limits and expiry, in memory
//!   or on Redis.
//! - [`injection`]: latency and fault rules as `serve --latency`/`--fault`
//!   spell them (parsed and checked; the server applies them).
//! - [`switches`]: the tables of deviations and freedoms the mock can take,
//!   and the run-time switchboard of those switched on; plain data.
//! - [`clock`]: the mock's clock, which the admin endpoints can advance.
//!
//! The rules implemented here are the ones of `pizzastack-api.md`, cited by
//! ID (e.g. `SESS-005`) where they are enforced.

pub mod clock;
pub mod config;
pub mod injection;
pub mod kitchen;
pub mod mock_server;
pub mod server;
pub mod store;
pub mod switches;

pub use injection::{FaultRule, LatencyRule};
pub use mock_server::{MockServer, MockServerBuilder};
pub use server::JournalEntry;
pub use switches::{Deviation, Freedom};

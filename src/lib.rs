//! PizzaStack conformance kit: a stateful mock of the PizzaStack v1 HTTP API
//! that behaves as its documentation says, and a conformance runner that
//! checks any implementation against declarative case files.
//!
//! This package is the `pizzastack` command. Its library is only the
//! facade its tests and benchmarks use; the code lives in three crates
//! under `crates/`, each depending only downward:
//! - `pizzastack-mock`: the mock server ([`server`], [`kitchen`], [`store`], ...);
//! - `pizzastack-runner`: the runner, oracle, explorer and reports
//!   ([`check`], [`runner`], [`case`], ...); neither axum nor redis;
//! - `pizzastack-spec`: the specification both stand on ([`spec`], [`ids`],
//!   [`embedded`]).

pub use pizzastack_mock::{clock, config, injection, kitchen, server, store, switches};
pub use pizzastack_runner::{
    baseline, case, check, explore, oracle, report, runner, snapshot, suite, summary,
};
pub use pizzastack_spec as spec;
pub use pizzastack_spec::{embedded, ids};

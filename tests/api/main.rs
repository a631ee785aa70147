//! Black-box tests, arranged by subject: `mock` (the mock's behaviour),
//! `runner` (the runner and the commands a user runs), `suite` (the
//! suite's own quality: teeth, freedoms, repeatable verdicts). Tests are
//! named after what they prove; each cites the rule IDs of
//! `pizzastack-api.md` it checks.

mod helpers;

mod mock;
mod runner;
mod suite;

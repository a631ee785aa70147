//! Black-box tests of the mock: each starts the real server on port 0 and
//! talks HTTP to it. Tests are grouped by area and named after what they
//! prove; each cites the rule IDs of `pizzastack-api.md` it checks.

mod helpers;

mod auth;
mod binary;
mod browser;
mod case_files;
mod client_dev;
mod concurrency;
mod embedded;
mod endpoints;
mod errors;
mod explore;
mod fleet;
mod freedoms;
mod fuzz;
mod hardening;
mod hostile_target;
mod ids;
mod limits;
mod log;
mod outside_user;
mod quality;
mod repeatable;
mod runner;
mod sessions;
mod teeth;
mod tls;
mod verdicts;

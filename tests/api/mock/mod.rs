//! The mock's own behaviour, black box: each test starts the real server
//! on port 0 (or the binary, or the embedded `MockServer`) and talks HTTP
//! to it. By area of the contract (keys, sessions, endpoints, errors, IDs,
//! the log, quality, limits), then what holds under hostile clients,
//! random input and concurrency, the client developers' tools, and the
//! shared store (`fleet/`). A test here holds what a YAML case cannot ask
//! of every server: the mock's exact texts and choices, its flags, and
//! behaviour over many samples; what a case asks is the case's.

mod auth;
mod binary;
mod client_dev;
mod concurrency;
mod embedded;
mod endpoints;
mod errors;
mod fleet;
mod fuzz;
mod hardening;
mod ids;
mod limits;
mod log;
mod quality;
mod sessions;

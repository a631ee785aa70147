//! The suite's own quality: it has teeth (every rule the mock switches off
//! is caught), it raises no false alarm (every freedom the docs leave
//! passes), and its verdicts do not depend on run order or on what the
//! target holds.

mod freedoms;
mod repeatable;
pub(crate) mod teeth;

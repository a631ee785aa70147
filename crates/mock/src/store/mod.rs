//! Sessions with their objects and operations, per-key ownership, limits
//! and inactivity expiry (SESS-002, SESS-006, SESS-007, AUTH-003).
//!
//! Two stores keep them: [`SessionStore`] in this process's memory (the
//! default), and [`RedisStore`] in a Redis that several replicas share.
//! [`Store`] is the one the server holds; both take the same
//! closure to build an object, so the kitchen knows neither.

mod backend;
mod fetched;
mod log;
mod memory;
mod model;
mod redis;

pub use backend::{Advanced, Store};
pub use memory::SessionStore;
pub use model::{
    BuiltObject, InspectedObject, ObjectRef, SessionKey, SessionObjects, SessionSummary,
    StoreError, StoreLimits, StoreStats,
};
pub use redis::{RedisStore, StoreUrl};

//! The pipeline's rules: what each endpoint makes from its inputs.
//!
//! Every function here is pure: it takes a validated request, the new
//! object's ID and a read-only view of the session, and returns the new
//! object's JSON and why it is degraded, if it is ([`Cooked`]), or a
//! [`KitchenError`]. Lookups
//! come first and type rules second, for every ID of a request (ERR-004).
//! Nothing here knows about HTTP or locks.

mod cook;
mod pizza;
mod quality;
mod shared;
mod taste;
mod tomato;

pub use cook::{roast, simmer, CookRequest, Ingredient, SimmerRequest};
pub use pizza::{assemble, bake, make_base, AssembleRequest, BakeRequest, BaseRequest, Topping};
pub use quality::{
    Degradation, Seeded, DEGRADED_OVERALL, DEGRADED_SUB, OPTIMAL_OVERALL, OPTIMAL_SUB,
};
pub use shared::{Cooked, KitchenError};
pub use taste::{analyze, compare, AnalyzeRequest, CompareRequest};
pub use tomato::{acquire, slice, squeeze, AcquireRequest, SliceRequest, SqueezeRequest};

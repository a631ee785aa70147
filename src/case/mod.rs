//! Case files: the model (plain data), the rule catalogue, and the loader
//! that turns YAML into cases plus diagnostics with file, line and column.

pub mod examples;
pub mod load;
pub mod model;
pub mod rules;

pub use examples::{Example, ExampleCatalogue};
pub use load::{load_dir, load_embedded, parse_case, yaml_to_json, Diagnostic, LoadedCases};
pub use model::*;
pub use rules::{Page, Rule, RuleCatalogue, Source};

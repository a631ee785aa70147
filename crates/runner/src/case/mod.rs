//! Case files: the model (plain data), the body assertions (each kind
//! read, checked and described in one place), the rule catalogue, the documented
//! examples, the `{{name}}` template grammar, and the loader that turns
//! YAML into cases plus diagnostics with file, line and column.

pub mod assertion;
pub mod examples;
pub mod format;
pub mod hint;
pub mod load;
pub mod model;
pub mod rules;
pub mod sources;
pub mod template;

pub use assertion::{JsonType, ValueCheck};
pub use examples::{Example, ExampleCatalogue};
pub use load::{load_embedded, parse_case, parse_case_with, yaml_to_json, Diagnostic, LoadedCases};
pub use model::*;
pub use rules::{Page, Rule, RuleCatalogue, Source};
pub use sources::CaseSources;

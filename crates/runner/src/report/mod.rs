//! Reports: the terminal summary, JUnit, JSON and HTML, one writer per
//! format, each rendering the run's one [`Summary`](crate::summary::Summary)
//! as text; `check` writes the files.

pub mod coverage;
pub mod explored;
pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

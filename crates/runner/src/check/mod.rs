//! `pizzastack check`: loads the cases, makes sure the target answers,
//! runs the harness, writes the reports and picks the exit code:
//! 0 when every MUST rule the run touched was verified (evaluated in at
//! least one case and held wherever it was) or is known, 1 when a case
//! failed or such a rule could not be evaluated, 2 when the run could not
//! be made or verified no rule at all.

mod error;
mod load;
mod options;
mod reach;
mod report;
mod run;

pub use crate::baseline::{Baseline, BaselineError};
pub use error::{CheckError, TargetError};
pub use options::{CheckExit, CheckOptions, Format, Selection};
pub use reach::normalize_target;

/// Runs the check on `runtime`, phase by phase: load the cases, reach the
/// target (the client, the probe, its expiry), run them, report.
///
/// # Errors
/// Why the run could not be made; case-file problems are printed to
/// stderr, one per line, before it.
pub fn run_check(
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
) -> Result<CheckExit, CheckError> {
    let load::Load::Run(loaded) = load::load(options)? else {
        return Ok(CheckExit::Conformant);
    };
    let (client, target) = reach::reach(options, runtime, options.libtest.list)?;
    let baseline = options
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()?;
    let catalogue = loaded.catalogue.clone();
    let outcomes = run::run(
        options,
        runtime,
        loaded,
        &client,
        &target,
        baseline.as_ref(),
    )?;
    let Some(outcomes) = outcomes else {
        return Ok(CheckExit::Conformant);
    };
    report::report(
        options,
        outcomes,
        &catalogue,
        &target.base_url,
        baseline.as_ref(),
    )
}

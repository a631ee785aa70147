//! Running: the case files through the one libtest harness, then, when
//! asked, generated workflows judged by the oracle; every outcome marked
//! against the baseline.

use std::sync::Arc;

use super::error::CheckError;
use super::load::Loaded;
use super::options::{CheckOptions, Format};
use super::reach::read_ca;
use crate::baseline::Baseline;
use crate::report;
use crate::runner::{http_client_trusting, CaseOutcome, Target};
use crate::suite::{run_suite, SuiteOptions};

/// Where libtest's own lines go when the binary prints its own.
#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";

/// Every outcome of the run, or `None` when libtest only listed the cases.
pub(super) fn run(
    options: &CheckOptions,
    runtime: &tokio::runtime::Runtime,
    loaded: Loaded,
    client: &reqwest::Client,
    target: &Target,
    baseline: Option<&Baseline>,
) -> Result<Option<Vec<CaseOutcome>>, CheckError> {
    let Loaded {
        catalogue,
        spec,
        cases,
    } = loaded;
    let mut outcomes = Vec::new();
    if options.suite {
        let suite = SuiteOptions {
            strict: options.strict,
            catalogue: Arc::new(catalogue.clone()),
            snapshots: options.snapshots.clone(),
            progress: options.progress && options.format == Format::Human,
            baseline: baseline.cloned().map(Arc::new),
        };
        let mut libtest = options.libtest.clone();
        if options.progress {
            // The binary prints its own line per case; libtest's lines would
            // say `ok` of a case that only warned, and repeat every failure.
            libtest.logfile = Some(NULL_DEVICE.to_owned());
        }
        let run = run_suite(
            &libtest,
            cases,
            client,
            target.clone(),
            spec,
            runtime.handle(),
            &suite,
        );
        if options.libtest.list {
            return Ok(None);
        }
        outcomes = run.outcomes;
    }
    if let Some(explore) = &options.explore {
        let pem = read_ca(options.ca_cert.as_deref())?;
        // Each worker its own connections; the CA file was read and
        // checked before, so building a client again cannot fail here.
        let make_client =
            || http_client_trusting(pem.as_deref()).unwrap_or_else(|_| client.clone());
        let explored = crate::explore::explore(target, &make_client, spec, &catalogue, explore)
            .map_err(CheckError::Explore)?;
        if options.format == Format::Human {
            report::explored::print(&explored, options.strict);
        }
        if let Some(why) = &explored.transport {
            return Err(CheckError::Unreachable {
                base_url: target.base_url.clone(),
                why: format!("it stopped answering while explored: {why}"),
            });
        }
        outcomes.extend(explored.outcomes());
    }
    if let Some(baseline) = baseline {
        // Marked in each trial already; again here for libtest's path.
        outcomes.iter_mut().for_each(|o| baseline.mark_known(o));
    }
    Ok(Some(outcomes))
}

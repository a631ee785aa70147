//! The end of a run: the baseline's accepted deviations, the one summary,
//! the terminal or JSON on stdout, the report files, and the exit code.

use std::path::Path;

use super::error::CheckError;
use super::options::{CheckExit, CheckOptions, Format};
use crate::baseline::Baseline;
use crate::case::RuleCatalogue;
use crate::report;
use crate::runner::CaseOutcome;
use crate::summary::{unverified, Summary};

/// Reports `outcomes` and picks the exit code.
pub(super) fn report(
    options: &CheckOptions,
    mut outcomes: Vec<CaseOutcome>,
    catalogue: &RuleCatalogue,
    base_url: &str,
    baseline: Option<&Baseline>,
) -> Result<CheckExit, CheckError> {
    // Before the baseline accepts any: what --write-baseline records.
    let unverified = unverified(&outcomes, catalogue);
    let fixed = match baseline {
        Some(baseline) => {
            baseline.accept_unverifiable(&mut outcomes, &unverified);
            baseline.fixed(&outcomes)
        }
        None => Vec::new(),
    };
    let summary = Summary::new(&outcomes, catalogue, options.strict, base_url);
    match options.format {
        Format::Human => {
            report::terminal::print_summary(&summary);
            if let Some(baseline) = baseline {
                report::terminal::print_baseline(baseline, &fixed, options.strict);
            }
        }
        Format::Json => println!("{}", report::json::render(&summary)),
    }
    let files = [
        (
            "JUnit",
            &options.report_junit,
            report::junit::render as fn(&Summary<'_>) -> String,
        ),
        ("JSON", &options.report_json, |s| {
            report::json::render(s) + "\n"
        }),
        ("HTML", &options.report_html, report::html::render),
    ];
    for (what, path, render) in files {
        if let Some(path) = path {
            write(what, path, &render(&summary))?;
        }
    }
    if let Some(path) = &options.write_baseline {
        write(
            "baseline",
            path,
            &Baseline::record(&outcomes, &unverified, base_url),
        )?;
    }
    if let Some(line) = options
        .snapshots
        .as_ref()
        .and_then(|config| config.tally.summary(config))
    {
        eprintln!("{line}");
    }
    let failed_fixed = options.strict && !fixed.is_empty();
    if summary.totals.failed > 0 || failed_fixed {
        return Ok(CheckExit::Deviations);
    }
    Ok(verdict_of_a_clean_run(&summary))
}

/// Writes one report file, making its folder.
fn write(what: &'static str, path: &Path, text: &str) -> Result<(), CheckError> {
    let failed = |source| CheckError::Report {
        what,
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

/// A run in which nothing failed is conformant only if it verified every
/// MUST rule it touched; one that verified no rule at all could not check
/// the target, and says so in one line.
fn verdict_of_a_clean_run(summary: &Summary<'_>) -> CheckExit {
    let (outcomes, base_url) = (summary.outcomes, summary.target);
    let verified_any = outcomes.iter().any(|o| {
        o.rule_checks
            .iter()
            .any(|c| c.verdict == crate::runner::Verdict::Pass)
    });
    if !verified_any {
        match outcomes.iter().find_map(|o| o.unevaluated()) {
            Some(why) => eprintln!(
                "error: no rule could be verified against {base_url}: not one case reached its checks (first: {why}); is it a PizzaStack server, and is its base URL right?"
            ),
            None => {
                let why = outcomes
                    .iter()
                    .find_map(|o| match &o.status {
                        crate::runner::CaseStatus::Skipped { reason } => {
                            Some(format!("{}: {reason}", o.id))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                eprintln!(
                    "error: no rule could be verified against {base_url}: every case selected was skipped (first: {why})"
                );
            }
        }
        return CheckExit::CouldNotRun;
    }
    let unverified = &summary.unverified;
    if unverified.is_empty() {
        return CheckExit::Conformant;
    }
    let ids: Vec<&str> = unverified.iter().map(|u| u.id.as_str()).collect();
    eprintln!(
        "error: {} MUST rule(s) not verified, so the run fails: {} (no case could evaluate them; give what their cases need, leave those cases out with --skip, or list the rules in a baseline as unverifiable)",
        ids.len(),
        ids.join(", ")
    );
    CheckExit::Unverified
}

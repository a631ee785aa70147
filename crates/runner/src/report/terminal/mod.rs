//! The readable report: each failure with the request that produced it and
//! expected against actual, then the per-rule verdicts and a closing line.
//! Progress lines while the run goes are `progress.rs`; a case in words is
//! `case.rs`.

mod case;
mod paint;
mod progress;

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

pub use case::render_case_failure;
use case::{informed_by_rule, render_case};
use paint::Paint;
pub use progress::{print_list, print_progress, print_waits};

use crate::case::Level;
use crate::runner::{CaseOutcome, CaseStatus};
use crate::summary::{CaseVerdict, MustCounts, RuleVerdict, Summary};

/// The whole summary: failures and warnings in full, cases that could not
/// be evaluated and skipped cases with their reasons, the rule table (with
/// the details that did not pass), and a closing line.
pub fn render_summary(summary: &Summary<'_>) -> String {
    render_painted(summary, Paint(false))
}

/// Prints the summary to stdout.
pub fn print_summary(summary: &Summary<'_>) {
    // Coloured; anstream drops the colours where stdout is not a terminal
    // (or NO_COLOR is set).
    anstream::print!("{}", render_painted(summary, Paint(true)));
}

fn render_painted(summary: &Summary<'_>, paint: Paint) -> String {
    let mut out = String::new();
    write_failures(&mut out, summary, paint);
    write_not_evaluated(&mut out, summary);
    write_rule_table(&mut out, summary, paint);
    write_unverified(&mut out, summary);
    write_closing(&mut out, summary, paint);
    out
}

/// The cases that did not pass, in full; MOCK ones told once per detail.
fn write_failures(out: &mut String, summary: &Summary<'_>, paint: Paint) {
    let outcomes = summary.outcomes;
    let strict = summary.strict;
    let failed: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.status == CaseStatus::Failed || o.fails_run(strict))
        .collect();
    let (informed, deviating): (Vec<&CaseOutcome>, Vec<&CaseOutcome>) = failed
        .iter()
        .partition(|outcome| CaseVerdict::of_failures(outcome, strict) == CaseVerdict::Info);
    if !deviating.is_empty() {
        let _ = writeln!(out, "\nDeviations from the contract:\n");
        for outcome in &deviating {
            let label = paint.label(CaseVerdict::of_failures(outcome, strict));
            let _ = writeln!(out, "{label} {}", render_case(outcome, true));
        }
    }
    if !informed.is_empty() {
        // Told once per detail, with one example: the exchanges are for
        // what a target must change.
        let _ = writeln!(
            out,
            "\nWhere the target decided differently from the mock on a point the docs leave open (information, never a failure):\n"
        );
        for (rule, cases, example) in informed_by_rule(&informed) {
            let _ = writeln!(
                out,
                "info {rule}: {} case(s): {}",
                cases.len(),
                cases.join(", ")
            );
            let _ = writeln!(out, "{example}");
        }
    }
}

/// The cases that stopped before their rules, and the skipped ones.
fn write_not_evaluated(out: &mut String, summary: &Summary<'_>) {
    let outcomes = summary.outcomes;
    let strict = summary.strict;
    let stopped: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.has_unevaluated_rules() && !o.fails_run(strict))
        .collect();
    if !stopped.is_empty() {
        let _ = writeln!(
            out,
            "\nCould not be evaluated (error: a step stopped the case first, so these rules are not verified):"
        );
        for outcome in stopped {
            if let Some(reason) = outcome.unevaluated() {
                let _ = writeln!(out, "  {}: {reason}", outcome.id);
            }
        }
    }
    let skipped: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| matches!(o.status, CaseStatus::Skipped { .. }))
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped:");
        for outcome in skipped {
            if let CaseStatus::Skipped { reason } = &outcome.status {
                let _ = writeln!(
                    out,
                    "  {} [{}]: {reason}",
                    outcome.id,
                    outcome.rules.join(", ")
                );
            }
        }
    }
}

/// The rule table, with the details that did not pass.
fn write_rule_table(out: &mut String, summary: &Summary<'_>, paint: Paint) {
    let _ = writeln!(out, "\nRules against {}:", summary.target);
    // Rules no case of this run covers (a filter, or a team's own cases)
    // are named together at the end rather than a row each.
    let mut uncovered = Vec::new();
    for rule in &summary.rules {
        if rule.verdict == RuleVerdict::NotCovered {
            if rule.parent.is_none() && rule.level != Level::Mock {
                uncovered.push(rule.id.as_str());
            }
            continue;
        }
        let shown = match &rule.parent {
            None => true,
            // Details are shown where they tell something: not met, or not evaluated.
            Some(_) => matches!(
                rule.verdict,
                RuleVerdict::Fail | RuleVerdict::Warn | RuleVerdict::Info | RuleVerdict::Error
            ),
        };
        if !shown {
            continue;
        }
        let detail = if !rule.failed_cases.is_empty() {
            format!("failed: {}", rule.failed_cases.join(", "))
        } else if !rule.error_cases.is_empty() {
            format!("not evaluated in: {}", rule.error_cases.join(", "))
        } else {
            format!("{} case(s)", rule.cases.len())
        };
        let indent = if rule.parent.is_some() { "    " } else { "  " };
        let verdict = paint.verdict(rule.verdict, &format!("{:<11}", rule.verdict.word()));
        let _ = writeln!(
            out,
            "{indent}{:<6} {:<9} {verdict} {detail}",
            rule.level.as_str(),
            rule.id,
        );
        if rule.verdict != RuleVerdict::Pass {
            if let Some(disagreement) = &rule.disagreement {
                let _ = writeln!(out, "{indent}       pages disagree: {disagreement}");
            } else if rule.parent.is_some() {
                if let Some(why) = &rule.why {
                    let _ = writeln!(out, "{indent}       why {}: {why}", rule.level.as_str());
                }
            }
        }
    }
    if !uncovered.is_empty() {
        let _ = writeln!(
            out,
            "  not covered by the cases run ({}): {}",
            uncovered.len(),
            uncovered.join(", ")
        );
    }
}

/// The MUST rules no case could evaluate.
fn write_unverified(out: &mut String, summary: &Summary<'_>) {
    let unverified = &summary.unverified;
    if !unverified.is_empty() {
        let _ = writeln!(
            out,
            "\nNot verified: no case could evaluate {} MUST rule(s), so the run fails unless a baseline lists them as unverifiable:",
            unverified.len()
        );
        for rule in unverified {
            let _ = writeln!(out, "  MUST   {:<9} {}", rule.id, rule.why);
        }
    }
}

/// The closing lines: the MUST counts and the case totals.
fn write_closing(out: &mut String, summary: &Summary<'_>, paint: Paint) {
    let t = summary.totals;
    let MustCounts {
        total: must_total,
        verified: must_held,
        not_evaluated: must_error,
    } = summary.must;
    let _ = writeln!(
        out,
        "\n{must_held} of {must_total} MUST rules verified, {must_error} could not be evaluated; {} case(s) with SHOULD warnings, {} with information on the mock's own decisions; {} case(s) left rules unevaluated",
        t.warnings, t.informed, t.errors
    );
    let failed = format!("{} failed", t.failed);
    let failed = if t.failed > 0 {
        paint.paint(
            Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            &failed,
        )
    } else {
        failed
    };
    let _ = writeln!(
        out,
        "conformance: {} passed, {failed}, {} skipped",
        t.passed, t.skipped
    );
}

/// What the baseline changed: the known deviations seen, and the ones that
/// now hold (fixed: take them out of the file).
pub fn print_baseline(
    baseline: &crate::baseline::Baseline,
    fixed: &[crate::baseline::Fixed],
    strict: bool,
) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nBaseline: {} known deviation(s) listed; they never fail the run.",
        baseline.known.len()
    );
    for entry in fixed {
        let _ = writeln!(
            out,
            "  fixed {}: now holds in {}; take it out of the baseline{}",
            entry.rule,
            entry.cases.join(", "),
            if strict {
                " (fails the run with --strict)"
            } else {
                ""
            }
        );
    }
    anstream::print!("{out}");
}

//! The readable report: each failure with the request that produced it and
//! expected against actual, then the per-rule verdicts and a closing line.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::{rule_results, totals, RuleVerdict};
use crate::case::{Level, RuleCatalogue};
use crate::runner::assert::{excerpt, printable};
use crate::runner::{CaseOutcome, CaseStatus, Check, Verdict};

/// One failed (or stopped) case in full: each step with a failure, its
/// request and response, and every unmet expectation with the rules it
/// counts against and where it is written.
pub fn render_case_failure(outcome: &CaseOutcome) -> String {
    render_case(outcome, true)
}

/// A case's failures, with each failing step's exchange when `exchanges`.
fn render_case(outcome: &CaseOutcome, exchanges: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} [{}] ({})",
        outcome.id,
        outcome.name,
        outcome.rules.join(", "),
        outcome.level.as_str()
    );
    for (index, step) in outcome.steps.iter().enumerate() {
        if step.failures.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  step {} \"{}\" at {}:{}:{}{}",
            index + 1,
            step.name,
            outcome.file,
            step.location.line,
            step.location.column,
            if step.blocked {
                " (stopped the case)"
            } else {
                ""
            }
        );
        if let (true, Some(request)) = (exchanges, &step.request) {
            let _ = writeln!(out, "    > {} {}", request.method, request.url);
            for (name, value) in request.shown_headers() {
                let _ = writeln!(out, "    > {name}: {value}");
            }
            if let Some(body) = &request.body {
                let _ = writeln!(out, "    > {}", excerpt(body));
            }
        }
        if let (true, Some(response)) = (exchanges, &step.response) {
            let _ = writeln!(out, "    < {}", response.status);
            // The headers that explain an answer: what it is, where it
            // points (a redirect), how long to wait.
            for name in ["content-type", "location", "retry-after"] {
                if let Some((_, value)) = response.headers.iter().find(|(n, _)| n == name) {
                    let _ = writeln!(out, "    < {name}: {}", printable(value));
                }
            }
            if !response.body.is_empty() {
                let _ = writeln!(out, "    < {}", excerpt(&response.body));
            }
        }
        for failure in &step.failures {
            let against = match failure.level {
                Some(level) => format!("{} {}", failure.rules.join(", "), level.as_str()),
                None => "setup: the rules after it could not be evaluated".to_owned(),
            };
            // A snapshot's diff is shown whole, a line at a time; any other
            // text from the target on one line, escaped.
            let actual = match failure.check {
                Check::Snapshot { .. } => failure
                    .actual
                    .lines()
                    .map(printable)
                    .collect::<Vec<_>>()
                    .join("\n          "),
                _ => printable(&failure.actual),
            };
            let _ = writeln!(
                out,
                "    ✗ {} [{against}] ({}:{}:{})\n        expected: {}\n        actual:   {actual}",
                failure.check,
                outcome.file,
                failure.location.line,
                failure.location.column,
                failure.expected,
            );
        }
    }
    out
}

/// The MOCK failures of `outcomes`, by the rule or detail they count
/// against: the cases, and the first failure in words.
fn informed_by_rule(outcomes: &[&CaseOutcome]) -> Vec<(String, Vec<String>, String)> {
    let mut grouped: Vec<(String, Vec<String>, String)> = Vec::new();
    for outcome in outcomes {
        for (step, failure) in outcome.failures() {
            for rule in &failure.rules {
                let entry = match grouped.iter_mut().position(|(r, _, _)| r == rule) {
                    Some(at) => &mut grouped[at],
                    None => {
                        let example = format!(
                            "    e.g. {} step \"{}\": {} ({}:{}:{})\n        expected: {}\n        actual:   {}",
                            outcome.id,
                            step.name,
                            failure.check,
                            outcome.file,
                            failure.location.line,
                            failure.location.column,
                            failure.expected,
                            excerpt(&failure.actual)
                        );
                        grouped.push((rule.clone(), Vec::new(), example));
                        grouped.last_mut().expect("just pushed")
                    }
                };
                if !entry.1.contains(&outcome.id) {
                    entry.1.push(outcome.id.clone());
                }
            }
        }
    }
    grouped.sort_by(|a, b| a.0.cmp(&b.0));
    grouped
}

/// The label of a failed case: FAIL when it fails the run, else the
/// level of its strictest failure (WARN for SHOULD, INFO for MOCK).
fn case_label(outcome: &CaseOutcome, strict: bool) -> &'static str {
    if outcome.fails_run(strict) {
        return "FAIL";
    }
    let worst = outcome
        .rule_checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.level)
        .max();
    match worst {
        Some(Level::Must | Level::Should) => "WARN",
        _ => "INFO",
    }
}

/// Colours for the words a reader scans for, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn paint(self, style: Style, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn verdict(self, verdict: RuleVerdict, padded: &str) -> String {
        let color = match verdict {
            RuleVerdict::Pass => AnsiColor::Green,
            RuleVerdict::Fail => AnsiColor::Red,
            RuleVerdict::Warn => AnsiColor::Yellow,
            RuleVerdict::Error => AnsiColor::Magenta,
            RuleVerdict::Info => AnsiColor::Cyan,
            RuleVerdict::Known => AnsiColor::Blue,
            RuleVerdict::Skipped | RuleVerdict::NotCovered => return padded.to_owned(),
        };
        let style = Style::new().fg_color(Some(color.into()));
        let style = if verdict == RuleVerdict::Fail {
            style.bold()
        } else {
            style
        };
        self.paint(style, padded)
    }

    fn label(self, label: &str) -> String {
        let color = match label {
            "FAIL" => AnsiColor::Red,
            "WARN" => AnsiColor::Yellow,
            _ => AnsiColor::Cyan,
        };
        self.paint(Style::new().fg_color(Some(color.into())).bold(), label)
    }
}

/// The whole summary: failures and warnings in full, cases that could not
/// be evaluated and skipped cases with their reasons, the rule table (with
/// the details that did not pass), and a closing line.
pub fn render_summary(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
) -> String {
    render_painted(outcomes, catalogue, strict, target, Paint(false))
}

fn render_painted(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
    paint: Paint,
) -> String {
    let mut out = String::new();
    let failed: Vec<&CaseOutcome> = outcomes
        .iter()
        .filter(|o| o.status == CaseStatus::Failed || o.fails_run(strict))
        .collect();
    let (informed, deviating): (Vec<&CaseOutcome>, Vec<&CaseOutcome>) = failed
        .iter()
        .partition(|outcome| case_label(outcome, strict) == "INFO");
    if !deviating.is_empty() {
        let _ = writeln!(out, "\nDeviations from the contract:\n");
        for outcome in &deviating {
            let label = paint.label(case_label(outcome, strict));
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
    let rules = rule_results(outcomes, catalogue, strict);
    let _ = writeln!(out, "\nRules against {target}:");
    // Rules no case of this run covers (a filter, or a team's own cases)
    // are named together at the end rather than a row each.
    let mut uncovered = Vec::new();
    for rule in &rules {
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
    let unverified = super::unverified(outcomes, catalogue);
    if !unverified.is_empty() {
        let _ = writeln!(
            out,
            "\nNot verified: no case could evaluate {} MUST rule(s), so the run fails unless a baseline lists them as unverifiable:",
            unverified.len()
        );
        for rule in &unverified {
            let _ = writeln!(out, "  MUST   {:<9} {}", rule.id, rule.why);
        }
    }
    let t = totals(outcomes, strict);
    let must_rules = rules
        .iter()
        .filter(|r| r.level == Level::Must && r.parent.is_none());
    let must_total = must_rules.clone().count();
    let must_held = must_rules
        .clone()
        .filter(|r| r.verdict == RuleVerdict::Pass)
        .count();
    let must_error = must_rules
        .filter(|r| r.verdict == RuleVerdict::Error)
        .count();
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
    out
}

/// Prints the summary to stdout.
pub fn print_summary(
    outcomes: &[CaseOutcome],
    catalogue: &RuleCatalogue,
    strict: bool,
    target: &str,
) {
    // Coloured; anstream drops the colours where stdout is not a terminal
    // (or NO_COLOR is set).
    anstream::print!(
        "{}",
        render_painted(outcomes, catalogue, strict, target, Paint(true))
    );
}

/// The word a case's progress line starts with: what it means for the run.
fn case_word(outcome: &CaseOutcome, strict: bool) -> &'static str {
    if outcome.fails_run(strict) {
        return "FAIL";
    }
    match &outcome.status {
        CaseStatus::Skipped { .. } => "skip",
        _ if outcome.has_unevaluated_rules() => "error",
        CaseStatus::Error { .. } => "error",
        CaseStatus::Failed => match case_label(outcome, strict) {
            "WARN" => "warn",
            _ => "info",
        },
        CaseStatus::Passed
            if outcome
                .rule_checks
                .iter()
                .any(|c| c.verdict == Verdict::Known) =>
        {
            "known"
        }
        CaseStatus::Passed => "pass",
    }
}

/// Whether a wait status line stands on the terminal, unfinished.
static STATUS_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What the run is waiting for, if anything: on a terminal one status
/// line redrawn in place (cleared before the next case line), elsewhere a
/// plain line each time this is called.
pub fn print_waits(waits: &[crate::runner::Wait], terminal: bool) {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;
    let Some(longest) = waits.first() else {
        if terminal && STATUS_SHOWN.swap(false, Ordering::Relaxed) {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
        return;
    };
    let elapsed = longest.started.elapsed().min(longest.length);
    let left = longest.length - elapsed;
    let left = humantime::format_duration(std::time::Duration::from_secs(left.as_secs()));
    let others = match waits.len() {
        1 => String::new(),
        n => format!(" (and {} other case(s))", n - 1),
    };
    let line = format!(
        "waiting for the target's TTL: {} \"{}\", {left} of {} left{others}",
        longest.case,
        longest.step,
        humantime::format_duration(std::time::Duration::from_secs(longest.length.as_secs()))
    );
    let mut stderr = std::io::stderr().lock();
    if terminal {
        const WIDTH: usize = 30;
        let done = (elapsed.as_secs_f64() / longest.length.as_secs_f64().max(1e-9) * WIDTH as f64)
            as usize;
        let bar = format!(
            "[{}{}]",
            "#".repeat(done.min(WIDTH)),
            " ".repeat(WIDTH - done.min(WIDTH))
        );
        let _ = write!(stderr, "\r\x1b[K{bar} {line}");
        STATUS_SHOWN.store(true, Ordering::Relaxed);
    } else {
        let _ = writeln!(stderr, "{line}");
    }
    let _ = stderr.flush();
}

/// One line for a case that has just ended, printed as it ends: its
/// verdict for the run, its ID and rules, and how long it took (why, for a
/// skipped case). The failures follow in the summary, once.
pub fn print_progress(outcome: &CaseOutcome, strict: bool, took: std::time::Duration) {
    let word = case_word(outcome, strict);
    let color = match word {
        "FAIL" => AnsiColor::Red,
        "warn" => AnsiColor::Yellow,
        "error" => AnsiColor::Magenta,
        "info" => AnsiColor::Cyan,
        "known" => AnsiColor::Blue,
        "pass" => AnsiColor::Green,
        _ => AnsiColor::White,
    };
    if STATUS_SHOWN.swap(false, std::sync::atomic::Ordering::Relaxed) {
        eprint!("\r\x1b[K");
    }
    let style = Style::new().fg_color(Some(color.into()));
    let style = if word == "FAIL" { style.bold() } else { style };
    let tail = match &outcome.status {
        CaseStatus::Skipped { reason } => format!(": {reason}"),
        _ => format!(" ({} ms)", took.as_millis()),
    };
    anstream::println!(
        "{style}{word:<5}{style:#} {} [{}]{tail}",
        outcome.id,
        outcome.rules.join(", ")
    );
}

/// The cases, one per line, with their rules and levels.
pub fn print_list(cases: &[crate::case::Case]) {
    for case in cases {
        println!(
            "{} [{}] ({}): {}",
            case.id(),
            case.rules.join(", "),
            case.level.as_str(),
            case.name
        );
    }
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

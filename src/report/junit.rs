//! `--report-junit PATH`: one testcase per case, the rule IDs in its name
//! and properties.

use std::path::Path;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::terminal::render_case_failure;
use crate::runner::harness::failure_counts;
use crate::runner::{CaseOutcome, CaseStatus};

/// The JUnit XML report as text.
pub fn render(outcomes: &[CaseOutcome], strict: bool, target: &str) -> String {
    let mut suite = TestSuite::new("pizzastack-conformance");
    suite.add_property(Property::new("target", target));
    suite.add_property(Property::new("strict", strict.to_string()));
    for outcome in outcomes {
        let status = match &outcome.status {
            CaseStatus::Passed => TestCaseStatus::success(),
            CaseStatus::Skipped { reason } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason.as_str());
                status
            }
            CaseStatus::Failed if failure_counts(outcome.level, strict) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = outcome.failures().next().map(|(_, f)| {
                    format!("{}: expected {}, got {}", f.check, f.expected, f.actual)
                });
                status.set_message(first.unwrap_or_else(|| "failed".to_owned()));
                status.set_type(format!("{} deviation", outcome.level.as_str()));
                status.set_description(render_case_failure(outcome));
                status
            }
            // Warnings pass in JUnit; the property and system-out say why.
            CaseStatus::Failed => TestCaseStatus::success(),
        };
        let name = format!("{} [{}]", outcome.id, outcome.rules.join(","));
        let mut case = TestCase::new(name, status);
        case.set_classname(outcome.id.split('/').next().unwrap_or("cases"));
        case.set_time(outcome.duration);
        case.add_property(Property::new("rules", outcome.rules.join(",")));
        case.add_property(Property::new("level", outcome.level.as_str()));
        if outcome.status == CaseStatus::Failed && !failure_counts(outcome.level, strict) {
            case.add_property(Property::new("verdict", "warning"));
            case.set_system_out(render_case_failure(outcome));
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("pizzastack check");
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

/// Writes the JUnit report.
///
/// # Errors
/// When the file cannot be written.
pub fn write(
    path: &Path,
    outcomes: &[CaseOutcome],
    strict: bool,
    target: &str,
) -> std::io::Result<()> {
    std::fs::write(path, render(outcomes, strict, target))
}

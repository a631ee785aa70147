//! `--report-junit PATH`: one testcase per case, the rule IDs in its name
//! and properties.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::terminal::render_case_failure;
use crate::runner::CaseStatus;
use crate::summary::{RuleVerdict, Summary};

/// The JUnit XML report as text: a suite of cases, and a suite of rules
/// (one testcase per rule and per detail that was checked), so that CI
/// shows both which case and which documented rule failed. A rule that
/// could not be evaluated is a JUnit `error`, not a `failure`.
pub fn render(summary: &Summary<'_>) -> String {
    let (outcomes, strict, target) = (summary.outcomes, summary.strict, summary.target);
    let mut suite = TestSuite::new("pizzastack-conformance");
    suite.add_property(Property::new("target", target));
    suite.add_property(Property::new("strict", strict.to_string()));
    for outcome in outcomes {
        let status = match &outcome.status {
            _ if outcome.fails_run(strict) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = outcome
                    .failures()
                    .find(|(_, f)| f.level.is_some())
                    .map(|(_, f)| {
                        format!(
                            "{} [{}]: expected {}, got {}",
                            f.check,
                            f.rules.join(", "),
                            f.expected,
                            f.actual
                        )
                    });
                status.set_message(first.unwrap_or_else(|| "failed".to_owned()));
                status.set_type("deviation");
                status.set_description(render_case_failure(outcome));
                status
            }
            CaseStatus::Passed => TestCaseStatus::success(),
            CaseStatus::Skipped { reason } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason.as_str());
                status
            }
            CaseStatus::Error { reason } => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(reason.as_str());
                status.set_type("not evaluated");
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
        if outcome.status == CaseStatus::Failed && !outcome.fails_run(strict) {
            case.add_property(Property::new("verdict", "warning"));
            case.set_system_out(render_case_failure(outcome));
        }
        suite.add_test_case(case);
    }
    let rules_suite = rules_suite(summary);
    let mut report = Report::new("pizzastack check");
    report.add_test_suite(suite);
    report.add_test_suite(rules_suite);
    report.to_string().unwrap_or_default()
}

/// A testcase per rule and detail a case checked.
fn rules_suite(summary: &Summary<'_>) -> TestSuite {
    let mut rules_suite = TestSuite::new("pizzastack-rules");
    for rule in &summary.rules {
        let status = match rule.verdict {
            RuleVerdict::NotCovered => continue,
            RuleVerdict::Pass | RuleVerdict::Warn | RuleVerdict::Info => TestCaseStatus::success(),
            RuleVerdict::Fail => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!("failed in {}", rule.failed_cases.join(", ")));
                status.set_type(format!("{} deviation", rule.level.as_str()));
                status
            }
            RuleVerdict::Error => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(format!(
                    "could not be evaluated in {}",
                    rule.error_cases.join(", ")
                ));
                status.set_type("not evaluated");
                status
            }
            RuleVerdict::Skipped | RuleVerdict::Known => TestCaseStatus::skipped(),
        };
        let mut case = TestCase::new(rule.id.clone(), status);
        case.set_classname(rule.parent.clone().unwrap_or_else(|| "rules".to_owned()));
        case.add_property(Property::new("level", rule.level.as_str()));
        case.add_property(Property::new("verdict", rule.verdict.word()));
        case.add_property(Property::new("cases", rule.cases.join(",")));
        for source in &rule.sources {
            case.add_property(Property::new("source", source.as_str()));
        }
        if let Some(why) = rule.disagreement.as_ref().or(rule.why.as_ref()) {
            case.add_property(Property::new("why", why.as_str()));
        }
        rules_suite.add_test_case(case);
    }
    rules_suite
}

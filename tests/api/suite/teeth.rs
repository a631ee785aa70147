//! The suite's teeth: every documented rule the mock switches off on
//! purpose (`serve --deviate RULE`) must make at least one case citing that
//! rule fail, while with no deviation every case passes. Prints the kill
//! rate.

use pizzastack::case::{Level, RuleCatalogue};
use pizzastack::config::ServeConfig;
use pizzastack::report::coverage::coverage;
use pizzastack::runner::{run_case, CaseStatus, Target, Verdict};
use pizzastack::server::{Deviation, Switch as _};
use pizzastack::spec::Spec;

use crate::helpers::*;

async fn mock_deviating_from(rules: &[&str]) -> Target {
    suite_target(ServeConfig {
        deviations: rules.iter().map(|r| (*r).to_owned()).collect(),
        ..ServeConfig::default()
    })
    .await
}

#[test]
fn every_rule_cites_the_docs_and_has_a_case_every_example_is_sent_and_every_status_exercised() {
    let coverage = coverage(
        &suite(),
        &RuleCatalogue::embedded(),
        Spec::embedded().unwrap(),
    );
    assert!(
        coverage.uncovered_rules().is_empty(),
        "rules without a case: {:?}",
        coverage.uncovered_rules()
    );
    assert!(
        coverage.unsourced_rules().is_empty(),
        "MUST or SHOULD rules without a docs source: {:?}",
        coverage.unsourced_rules()
    );
    assert!(
        coverage.unsent_examples().is_empty(),
        "documented examples no case sends: {:?}",
        coverage.unsent_examples()
    );
    assert!(
        coverage.unexercised_responses().is_empty(),
        "documented responses no case expects: {:?}",
        coverage.unexercised_responses()
    );
}

#[test]
fn every_must_and_should_rule_can_be_switched_off_in_the_mock() {
    let missing: Vec<String> = RuleCatalogue::embedded()
        .iter()
        .filter(|rule| rule.level != Level::Mock)
        .filter(|rule| !Deviation::ALL.iter().any(|d| d.name() == rule.id))
        .map(|rule| rule.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules the mock cannot deviate from: {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_suite_passes_against_the_mock_with_no_deviation() {
    let target = mock_deviating_from(&[]).await;
    let client = pizzastack::runner::http_client().unwrap();
    for case in suite() {
        let outcome = run_case(
            &client,
            &target,
            &case,
            Spec::embedded().unwrap(),
            &RuleCatalogue::embedded(),
        )
        .await;
        assert_eq!(
            outcome.status,
            CaseStatus::Passed,
            "{}: {:#?}",
            case.id(),
            outcome.steps.last()
        );
    }
}

/// A switched-off rule is caught when an expectation attributed to it (or
/// to one of its details) fails at the rule's own level in a case citing
/// it: a MUST rule must be caught by a MUST failure. A MOCK or SHOULD
/// detail failing, or the rule merely not being evaluated, does not count.
/// A switch for one path of a rule (`QLT-001/simmer-again`) is held to the
/// detail of that name if the catalogue has one, else to the rule.
#[tokio::test(flavor = "multi_thread")]
async fn every_rule_switched_off_makes_a_case_citing_it_fail() {
    let (caught, missed) =
        deviations_caught(|rule| async move { (mock_deviating_from(&[rule.as_str()]).await, ()) })
            .await;
    let total = Deviation::ALL.len();
    println!("{}", caught.join("\n"));
    println!(
        "kill rate: {}/{total} rule switches caught ({:.0}%)",
        caught.len(),
        100.0 * caught.len() as f64 / total as f64
    );
    assert!(
        missed.is_empty(),
        "deviations no case noticed:\n{}",
        missed.join("\n")
    );
}

/// The deviations no case noticed, each against a target that `start`
/// makes deviate from that one rule (and keeps alive with its guard).
pub async fn deviations_missed<F, Fut, G>(start: F) -> Vec<String>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Target, G)>,
{
    deviations_caught(start).await.1
}

/// For every deviation: which cases caught it, or that none did.
async fn deviations_caught<F, Fut, G>(mut start: F) -> (Vec<String>, Vec<String>)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = (Target, G)>,
{
    let cases = suite();
    let catalogue = RuleCatalogue::embedded();
    let client = pizzastack::runner::http_client().unwrap();
    let mut caught = Vec::new();
    let mut missed = Vec::new();
    for (switch, effect) in Deviation::ALL.iter().map(|d| (d.name(), d.effect())) {
        let rule = catalogue
            .get(switch)
            .or_else(|| catalogue.get(switch.split('/').next().unwrap_or(switch)))
            .unwrap_or_else(|| panic!("the switch {switch} names no rule"));
        let (target, _running) = start(switch.to_owned()).await;
        let mut failing = Vec::new();
        let citing = cases.iter().filter(|c| {
            c.rules.contains(&rule.id)
                || c.steps
                    .iter()
                    .any(|s| s.attributed().contains(rule.id.as_str()))
        });
        for case in citing {
            let outcome = run_case(
                &client,
                &target,
                case,
                Spec::embedded().unwrap(),
                &catalogue,
            )
            .await;
            if let CaseStatus::Skipped { reason } = &outcome.status {
                panic!("{} was skipped: {reason}", case.id());
            }
            let hit = outcome.rule_checks.iter().any(|check| {
                check.verdict == Verdict::Fail
                    && check.level >= rule.level
                    && (check.id == rule.id
                        || catalogue
                            .get(&check.id)
                            .is_some_and(|r| r.rule_id() == rule.id))
            });
            if hit {
                failing.push(case.id().to_owned());
            }
        }
        if failing.is_empty() {
            missed.push(format!("{switch} ({effect})"));
        } else {
            caught.push(format!("{switch}: caught by {}", failing.join(", ")));
        }
    }
    (caught, missed)
}

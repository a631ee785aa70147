//! `--report-html PATH`: one self-contained page (no external assets, works
//! offline) for a reader who was not at the terminal: the verdict, the
//! per-rule table with levels and the docs' sources, and each case that did
//! not pass with its failures, where they are written and the exchange that
//! produced them; filterable by verdict. Every text from a target or a case
//! file is escaped by maud.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::runner::assert::printable;
use crate::runner::{CaseOutcome, CaseStatus, Verdict};
use crate::summary::{RuleResult, RuleVerdict, Summary};

/// The page as text.
pub fn render(summary: &Summary<'_>) -> String {
    let (totals, rules, outcomes) = (summary.totals, summary.rules.as_slice(), summary.outcomes);
    let (strict, target) = (summary.strict, summary.target);
    let verdicts = [
        RuleVerdict::Fail,
        RuleVerdict::Warn,
        RuleVerdict::Error,
        RuleVerdict::Known,
        RuleVerdict::Info,
        RuleVerdict::Pass,
        RuleVerdict::Skipped,
        RuleVerdict::NotCovered,
    ];
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "PizzaStack conformance: " (target) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "PizzaStack conformance" }
                    p.target { "Target: " code { (target) } (if strict { " (--strict)" } else { "" }) }
                    p #verdict .{ "verdict " (if totals.failed == 0 { "held" } else { "failed" }) } {
                        @if totals.failed == 0 {
                            "No case fails the run."
                        } @else {
                            (totals.failed) " case(s) fail the run."
                        }
                        " " (totals.passed) " passed, " (totals.failed) " failed, "
                        (totals.skipped) " skipped, " (totals.errors) " left rules unevaluated."
                    }
                }
                section #rules {
                    h2 { "Rules" }
                    fieldset #filter {
                        legend { "Show verdicts" }
                        @for verdict in verdicts {
                            label {
                                input type="checkbox" checked data-verdict=(verdict.word());
                                " " (verdict.word()) " (" (count(rules, verdict)) ")"
                            }
                        }
                    }
                    table {
                        thead { tr { th { "Level" } th { "Rule" } th { "Verdict" } th { "What it says" } th { "Cases" } } }
                        tbody {
                            @for rule in rules {
                                (rule_row(rule))
                            }
                        }
                    }
                }
                section #cases {
                    h2 { "Cases that did not pass" }
                    @for outcome in outcomes.iter().filter(|o| !matches!(o.status, CaseStatus::Passed) || o.rule_checks.iter().any(|c| c.verdict == Verdict::Known)) {
                        (case_block(outcome))
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page.into_string()
}

fn count(rules: &[RuleResult], verdict: RuleVerdict) -> usize {
    rules.iter().filter(|r| r.verdict == verdict).count()
}

fn rule_row(rule: &RuleResult) -> Markup {
    let cases = if !rule.failed_cases.is_empty() {
        format!("failed: {}", rule.failed_cases.join(", "))
    } else if !rule.error_cases.is_empty() {
        format!("not evaluated in: {}", rule.error_cases.join(", "))
    } else {
        format!("{} case(s)", rule.cases.len())
    };
    html! {
        tr.rule data-verdict=(rule.verdict.word()) .detail[rule.parent.is_some()] {
            td.level { (rule.level.as_str()) }
            td.id { code { (rule.id) } }
            td.verdict { span.{ "v-" (rule.verdict.word().replace(' ', "-")) } { (rule.verdict.word()) } }
            td {
                (rule.summary)
                @if !rule.sources.is_empty() {
                    ul.sources { @for source in &rule.sources { li { (source) } } }
                }
                @if let Some(disagreement) = &rule.disagreement {
                    p.note { "Pages disagree: " (disagreement) }
                }
                @if let Some(why) = &rule.why {
                    p.note { "Why " (rule.level.as_str()) ": " (why) }
                }
            }
            td.cases { (cases) }
        }
    }
}

fn case_block(outcome: &CaseOutcome) -> Markup {
    html! {
        article.case data-case=(outcome.id) {
            h3 { code { (outcome.id) } " — " (outcome.name) }
            p.meta { "Rules: " (outcome.rules.join(", ")) " · file " code { (outcome.file) } }
            @if let Some(reason) = outcome.unevaluated() {
                p.note { (reason) }
            }
            @if let CaseStatus::Skipped { reason } = &outcome.status {
                p.note { "Skipped: " (reason) }
            }
            @for (index, step) in outcome.steps.iter().enumerate() {
                @if !step.failures.is_empty() {
                    div.step {
                        h4 { "Step " (index + 1) " “" (step.name) "” at " code { (outcome.file) ":" (step.location.line) ":" (step.location.column) } }
                        @for failure in &step.failures {
                            div.failure {
                                p {
                                    strong { (failure.check.to_string()) }
                                    " ["
                                    @if failure.rules.is_empty() { "setup" } @else { (failure.rules.join(", ")) }
                                    "] at " code { (outcome.file) ":" (failure.location.line) ":" (failure.location.column) }
                                }
                                dl {
                                    dt { "expected" } dd { code { (failure.expected) } }
                                    dt { "actual" } dd { code { (printable(&failure.actual)) } }
                                }
                            }
                        }
                        @if let Some(request) = &step.request {
                            details {
                                summary { "Exchange" }
                                pre {
                                    "> " (request.method) " " (request.url) "\n"
                                    @for (name, value) in request.shown_headers() { "> " (name) ": " (value) "\n" }
                                    @if let Some(body) = &request.body { "> " (body) "\n" }
                                    @if let Some(response) = &step.response {
                                        "< " (response.status) "\n"
                                        @for (name, value) in &response.headers { "< " (name) ": " (printable(value)) "\n" }
                                        "< " (printable(&response.body))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
tr.detail td.id { padding-left: 1.5rem; }
.v-FAIL { color: #b00; font-weight: bold; } .v-WARN { color: #a60; } .v-error { color: #808; }
.v-info { color: #077; } .v-pass { color: #070; } .v-known { color: #22a; }
#verdict.held { color: #070; } #verdict.failed { color: #b00; font-weight: bold; }
.sources { margin: 0.2rem 0 0 1rem; font-size: 0.85em; color: #555; }
.note { font-size: 0.9em; color: #555; }
.case { border-left: 4px solid #ccc; padding-left: 1rem; margin: 1rem 0; }
fieldset label { margin-right: 1rem; }
"#;

const SCRIPT: &str = r#"
// The verdicts hidden are kept in the address (#hide=pass,known), so a
// filtered view can be shared as a link and survives a reload.
var boxes = document.querySelectorAll('#filter input');
function apply() {
  var hidden = [];
  boxes.forEach(function (box) {
    if (!box.checked) hidden.push(box.dataset.verdict);
    document.querySelectorAll('tr.rule[data-verdict="' + box.dataset.verdict + '"]').forEach(function (row) {
      row.hidden = !box.checked;
    });
  });
  return hidden;
}
var asked = /^#hide=(.*)$/.exec(location.hash);
if (asked) {
  var hide = decodeURIComponent(asked[1]).split(',');
  boxes.forEach(function (box) { box.checked = hide.indexOf(box.dataset.verdict) < 0; });
  apply();
}
boxes.forEach(function (box) {
  box.addEventListener('change', function () {
    var hidden = apply();
    history.replaceState(null, '', hidden.length ? '#hide=' + hidden.join(',') : location.pathname);
  });
});
"#;

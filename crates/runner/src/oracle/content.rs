//! What a creation's answer must say given what it was made of: the
//! echoes of ACQ-001 and BAS-001, SIM-002's degradation by a raw tomato,
//! QLT-001's sticky degradation, QLT-002's ranges, QLT-003's lowered
//! sub-scores against the other pizzas of the same base, TST-001's asked-for
//! parts, CMP-001's order.

use serde_json::{json, Value};

use super::whose::{own_kinds, Whose};
use super::{Findings, Shadow};
use crate::case::ValueCheck;
use pizzastack_spec::ids::ObjectKind;

/// The four sub-scores of `quality_metrics` besides `overall_score`.
const SUB_SCORES: [&str; 4] = [
    "crust_crispness",
    "cheese_melt",
    "topping_distribution",
    "sauce_integration",
];

/// The answer repeats these request fields (ACQ-001, BAS-001).
pub(super) fn echo(out: &mut Findings<'_, '_>, fields: &[&str], rule: &'static str) {
    let Some(request) = out.exchange.request else {
        return;
    };
    for field in fields {
        if let Some(sent) = request.get(*field) {
            out.body(rule, &format!("/{field}"), ValueCheck::Equals(sent.clone()));
        }
    }
}

fn quality(out: &Findings<'_, '_>, field: &str) -> Option<bool> {
    match out.exchange.answer?.get(field)?.as_str()? {
        "degraded" => Some(true),
        "optimal" => Some(false),
        _ => None,
    }
}

/// SIM-002 (a raw tomato degrades, sliced ones do not) and QLT-001 (a
/// degraded sauce simmered again stays degraded).
pub(super) fn sauce(out: &mut Findings<'_, '_>, whose: &[(String, Whose)], shadow: &mut Shadow) {
    let kinds = own_kinds(whose);
    let degraded_input = whose.iter().any(|(id, _)| {
        out.oracle
            .objects
            .get(id)
            .is_some_and(|o| o.degraded == Some(true))
    });
    let equals = |text: &str| ValueCheck::Equals(Value::String(text.to_owned()));
    if kinds.contains(&ObjectKind::Raw) {
        out.body("SIM-002", "/sauce_quality", equals("degraded"));
        out.body("SIM-002", "/degradation_reason", equals("raw_ingredient"));
    } else if !kinds.is_empty() && kinds.iter().all(|k| *k == ObjectKind::Sliced) {
        out.body("SIM-002", "/sauce_quality", equals("optimal"));
    }
    if degraded_input {
        out.body("QLT-001", "/sauce_quality", equals("degraded"));
    }
    shadow.degraded = quality(out, "sauce_quality");
    shadow.correct = !kinds.is_empty()
        && kinds.iter().all(|k| *k == ObjectKind::Sliced)
        && shadow.degraded == Some(false);
}

/// QLT-001: a degraded sauce degrades the pizza; a degraded topping too
/// (a MOCK detail: how toppings name objects is not documented).
pub(super) fn assembled(
    out: &mut Findings<'_, '_>,
    whose: &[(String, Whose)],
    shadow: &mut Shadow,
) {
    let request = out.exchange.request;
    let field = |name: &str| {
        request
            .and_then(|r| r.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (base, sauce) = (field("base_id"), field("sauce_id"));
    let sauce_shadow = sauce.as_deref().and_then(|s| out.oracle.objects.get(s));
    let sauce_degraded = sauce_shadow.and_then(|s| s.degraded);
    let sauce_correct = sauce_shadow.is_some_and(|s| s.correct);
    let equals = ValueCheck::Equals(Value::String("degraded".to_owned()));
    if sauce_degraded == Some(true) {
        out.body("QLT-001", "/assembly_quality", equals.clone());
    }
    let topping_ids: Vec<&str> = whose
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| Some(*id) != base.as_deref() && Some(*id) != sauce.as_deref())
        .collect();
    let degraded_topping = topping_ids.iter().any(|id| {
        out.oracle
            .objects
            .get(*id)
            .is_some_and(|o| o.degraded == Some(true))
    });
    if degraded_topping {
        out.body("QLT-001/through-toppings", "/assembly_quality", equals);
    }
    let toppings_by_name = request
        .and_then(|r| r.get("toppings"))
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().all(|t| t.is_string() || t.get("id").is_none()));
    shadow.degraded = quality(out, "assembly_quality");
    shadow.correct = sauce_correct && toppings_by_name && shadow.degraded == Some(false);
    shadow.sauce_degraded = sauce_degraded;
    shadow.base = base;
}

/// QLT-002's ranges and QLT-003's lowered sub-scores, against the other
/// pizzas baked on the same base.
pub(super) fn baked(out: &mut Findings<'_, '_>, pizza: Option<&str>) {
    let Some(pizza) = pizza.and_then(|p| out.oracle.objects.get(p)).cloned() else {
        return;
    };
    let degraded = pizza.sauce_degraded == Some(true);
    if !degraded && !pizza.correct {
        return;
    }
    let (min, max) = if degraded { (0.35, 0.50) } else { (0.90, 0.98) };
    out.body(
        "QLT-002",
        "/quality_metrics/overall_score",
        ValueCheck::Range {
            min: Some(min),
            max: Some(max),
        },
    );
    let Some(base) = pizza.base else {
        return;
    };
    let request = out.exchange.request;
    let setting = |name: &str| {
        request
            .and_then(|r| r.get(name))
            .map(Value::to_string)
            .unwrap_or_default()
    };
    let twins_key = format!("{base} {} {}", setting("temperature"), setting("duration"));
    let scores: Option<Vec<f64>> = SUB_SCORES
        .iter()
        .map(|s| {
            out.exchange
                .answer?
                .get("quality_metrics")?
                .get(*s)?
                .as_f64()
        })
        .collect();
    let Some(scores) = scores else {
        return;
    };
    let scores = [scores[0], scores[1], scores[2], scores[3]];
    let twins = out.oracle.twins.entry(twins_key.clone()).or_default();
    let others = if degraded {
        twins.correct.clone()
    } else {
        twins.degraded.clone()
    };
    let number = out.number;
    let mine: &mut Vec<(usize, [f64; 4])> = if degraded {
        &mut twins.degraded
    } else {
        &mut twins.correct
    };
    mine.push((number, scores));
    if others.is_empty() {
        return;
    }
    for (i, name) in SUB_SCORES.iter().enumerate() {
        let pointer = format!("/quality_metrics/{name}");
        let bound = Value::Array(others.iter().map(|(_, s)| json!(s[i])).collect());
        let from = others.iter().map(|(n, _)| (*n, pointer.clone())).collect();
        let check = if degraded {
            ValueCheck::LessThan(bound)
        } else {
            ValueCheck::GreaterThan(bound)
        };
        out.body_from("QLT-003", &pointer, check, from);
    }
}

/// TST-001: aroma and texture come only when asked for.
pub(super) fn analysis(out: &mut Findings<'_, '_>) {
    let request = out.exchange.request;
    for (flag, field) in [("include_aroma", "/aroma"), ("include_texture", "/texture")] {
        let asked = request
            .and_then(|r| r.get(flag))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let check = if asked {
            ValueCheck::Exists
        } else {
            ValueCheck::Absent
        };
        out.body("TST-001", field, check);
    }
}

/// CMP-001: every metric's ranking is best first.
pub(super) fn comparison(out: &mut Findings<'_, '_>) {
    let metrics: Vec<String> = out
        .exchange
        .answer
        .and_then(|a| a.get("rankings"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for metric in metrics {
        let pointer = format!("/rankings/{}", metric.replace('~', "~0").replace('/', "~1"));
        out.body(
            "CMP-001",
            &pointer,
            ValueCheck::Sorted {
                by: "/score".to_owned(),
                descending: true,
            },
        );
    }
}

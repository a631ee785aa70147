//! The oracle on hand-written exchanges: each verdict both ways.

use serde_json::{json, Value};

use super::*;

fn oracle() -> Oracle {
    Oracle::new(
        Spec::embedded().expect("the embedded specs load"),
        std::sync::Arc::new(RuleCatalogue::embedded()),
        OracleConfig {
            valid_keys: vec!["key".to_owned(), "other".to_owned()],
            other_keys_invalid: true,
        },
    )
}

struct Ask<'a> {
    path: &'a str,
    key: Option<&'a str>,
    session: Option<&'a str>,
    body: Option<Value>,
}

fn post<'a>(path: &'a str, session: &'a str, body: Value) -> Ask<'a> {
    Ask {
        path,
        key: Some("key"),
        session: Some(session),
        body: Some(body),
    }
}

fn get<'a>(path: &'a str, session: &'a str) -> Ask<'a> {
    Ask {
        path,
        key: Some("key"),
        session: Some(session),
        body: None,
    }
}

fn log(session: &str) -> String {
    format!("/v1/session/{session}/log")
}

fn observe(oracle: &mut Oracle, ask: &Ask<'_>, status: u16, answer: Value) -> Vec<Finding> {
    let method = if ask.body.is_some() { "POST" } else { "GET" };
    oracle.observe(&Exchange {
        method,
        path: ask.path,
        api_key: ask.key,
        session: ask.session,
        request: ask.body.as_ref(),
        status,
        content_type: Some("application/json"),
        answer: Some(&answer),
    })
}

fn failed(findings: &[Finding]) -> Vec<&'static str> {
    findings
        .iter()
        .filter(|f| !f.passed && f.level != Level::Mock)
        .map(|f| f.rule)
        .collect()
}

fn tomato(id: &str) -> Value {
    json!({"id": id, "variety": "Roma", "ripeness": 0.5, "weight": 100, "type": "raw", "properties": {}})
}

fn acquire(oracle: &mut Oracle, session: &str, id: &str) -> Vec<Finding> {
    let ask = post(
        "/v1/tomato/acquire",
        session,
        json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
    );
    observe(oracle, &ask, 200, tomato(id))
}

const FOREIGN: &str = "Object not found in session";

#[test]
fn an_id_of_another_session_must_be_refused_with_the_quoted_text() {
    let mut o = oracle();
    assert_eq!(
        failed(&acquire(&mut o, "a", "tom_aaaaaaaaaaaa")),
        Vec::<&str>::new()
    );
    let slice = json!({"tomato_ids": ["tom_aaaaaaaaaaaa"], "method": "dice", "size": "medium", "consistency": "uniform"});
    let refused = observe(
        &mut o,
        &post("/v1/tomato/slice", "b", slice.clone()),
        400,
        json!({"error": FOREIGN}),
    );
    assert!(failed(&refused).is_empty(), "{refused:?}");
    assert!(refused.iter().any(|f| f.rule == "SESS-005" && f.passed));
    let worded = observe(
        &mut o,
        &post("/v1/tomato/slice", "b", slice.clone()),
        400,
        json!({"error": "nope"}),
    );
    assert_eq!(failed(&worded), ["SESS-005"]);
    let accepted = observe(
        &mut o,
        &post("/v1/tomato/slice", "c", slice),
        200,
        json!({"id": "slc_bbbbbbbbbbbb"}),
    );
    assert_eq!(failed(&accepted), ["SESS-005"]);
}

#[test]
fn another_keys_session_of_the_same_id_is_not_judged() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    let slice = json!({"tomato_ids": ["tom_aaaaaaaaaaaa"], "method": "dice", "size": "medium", "consistency": "uniform"});
    let mut ask = post("/v1/tomato/slice", "a", slice);
    ask.key = Some("other");
    let shared = observe(
        &mut o,
        &ask,
        200,
        json!({"id": "slc_bbbbbbbbbbbb", "type": "sliced"}),
    );
    assert!(!failed(&shared).contains(&"SESS-005"), "{shared:?}");
}

#[test]
fn a_missing_or_slightly_wrong_key_must_be_a_401() {
    let mut o = oracle();
    for key in [None, Some("Key"), Some("ke")] {
        let mut ask = post(
            "/v1/pizza/base",
            "a",
            json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
        );
        ask.key = key;
        assert!(failed(&observe(&mut o, &ask, 401, json!({"error": "x"}))).is_empty());
        assert_eq!(
            failed(&observe(
                &mut o,
                &ask,
                200,
                json!({"id": "bas_aaaaaaaaaaaa"})
            )),
            ["AUTH-001"]
        );
    }
}

#[test]
fn the_log_lists_every_object_of_the_session_and_only_those() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    acquire(&mut o, "a", "tom_bbbbbbbbbbbb");
    let path = log("a");
    let ask = get(&path, "a");
    let entry = |id: &str| json!({"id": id, "type": "raw"});
    let op = |id: &str| json!({"timestamp": "2026-01-01T00:00:00Z", "endpoint": "/v1/tomato/acquire", "result_id": id});
    let whole = json!({"session_id": "a", "objects": [entry("tom_aaaaaaaaaaaa"), entry("tom_bbbbbbbbbbbb")],
                       "operations": [op("tom_aaaaaaaaaaaa"), op("tom_bbbbbbbbbbbb")]});
    let held = observe(&mut o, &ask, 200, whole);
    assert!(
        failed(&held).is_empty(),
        "{:?}",
        held.iter().filter(|f| !f.passed).collect::<Vec<_>>()
    );
    let short = json!({"session_id": "a", "objects": [entry("tom_aaaaaaaaaaaa")], "operations": [op("tom_aaaaaaaaaaaa")]});
    assert!(failed(&observe(&mut o, &ask, 200, short)).contains(&"LOG-001"));
    let extra = json!({"session_id": "a", "objects": [entry("tom_aaaaaaaaaaaa"), entry("tom_bbbbbbbbbbbb"), entry("tom_cccccccccccc")],
                       "operations": [op("tom_aaaaaaaaaaaa"), op("tom_bbbbbbbbbbbb"), op("tom_cccccccccccc")]});
    assert!(failed(&observe(&mut o, &ask, 200, extra)).contains(&"LOG-001"));
    let swapped = json!({"session_id": "a", "objects": [entry("tom_bbbbbbbbbbbb"), entry("tom_aaaaaaaaaaaa")],
                         "operations": [op("tom_bbbbbbbbbbbb"), op("tom_aaaaaaaaaaaa")]});
    assert_eq!(
        failed(&observe(&mut o, &ask, 200, swapped)).first(),
        Some(&"LOG-001/order")
    );
    let never = log("never");
    let unknown = Ask {
        path: &never,
        ..ask
    };
    assert_eq!(
        failed(&observe(&mut o, &unknown, 200, json!({"objects": []}))),
        ["LOG-002"]
    );
}

#[test]
fn after_expiry_the_log_is_404_until_the_id_is_used_again() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    o.sessions_expired();
    let path = log("a");
    let ask = get(&path, "a");
    assert_eq!(
        failed(&observe(&mut o, &ask, 200, json!({"objects": []}))),
        ["SESS-006"]
    );
    let slice = json!({"tomato_ids": ["tom_aaaaaaaaaaaa"], "method": "dice", "size": "medium", "consistency": "uniform"});
    let accepted = observe(
        &mut o,
        &post("/v1/tomato/slice", "a", slice.clone()),
        200,
        json!({"id": "slc_cccccccccccc"}),
    );
    assert_eq!(failed(&accepted).first(), Some(&"SESS-006"));
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    o.sessions_expired();
    let refused = observe(
        &mut o,
        &post("/v1/tomato/slice", "a", slice),
        404,
        json!({"error": "Session has expired"}),
    );
    assert!(failed(&refused).is_empty(), "{refused:?}");
    // The ID was used again: a new session, whatever its log says now.
    assert!(failed(&observe(&mut o, &ask, 200, json!({"objects": []}))).is_empty());
}

#[test]
fn a_raw_tomato_degrades_the_sauce_and_the_pizza_made_with_it() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    let simmer = json!({"ingredients": [{"id": "tom_aaaaaaaaaaaa", "name": "t", "amount": 1, "unit": "g"}], "temperature": 100, "duration": "30m"});
    let optimal = observe(
        &mut o,
        &post("/v1/cook/simmer", "a", simmer.clone()),
        200,
        json!({"id": "sce_aaaaaaaaaaaa", "type": "sauce", "sauce_quality": "optimal"}),
    );
    assert!(failed(&optimal).contains(&"SIM-002"));
    let degraded = observe(
        &mut o,
        &post("/v1/cook/simmer", "a", simmer),
        200,
        json!({"id": "sce_bbbbbbbbbbbb", "type": "sauce", "sauce_quality": "degraded", "degradation_reason": "raw_ingredient"}),
    );
    assert!(!failed(&degraded).contains(&"SIM-002"), "{degraded:?}");
    observe(
        &mut o,
        &post(
            "/v1/pizza/base",
            "a",
            json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
        ),
        200,
        json!({"id": "bas_aaaaaaaaaaaa", "type": "base", "thickness": "thin", "size": "10inch", "style": "roman", "hydration": 0.6}),
    );
    let assemble = json!({"base_id": "bas_aaaaaaaaaaaa", "sauce_id": "sce_bbbbbbbbbbbb", "toppings": ["basil"]});
    let pizza = observe(
        &mut o,
        &post("/v1/pizza/assemble", "a", assemble),
        200,
        json!({"id": "pza_aaaaaaaaaaaa", "type": "assembled", "assembly_quality": "optimal"}),
    );
    assert!(failed(&pizza).contains(&"QLT-001"), "{pizza:?}");
}

#[test]
fn after_expiry_a_request_in_the_session_may_be_refused() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    o.sessions_expired();
    let ask = post(
        "/v1/tomato/acquire",
        "a",
        json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
    );
    let refused = observe(&mut o, &ask, 404, json!({"error": "Session has expired"}));
    assert!(failed(&refused).is_empty(), "{refused:?}");
    let again = observe(&mut o, &ask, 404, json!({"error": "Session has expired"}));
    assert!(failed(&again).is_empty(), "{again:?}");
}

#[test]
fn an_assembled_pizza_logged_without_type_fails_its_own_rule_not_the_logs() {
    let mut o = oracle();
    acquire(&mut o, "a", "tom_aaaaaaaaaaaa");
    let simmer = json!({"ingredients": [{"id": "tom_aaaaaaaaaaaa", "name": "t", "amount": 1, "unit": "g"}], "temperature": 100, "duration": "30m"});
    let sauce = json!({"id": "sce_aaaaaaaaaaaa", "type": "sauce", "sauce_quality": "degraded", "degradation_reason": "raw_ingredient"});
    observe(&mut o, &post("/v1/cook/simmer", "a", simmer), 200, sauce);
    let base = json!({"thickness": "thin", "size": "10inch", "style": "roman"});
    let made = json!({"id": "bas_aaaaaaaaaaaa", "type": "base", "thickness": "thin", "size": "10inch", "style": "roman", "hydration": 0.6});
    observe(&mut o, &post("/v1/pizza/base", "a", base), 200, made);
    let assemble = json!({"base_id": "bas_aaaaaaaaaaaa", "sauce_id": "sce_aaaaaaaaaaaa", "toppings": ["basil"]});
    // An answer without `type` (ASM-001/type's SHOULD): the log is not
    // expected to invent one.
    let pizza = json!({"id": "pza_aaaaaaaaaaaa", "assembly_quality": "degraded"});
    observe(
        &mut o,
        &post("/v1/pizza/assemble", "a", assemble),
        200,
        pizza,
    );
    let path = log("a");
    let ask = get(&path, "a");
    let op = |id: &str| json!({"timestamp": "2026-01-01T00:00:00.000Z", "endpoint": "/v1/tomato/acquire", "result_id": id});
    let answer = |pizza: Value| {
        json!({"session_id": "a",
               "objects": [{"id": "tom_aaaaaaaaaaaa", "type": "raw"},
                           {"id": "sce_aaaaaaaaaaaa", "type": "sauce", "sauce_quality": "degraded"},
                           {"id": "bas_aaaaaaaaaaaa", "type": "base"}, pizza],
               "operations": [op("tom_aaaaaaaaaaaa"), op("sce_aaaaaaaaaaaa"), op("bas_aaaaaaaaaaaa"), op("pza_aaaaaaaaaaaa")]})
    };
    let typed = observe(
        &mut o,
        &ask,
        200,
        answer(
            json!({"id": "pza_aaaaaaaaaaaa", "type": "assembled", "assembly_quality": "degraded"}),
        ),
    );
    assert!(failed(&typed).is_empty(), "{typed:?}");
    let untyped = observe(
        &mut o,
        &ask,
        200,
        answer(json!({"id": "pza_aaaaaaaaaaaa", "assembly_quality": "degraded"})),
    );
    assert_eq!(failed(&untyped), ["ASM-001/type"], "{untyped:?}");
    assert!(
        untyped.iter().all(|f| f.passed || f.rule == "ASM-001/type"),
        "{untyped:?}"
    );
}

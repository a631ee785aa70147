use super::*;

fn checked(check: &ValueCheck, found: Value) -> Result<(), Mismatch> {
    check.check(Some(&found), &Vars::default())
}

#[test]
fn every_kind_parses_and_names_itself() {
    let samples = [
        ("equals", json!(1)),
        ("not_equals", json!(1)),
        ("matches", json!("^a")),
        ("type", json!("string")),
        ("range", json!([0, 1])),
        ("exists", json!(true)),
        ("absent", json!(true)),
        ("contains", json!({"a": 1})),
        ("not_contains", json!({"a": 2})),
        ("prefix", json!("tom_")),
        ("length", json!(2)),
        ("less_than", json!([1, "{{x}}"])),
        ("greater_than", json!(0)),
        ("sorted", json!({"by": "/s", "order": "ascending"})),
    ];
    assert_eq!(samples.len(), KINDS.len());
    for (name, value) in samples {
        let check = ValueCheck::parse(name, &value).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(check.name(), name);
        assert!(kind(name).is_some());
        // What `explore` writes reads back as the same check.
        let again = ValueCheck::parse(name, &check.value()).unwrap();
        assert_eq!((again.name(), again.value()), (name, check.value()));
    }
}

#[test]
fn not_contains_holds_only_without_a_matching_element() {
    let check = ValueCheck::NotContains(json!({"id": "b"}));
    assert!(checked(&check, json!([{"id": "a", "type": "raw"}])).is_ok());
    assert!(checked(&check, json!([{"id": "b", "type": "raw"}])).is_err());
    assert!(check.check(None, &Vars::default()).is_err());
}

#[test]
fn numbers_compare_by_value() {
    assert_eq!(
        checked(&ValueCheck::Equals(json!(150)), json!(150.0)),
        Ok(())
    );
}

#[test]
fn a_failed_range_says_what_it_wanted() {
    let range = ValueCheck::parse("range", &json!([0.9, 0.98])).unwrap();
    assert_eq!(
        checked(&range, json!(0.99)),
        Err(Mismatch::Expected("a number in [0.9, 0.98]".to_owned()))
    );
}

#[test]
fn absent_values_fail_every_positive_check() {
    for check in [
        ValueCheck::Equals(json!(1)),
        ValueCheck::NotEquals(json!(1)),
        ValueCheck::Exists,
        ValueCheck::Prefix("tom_".into()),
        ValueCheck::Length(0),
        ValueCheck::Type(JsonType::Null),
    ] {
        assert!(check.check(None, &Vars::default()).is_err(), "{check:?}");
    }
}

#[test]
fn an_unrenderable_template_is_its_own_mismatch() {
    let check = ValueCheck::Prefix("{{nowhere}}".to_owned());
    assert!(matches!(
        checked(&check, json!("x")),
        Err(Mismatch::Template(_))
    ));
}

#[test]
fn invalid_values_say_where() {
    let error = ValueCheck::parse("sorted", &json!({"by": "/s", "order": "up"})).unwrap_err();
    assert_eq!(error.at, "/order");
    let error = ValueCheck::parse("range", &json!({"mni": 1})).unwrap_err();
    assert_eq!(error.hint.as_deref(), Some("did you mean `min`?"));
    let error = ValueCheck::parse("less_than", &json!([1, true])).unwrap_err();
    assert_eq!(error.at, "/1");
}

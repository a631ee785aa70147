use proptest::prelude::*;
use serde_json::json;

use super::*;

/// JSON text as a client could write it: repeated member names,
/// escapes in names and strings, nesting.
#[derive(Debug, Clone)]
pub(crate) enum Text {
    Leaf(Value),
    /// A string written with every character as a `\u` escape.
    Escaped(String),
    Array(Vec<Text>),
    Object(Vec<(String, bool, Text)>),
}

impl Text {
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Text::Leaf(value) => out.push_str(&value.to_string()),
            Text::Escaped(string) => write_escaped(string, out),
            Text::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Text::Object(members) => {
                out.push('{');
                for (i, (name, escaped, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if *escaped {
                        write_escaped(name, out);
                    } else {
                        out.push_str(&Value::from(name.as_str()).to_string());
                    }
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_escaped(string: &str, out: &mut String) {
    out.push('"');
    for unit in string.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
}

/// Member names of the request schemas, and a few strangers.
const NAMES: &[&str] = &[
    "variety",
    "ripeness",
    "weight",
    "tomato_ids",
    "method",
    "ingredients",
    "id",
    "name",
    "amount",
    "toppings",
    "metrics",
    "depth",
    "",
    "é",
];

pub(crate) fn json_text() -> impl Strategy<Value = Text> {
    let leaf = prop_oneof![
        Just(Text::Leaf(Value::Null)),
        any::<bool>().prop_map(|b| Text::Leaf(json!(b))),
        any::<i64>().prop_map(|n| Text::Leaf(json!(n))),
        any::<u64>().prop_map(|n| Text::Leaf(json!(n))),
        (-2.0f64..2.0).prop_map(|f| Text::Leaf(json!(f))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Text::Leaf(json!(f))),
        ".{0,8}".prop_map(|s| Text::Leaf(Value::String(s))),
        ".{0,4}".prop_map(Text::Escaped),
        prop::sample::select(vec!["San Marzano", "dice", "generic", "basil", "full"])
            .prop_map(|s| Text::Leaf(json!(s))),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Text::Array),
            prop::collection::vec(
                (
                    prop::sample::select(NAMES).prop_map(str::to_owned),
                    any::<bool>(),
                    inner
                ),
                0..7
            )
            .prop_map(Text::Object),
        ]
    })
}

#[test]
fn the_representation_keeps_the_contract_jsonschema_relies_on() {
    let text = jsonschema::json::conformance::document().to_string();
    let body = Body::parse(text.as_bytes()).expect("the conformance document parses");
    jsonschema::json::conformance::assert_conformance::<BodyJson>(&&body);
}

#[test]
fn strings_borrow_from_the_text_unless_they_have_escapes() {
    let body = Body::parse(br#"{"plain": "San Marzano", "t\u0061b": "a\tb"}"#).unwrap();
    let Body::Object(members) = &body else {
        panic!("not an object: {body:?}")
    };
    assert!(matches!(members[0].0, Cow::Borrowed("plain")));
    assert!(matches!(
        members[0].1,
        Body::String(Cow::Borrowed("San Marzano"))
    ));
    assert!(matches!(members[1].0, Cow::Owned(ref name) if name == "tab"));
    assert!(matches!(members[1].1, Body::String(Cow::Owned(ref s)) if s == "a\tb"));
}

#[test]
fn a_repeated_name_keeps_the_last_value_written() {
    let body = Body::parse(br#"{"b": 1, "a": 2, "b": 3, "a": 4, "b": 5}"#).unwrap();
    assert_eq!(body.to_value(), json!({"a": 4, "b": 5}));
}

#[test]
fn a_unit_variant_is_read_from_its_name() {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Cut {
        Dice,
        Slice,
    }
    let body = Body::parse(br#"["dice", "slice"]"#).unwrap();
    assert_eq!(
        Vec::<Cut>::deserialize(&body).unwrap(),
        vec![Cut::Dice, Cut::Slice]
    );
    let wrong = Body::parse(br#""julienne""#).unwrap();
    assert!(Cut::deserialize(&wrong).is_err());
}

proptest! {
    /// Parsing in place means what `serde_json::Value` means, and
    /// reading a body back through serde gives the same value.
    #[test]
    fn a_body_reads_as_serde_json_reads_the_same_text(text in json_text()) {
        let text = text.render();
        let expected: Value = serde_json::from_str(&text).unwrap();
        let body = Body::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(&body.to_value(), &expected);
        prop_assert_eq!(&Value::deserialize(&body).unwrap(), &expected);
        prop_assert!(equals(&body, &expected));
    }
}

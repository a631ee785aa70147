//! Acquire, slice and squeeze (ACQ-001, SLC-001, SQZ-001).

use serde::{Deserialize, Serialize};
use serde_json::{json, Number, Value};

use super::quality::Seeded;
use super::shared::{inherited, render, resolve_list_of_kinds, to_json, Cooked, KitchenError};
use crate::store::SessionObjects;
use pizzastack_spec::ids::ObjectKind;

/// Body of `/v1/tomato/acquire`.
#[derive(Debug, Deserialize)]
pub struct AcquireRequest {
    /// Tomato variety, e.g. "San Marzano".
    pub variety: String,
    /// Ripeness between 0 and 1, echoed as the client wrote it.
    pub ripeness: Number,
    /// Weight in grams, above 0, echoed as the client wrote it.
    pub weight: Number,
}

/// A raw tomato (ACQ-001).
pub fn acquire(
    req: &AcquireRequest,
    id: &str,
    _: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    Ok(Cooked {
        json: render_tomato(req, id),
        degradation: None,
    })
}

/// The tomato's color and its properties, from its ripeness.
fn tomato_properties(ripeness: f64) -> (&'static str, [f64; 3]) {
    let color = match ripeness {
        r if r >= 0.75 => "red",
        r if r >= 0.4 => "orange",
        _ => "green",
    };
    let firmness = 1.0 - ripeness * 0.7;
    let sugar_content = 2.5 + ripeness * 3.0;
    let acidity = 0.6 - ripeness * 0.3;
    (color, [firmness, sugar_content, acidity])
}

/// The tomato's JSON, written by hand: acquire is the hottest path, and a
/// derived `Serialize` spends most of its time escaping the constant field
/// names and formatting floats we know to have three decimals. The output
/// is byte for byte what serde_json writes for the same object; the
/// `tomato_matches_serde` property test holds it to that.
fn render_tomato(req: &AcquireRequest, id: &str) -> Vec<u8> {
    let (color, [firmness, sugar_content, acidity]) =
        tomato_properties(req.ripeness.as_f64().unwrap_or_default());
    render(|out| {
        out.extend_from_slice(b"{\"id\":\"");
        // Our IDs are a prefix and base-36 characters: nothing to escape.
        debug_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\",\"variety\":");
        write_json(out, &req.variety);
        out.extend_from_slice(b",\"ripeness\":");
        write_json(out, &req.ripeness);
        out.extend_from_slice(b",\"weight\":");
        write_json(out, &req.weight);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(ObjectKind::Raw.type_name().as_bytes());
        out.extend_from_slice(b"\",\"properties\":{\"color\":\"");
        out.extend_from_slice(color.as_bytes());
        out.extend_from_slice(b"\",\"firmness\":");
        write_thousandths(out, firmness);
        out.extend_from_slice(b",\"sugar_content\":");
        write_thousandths(out, sugar_content);
        out.extend_from_slice(b",\"acidity\":");
        write_thousandths(out, acidity);
        out.extend_from_slice(b"}}");
    })
}

/// Appends one JSON value; writing into a `Vec` cannot fail, and neither
/// can serializing a string or a `Number`.
fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(out, value);
}

/// Appends `v` rounded to three decimals, as serde_json would write the
/// rounded `f64`: shortest form, at least one decimal (`1.0`, `0.44`).
///
/// The nearest `f64` to `k / 1000` is what rounding gives, and its shortest
/// round-tripping form is `k / 1000` with trailing zeros dropped, so for a
/// positive `k` of modest size the digits of `k` are the answer. Anything
/// else (zero, negative, huge) goes through serde_json itself.
fn write_thousandths(out: &mut Vec<u8>, v: f64) {
    let scaled = (v * 1000.0).round();
    if !(1.0..1e15).contains(&scaled) {
        write_json(out, &(scaled / 1000.0));
        return;
    }
    // In range and integral, so the conversion is exact.
    let k = scaled as u64;
    let (whole, fraction) = (k / 1000, k % 1000);
    if whole < 10 {
        out.push(b'0' + whole as u8);
    } else {
        write_json(out, &whole);
    }
    out.push(b'.');
    let digits = [fraction / 100, fraction / 10 % 10, fraction % 10];
    let kept = digits.iter().rposition(|&d| d != 0).unwrap_or(0) + 1;
    out.extend(digits[..kept].iter().map(|&d| b'0' + d as u8));
}

/// Body of `/v1/tomato/slice`.
#[derive(Debug, Deserialize)]
pub struct SliceRequest {
    /// Raw tomatoes of the session.
    pub tomato_ids: Vec<String>,
    /// E.g. "dice".
    pub method: String,
    /// E.g. "medium".
    pub size: String,
    /// E.g. "uniform".
    pub consistency: String,
}

#[derive(Serialize)]
struct SliceResult<'a> {
    id: &'a str,
    source_tomato_ids: &'a [String],
    method: &'a str,
    size: &'a str,
    consistency: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    pieces: Vec<Value>,
}

/// Most pieces listed in one slice result, however many tomatoes went in.
const MAX_PIECES: usize = 64;

/// Sliced tomatoes (SLC-001); every ID must be a raw tomato of the session.
pub fn slice(
    req: &SliceRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let sources = resolve_list_of_kinds(
        objects,
        "tomato_ids",
        &req.tomato_ids,
        &[ObjectKind::Raw],
        "a raw tomato (tom_) of the session",
    )?;
    let per_tomato = match req.size.as_str() {
        "small" => 12,
        "medium" => 8,
        "large" => 4,
        _ => 6,
    };
    let mut seeded = Seeded::new(&[id]);
    let pieces = req
        .tomato_ids
        .iter()
        .flat_map(|tid| std::iter::repeat_n(tid, per_tomato))
        .take(MAX_PIECES)
        .enumerate()
        .map(|(index, tid)| {
            json!({
                "index": index,
                "source_tomato_id": tid,
                "size": req.size,
                "weight_fraction": seeded.score(50..=150),
            })
        })
        .collect();
    let result = SliceResult {
        id,
        source_tomato_ids: &req.tomato_ids,
        method: &req.method,
        size: &req.size,
        consistency: &req.consistency,
        kind: ObjectKind::Sliced.type_name(),
        pieces,
    };
    Ok(Cooked {
        json: to_json(&result),
        degradation: inherited(&sources),
    })
}

/// Body of `/v1/tomato/squeeze`.
#[derive(Debug, Deserialize)]
pub struct SqueezeRequest {
    /// Raw or sliced tomatoes of the session.
    pub tomato_ids: Vec<String>,
    /// Whether to strain the pulp out; default false.
    #[serde(default)]
    pub strain: bool,
}

#[derive(Serialize)]
struct JuiceResult<'a> {
    id: &'a str,
    source_ids: &'a [String],
    volume: f64,
    concentration: f64,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: Value,
}

/// Tomato juice (SQZ-001) from raw or sliced tomatoes of the session.
pub fn squeeze(
    req: &SqueezeRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let sources = resolve_list_of_kinds(
        objects,
        "tomato_ids",
        &req.tomato_ids,
        &[ObjectKind::Raw, ObjectKind::Sliced],
        "a raw or sliced tomato (tom_ or slc_) of the session",
    )?;
    let mut seeded = Seeded::new(&[id]);
    let volume: u32 = req.tomato_ids.iter().map(|_| seeded.pick(40..=120)).sum();
    let concentration = if req.strain {
        seeded.score(800..=950)
    } else {
        seeded.score(500..=700)
    };
    let juice = JuiceResult {
        id,
        source_ids: &req.tomato_ids,
        volume: f64::from(volume),
        concentration,
        kind: ObjectKind::Juice.type_name(),
        properties: json!({ "strained": req.strain, "unit": "ml" }),
    };
    Ok(Cooked {
        json: to_json(&juice),
        degradation: inherited(&sources),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::Number;

    use super::{render_tomato, tomato_properties, write_thousandths, AcquireRequest};

    /// The tomato as a derived `Serialize` writes it: the oracle the
    /// hand-written renderer must match byte for byte.
    #[derive(Serialize)]
    struct Tomato<'a> {
        id: &'a str,
        variety: &'a str,
        ripeness: &'a Number,
        weight: &'a Number,
        #[serde(rename = "type")]
        kind: &'static str,
        properties: Properties,
    }

    #[derive(Serialize)]
    struct Properties {
        color: &'static str,
        firmness: f64,
        sugar_content: f64,
        acidity: f64,
    }

    fn round3(v: f64) -> f64 {
        (v * 1000.0).round() / 1000.0
    }

    fn oracle(req: &AcquireRequest, id: &str) -> Vec<u8> {
        let (color, [firmness, sugar_content, acidity]) =
            tomato_properties(req.ripeness.as_f64().unwrap_or_default());
        serde_json::to_vec(&Tomato {
            id,
            variety: &req.variety,
            ripeness: &req.ripeness,
            weight: &req.weight,
            kind: "raw",
            properties: Properties {
                color,
                firmness: round3(firmness),
                sugar_content: round3(sugar_content),
                acidity: round3(acidity),
            },
        })
        .unwrap()
    }

    fn thousandths(v: f64) -> String {
        let mut out = Vec::new();
        write_thousandths(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn number() -> impl Strategy<Value = Number> {
        prop_oneof![
            (0.0..=1.0f64).prop_map(|f| Number::from_f64(f).unwrap()),
            any::<u64>().prop_map(Number::from),
            any::<i64>().prop_map(Number::from),
            any::<f64>().prop_filter_map("finite", Number::from_f64),
        ]
    }

    #[test]
    fn thousandths_edge_cases_match_serde() {
        for v in [
            0.0,
            -0.0,
            0.0004,
            0.0005,
            0.001,
            0.3,
            0.44,
            1.0,
            1.0005,
            9.9996,
            10.0,
            123.456,
            -0.44,
            1e12,
            1e15,
            1e20,
            -1e20,
            1e-9,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(
                thousandths(v),
                serde_json::to_string(&round3(v)).unwrap(),
                "{v}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn thousandths_match_serde(v in prop_oneof![-10.0..10.0f64, -1e16..1e16f64, any::<f64>()]) {
            prop_assert_eq!(thousandths(v), serde_json::to_string(&round3(v)).unwrap());
        }

        #[test]
        fn tomato_matches_serde(variety in any::<String>(), ripeness in number(), weight in number()) {
            let req = AcquireRequest { variety, ripeness, weight };
            let id = "tom_0a1b2c3d4e5f";
            let ours = String::from_utf8(render_tomato(&req, id)).unwrap();
            let theirs = String::from_utf8(oracle(&req, id)).unwrap();
            prop_assert_eq!(ours, theirs);
        }
    }
}

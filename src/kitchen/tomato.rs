//! Acquire, slice and squeeze (ACQ-001, SLC-001, SQZ-001).

use serde::{Deserialize, Serialize};
use serde_json::{json, Number, Value};

use super::quality::Seeded;
use super::{resolve_list_of_kinds, to_json, KitchenError};
use crate::ids::ObjectKind;
use crate::store::{BuiltObject, SessionObjects};

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

#[derive(Serialize)]
struct Tomato<'a> {
    id: &'a str,
    variety: &'a str,
    ripeness: &'a Number,
    weight: &'a Number,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: TomatoProperties,
}

/// A typed struct rather than a `json!` map: acquire is the hottest path.
#[derive(Serialize)]
struct TomatoProperties {
    color: &'static str,
    firmness: f64,
    sugar_content: f64,
    acidity: f64,
}

/// A raw tomato (ACQ-001).
pub fn acquire(
    req: &AcquireRequest,
    id: &str,
    _: &SessionObjects<'_>,
) -> Result<BuiltObject, KitchenError> {
    let ripeness = req.ripeness.as_f64().unwrap_or_default();
    let color = match ripeness {
        r if r >= 0.75 => "red",
        r if r >= 0.4 => "orange",
        _ => "green",
    };
    let properties = TomatoProperties {
        color,
        firmness: round3(1.0 - ripeness * 0.7),
        sugar_content: round3(2.5 + ripeness * 3.0),
        acidity: round3(0.6 - ripeness * 0.3),
    };
    let tomato = Tomato {
        id,
        variety: &req.variety,
        ripeness: &req.ripeness,
        weight: &req.weight,
        kind: ObjectKind::Raw.type_name(),
        properties,
    };
    Ok(BuiltObject {
        json: to_json(&tomato),
        degraded: false,
    })
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
) -> Result<BuiltObject, KitchenError> {
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
    Ok(BuiltObject {
        json: to_json(&result),
        degraded: sources.iter().any(|s| s.degraded),
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
) -> Result<BuiltObject, KitchenError> {
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
    Ok(BuiltObject {
        json: to_json(&juice),
        degraded: sources.iter().any(|s| s.degraded),
    })
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

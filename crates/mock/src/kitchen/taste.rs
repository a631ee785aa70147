//! Taste analysis and comparison (TST-001, CMP-001).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::quality::Seeded;
use super::shared::{indexed_fields, resolve_all, to_json, Cooked, KitchenError};
use crate::store::{ObjectRef, SessionObjects};
use pizzastack_spec::ids::ObjectKind;

/// Body of `/v1/taste/analyze`.
#[derive(Debug, Deserialize)]
pub struct AnalyzeRequest {
    /// Any object of the session.
    pub dish_id: String,
    /// "basic" (default) or "comprehensive".
    #[serde(default)]
    pub depth: Option<String>,
    /// Whether to include `aroma`.
    #[serde(default)]
    pub include_aroma: bool,
    /// Whether to include `texture`.
    #[serde(default)]
    pub include_texture: bool,
}

#[derive(Serialize)]
struct Analysis<'a> {
    id: &'a str,
    dish_id: &'a str,
    depth: &'a str,
    sweetness: f64,
    acidity: f64,
    umami: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    aroma: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    texture: Option<Value>,
    #[serde(rename = "type")]
    kind: &'static str,
}

const NOTES: [&str; 9] = [
    "fresh tomato",
    "basil",
    "garlic",
    "oregano",
    "toasted bread",
    "sweet pepper",
    "olive oil",
    "smoke",
    "citrus",
];

/// A taste analysis (TST-001). Aroma and texture come only when asked for;
/// each carries both the reference page's fields and the module page's
/// (`aroma.notes`, `texture.score`).
pub fn analyze(
    req: &AnalyzeRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let dish = resolve_all(objects, &[("dish_id".to_owned(), req.dish_id.as_str())])?[0];
    let depth = req.depth.as_deref().unwrap_or("basic");
    let mut seeded = Seeded::new(&[&req.dish_id]);
    let quality = if dish.degraded { 300..=600 } else { 550..=950 };
    let notes_per_tier = if depth == "comprehensive" { 3 } else { 1 };
    let aroma = req.include_aroma.then(|| {
        let mut tier = |offset: usize| -> Vec<Value> {
            (0..notes_per_tier)
                .map(|i| {
                    json!({
                        "name": NOTES[(offset * 3 + i) % NOTES.len()],
                        "intensity": seeded.score(200..=950),
                    })
                })
                .collect()
        };
        let (primary, secondary, tertiary) = (tier(0), tier(1), tier(2));
        let names: Vec<Value> = primary
            .iter()
            .chain(&secondary)
            .chain(&tertiary)
            .map(|n| n["name"].clone())
            .collect();
        json!({
            "intensity": seeded.score(quality.clone()),
            "complexity": seeded.score(quality.clone()),
            "primary_notes": primary,
            "secondary_notes": secondary,
            "tertiary_notes": tertiary,
            "notes": names,
        })
    });
    let texture = req.include_texture.then(|| {
        let firmness = seeded.score(quality.clone());
        let juiciness = seeded.score(quality.clone());
        let integrity = seeded.score(quality.clone());
        json!({
            "firmness": firmness,
            "juiciness": juiciness,
            "mouthfeel": if dish.degraded { "watery" } else { "velvety" },
            "structural_integrity": integrity,
            "score": ((firmness + juiciness + integrity) / 3.0 * 1000.0).round() / 1000.0,
        })
    });
    let analysis = Analysis {
        id,
        dish_id: &req.dish_id,
        depth,
        sweetness: seeded.score(quality.clone()),
        acidity: seeded.score(200..=800),
        umami: seeded.score(quality),
        aroma,
        texture,
        kind: ObjectKind::Analysis.type_name(),
    };
    Ok(Cooked {
        json: to_json(&analysis),
        degradation: None,
    })
}

/// Body of `/v1/taste/compare`.
#[derive(Debug, Deserialize)]
pub struct CompareRequest {
    /// Objects of the session, distinct.
    pub dish_ids: Vec<String>,
    /// Metric names; all of [`DEFAULT_METRICS`] when absent.
    #[serde(default)]
    pub metrics: Option<Vec<String>>,
}

/// Metrics ranked when the request names none.
pub const DEFAULT_METRICS: [&str; 4] = ["overall", "sweetness", "acidity", "umami"];

#[derive(Serialize)]
struct Comparison<'a> {
    id: &'a str,
    comparison_id: &'a str,
    dish_ids: &'a [String],
    metrics: Vec<&'a str>,
    rankings: Map<String, Value>,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A comparison (CMP-001): for each metric, the dishes best first. Ties keep
/// request order.
pub fn compare(
    req: &CompareRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let fields = indexed_fields("dish_ids", &req.dish_ids);
    let dishes: Vec<ObjectRef> = resolve_all(objects, &fields)?;
    let metrics: Vec<&str> = match &req.metrics {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => DEFAULT_METRICS.to_vec(),
    };
    let mut rankings = Map::new();
    for metric in &metrics {
        let mut scored: Vec<(&str, f64)> = req
            .dish_ids
            .iter()
            .zip(&dishes)
            .map(|(dish_id, dish)| {
                let range = if dish.degraded { 200..=550 } else { 550..=990 };
                (
                    dish_id.as_str(),
                    Seeded::new(&[dish_id, metric]).score(range),
                )
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ranked = scored
            .into_iter()
            .map(|(dish_id, score)| json!({ "dish_id": dish_id, "score": score }))
            .collect();
        rankings.insert((*metric).to_owned(), Value::Array(ranked));
    }
    let comparison = Comparison {
        id,
        comparison_id: id,
        dish_ids: &req.dish_ids,
        metrics,
        rankings,
        kind: ObjectKind::Comparison.type_name(),
    };
    Ok(Cooked {
        json: to_json(&comparison),
        degradation: None,
    })
}

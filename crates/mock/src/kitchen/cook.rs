//! Simmer and roast (SIM-001, SIM-002, RST-001, QLT-001).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::quality::{Degradation, Seeded};
use super::shared::Cooked;
use super::shared::{
    expect_kind, resolve_all, to_json, KitchenError, INGREDIENT_EXPECTED, INGREDIENT_KINDS,
};
use crate::store::{ObjectRef, SessionObjects};
use pizzastack_spec::ids::ObjectKind;

/// The `id` of an ingredient that is not a pipeline object, such as garlic.
pub const GENERIC_INGREDIENT: &str = "generic";

/// Body of `/v1/cook/simmer` and `/v1/cook/roast`.
#[derive(Debug, Deserialize)]
pub struct CookRequest {
    /// What goes in.
    pub ingredients: Vec<Ingredient>,
    /// Degrees Celsius; a whole number (the schema checks it).
    pub temperature: f64,
    /// E.g. "30m".
    pub duration: String,
    /// The sauce's name (simmer only; optional).
    #[serde(default)]
    pub name: Option<String>,
}

/// Body of `/v1/cook/simmer`.
pub type SimmerRequest = CookRequest;

/// One ingredient of a cook request.
#[derive(Debug, Deserialize, Serialize)]
pub struct Ingredient {
    /// A pipeline object ID of the session, or `"generic"`.
    pub id: String,
    /// E.g. "tomato" or "garlic".
    pub name: String,
    /// How much, above 0, echoed as the client wrote it.
    pub amount: serde_json::Number,
    /// E.g. "g".
    pub unit: String,
}

#[derive(Serialize)]
struct Sauce<'a> {
    id: &'a str,
    name: &'a str,
    sauce_quality: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    degradation_reason: Option<Degradation>,
    ingredients: &'a [Ingredient],
    temperature: i64,
    duration: &'a str,
    properties: serde_json::Value,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Resolves the pipeline ingredients of a cook request: lookups first, then
/// kinds. Returns the objects in ingredient order, generics left out.
fn pipeline_ingredients(
    req: &CookRequest,
    objects: &SessionObjects<'_>,
) -> Result<Vec<ObjectRef>, KitchenError> {
    let fields: Vec<(String, &str)> = req
        .ingredients
        .iter()
        .enumerate()
        .filter(|(_, ing)| ing.id != GENERIC_INGREDIENT)
        .map(|(i, ing)| (format!("ingredients[{i}].id"), ing.id.as_str()))
        .collect();
    let found = resolve_all(objects, &fields)?;
    for ((field, id), object) in fields.iter().zip(&found) {
        expect_kind(field, id, object, INGREDIENT_KINDS, INGREDIENT_EXPECTED)?;
    }
    Ok(found)
}

/// A sauce (SIM-001). A raw tomato among the ingredients is accepted
/// silently and degrades the sauce (SIM-002); so does any degraded input
/// (QLT-001).
pub fn simmer(
    req: &SimmerRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let inputs = pipeline_ingredients(req, objects)?;
    let reason = if inputs.iter().any(|o| o.kind == ObjectKind::Raw) {
        Some(Degradation::RawIngredient)
    } else if inputs.iter().any(|o| o.degraded) {
        Some(Degradation::DegradedIngredient)
    } else {
        None
    };
    let mut seeded = Seeded::new(&[id]);
    let (thickness, richness) = if reason.is_some() {
        (seeded.score(200..=450), seeded.score(200..=450))
    } else {
        (seeded.score(700..=950), seeded.score(700..=950))
    };
    let sauce = Sauce {
        id,
        name: req.name.as_deref().unwrap_or("tomato sauce"),
        sauce_quality: if reason.is_some() {
            "degraded"
        } else {
            "optimal"
        },
        degradation_reason: reason,
        ingredients: &req.ingredients,
        temperature: req.temperature as i64,
        duration: &req.duration,
        properties: json!({ "thickness": thickness, "richness": richness }),
        kind: ObjectKind::Sauce.type_name(),
    };
    Ok(Cooked {
        json: to_json(&sauce),
        degradation: reason,
    })
}

#[derive(Serialize)]
struct Roasted<'a> {
    id: &'a str,
    ingredients: &'a [Ingredient],
    temperature: i64,
    duration: &'a str,
    roast_quality: &'static str,
    properties: serde_json::Value,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A roasted ingredient (RST-001), usable as a topping. Raw tomatoes do not
/// degrade a roast; a degraded input still does (QLT-001).
pub fn roast(
    req: &CookRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let inputs = pipeline_ingredients(req, objects)?;
    let degraded = inputs.iter().any(|o| o.degraded);
    let mut seeded = Seeded::new(&[id]);
    let roasted = Roasted {
        id,
        ingredients: &req.ingredients,
        temperature: req.temperature as i64,
        duration: &req.duration,
        roast_quality: if degraded { "degraded" } else { "optimal" },
        properties: json!({
            "caramelization": seeded.score(300..=900),
            "smokiness": seeded.score(100..=700),
        }),
        kind: ObjectKind::Roasted.type_name(),
    };
    Ok(Cooked {
        json: to_json(&roasted),
        degradation: degraded.then_some(Degradation::Inherited),
    })
}

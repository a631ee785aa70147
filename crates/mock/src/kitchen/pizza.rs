//! Base, assemble and bake (BAS-001, ASM-001, BAK-001, BAK-002, QLT-001..3).

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::quality::{
    Degradation, Seeded, DEGRADED_OVERALL, DEGRADED_SUB, OPTIMAL_OVERALL, OPTIMAL_SUB,
};
use super::shared::Cooked;
use super::shared::{
    expect_kind, resolve_all, to_json, KitchenError, INGREDIENT_EXPECTED, INGREDIENT_KINDS,
};
use crate::store::SessionObjects;
use pizzastack_spec::ids::ObjectKind;

/// Hydration when the request gives none (BAS-001).
pub const DEFAULT_HYDRATION: f64 = 0.6;
/// Oven temperature when bake gets none (MOCK).
pub const DEFAULT_BAKE_TEMPERATURE: i64 = 450;
/// Bake time when bake gets none (MOCK).
pub const DEFAULT_BAKE_DURATION: &str = "10m";

/// Body of `/v1/pizza/base`.
#[derive(Debug, Deserialize)]
pub struct BaseRequest {
    /// "thin", "medium" or "thick".
    pub thickness: String,
    /// E.g. "12inch".
    pub size: String,
    /// "neapolitan", "new_york", "chicago" or "roman".
    pub style: String,
    /// Between 0 and 1, echoed as written; 0.6 when absent.
    #[serde(default)]
    pub hydration: Option<Number>,
}

#[derive(Serialize)]
struct PizzaBase<'a> {
    id: &'a str,
    thickness: &'a str,
    size: &'a str,
    style: &'a str,
    hydration: Number,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A pizza base (BAS-001), independent of the sauce pipeline.
pub fn make_base(
    req: &BaseRequest,
    id: &str,
    _: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let base = PizzaBase {
        id,
        thickness: &req.thickness,
        size: &req.size,
        style: &req.style,
        hydration: req
            .hydration
            .clone()
            .or_else(|| Number::from_f64(DEFAULT_HYDRATION))
            .unwrap_or_else(|| Number::from(0)),
        kind: ObjectKind::Base.type_name(),
    };
    Ok(Cooked {
        json: to_json(&base),
        degradation: None,
    })
}

/// Body of `/v1/pizza/assemble`.
#[derive(Debug, Deserialize)]
pub struct AssembleRequest {
    /// A base of the session.
    pub base_id: String,
    /// A sauce of the session.
    pub sauce_id: String,
    /// Optional toppings.
    #[serde(default)]
    pub toppings: Vec<Topping>,
}

/// A topping: a bare name, or a name with an optional object of the session.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Topping {
    /// E.g. "basil".
    Name(String),
    /// E.g. `{"name": "roasted tomato", "id": "rst_..."}`.
    Detailed {
        /// What it is.
        name: String,
        /// An ingredient object of the session.
        #[serde(default)]
        id: Option<String>,
        /// How much, echoed as written.
        #[serde(default)]
        amount: Option<Number>,
        /// Unit of `amount`.
        #[serde(default)]
        unit: Option<String>,
    },
}

#[derive(Serialize)]
struct ToppingOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<&'a Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
}

#[derive(Serialize)]
struct AssembledPizza<'a> {
    id: &'a str,
    base_id: &'a str,
    sauce_id: &'a str,
    toppings: Vec<ToppingOut<'a>>,
    assembly_quality: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    degradation_reason: Option<Degradation>,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// An assembled pizza (ASM-001). A degraded sauce or topping makes it
/// degraded (QLT-001).
pub fn assemble(
    req: &AssembleRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let mut fields: Vec<(String, &str)> = vec![
        ("base_id".to_owned(), req.base_id.as_str()),
        ("sauce_id".to_owned(), req.sauce_id.as_str()),
    ];
    for (i, topping) in req.toppings.iter().enumerate() {
        if let Topping::Detailed { id: Some(tid), .. } = topping {
            fields.push((format!("toppings[{i}].id"), tid.as_str()));
        }
    }
    let found = resolve_all(objects, &fields)?;
    expect_kind(
        "base_id",
        &req.base_id,
        &found[0],
        &[ObjectKind::Base],
        "a pizza base (bas_) of the session",
    )?;
    expect_kind(
        "sauce_id",
        &req.sauce_id,
        &found[1],
        &[ObjectKind::Sauce],
        "a sauce (sce_) of the session",
    )?;
    for ((field, tid), object) in fields.iter().zip(&found).skip(2) {
        expect_kind(field, tid, object, INGREDIENT_KINDS, INGREDIENT_EXPECTED)?;
    }
    let reason = if found[1].degraded {
        Some(Degradation::DegradedSauce)
    } else if found.iter().skip(2).any(|o| o.degraded) {
        Some(Degradation::DegradedTopping)
    } else if found[0].degraded {
        Some(Degradation::DegradedBase)
    } else {
        None
    };
    let toppings = req
        .toppings
        .iter()
        .map(|t| match t {
            Topping::Name(name) => ToppingOut {
                name,
                id: None,
                amount: None,
                unit: None,
            },
            Topping::Detailed {
                name,
                id,
                amount,
                unit,
            } => ToppingOut {
                name,
                id: id.as_deref(),
                amount: amount.as_ref(),
                unit: unit.as_deref(),
            },
        })
        .collect();
    let pizza = AssembledPizza {
        id,
        base_id: &req.base_id,
        sauce_id: &req.sauce_id,
        toppings,
        assembly_quality: if reason.is_some() {
            "degraded"
        } else {
            "optimal"
        },
        degradation_reason: reason,
        kind: ObjectKind::Assembled.type_name(),
    };
    Ok(Cooked {
        json: to_json(&pizza),
        degradation: reason,
    })
}

/// Body of `/v1/pizza/bake`.
#[derive(Debug, Deserialize)]
pub struct BakeRequest {
    /// An assembled pizza of the session.
    pub pizza_id: String,
    /// Degrees Celsius; 450 when absent.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// E.g. "10m"; "10m" when absent.
    #[serde(default)]
    pub duration: Option<String>,
}

#[derive(Serialize)]
struct QualityMetrics {
    overall_score: f64,
    crust_crispness: f64,
    cheese_melt: f64,
    topping_distribution: f64,
    sauce_integration: f64,
}

#[derive(Serialize)]
struct BakedPizza<'a> {
    id: &'a str,
    pizza_id: &'a str,
    temperature: i64,
    duration: &'a str,
    quality_metrics: QualityMetrics,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A baked pizza (BAK-001). Only an assembled pizza can be baked (BAK-002);
/// its scores fall in the documented ranges (QLT-002), every one of them
/// lower when anything upstream degraded (QLT-003), and are the same for the
/// same assembled pizza (QLT-004).
pub fn bake(
    req: &BakeRequest,
    id: &str,
    objects: &SessionObjects<'_>,
) -> Result<Cooked, KitchenError> {
    let found = resolve_all(objects, &[("pizza_id".to_owned(), req.pizza_id.as_str())])?;
    let pizza = found[0];
    expect_kind(
        "pizza_id",
        &req.pizza_id,
        &pizza,
        &[ObjectKind::Assembled],
        "an assembled pizza (pza_) from /v1/pizza/assemble",
    )?;
    let (overall, sub) = if pizza.degraded {
        (DEGRADED_OVERALL, DEGRADED_SUB)
    } else {
        (OPTIMAL_OVERALL, OPTIMAL_SUB)
    };
    let mut seeded = Seeded::new(&[&req.pizza_id]);
    let quality_metrics = QualityMetrics {
        overall_score: seeded.score(overall),
        crust_crispness: seeded.score(sub.clone()),
        cheese_melt: seeded.score(sub.clone()),
        topping_distribution: seeded.score(sub.clone()),
        sauce_integration: seeded.score(sub),
    };
    let baked = BakedPizza {
        id,
        pizza_id: &req.pizza_id,
        temperature: req
            .temperature
            .map_or(DEFAULT_BAKE_TEMPERATURE, |t| t as i64),
        duration: req.duration.as_deref().unwrap_or(DEFAULT_BAKE_DURATION),
        quality_metrics,
        kind: ObjectKind::Baked.type_name(),
    };
    Ok(Cooked {
        json: to_json(&baked),
        degradation: pizza.degraded.then_some(Degradation::Inherited),
    })
}

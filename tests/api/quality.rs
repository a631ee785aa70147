//! QLT-001 .. QLT-004: silent degradation, its sticky propagation, the
//! score ranges and determinism.

use serde_json::json;

use crate::helpers::*;

const SUB_SCORES: [&str; 4] = [
    "crust_crispness",
    "cheese_melt",
    "topping_distribution",
    "sauce_integration",
];

#[tokio::test]
async fn a_degraded_sauce_degrades_the_assembled_pizza() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let sauce = app.simmer(&session, &tomato).await.id();
    let base = app.base(&session).await;
    let pizza = app.assemble(&session, &base, &sauce).await;
    assert_eq!(pizza.body["assembly_quality"], "degraded", "QLT-001");
}

#[tokio::test]
async fn a_correct_pipeline_scores_between_0_90_and_0_98() {
    let app = spawn_app().await;
    for _ in 0..10 {
        let baked = app.pipeline(&new_session(), true).await;
        let overall = baked.body["quality_metrics"]["overall_score"]
            .as_f64()
            .unwrap();
        assert!((0.90..=0.98).contains(&overall), "QLT-002: {overall}");
    }
}

#[tokio::test]
async fn a_degraded_pipeline_scores_between_0_35_and_0_50() {
    let app = spawn_app().await;
    for _ in 0..10 {
        let baked = app.pipeline(&new_session(), false).await;
        let overall = baked.body["quality_metrics"]["overall_score"]
            .as_f64()
            .unwrap();
        assert!((0.35..=0.50).contains(&overall), "QLT-002: {overall}");
    }
}

#[tokio::test]
async fn upstream_degradation_lowers_every_sub_score() {
    let app = spawn_app().await;
    let good = app.pipeline(&new_session(), true).await;
    let bad = app.pipeline(&new_session(), false).await;
    for metric in SUB_SCORES {
        let (g, b) = (
            good.body["quality_metrics"][metric].as_f64().unwrap(),
            bad.body["quality_metrics"][metric].as_f64().unwrap(),
        );
        assert!(
            b < g,
            "QLT-003 {metric}: degraded {b} is not below correct {g}"
        );
    }
}

#[tokio::test]
async fn degradation_stays_sticky_through_a_roast_used_as_topping() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let bad_sauce = app.simmer(&session, &tomato).await.id();
    let roasted = app
        .post("/v1/cook/roast", &session, json!({"ingredients": [{"id": bad_sauce, "name": "sauce", "amount": 1, "unit": "g"}], "temperature": 200, "duration": "10m"}))
        .await
        .id();
    let sliced = app.slice(&session, &tomato).await;
    let good_sauce = app.simmer(&session, &sliced).await.id();
    let base = app.base(&session).await;
    let pizza = app
        .post("/v1/pizza/assemble", &session, json!({"base_id": base, "sauce_id": good_sauce, "toppings": [{"name": "r", "id": roasted}]}))
        .await;
    assert_eq!(pizza.body["assembly_quality"], "degraded", "QLT-001");
    let baked = app.bake(&session, &pizza.id()).await;
    let overall = baked.body["quality_metrics"]["overall_score"]
        .as_f64()
        .unwrap();
    assert!((0.35..=0.50).contains(&overall), "QLT-002: {overall}");
}

#[tokio::test]
async fn baking_the_same_pizza_twice_gives_the_same_scores() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let sliced = app.slice(&session, &tomato).await;
    let sauce = app.simmer(&session, &sliced).await.id();
    let base = app.base(&session).await;
    let pizza = app.assemble(&session, &base, &sauce).await.id();
    let first = app.bake(&session, &pizza).await;
    let second = app.bake(&session, &pizza).await;
    assert_ne!(first.id(), second.id(), "ID-002");
    assert_eq!(
        first.body["quality_metrics"], second.body["quality_metrics"],
        "QLT-004"
    );
}

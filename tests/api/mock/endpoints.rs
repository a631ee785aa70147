//! SLC-001, SQZ-001, RST-001, ASM-001, BAK-002, TST-001, CMP-001: each
//! endpoint beyond what its case in `specs/cases/` asks of every server:
//! several sources, the mock's refusal texts, defaults and the aroma and
//! texture fields.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn slice_answers_the_sources_echoes_and_pieces() {
    let app = spawn_app().await;
    let session = new_session();
    let (a, b) = (app.acquire(&session).await, app.acquire(&session).await);
    let reply = app
        .post("/v1/tomato/slice", &session, json!({"tomato_ids": [a, b], "method": "julienne", "size": "small", "consistency": "rustic"}))
        .await;
    assert_eq!(reply.status, 200, "SLC-001");
    assert_eq!(reply.body["source_tomato_ids"], json!([a, b]));
    assert_eq!(reply.body["method"], "julienne");
    assert_eq!(reply.body["size"], "small");
    assert_eq!(reply.body["consistency"], "rustic");
    assert_eq!(reply.body["type"], "sliced");
    assert!(!reply.body["pieces"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn slice_refuses_anything_but_raw_tomatoes_of_the_session() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let sliced = app.slice(&session, &tomato).await;
    let reply = app
        .post("/v1/tomato/slice", &session, json!({"tomato_ids": [tomato, sliced], "method": "dice", "size": "medium", "consistency": "uniform"}))
        .await;
    assert_eq!(reply.status, 400, "SLC-001");
    assert!(
        reply
            .error()
            .starts_with("tomato_ids[1]: must be a raw tomato"),
        "{}",
        reply.error()
    );
    for missing in ["method", "size", "consistency", "tomato_ids"] {
        let mut body = json!({"tomato_ids": [tomato], "method": "dice", "size": "medium", "consistency": "uniform"});
        body.as_object_mut().unwrap().remove(missing);
        let reply = app.post("/v1/tomato/slice", &session, body).await;
        assert!(
            reply
                .error()
                .starts_with(&format!("{missing}: is required")),
            "{}",
            reply.error()
        );
    }
}

#[tokio::test]
async fn squeeze_takes_raw_or_sliced_tomatoes_and_strain_raises_concentration() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let sliced = app.slice(&session, &tomato).await;
    let plain = app
        .post(
            "/v1/tomato/squeeze",
            &session,
            json!({"tomato_ids": [tomato, sliced]}),
        )
        .await;
    assert_eq!(plain.status, 200, "SQZ-001");
    assert_eq!(plain.body["type"], "juice");
    assert!(plain.body["volume"].as_f64().unwrap() > 0.0);
    let strained = app
        .post(
            "/v1/tomato/squeeze",
            &session,
            json!({"tomato_ids": [tomato], "strain": true}),
        )
        .await;
    assert!(strained.body["concentration"].as_f64() > plain.body["concentration"].as_f64());
    let base = app.base(&session).await;
    let reply = app
        .post(
            "/v1/tomato/squeeze",
            &session,
            json!({"tomato_ids": [base]}),
        )
        .await;
    assert_eq!(reply.status, 400, "a base cannot be squeezed");
}

#[tokio::test]
async fn simmer_refuses_a_pizza_base_as_an_ingredient() {
    let app = spawn_app().await;
    let session = new_session();
    let base = app.base(&session).await;
    let reply = app
        .post("/v1/cook/simmer", &session, json!({"ingredients": [{"id": base, "name": "dough", "amount": 1, "unit": "g"}], "temperature": 100, "duration": "30m"}))
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .error()
            .starts_with("ingredients[0].id: must be an ingredient"),
        "{}",
        reply.error()
    );
}

#[tokio::test]
async fn roast_answers_a_roasted_ingredient_that_raw_tomatoes_do_not_degrade() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let reply = app
        .post("/v1/cook/roast", &session, json!({"ingredients": [{"id": tomato, "name": "tomato", "amount": 200, "unit": "g"}], "temperature": 220, "duration": "25m"}))
        .await;
    assert_eq!(reply.status, 200, "RST-001");
    assert_eq!(reply.body["type"], "roasted");
    assert_eq!(
        reply.body["roast_quality"], "optimal",
        "raw tomatoes do not degrade a roast"
    );
    // A roasted ingredient can be a topping.
    let sliced = app.slice(&session, &tomato).await;
    let sauce = app.simmer(&session, &sliced).await.id();
    let base = app.base(&session).await;
    let pizza = app
        .post("/v1/pizza/assemble", &session, json!({"base_id": base, "sauce_id": sauce, "toppings": [{"name": "roasted tomato", "id": reply.id(), "amount": 50, "unit": "g"}]}))
        .await;
    assert_eq!(pizza.status, 200, "{}", pizza.text);
    assert_eq!(pizza.body["assembly_quality"], "optimal");
    assert_eq!(pizza.body["toppings"][0]["id"], reply.id());
}

#[tokio::test]
async fn assemble_needs_a_base_and_a_sauce_of_the_right_kinds() {
    let app = spawn_app().await;
    let session = new_session();
    let base = app.base(&session).await;
    let sauce = app.simmer(&session, "generic").await.id();
    let ok = app
        .post(
            "/v1/pizza/assemble",
            &session,
            json!({"base_id": base, "sauce_id": sauce}),
        )
        .await;
    assert_eq!(ok.status, 200, "ASM-001: toppings are optional");
    assert_eq!(ok.body["type"], "assembled");
    let swapped = app
        .post(
            "/v1/pizza/assemble",
            &session,
            json!({"base_id": sauce, "sauce_id": base}),
        )
        .await;
    assert_eq!(swapped.status, 400);
    assert!(
        swapped.error().starts_with("base_id: must be a pizza base"),
        "{}",
        swapped.error()
    );
}

#[tokio::test]
async fn baking_anything_but_an_assembled_pizza_is_a_400() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    let base = app.base(&session).await;
    let sauce = app.simmer(&session, "generic").await.id();
    let pizza = app.assemble(&session, &base, &sauce).await.id();
    let baked = app.bake(&session, &pizza).await.id();
    for id in [base, tomato, sauce, baked] {
        let reply = app
            .post("/v1/pizza/bake", &session, json!({"pizza_id": id}))
            .await;
        assert_eq!(reply.status, 400, "BAK-002 {id}");
        assert!(
            reply
                .error()
                .starts_with("pizza_id: must be an assembled pizza"),
            "BAK-002: {}",
            reply.error()
        );
    }
}

#[tokio::test]
async fn analyze_gives_aroma_and_texture_only_when_asked() {
    let app = spawn_app().await;
    let session = new_session();
    let baked = app.pipeline(&session, true).await.id();
    let basic = app
        .post("/v1/taste/analyze", &session, json!({"dish_id": baked}))
        .await;
    assert_eq!(basic.status, 200, "TST-001");
    for field in ["sweetness", "acidity", "umami"] {
        let v = basic.body[field].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "TST-001 {field}");
    }
    assert!(
        basic.body.get("aroma").is_none() && basic.body.get("texture").is_none(),
        "TST-001"
    );
    let full = app
        .post("/v1/taste/analyze", &session, json!({"dish_id": baked, "depth": "comprehensive", "include_aroma": true, "include_texture": true}))
        .await;
    let aroma = &full.body["aroma"];
    for field in [
        "intensity",
        "complexity",
        "primary_notes",
        "secondary_notes",
        "tertiary_notes",
        "notes",
    ] {
        assert!(aroma.get(field).is_some(), "TST-001 aroma.{field}");
    }
    assert!(aroma["primary_notes"][0]["name"].is_string());
    let texture = &full.body["texture"];
    for field in [
        "firmness",
        "juiciness",
        "mouthfeel",
        "structural_integrity",
        "score",
    ] {
        assert!(texture.get(field).is_some(), "TST-001 texture.{field}");
    }
}

#[tokio::test]
async fn compare_ranks_every_metric_best_first() {
    let app = spawn_app().await;
    let session = new_session();
    let good = app.pipeline(&session, true).await.id();
    let bad = app.pipeline(&session, false).await.id();
    let reply = app
        .post(
            "/v1/taste/compare",
            &session,
            json!({"dish_ids": [bad, good], "metrics": ["overall", "umami"]}),
        )
        .await;
    assert_eq!(reply.status, 200, "CMP-001");
    assert!(reply.body["comparison_id"].is_string());
    let rankings = reply.body["rankings"].as_object().unwrap();
    assert_eq!(rankings.len(), 2);
    for (metric, ranked) in rankings {
        let scores: Vec<f64> = ranked
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["score"].as_f64().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "CMP-001 {metric} best first: {scores:?}"
        );
    }
    assert_eq!(
        rankings["overall"][0]["dish_id"],
        good.as_str(),
        "the correct pizza ranks first overall"
    );
    let defaults = app
        .post("/v1/taste/compare", &session, json!({"dish_ids": [good]}))
        .await;
    assert!(defaults.body["rankings"].as_object().unwrap().len() >= 3);
}

//! ID-001 .. ID-003: prefixes, uniqueness and unguessable IDs.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

fn random_part_is_well_formed(id: &str, prefix: &str) {
    let rest = id
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("ID-001: {id} lacks {prefix}"));
    assert_eq!(rest.len(), 12, "ID-003: {id}");
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "ID-003: {id}"
    );
}

#[tokio::test]
async fn every_created_object_carries_its_types_prefix() {
    let app = spawn_app().await;
    let session = new_session();
    let tomato = app.acquire(&session).await;
    random_part_is_well_formed(&tomato, "tom_");
    let sliced = app.slice(&session, &tomato).await;
    random_part_is_well_formed(&sliced, "slc_");
    let juice = app
        .post(
            "/v1/tomato/squeeze",
            &session,
            json!({"tomato_ids": [tomato, sliced]}),
        )
        .await
        .id();
    random_part_is_well_formed(&juice, "jce_");
    let sauce = app.simmer(&session, &sliced).await.id();
    random_part_is_well_formed(&sauce, "sce_");
    let roasted = app
        .post("/v1/cook/roast", &session, json!({"ingredients": [{"id": tomato, "name": "t", "amount": 1, "unit": "g"}], "temperature": 200, "duration": "20m"}))
        .await
        .id();
    random_part_is_well_formed(&roasted, "rst_");
    let base = app.base(&session).await;
    random_part_is_well_formed(&base, "bas_");
    let pizza = app.assemble(&session, &base, &sauce).await.id();
    random_part_is_well_formed(&pizza, "pza_");
    let baked = app.bake(&session, &pizza).await.id();
    random_part_is_well_formed(&baked, "bkd_");
    let taste = app
        .post("/v1/taste/analyze", &session, json!({"dish_id": baked}))
        .await
        .id();
    random_part_is_well_formed(&taste, "tst_");
    let comparison = app
        .post(
            "/v1/taste/compare",
            &session,
            json!({"dish_ids": [baked, sauce]}),
        )
        .await;
    random_part_is_well_formed(comparison.body["comparison_id"].as_str().unwrap(), "cmp_");
}

#[tokio::test]
async fn ids_are_unique_across_sessions_and_not_sequential() {
    let app = spawn_app().await;
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for i in 0..200 {
        let session = format!("uniq-{}", i % 4);
        let id = app.acquire(&session).await;
        assert!(seen.insert(id.clone()), "ID-002: {id} was given twice");
        ids.push(id);
    }
    // Sequential IDs would share long prefixes; random ones rarely share
    // even their first random character pairwise in order.
    let shared_first = ids
        .windows(2)
        .filter(|w| w[0].as_bytes()[4] == w[1].as_bytes()[4])
        .count();
    assert!(
        shared_first < 40,
        "ID-003: consecutive IDs look sequential ({shared_first}/199)"
    );
}

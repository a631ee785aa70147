//! Real concurrency on one session: nothing lost, the log in order.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_requests_on_one_session_lose_no_object_and_keep_the_log_in_order() {
    let app = std::sync::Arc::new(spawn_app().await);
    let session = new_session();
    let requests = 400;
    let mut tasks = Vec::new();
    for i in 0..requests {
        let (app, session) = (app.clone(), session.clone());
        tasks.push(tokio::spawn(async move {
            let reply = if i % 2 == 0 {
                app.post(
                    "/v1/tomato/acquire",
                    &session,
                    json!({"variety": "Roma", "ripeness": 0.5, "weight": 100}),
                )
                .await
            } else {
                app.post(
                    "/v1/pizza/base",
                    &session,
                    json!({"thickness": "thin", "size": "10inch", "style": "roman"}),
                )
                .await
            };
            assert_eq!(reply.status, 200, "{}", reply.text);
            reply.id()
        }));
    }
    let mut created = HashSet::new();
    for task in tasks {
        created.insert(task.await.unwrap());
    }
    assert_eq!(
        created.len(),
        requests,
        "every request created a distinct object"
    );
    let log = app.log(&session).await;
    let objects = log.body["objects"].as_array().unwrap();
    let operations = log.body["operations"].as_array().unwrap();
    assert_eq!(objects.len(), requests, "no object lost");
    assert_eq!(operations.len(), requests, "no operation lost");
    let logged: HashSet<String> = objects
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(logged, created);
    let mut previous = std::time::SystemTime::UNIX_EPOCH;
    for (object, operation) in objects.iter().zip(operations) {
        assert_eq!(
            object["id"], operation["result_id"],
            "objects and operations in the same order"
        );
        let at = humantime::parse_rfc3339(operation["timestamp"].as_str().unwrap()).unwrap();
        assert!(at >= previous, "timestamps never go back");
        previous = at;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pipelines_in_many_sessions_all_complete() {
    let app = std::sync::Arc::new(spawn_app().await);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let baked = app.pipeline(&new_session(), i % 3 != 0).await;
                baked.body["quality_metrics"]["overall_score"]
                    .as_f64()
                    .unwrap()
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let score = task.await.unwrap();
        let range = if i % 3 != 0 { 0.90..=0.98 } else { 0.35..=0.50 };
        assert!(range.contains(&score), "pipeline {i}: {score}");
    }
}

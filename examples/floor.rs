//! The floor for the load benchmark: a bare axum handler that parses the
//! same JSON body as `/v1/tomato/acquire` and answers a small JSON object,
//! with none of the mock's work (keys, sessions, schemas, IDs). The mock's
//! throughput is reported as a fraction of this one's.
//!
//! `cargo run --release --example floor -- 127.0.0.1:8181`

use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[allow(dead_code)]
struct AcquireRequest {
    variety: String,
    ripeness: f64,
    weight: f64,
}

async fn acquire(Json(request): Json<AcquireRequest>) -> Json<Value> {
    Json(json!({ "id": "tom_000000000000", "type": "raw", "variety": request.variety }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8181".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("floor listening on http://{address}");
    axum::serve(
        listener,
        Router::new().route("/v1/tomato/acquire", post(acquire)),
    )
    .await
}

//! Property-based tests of request bodies and headers: whatever arrives,
//! the mock answers a 2xx or a 4xx, never a 5xx; every error has the JSON
//! error shape; every success matches its response schema.

use std::sync::OnceLock;

use axum::body::{to_bytes, Body};
use axum::http::{HeaderValue, Request};
use pizzastack::config::ServeConfig;
use pizzastack::server::{router, AppState};
use pizzastack::spec::Spec;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use crate::helpers::{KEY, OBJECT_ENDPOINTS};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

fn app() -> axum::Router {
    static STATE: OnceLock<AppState> = OnceLock::new();
    let state = STATE.get_or_init(|| {
        AppState::new(&ServeConfig {
            admin: true,
            ..ServeConfig::default()
        })
        .unwrap()
    });
    router(state.clone())
}

/// Field names of the real request bodies, so that generated bodies get
/// past the first checks often, plus a few strangers.
const FIELDS: &[&str] = &[
    "variety",
    "ripeness",
    "weight",
    "tomato_ids",
    "method",
    "size",
    "consistency",
    "strain",
    "ingredients",
    "id",
    "name",
    "amount",
    "unit",
    "temperature",
    "duration",
    "thickness",
    "style",
    "hydration",
    "base_id",
    "sauce_id",
    "toppings",
    "pizza_id",
    "dish_id",
    "depth",
    "include_aroma",
    "include_texture",
    "dish_ids",
    "metrics",
    "",
    "__proto__",
    "é",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        (0.0f64..=1.0).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "generic",
            "tom_000000000000",
            "dice",
            "thin",
            "roman",
            "30m",
            "basic"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..8).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Header values the HTTP layer can carry: visible ASCII, spaces, tabs and
/// bytes above 0x7f, or nothing at all.
fn header_value() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        2 => prop::collection::vec(prop_oneof![0x20u8..=0x7e, Just(b'\t'), 0x80u8..=0xff], 0..300).prop_map(Some),
        2 => Just(Some(uuid::Uuid::new_v4().to_string().into_bytes())),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("text/plain"),
        Some("application/problem+json"),
        Some(""),
        None,
    ])
}

/// Sends one request in-process; `None` when the request could not exist
/// on the wire (an invalid URI).
async fn send(
    method: &str,
    path: &str,
    headers: Vec<(&str, Vec<u8>)>,
    body: Vec<u8>,
) -> Option<(u16, String, String)> {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            request = request.header(name, value);
        }
    }
    let request = request.body(Body::from(body)).ok()?;
    let response = app().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Some((
        status,
        content_type,
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

fn check_answer(
    method: &str,
    path: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{method} {path} answered {status}: {body}");
    prop_assert!(
        content_type.starts_with("application/json"),
        "{method} {path} {status}: content type {content_type:?}"
    );
    let json: Value = serde_json::from_str(body)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {body}")))?;
    let spec = Spec::embedded().unwrap();
    let schema = if status >= 400 {
        Some("error.json".to_owned())
    } else {
        spec.operation_for(method, path)
            .and_then(|op| op.response_schemas.get(&status).cloned())
    };
    if let Some(schema) = schema {
        if let Err(problems) = spec.validate(&schema, &json) {
            return Err(TestCaseError::fail(format!(
                "{method} {path} {status} breaks {schema}: {problems:?}\n{body}"
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_body_on_any_endpoint_gets_a_documented_answer(
        endpoint in prop::sample::select(OBJECT_ENDPOINTS.to_vec()),
        body in body_bytes(),
        content_type in content_type(),
        session in header_value(),
        keyed in any::<bool>(),
    ) {
        let mut headers = Vec::new();
        if keyed {
            headers.push(("x-api-key", KEY.as_bytes().to_vec()));
        }
        if let Some(session) = session {
            headers.push(("x-session-id", session));
        }
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type.as_bytes().to_vec()));
        }
        let (status, ct, text) = runtime().block_on(send("POST", endpoint, headers, body)).expect("a valid request");
        check_answer("POST", endpoint, status, &ct, &text)?;
        if !keyed {
            prop_assert_eq!(status, 401);
        }
    }

    #[test]
    fn any_path_and_method_gets_a_json_answer(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
        path in prop_oneof![
            "/v1/[a-z/]{0,30}",
            "/v1/session/[ -~&&[^/?#%]]{1,40}/log",
            Just("/v1/session/%ff%fe/log".to_owned()),
            "/[a-z_/]{0,20}",
        ],
        key in header_value(),
    ) {
        let headers = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
        let answer = runtime().block_on(send(method, &path, headers, Vec::new()));
        prop_assume!(answer.is_some(), "not a valid URI");
        let (status, ct, text) = answer.unwrap();
        prop_assert!(status < 500, "{method} {path} answered {status}: {text}");
        if method != "HEAD" {
            check_answer(method, &path, status, &ct, &text)?;
        }
    }
}

//! The PizzaStack endpoints: thin handlers that check the request, then hand
//! the work to the kitchen inside the caller's session.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::error::ApiError;
use super::extract::{ApiKey, Caller, RequestBody, ValidJson};
use super::facts::{Made, Operation};
use super::response::JsonText;
use super::state::AppState;
use crate::config::is_visible_ascii_token;
use crate::kitchen::{self, Cooked, KitchenError};
use crate::store::{SessionKey, SessionObjects};
use pizzastack_spec::ids::ObjectKind;

/// One object-creating endpoint: what it makes, and how. Its path is the
/// kind's endpoint, which the session log names too.
trait Recipe {
    type Request: RequestBody + Send + Sync;
    const KIND: ObjectKind;
    const PATH: &'static str = Self::KIND.endpoint();
    fn cook(
        req: &Self::Request,
        id: &str,
        objects: &SessionObjects<'_>,
    ) -> Result<Cooked, KitchenError>;
}

macro_rules! recipe {
    ($marker:ident, $kind:ident, $schema:literal, $request:ty, $cook:path) => {
        struct $marker;
        impl RequestBody for $request {
            const SCHEMA: &'static str = $schema;
        }
        impl Recipe for $marker {
            type Request = $request;
            const KIND: ObjectKind = ObjectKind::$kind;
            fn cook(
                req: &$request,
                id: &str,
                objects: &SessionObjects<'_>,
            ) -> Result<Cooked, KitchenError> {
                $cook(req, id, objects)
            }
        }
    };
}

recipe!(
    Acquire,
    Raw,
    "acquire.request.json",
    kitchen::AcquireRequest,
    kitchen::acquire
);
recipe!(
    Slice,
    Sliced,
    "slice.request.json",
    kitchen::SliceRequest,
    kitchen::slice
);
recipe!(
    Squeeze,
    Juice,
    "squeeze.request.json",
    kitchen::SqueezeRequest,
    kitchen::squeeze
);
recipe!(
    Simmer,
    Sauce,
    "simmer.request.json",
    kitchen::CookRequest,
    kitchen::simmer
);
recipe!(
    Base,
    Base,
    "base.request.json",
    kitchen::BaseRequest,
    kitchen::make_base
);
recipe!(
    Assemble,
    Assembled,
    "assemble.request.json",
    kitchen::AssembleRequest,
    kitchen::assemble
);
recipe!(
    Bake,
    Baked,
    "bake.request.json",
    kitchen::BakeRequest,
    kitchen::bake
);
recipe!(
    Analyze,
    Analysis,
    "analyze.request.json",
    kitchen::AnalyzeRequest,
    kitchen::analyze
);
recipe!(
    Compare,
    Comparison,
    "compare.request.json",
    kitchen::CompareRequest,
    kitchen::compare
);

/// Roast shares simmer's request type but has its own schema file, so it
/// wraps the type rather than implementing `RequestBody` for it twice.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct RoastRequest(kitchen::CookRequest);

impl RequestBody for RoastRequest {
    const SCHEMA: &'static str = "roast.request.json";
}

struct Roast;

impl Recipe for Roast {
    type Request = RoastRequest;
    const KIND: ObjectKind = ObjectKind::Roasted;
    fn cook(
        req: &RoastRequest,
        id: &str,
        objects: &SessionObjects<'_>,
    ) -> Result<Cooked, KitchenError> {
        kitchen::roast(&req.0, id, objects)
    }
}

/// Creates one object in the caller's session, which `create` makes if it
/// is new (SESS-002) and renews (SESS-007) under the same lock. The answer
/// carries the operation and what was made as [`super::facts`].
async fn create<R: Recipe>(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<ValidJson<R::Request>, ApiError>,
) -> Response {
    let made = match body {
        Ok(ValidJson(request)) => state
            .store()
            .create(caller.session, R::KIND, |objects, id| {
                R::cook(&request, id, objects)
                    .map(Cooked::into_stored)
                    .map_err(ApiError::from)
            })
            .await
            .map(|(json, degradation)| (JsonText(json), Made { degradation })),
        Err(refused) => {
            // A request that names the session renews it even when its body
            // is refused; the body's error is what the client needs to see.
            let _ = state.store().touch(caller.session).await;
            Err(refused)
        }
    };
    let mut response = match made {
        Ok((json, made)) => {
            let mut response = json.into_response();
            response.extensions_mut().insert(made);
            response
        }
        Err(refused) => refused.into_response(),
    };
    response.extensions_mut().insert(Operation::Make(R::KIND));
    response
}

/// `GET /v1/session/{session_id}/log` (LOG-001, LOG-002, AUTH-003).
async fn session_log(
    State(state): State<AppState>,
    ApiKey(api_key): ApiKey,
    session_id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(session_id)) = session_id else {
        return ApiError::SessionNotFound.into_response();
    };
    let log = read_log(&state, api_key, &session_id).await;
    let mut response = log.into_response();
    response
        .extensions_mut()
        .insert(Operation::Log { session_id });
    response
}

async fn read_log(state: &AppState, api_key: u16, session_id: &str) -> Result<JsonText, ApiError> {
    if !is_visible_ascii_token(session_id) {
        return Err(ApiError::SessionNotFound);
    }
    let key = SessionKey {
        api_key,
        session_id: session_id.into(),
    };
    state
        .store()
        .log_json(&key)
        .await?
        .map(JsonText)
        .ok_or(ApiError::SessionNotFound)
}

async fn health() -> JsonText {
    JsonText(Bytes::from_static(b"{\"status\":\"ok\"}"))
}

async fn openapi(State(state): State<AppState>) -> JsonText {
    // The specification lives for the whole process: serve it without a copy.
    JsonText(Bytes::from_static(state.spec().openapi_json().as_bytes()))
}

/// Unknown paths answer `404` with the JSON error shape (ERR-002).
pub async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::NoSuchEndpoint {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// Known paths with the wrong method answer `405` (ERR-002).
pub async fn method_not_allowed(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
) -> Response {
    let allowed: Vec<String> = state
        .spec()
        .operations()
        .iter()
        .filter(|op| pizzastack_spec::template_matches(&op.path, uri.path()))
        .map(|op| op.method.clone())
        .collect();
    let hint = if allowed.is_empty() {
        String::new()
    } else {
        format!("; use {}", allowed.join(" or "))
    };
    let mut response = ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
        hint,
    }
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        if !allowed.is_empty() {
            response.headers_mut().insert(header::ALLOW, value);
        }
    }
    response
}

/// The PizzaStack API routes, plus the mock's `/healthz` and `/openapi.json`.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(Acquire::PATH, post(create::<Acquire>))
        .route(Slice::PATH, post(create::<Slice>))
        .route(Squeeze::PATH, post(create::<Squeeze>))
        .route(Simmer::PATH, post(create::<Simmer>))
        .route(Roast::PATH, post(create::<Roast>))
        .route(Base::PATH, post(create::<Base>))
        .route(Assemble::PATH, post(create::<Assemble>))
        .route(Bake::PATH, post(create::<Bake>))
        .route(Analyze::PATH, post(create::<Analyze>))
        .route(Compare::PATH, post(create::<Compare>))
        .route(pizzastack_spec::ids::LOG_ROUTE, get(session_log))
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi))
}

//! Extractors that enforce the check order of ERR-004: API key, then the
//! session header, then the body. Axum runs extractors in argument order, so
//! handlers take `Caller` before `ValidJson`.

use crate::switches::Deviation;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::state::AppState;
use crate::config::{visible_ascii_token, MAX_BODY_BYTES};
use crate::store::SessionKey;
use pizzastack_spec::BodyError;

/// Header carrying the API key (AUTH-001). A `HeaderName` rather than a
/// `&str`: looking a `&str` up parses it into a name on every request.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");
/// Header carrying the session ID (SESS-001).
pub const SESSION_HEADER: HeaderName = HeaderName::from_static("x-session-id");

/// The caller's accepted API key, by index.
#[derive(Debug, Clone, Copy)]
pub struct ApiKey(pub u16);

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        api_key(&parts.headers, state)
    }
}

pub(super) fn api_key(headers: &HeaderMap, state: &AppState) -> Result<ApiKey, ApiError> {
    // Accepted keys are visible ASCII (the configuration checks), so any
    // other value simply finds no key.
    let mut values = headers.get_all(&API_KEY_HEADER).iter();
    let first = values.next();
    // Two keys would leave which one counts to whichever proxy reads them.
    if values.next().is_some() {
        return Err(ApiError::DuplicateApiKey);
    }
    let key = first
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .and_then(|key| state.api_key_index(key));
    match key {
        Some(index) => Ok(ApiKey(index)),
        None if state.deviations().has(Deviation::Auth001) => Ok(ApiKey(0)),
        None => Err(ApiError::Unauthorized),
    }
}

/// A caller with a valid key and a valid session header. The session is
/// created or renewed by the store call that serves the request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The session the request works in.
    pub session: SessionKey,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiKey(api_key) = api_key(&parts.headers, state)?;
        let deviations = state.deviations();
        let session_id = match session_id(&parts.headers) {
            Err(ApiError::MissingSessionId) if deviations.has(Deviation::Sess001) => "default",
            other => other?,
        };
        if deviations.has(Deviation::Sess003) && uuid::Uuid::parse_str(session_id).is_err() {
            return Err(ApiError::InvalidSessionId);
        }
        let session = SessionKey {
            api_key,
            session_id: session_id.into(),
        };
        if deviations.has(Deviation::Sess002) && !state.store().exists(&session).await? {
            return Err(ApiError::SessionNotFound);
        }
        Ok(Caller { session })
    }
}

/// The `X-Session-ID` value: required (SESS-001), one value of 1 to 256
/// visible ASCII characters (SESS-003, SESS-004).
pub(super) fn session_id(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut values = headers.get_all(&SESSION_HEADER).iter();
    let first = values.next().ok_or(ApiError::MissingSessionId)?;
    if values.next().is_some() {
        return Err(ApiError::InvalidSessionId);
    }
    visible_ascii_token(first.as_bytes()).ok_or(ApiError::InvalidSessionId)
}

/// A request body type and the schema file it is validated against.
pub trait RequestBody: DeserializeOwned {
    /// File name under `specs/schemas/`.
    const SCHEMA: &'static str;
}

/// A JSON body that has a JSON content type, parses, and matches its schema
/// (ERR-002); every failure is a `400` (or `413`) with the JSON error shape.
pub struct ValidJson<T>(pub T);

impl<T: RequestBody> FromRequest<AppState> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        check_content_type(req.headers())?;
        // A declared length over the limit is refused before a byte of the
        // body is read, so a client that sent `Expect: 100-continue` gets
        // its 413 at once instead of `100 Continue`.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
            return Err(ApiError::PayloadTooLarge);
        }
        // The limit is enforced here, where the body is read, rather than
        // by a layer that would add a request extension to every request.
        let timeout = state.connection_limits().body_timeout;
        let read = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES);
        let bytes = tokio::time::timeout(timeout, read)
            .await
            .map_err(|_| ApiError::BodyTimeout(timeout))?
            .map_err(|error| {
                let too_large = std::error::Error::source(&error)
                    .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
                if too_large {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::UnreadableBody(error.to_string())
                }
            })?;
        match state.spec().read_request(T::SCHEMA, &bytes) {
            Ok(body) => Ok(ValidJson(body)),
            Err(BodyError::Malformed(message)) => Err(ApiError::MalformedJson(message)),
            Err(BodyError::Invalid(message)) => Err(ApiError::InvalidBody(message)),
        }
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedContentType(
            "no Content-Type header".to_owned(),
        ));
    };
    let text = value.to_str().unwrap_or_default();
    let essence = text.split(';').next().unwrap_or_default().trim();
    let is_json = essence.eq_ignore_ascii_case("application/json")
        || essence.rsplit_once('+').is_some_and(|(ty, suffix)| {
            ty.starts_with("application/") && suffix.eq_ignore_ascii_case("json")
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedContentType(format!("{text:?}")))
    }
}

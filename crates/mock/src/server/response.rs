//! The shapes every answer of the mock takes: already serialized JSON, and
//! the `{"error": ...}` body (ERR-001) with its `Content-Type`.

use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A JSON document that is already serialized: the stored object answered
/// verbatim, or a body written once.
pub struct JsonText(pub Bytes);

impl From<String> for JsonText {
    fn from(text: String) -> Self {
        JsonText(Bytes::from(text))
    }
}

impl IntoResponse for JsonText {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, self.0)
    }
}

/// A response with an already serialized JSON body.
pub fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// An `{"error": message}` response.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = json_response(status, body);
    // Both say "come back later": say when.
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

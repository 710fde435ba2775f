//! Extractors that turn every rejection into an [`ApiError`], so malformed requests get a JSON
//! 4xx instead of axum's plain-text bodies.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cruddur_contract::Handle;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body, which must be an object: serde would also read a struct from an array
/// of its fields in order (`[null, "bio"]`), which no client means to send.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(object) =
            axum::Json::<serde_json::Map<String, serde_json::Value>>::from_request(request, state)
                .await?;
        serde_json::from_value(serde_json::Value::Object(object))
            .map(ApiJson)
            .map_err(|error| ApiError::Rejected {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_body",
                message: format!(
                    "Failed to deserialize the JSON body into the target type: {error}"
                ),
            })
    }
}

/// Path parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The `{handle}` of a `/@{handle}` path. A string no account can have (see
/// [`Handle::parse`]) is a 404 at once, so stores only ever look up well-formed handles.
#[derive(Debug)]
pub struct ApiHandle(pub Handle);

impl<S: Send + Sync> FromRequestParts<S> for ApiHandle {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiPath(text) = ApiPath::<String>::from_request_parts(parts, state).await?;
        Handle::parse(&text)
            .map(ApiHandle)
            .ok_or(ApiError::NotFound("user"))
    }
}

/// Query parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (status, code) = match &rejection {
            // JSON of the wrong shape is a 400 like malformed JSON (axum says 422), so that a
            // 422 always carries the array of validation codes clients match on.
            JsonRejection::JsonDataError(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            JsonRejection::JsonSyntaxError(_) => (rejection.status(), "malformed_json"),
            JsonRejection::MissingJsonContentType(_) => {
                (rejection.status(), "unsupported_media_type")
            }
            _ if cruddur_serve::is_body_deadline(&rejection) => {
                (StatusCode::REQUEST_TIMEOUT, "request_timeout")
            }
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                (rejection.status(), "payload_too_large")
            }
            _ => (rejection.status(), "unreadable_body"),
        };
        ApiError::Rejected {
            status,
            code,
            message: rejection.body_text(),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::Rejected {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_path",
            message: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Rejected {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: rejection.body_text(),
        }
    }
}

/// Longest path and query accepted. Real requests are far shorter (a cursor is ~60 bytes, a
/// search a few words); anything longer is refused before routing.
pub const URI_LIMIT_BYTES: usize = 8 * 1024;

/// Refuses requests whose path and query exceed [`URI_LIMIT_BYTES`] with a JSON 414.
pub async fn refuse_long_uris(request: Request, next: Next) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if length > URI_LIMIT_BYTES {
        return ApiError::Rejected {
            status: StatusCode::URI_TOO_LONG,
            code: "uri_too_long",
            message: format!("path and query are limited to {URI_LIMIT_BYTES} bytes"),
        }
        .into_response();
    }
    next.run(request).await
}

/// Answers requests to paths the API does not have.
pub async fn route_not_found() -> ApiError {
    ApiError::Rejected {
        status: StatusCode::NOT_FOUND,
        code: "route_not_found",
        message: "no such route".into(),
    }
}

/// Answers a known path asked with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::Rejected {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: "this route does not take that method".into(),
    }
}

//! The one error type of the API.
//!
//! Every failure becomes JSON: a 422 is the week-1 array of validation codes; anything else is
//! `{"error": code, "message": sentence}`. Internal causes are logged here and never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use cruddur_contract::{ErrorBody, ErrorCode};
use cruddur_store::StoreError;

use crate::metrics::Noted;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed: {0:?}")]
    Validation(Vec<ErrorCode>),
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid token")]
    InvalidToken,
    #[error("token expired, sign in again")]
    TokenExpired,
    #[error("wrong login or password")]
    InvalidCredentials,
    #[error("not allowed")]
    Forbidden,
    /// Too many sign-in attempts; the next is allowed after this many seconds.
    #[error("too many sign-in attempts; try again in {0} s")]
    TooManyAttempts(u64),
    /// Too many sign-ups; the next is allowed after this many seconds.
    #[error("too many sign-ups; try again in {0} s")]
    TooManySignUps(u64),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A request the router or an extractor refused (bad JSON, bad path, too large, …).
    #[error("{message}")]
    Rejected {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn invalid(code: ErrorCode) -> Self {
        ApiError::Validation(vec![code])
    }

    pub fn too_many_attempts(wait: TimeDelta) -> Self {
        ApiError::TooManyAttempts(retry_after(wait))
    }

    pub fn too_many_sign_ups(wait: TimeDelta) -> Self {
        ApiError::TooManySignUps(retry_after(wait))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "authentication_required"),
            ApiError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::TooManySignUps(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_sign_ups"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Rejected { status, code, .. } => (*status, code),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    /// What the metrics count of this error, if anything.
    fn noted(&self) -> Option<Noted> {
        match self {
            ApiError::Unavailable(cause) | ApiError::Internal(cause) => cause
                .downcast_ref::<StoreError>()
                .and_then(StoreError::failure_kind)
                .map(Noted::StoreFailure),
            ApiError::Rejected {
                code: QUERY_TIMEOUT,
                ..
            } => Some(Noted::StoreFailure("timed_out")),
            ApiError::TooManyAttempts(_) => Some(Noted::Refused("sign_in")),
            ApiError::TooManySignUps(_) => Some(Noted::Refused("sign_up")),
            _ => None,
        }
    }

    fn respond(&self) -> Response {
        let (status, code) = self.status_and_code();
        match self {
            ApiError::Validation(codes) => {
                return (status, axum::Json(codes)).into_response();
            }
            ApiError::Unavailable(cause) => tracing::warn!(error = ?cause, "store unavailable"),
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            _ => {}
        }
        let body = ErrorBody {
            error: code.to_owned(),
            message: self.to_string(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if let ApiError::TooManyAttempts(seconds) | ApiError::TooManySignUps(seconds) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        response
    }
}

/// The code of a statement cut off at the store's bound.
const QUERY_TIMEOUT: &str = "query_timeout";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.respond();
        if let Some(noted) = self.noted() {
            response.extensions_mut().insert(noted);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Taken(code) => ApiError::invalid(code),
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Forbidden => ApiError::Forbidden,
            StoreError::Unavailable(_) => ApiError::Unavailable(error.into()),
            StoreError::TimedOut(_) => {
                tracing::warn!(error = ?error, "statement cut off at the store's bound");
                ApiError::Rejected {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: QUERY_TIMEOUT,
                    message: "That took too long to answer; try again, or narrow the search."
                        .to_owned(),
                }
            }
            StoreError::UnsupportedUrl | StoreError::Internal(_) => {
                ApiError::Internal(error.into())
            }
        }
    }
}

impl From<Vec<ErrorCode>> for ApiError {
    fn from(codes: Vec<ErrorCode>) -> Self {
        ApiError::Validation(codes)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Whole seconds for `Retry-After`, rounded up so a client waiting that long is let in.
fn retry_after(wait: TimeDelta) -> u64 {
    let millis = wait.num_milliseconds().max(1).unsigned_abs();
    millis.div_ceil(1000)
}

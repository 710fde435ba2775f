//! Who is asking: the `Authorization: Bearer` token, checked by two extractors.
//!
//! - [`CurrentUser`] is required: without a valid token the request gets a 401 — unless demo
//!   mode is on, in which case an unauthenticated request acts as the demo user (what the
//!   week-1 frontend, which never signs in, expects).
//! - [`MaybeUser`] is optional: no header means anonymous, but a header with a bad token is
//!   still refused rather than silently ignored.

pub mod password;
pub mod rate_limit;
pub mod token;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use cruddur_contract::User;
use cruddur_contract::{SessionId, UserId};

use crate::error::ApiError;
use crate::read_cache::Fresh;
use crate::state::AppState;
use token::TokenError;

/// The signed-in user. `session` is `None` when acting as the demo user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session: Option<SessionId>,
}

/// The signed-in user, if any.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl MaybeUser {
    /// The signed-in user's uuid, if any.
    pub fn uuid(&self) -> Option<UserId> {
        self.0.as_ref().map(|current| current.user.uuid)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(user) = from_token(parts, state).await? {
            return Ok(user);
        }
        let Some(handle) = &state.demo_user else {
            return Err(ApiError::Unauthenticated);
        };
        crate::demo::check_origin(&parts.method, &parts.headers)?;
        let user = state.store.user_by_handle(handle).await?.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("demo user @{handle} does not exist"))
        })?;
        Ok(CurrentUser {
            user,
            session: None,
        })
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeUser(from_token(parts, state).await?))
    }
}

/// `Ok(None)` without an `Authorization` header; an error for any header that does not carry
/// a valid, unexpired token of a live session.
async fn from_token(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, ApiError> {
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or(ApiError::InvalidToken)?;
    let now = state.clock.now();
    let claims = state
        .tokens
        .verify(token, now)
        .map_err(|error| match error {
            TokenError::Invalid => ApiError::InvalidToken,
            TokenError::Expired => ApiError::TokenExpired,
        })?;
    // A valid token's session lives at least as long as the token: only a sign-out (a write,
    // which empties the cache) or another replica's can end it sooner.
    let read = async {
        state
            .store
            .session_user(claims.sid, now)
            .await?
            .ok_or(ApiError::InvalidToken)
    };
    let fresh = Fresh::asked_by(&parts.headers);
    let user = state
        .reads
        .sessions
        .get_or_read(&claims.sid.to_string(), now, fresh, read)
        .await?;
    if user.uuid != claims.sub {
        return Err(ApiError::InvalidToken);
    }
    Ok(Some(CurrentUser {
        user,
        session: Some(claims.sid),
    }))
}

//! Public profiles and follows.

use axum::Json;
use axum::extract::State;
use cruddur_contract::routes;
use cruddur_contract::{ErrorBody, ErrorCode, Profile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiHandle;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(profile))
        .routes(routes!(follow, unfollow))
}

/// A user's profile; `followed_by_me` is true when the signed-in viewer follows them.
#[utoipa::path(
    get,
    path = routes::PROFILE.route.path,
    tag = "users",
    params(("handle" = String, Path, description = "The user's handle, without @")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
async fn profile(
    State(state): State<AppState>,
    viewer: MaybeUser,
    ApiHandle(handle): ApiHandle,
) -> ApiResult<Json<Profile>> {
    let profile = state
        .store
        .profile(&handle, viewer.uuid(), state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(Json(profile))
}

/// Follows a user (idempotent) and returns their profile as the follower now sees it.
#[utoipa::path(
    post,
    path = routes::FOLLOW.route.path,
    tag = "users",
    params(("handle" = String, Path, description = "Who to follow")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Followed", body = Profile),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "`cannot_follow_self`", body = [ErrorCode]),
    )
)]
async fn follow(
    state: State<AppState>,
    current: CurrentUser,
    handle: ApiHandle,
) -> ApiResult<Json<Profile>> {
    set_follow(state, current, handle, true).await
}

/// Unfollows a user (idempotent) and returns their profile.
#[utoipa::path(
    delete,
    path = routes::UNFOLLOW.route.path,
    tag = "users",
    params(("handle" = String, Path, description = "Who to unfollow")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Not followed any more", body = Profile),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "`cannot_follow_self`", body = [ErrorCode]),
    )
)]
async fn unfollow(
    state: State<AppState>,
    current: CurrentUser,
    handle: ApiHandle,
) -> ApiResult<Json<Profile>> {
    set_follow(state, current, handle, false).await
}

async fn set_follow(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiHandle(handle): ApiHandle,
    follow: bool,
) -> ApiResult<Json<Profile>> {
    if current.user.handle.eq_ignore_ascii_case(&handle) {
        return Err(ApiError::invalid(ErrorCode::CannotFollowSelf));
    }
    let profile = state
        .store
        .set_follow(current.user.uuid, &handle, follow, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(Json(profile))
}

//! Cruds: the public timeline, a user's cruds, search, posting, showing, replying, likes and
//! reposts.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use cruddur_contract::{
    Activity, CreateActivity, CreateReply, ErrorBody, ErrorCode, PageParams, Reply,
};
use cruddur_store::{NewActivity, NewReply, SearchPage, SearchTerms};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiHandle, ApiJson, ApiPath, ApiQuery};
use crate::pagination::{EncodedPage, Paged, page_of};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(user_activities))
        .routes(routes!(search))
        .routes(routes!(create))
        .routes(routes!(show))
        .routes(routes!(reply))
        .routes(routes!(like, unlike))
        .routes(routes!(repost, unrepost))
}

/// The public timeline: live cruds of everyone, newest first.
#[utoipa::path(
    get,
    path = "/api/activities/home",
    tag = "activities",
    params(PageParams),
    responses(
        (status = 200, description = "Cruds, newest first", body = [Activity],
            headers(("link" = String, description = "Next page, when there is one"))),
        (status = 422, description = "Bad cursor or limit", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn home(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let now = state.clock.now();
    // Only the plain first page is cached: it is what nearly every visit asks for (with or
    // without an empty `?`, which some clients leave).
    let cacheable = uri.query().is_none_or(str::is_empty);
    if cacheable && let Some(page) = state.timeline.get(now) {
        return Ok(page);
    }
    let version = state.timeline.version();
    let (page, limit) = page_of(&params)?;
    let items = state.store.home_feed(&page, now).await?;
    let expires = items.iter().map(|activity| activity.expires_at).min();
    let page = Paged::new(items, limit, &uri).into_parts()?;
    if cacheable {
        state.timeline.put(version, now, expires, page.clone());
    }
    Ok(page)
}

/// One user's live cruds, newest first.
#[utoipa::path(
    get,
    path = "/api/activities/@{handle}",
    tag = "activities",
    params(("handle" = String, Path, description = "The user's handle, without @"), PageParams),
    responses(
        (status = 200, description = "Cruds, newest first", body = [Activity],
            headers(("link" = String, description = "Next page, when there is one"))),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "Bad cursor or limit", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn user_activities(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiHandle(handle): ApiHandle,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Paged<Activity>> {
    let (page, limit) = page_of(&params)?;
    let items = state
        .store
        .user_feed(&handle, &page, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(Paged::new(items, limit, &uri))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// Words to find (all of them); `#tag` finds the hashtag.
    term: Option<String>,
    /// Cursor from the previous page's `Link` header.
    cursor: Option<String>,
    /// Items per page, 1–100 (default 20).
    limit: Option<u32>,
}

/// Full-text search of live cruds, newest first.
#[utoipa::path(
    get,
    path = "/api/activities/search",
    tag = "activities",
    params(SearchParams),
    responses(
        (status = 200, description = "Matching cruds, newest first", body = [Activity],
            headers(("link" = String, description = "Next page, when there is one"))),
        (status = 422, description = "`search_term_blank`, or a bad cursor or limit", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Paged<Activity>> {
    let term = params.term.as_deref().map(str::trim).unwrap_or_default();
    let paging = page_of(&PageParams {
        cursor: params.cursor,
        limit: params.limit,
    });
    let (page, limit) = match (term.is_empty(), paging) {
        (false, Ok(paging)) => paging,
        (blank, paging) => {
            let mut codes: Vec<ErrorCode> = Vec::new();
            if blank {
                codes.push(ErrorCode::SearchTermBlank);
            }
            if let Err(ApiError::Validation(more)) = paging {
                codes.extend(more);
            }
            return Err(ApiError::Validation(codes));
        }
    };
    let terms = SearchTerms::parse(term);
    let found = if terms.is_empty() {
        SearchPage::default()
    } else {
        state.store.search(&terms, &page, state.clock.now()).await?
    };
    Ok(Paged::new(found.activities, limit, &uri).or_on_from(found.searched_to, &uri))
}

/// Posts a crud that lives for `ttl`. Answers 200 (as week 1 did) with a `Location` header.
#[utoipa::path(
    post,
    path = "/api/activities",
    tag = "activities",
    request_body = CreateActivity,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new crud", body = Activity,
            headers(("location" = String, description = "The crud's URL"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Every failing rule", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<CreateActivity>,
) -> ApiResult<impl IntoResponse> {
    let (message, ttl) = body.validate()?;
    let now = state.clock.now();
    let activity = state
        .store
        .create_activity(&NewActivity {
            author: current.user.uuid,
            message,
            created_at: now,
            expires_at: now + ttl.duration(),
        })
        .await?;
    let location = format!("/api/activities/{}", activity.uuid);
    Ok(([(header::LOCATION, location)], Json(activity)))
}

/// One live crud with its replies, oldest reply first.
#[utoipa::path(
    get,
    path = "/api/activities/{uuid}",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud's uuid")),
    responses(
        (status = 200, description = "The crud and its replies", body = Activity),
        (status = 400, description = "Not a uuid", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn show(
    State(state): State<AppState>,
    ApiPath(uuid): ApiPath<Uuid>,
) -> ApiResult<Json<Activity>> {
    let activity = state
        .store
        .activity(uuid, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("activity"))?;
    Ok(Json(activity))
}

/// Replies to a live crud. Answers 200 with the reply.
#[utoipa::path(
    post,
    path = "/api/activities/{uuid}/reply",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud replied to")),
    request_body = CreateReply,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reply", body = Reply,
            headers(("location" = String, description = "The crud's URL"))),
        (status = 400, description = "Malformed JSON or uuid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Unknown or expired crud", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Every failing rule", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn reply(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(uuid): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CreateReply>,
) -> ApiResult<impl IntoResponse> {
    let message = body.validate()?;
    let reply = state
        .store
        .create_reply(&NewReply {
            author: current.user.uuid,
            reply_to: uuid,
            message,
            created_at: state.clock.now(),
        })
        .await?
        .ok_or(ApiError::NotFound("activity"))?;
    let location = format!("/api/activities/{uuid}");
    Ok(([(header::LOCATION, location)], Json(reply)))
}

/// Likes a crud or reply (idempotent).
#[utoipa::path(
    post,
    path = "/api/activities/{uuid}/like",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Liked"),
        (status = 400, description = "Not a uuid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn like(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Like, true).await
}

/// Takes a like back (idempotent).
#[utoipa::path(
    delete,
    path = "/api/activities/{uuid}/like",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not liked any more"),
        (status = 400, description = "Not a uuid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn unlike(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Like, false).await
}

/// Reposts a crud or reply (idempotent).
#[utoipa::path(
    post,
    path = "/api/activities/{uuid}/repost",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Reposted"),
        (status = 400, description = "Not a uuid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn repost(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Repost, true).await
}

/// Takes a repost back (idempotent).
#[utoipa::path(
    delete,
    path = "/api/activities/{uuid}/repost",
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not reposted any more"),
        (status = 400, description = "Not a uuid", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn unrepost(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Repost, false).await
}

#[derive(Clone, Copy)]
enum Reaction {
    Like,
    Repost,
}

async fn react(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(uuid): ApiPath<Uuid>,
    reaction: Reaction,
    on: bool,
) -> ApiResult<StatusCode> {
    let (user, now) = (current.user.uuid, state.clock.now());
    let found = match reaction {
        Reaction::Like => state.store.set_like(user, uuid, on, now).await?,
        Reaction::Repost => state.store.set_repost(user, uuid, on, now).await?,
    };
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("activity"))
    }
}

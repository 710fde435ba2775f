//! Cruds: the public timeline, the following feed, a user's cruds, search, posting, showing,
//! deleting, replying, likes and reposts.

use cruddur_contract::{ActivityId, UserId};
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use cruddur_contract::routes;
use cruddur_contract::{
    Activity, CreateActivity, CreateReply, ErrorBody, ErrorCode, PageParams, Reaction, Reply,
};
use cruddur_store::{Deletion, NewActivity, NewReply, SearchPage, SearchTerms};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiHandle, ApiJson, ApiPath, ApiQuery};
use crate::pagination::{EncodedPage, Paged, page_of};
use crate::read_cache::{Cacheable, CachedPage, Fresh, OwnPage, request_target};
use crate::routes::own_pages::own_key;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(following))
        .routes(routes!(user_activities))
        .routes(routes!(search))
        .routes(routes!(create))
        .routes(routes!(show, delete))
        .routes(routes!(reply))
        .routes(routes!(like, unlike))
        .routes(routes!(repost, unrepost))
}

/// The public timeline: live cruds of everyone, newest first.
#[utoipa::path(
    get,
    path = routes::HOME.route.path,
    tag = "activities",
    params(PageParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Cruds, newest first", body = [Activity]),
    )
)]
async fn home(
    State(state): State<AppState>,
    public: PublicRequest,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let now = state.clock.now();
    let (page, limit) = page_of(&params)?;
    let read = async {
        let items = state.store.home_feed(&page, now).await?;
        feed_page(&state, items, limit, &public.uri, now).await
    };
    public.serve(&state, now, read, EncodedPage::json).await
}

/// A request for a public page of cruds: its target, who asks (if signed in), and whether
/// afresh. Rejected as [`MaybeUser`] rejects a bad token.
struct PublicRequest {
    uri: Uri,
    viewer: Option<UserId>,
    fresh: Fresh,
}

impl FromRequestParts<AppState> for PublicRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Ok(OriginalUri(uri)) = OriginalUri::from_request_parts(parts, state).await;
        let viewer = MaybeUser::from_request_parts(parts, state).await?.uuid();
        let Ok(fresh) = Fresh::from_request_parts(parts, state).await;
        Ok(PublicRequest { uri, viewer, fresh })
    }
}

impl PublicRequest {
    /// The page: from the read cache while it is good there, else read by `read` (as a
    /// signed-out visitor gets it) and kept. A signed-in viewer gets it with their own likes
    /// and reposts marked, encoded again by `encode`, and kept for them.
    async fn serve(
        &self,
        state: &AppState,
        now: DateTime<Utc>,
        read: impl Future<Output = ApiResult<CachedPage>>,
        encode: impl FnOnce(&[Activity], Option<HeaderValue>) -> ApiResult<EncodedPage>,
    ) -> ApiResult<EncodedPage> {
        let target = request_target(&self.uri);
        let public = state
            .reads
            .public
            .get_or_read(target, now, self.fresh, read);
        let Some(viewer) = self.viewer else {
            return Ok(public.await?.encoded);
        };
        let theirs = async {
            let public = public.await?;
            let expires_at = public.expires_at();
            let mut cruds = public.cruds.to_vec();
            mark_reactions(state, Some(viewer), &mut cruds).await?;
            let encoded = encode(&cruds, public.encoded.link)?;
            Ok::<_, ApiError>(OwnPage {
                encoded,
                expires_at,
            })
        };
        let key = own_key(viewer, &self.uri);
        let page = state.reads.own.get_or_read(&key, now, self.fresh, theirs);
        Ok(page.await?.encoded)
    }
}

/// A feed's page of cruds with their threads, to cache.
async fn feed_page(
    state: &AppState,
    items: Vec<Activity>,
    limit: u32,
    uri: &Uri,
    now: DateTime<Utc>,
) -> ApiResult<CachedPage> {
    cached_page(Paged::new(
        threads(state, None, items, now).await?,
        limit,
        uri,
    ))
}

/// A page of cruds, to cache.
fn cached_page(paged: Paged<Activity>) -> ApiResult<CachedPage> {
    let encoded = paged.encode()?;
    Ok(CachedPage {
        cruds: paged.into_items().into(),
        encoded,
    })
}

/// The signed-in user's feed: live cruds of the people they follow and their own, newest
/// first.
#[utoipa::path(
    get,
    path = routes::FOLLOWING.route.path,
    tag = "activities",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cruds, newest first", body = [Activity]),
    )
)]
async fn following(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    current: CurrentUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Paged<Activity>> {
    let (page, limit) = page_of(&params)?;
    let now = state.clock.now();
    let items = state
        .store
        .following_feed(current.user.uuid, &page, now)
        .await?;
    let items = threads(&state, Some(current.user.uuid), items, now).await?;
    Ok(Paged::new(items, limit, &uri))
}

/// One user's live cruds, newest first.
#[utoipa::path(
    get,
    path = routes::USER_ACTIVITIES.route.path,
    tag = "activities",
    params(("handle" = String, Path, description = "The user's handle, without @"), PageParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Cruds, newest first", body = [Activity]),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
async fn user_activities(
    State(state): State<AppState>,
    public: PublicRequest,
    ApiHandle(handle): ApiHandle,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let (page, limit) = page_of(&params)?;
    let now = state.clock.now();
    let read = async {
        let items = state
            .store
            .user_feed(&handle, &page, now)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        feed_page(&state, items, limit, &public.uri, now).await
    };
    public.serve(&state, now, read, EncodedPage::json).await
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
    path = routes::SEARCH.route.path,
    tag = "activities",
    params(SearchParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Matching cruds, newest first", body = [Activity]),
        (status = 422, description = "`search_term_blank`, or a bad cursor or limit", body = [ErrorCode]),
        (status = 503, description = "`search_busy`: too many searches at once; or the store is unavailable", body = ErrorBody),
    )
)]
async fn search(
    State(state): State<AppState>,
    public: PublicRequest,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<EncodedPage> {
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
    let now = state.clock.now();
    let read = async {
        let found = if terms.is_empty() {
            SearchPage::default()
        } else {
            let _turn = state.searches.enter().await?;
            state.store.search(&terms, &page, now).await?
        };
        let items = threads(&state, None, found.activities, now).await?;
        let uri = &public.uri;
        cached_page(Paged::new(items, limit, uri).or_on_from(found.searched_to, uri))
    };
    public.serve(&state, now, read, EncodedPage::json).await
}

/// Replies a feed shows under each crud, as week 1 did.
pub const REPLIES_IN_FEEDS: u32 = 3;

/// A feed page as the API gives it: each crud with its latest [`REPLIES_IN_FEEDS`] replies
/// and, for a signed-in viewer, what they like and repost. At most two queries, whatever the
/// page's length.
async fn threads(
    state: &AppState,
    viewer: Option<UserId>,
    mut cruds: Vec<Activity>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Activity>> {
    // Only cruds with replies have a thread to read.
    let uuids: Vec<ActivityId> = cruds
        .iter()
        .filter(|crud| crud.replies_count > 0)
        .map(|crud| crud.uuid)
        .collect();
    let mut replies: HashMap<ActivityId, Vec<Reply>> = HashMap::new();
    for reply in state
        .store
        .latest_replies(&uuids, REPLIES_IN_FEEDS, now)
        .await?
    {
        replies
            .entry(reply.reply_to_activity_uuid)
            .or_default()
            .push(reply);
    }
    for crud in &mut cruds {
        crud.replies = replies.remove(&crud.uuid).unwrap_or_default();
    }
    mark_reactions(state, viewer, &mut cruds).await?;
    Ok(cruds)
}

/// Sets `liked_by_me` and `reposted_by_me` on the cruds and their replies for a signed-in
/// viewer (one query, none when nothing shown has a like or repost); a signed-out one has
/// neither.
async fn mark_reactions(
    state: &AppState,
    viewer: Option<UserId>,
    cruds: &mut [Activity],
) -> ApiResult<()> {
    let Some(viewer) = viewer else {
        return Ok(());
    };
    // Nobody likes or reposts what has no likes or reposts: those are not asked about.
    let uuids: Vec<ActivityId> = cruds
        .iter()
        .flat_map(|crud| {
            let replies = crud.replies.iter();
            std::iter::once((crud.uuid, crud.likes_count, crud.reposts_count))
                .chain(replies.map(|reply| (reply.uuid, reply.likes_count, reply.reposts_count)))
        })
        .filter(|&(_, likes, reposts)| likes + reposts > 0)
        .map(|(uuid, ..)| uuid)
        .collect();
    state.store.reactions(viewer, &uuids).await?.mark(cruds);
    Ok(())
}

/// Posts a crud that lives for `ttl`. Answers 200 (as week 1 did) with a `Location` header.
#[utoipa::path(
    post,
    path = routes::CREATE_ACTIVITY.route.path,
    tag = "activities",
    request_body = CreateActivity,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new crud", body = Activity,
            headers(("location" = String, description = "The crud's URL"))),
        (status = 422, description = "Every failing rule", body = [ErrorCode]),
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
    let location = routes::ACTIVITY
        .route
        .path_with(&[&activity.uuid.to_string()]);
    Ok(([(header::LOCATION, location)], Json(activity)))
}

/// One live crud with its replies, oldest reply first.
#[utoipa::path(
    get,
    path = routes::ACTIVITY.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud's uuid")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The crud and its replies", body = Activity),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn show(
    State(state): State<AppState>,
    public: PublicRequest,
    ApiPath(uuid): ApiPath<ActivityId>,
) -> ApiResult<EncodedPage> {
    let now = state.clock.now();
    let read = async {
        let activity = state
            .store
            .activity(uuid, now)
            .await?
            .ok_or(ApiError::NotFound("activity"))?;
        Ok(CachedPage {
            encoded: EncodedPage::json(&activity, None)?,
            cruds: Arc::new([activity]),
        })
    };
    // The page of one crud (never empty) is that crud.
    let one = |cruds: &[Activity], _| EncodedPage::json(&cruds.first(), None);
    public.serve(&state, now, read, one).await
}

/// Deletes one's own crud, with its replies and their likes, reposts and notifications, or
/// one's own reply.
#[utoipa::path(
    delete,
    path = routes::DELETE_ACTIVITY.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Someone else's", body = ErrorBody),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(uuid): ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    let deletion = state
        .store
        .delete_activity(current.user.uuid, uuid, state.clock.now())
        .await?;
    match deletion {
        Deletion::Deleted => Ok(StatusCode::NO_CONTENT),
        Deletion::NotFound => Err(ApiError::NotFound("activity")),
        Deletion::NotAuthor => Err(ApiError::Forbidden),
    }
}

/// Replies to a live crud. Answers 200 with the reply.
#[utoipa::path(
    post,
    path = routes::REPLY.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud replied to")),
    request_body = CreateReply,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reply", body = Reply,
            headers(("location" = String, description = "The crud's URL"))),
        (status = 400, description = "Malformed JSON or uuid", body = ErrorBody),
        (status = 404, description = "Unknown or expired crud", body = ErrorBody),
        (status = 422, description = "Every failing rule", body = [ErrorCode]),
    )
)]
async fn reply(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(uuid): ApiPath<ActivityId>,
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
    let location = routes::ACTIVITY.route.path_with(&[&uuid.to_string()]);
    Ok(([(header::LOCATION, location)], Json(reply)))
}

/// Likes a crud or reply (idempotent).
#[utoipa::path(
    post,
    path = routes::LIKE.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Liked"),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn like(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Like, true).await
}

/// Takes a like back (idempotent).
#[utoipa::path(
    delete,
    path = routes::UNLIKE.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not liked any more"),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn unlike(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Like, false).await
}

/// Reposts a crud or reply (idempotent).
#[utoipa::path(
    post,
    path = routes::REPOST.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Reposted"),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn repost(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Repost, true).await
}

/// Takes a repost back (idempotent).
#[utoipa::path(
    delete,
    path = routes::UNREPOST.route.path,
    tag = "activities",
    params(("uuid" = Uuid, Path, description = "The crud or reply")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not reposted any more"),
        (status = 404, description = "Unknown or expired", body = ErrorBody),
    )
)]
async fn unrepost(
    state: State<AppState>,
    current: CurrentUser,
    uuid: ApiPath<ActivityId>,
) -> ApiResult<StatusCode> {
    react(state, current, uuid, Reaction::Repost, false).await
}

async fn react(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(uuid): ApiPath<ActivityId>,
    reaction: Reaction,
    on: bool,
) -> ApiResult<StatusCode> {
    let (user, now) = (current.user.uuid, state.clock.now());
    if state
        .store
        .set_reaction(user, uuid, reaction, on, now)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("activity"))
    }
}

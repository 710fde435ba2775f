//! Direct messages. Only the two participants of a conversation can read or add to it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cruddur_contract::GroupId;
use cruddur_contract::routes;
use cruddur_contract::{CreateMessage, ErrorBody, ErrorCode, Message, MessageGroup, PageParams};
use cruddur_store::{Participant, StoreError};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiHandle, ApiJson, ApiPath, ApiQuery};
use crate::pagination::{EncodedPage, Paged, page_of};
use crate::read_cache::OwnPage;
use crate::routes::own_pages::OwnRequest;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(message_groups))
        .routes(routes!(group_messages))
        .routes(routes!(conversation))
        .routes(routes!(send))
}

/// My conversations, the one with the latest message first.
#[utoipa::path(
    get,
    path = routes::MESSAGE_GROUPS.route.path,
    tag = "messages",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Conversations, latest first", body = [MessageGroup]),
    )
)]
async fn message_groups(
    State(state): State<AppState>,
    own: OwnRequest,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let (page, limit) = page_of(&params)?;
    let read = async {
        let me = Participant::from(&own.current.user);
        let items = state.messages.message_groups(&me, &page).await?;
        lasting(Paged::new(items, limit, &own.uri))
    };
    own.serve(&state, state.clock.now(), read).await
}

/// A page of messages or conversations: nothing on it expires.
fn lasting<T: Serialize>(paged: Paged<T>) -> ApiResult<OwnPage> {
    Ok(OwnPage {
        encoded: paged.encode()?,
        expires_at: None,
    })
}

/// The messages of one of my conversations, oldest first; the `Link` header leads to older
/// ones.
#[utoipa::path(
    get,
    path = routes::MESSAGE_GROUP.route.path,
    tag = "messages",
    params(("uuid" = Uuid, Path, description = "The conversation"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Messages, oldest first", body = [Message]),
        (status = 404, description = "No such conversation, or not one of yours: which, is \
                                      not told", body = ErrorBody),
    )
)]
async fn group_messages(
    State(state): State<AppState>,
    own: OwnRequest,
    ApiPath(group): ApiPath<GroupId>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let (page, limit) = page_of(&params)?;
    let read = async {
        let me = Participant::from(&own.current.user);
        let items = match state.messages.group_messages(&me, group, &page).await {
            // Someone else's conversation answers as if there were none, so its id tells
            // nothing.
            Err(StoreError::Forbidden | StoreError::NotFound) => {
                return Err(ApiError::NotFound("message group"));
            }
            result => result?,
        };
        lasting(Paged::new(items, limit, &own.uri).reversed())
    };
    own.serve(&state, state.clock.now(), read).await
}

/// My conversation with a user, oldest first; the `Link` header leads to older messages.
#[utoipa::path(
    get,
    path = routes::CONVERSATION.route.path,
    tag = "messages",
    params(("handle" = String, Path, description = "The other person's handle"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Messages, oldest first (empty if none yet)", body = [Message]),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
async fn conversation(
    State(state): State<AppState>,
    own: OwnRequest,
    ApiHandle(handle): ApiHandle,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let (page, limit) = page_of(&params)?;
    let read = async {
        let other = state
            .store
            .user_by_handle(&handle)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        let me = Participant::from(&own.current.user);
        let items = state
            .messages
            .conversation(&me, &Participant::from(&other), &page)
            .await?;
        lasting(Paged::new(items, limit, &own.uri).reversed())
    };
    own.serve(&state, state.clock.now(), read).await
}

/// Sends a direct message, starting the conversation if needed. Answers 200 (as week 1 did).
#[utoipa::path(
    post,
    path = routes::SEND_MESSAGE.route.path,
    tag = "messages",
    request_body = CreateMessage,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = Message,
            headers(("location" = String, description = "The conversation's URL"))),
        (status = 422, description = "Every failing rule, `user_receiver_not_found` and `user_receiver_is_self` included", body = [ErrorCode]),
    )
)]
async fn send(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<CreateMessage>,
) -> ApiResult<impl IntoResponse> {
    let (text, receiver_handle) = body.validate()?;
    if receiver_handle.eq_ignore_ascii_case(&current.user.handle) {
        return Err(ApiError::invalid(ErrorCode::UserReceiverIsSelf));
    }
    let receiver = state
        .store
        .user_by_handle(&receiver_handle)
        .await?
        .ok_or(ApiError::invalid(ErrorCode::UserReceiverNotFound))?;
    let message = state
        .messages
        .send_message(
            &Participant::from(&current.user),
            &Participant::from(&receiver),
            &text,
            state.clock.now(),
        )
        .await?;
    let location = routes::CONVERSATION.route.path_with(&[&receiver.handle]);
    Ok(([(header::LOCATION, location)], Json(message)))
}

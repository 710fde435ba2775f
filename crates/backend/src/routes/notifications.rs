//! The signed-in user's notifications.

use axum::extract::{OriginalUri, State};
use cruddur_contract::{ErrorBody, ErrorCode, Notification, PageParams};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::pagination::{Paged, page_of};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(notifications))
}

/// Replies to my cruds, @mentions of me, likes and reposts of my cruds, new followers; newest
/// first.
#[utoipa::path(
    get,
    path = "/api/activities/notifications",
    tag = "notifications",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Notifications, newest first", body = [Notification],
            headers(("link" = String, description = "Next page, when there is one"))),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Bad cursor or limit", body = [ErrorCode]),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
async fn notifications(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    current: CurrentUser,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Paged<Notification>> {
    let (page, limit) = page_of(&params)?;
    let items = state
        .store
        .notifications(current.user.uuid, &page, state.clock.now())
        .await?;
    Ok(Paged::new(items, limit, &uri))
}

//! The signed-in user's notifications.

use axum::extract::State;
use cruddur_contract::routes;
use cruddur_contract::{Notification, PageParams};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::pagination::{EncodedPage, Paged, page_of};
use crate::read_cache::OwnPage;
use crate::routes::own_pages::OwnRequest;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(notifications))
}

/// Replies to my cruds, @mentions of me, likes and reposts of my cruds, new followers; newest
/// first.
#[utoipa::path(
    get,
    path = routes::NOTIFICATIONS.route.path,
    tag = "notifications",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Notifications, newest first", body = [Notification]),
    )
)]
async fn notifications(
    State(state): State<AppState>,
    own: OwnRequest,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<EncodedPage> {
    let (page, limit) = page_of(&params)?;
    let now = state.clock.now();
    let read = async {
        let items = state
            .store
            .notifications(own.current.user.uuid, &page, now)
            .await?;
        let expires_at = items.iter().filter_map(|item| item.expires_at).min();
        Ok(OwnPage {
            encoded: Paged::new(items, limit, &own.uri).encode()?,
            expires_at,
        })
    };
    own.serve(&state, now, read).await
}

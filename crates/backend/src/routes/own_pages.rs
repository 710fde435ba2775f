//! A signed-in user's own pages (notifications, conversations), served through the read
//! cache: kept per user, and forgotten on any write, like the public pages.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::Uri;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use cruddur_contract::UserId;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::pagination::EncodedPage;
use crate::read_cache::{Fresh, OwnPage, request_target};
use crate::state::AppState;

/// A request for one of the signed-in user's own pages: its target, who asks, and whether
/// afresh. Rejected as [`CurrentUser`] rejects.
pub struct OwnRequest {
    pub uri: Uri,
    pub current: CurrentUser,
    fresh: Fresh,
}

impl FromRequestParts<AppState> for OwnRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Ok(OriginalUri(uri)) = OriginalUri::from_request_parts(parts, state).await;
        let current = CurrentUser::from_request_parts(parts, state).await?;
        let Ok(fresh) = Fresh::from_request_parts(parts, state).await;
        Ok(OwnRequest {
            uri,
            current,
            fresh,
        })
    }
}

impl OwnRequest {
    /// The page: from the read cache while it is good there, else read by `read` and kept.
    pub async fn serve(
        &self,
        state: &AppState,
        now: DateTime<Utc>,
        read: impl Future<Output = ApiResult<OwnPage>>,
    ) -> ApiResult<EncodedPage> {
        let key = own_key(self.current.user.uuid, &self.uri);
        let page = state
            .reads
            .own
            .get_or_read(&key, now, self.fresh, read)
            .await?;
        Ok(page.encoded)
    }
}

/// Where `user`'s own page for `uri` is kept.
pub fn own_key(user: UserId, uri: &Uri) -> String {
    format!("{user} {}", request_target(uri))
}

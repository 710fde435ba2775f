//! Who follows whom.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Handle, Profile, UserId};

use crate::StoreResult;

#[async_trait]
pub trait FollowStore: Send + Sync + 'static {
    /// Follows (`true`) or unfollows the user with this handle; idempotent. The first follow
    /// notifies the followed user (once per follower). Returns the followed user's profile
    /// as the follower now sees it; `None` for an unknown handle. Following oneself is the
    /// caller's to refuse.
    async fn set_follow(
        &self,
        follower: UserId,
        followee_handle: &Handle,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>>;
}

//! Likes and reposts: the two [`Reaction`]s, with the same rules.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{ActivityId, Reaction, UserId};

use crate::{Reactions, StoreResult};

#[async_trait]
pub trait ReactionStore: Send + Sync + 'static {
    /// Gives (`on`) or takes back `user`'s like or repost of a live crud or reply; idempotent,
    /// so counts stay true. The first one by a user notifies the author (once per user,
    /// reaction and crud, never oneself). `false` if the crud or reply is unknown or expired.
    async fn set_reaction(
        &self,
        user: UserId,
        activity: ActivityId,
        reaction: Reaction,
        on: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Which of these cruds and replies `viewer` likes and reposts.
    async fn reactions(&self, viewer: UserId, activities: &[ActivityId]) -> StoreResult<Reactions>;
}

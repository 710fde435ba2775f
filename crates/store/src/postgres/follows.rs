//! Who follows whom.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Handle;
use cruddur_contract::Profile;
use cruddur_contract::UserId;

use super::PostgresStore;
use crate::{AccountStore, FollowStore, StoreResult};

#[async_trait]
impl FollowStore for PostgresStore {
    /// Inserting with `ON CONFLICT DO NOTHING` (or deleting) makes the toggle idempotent; the
    /// notification goes out only when a follow row was actually added, and the notifications'
    /// unique index keeps it to one per follower even across unfollow and follow again.
    async fn set_follow(
        &self,
        follower: UserId,
        followee_handle: &Handle,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        let change = if follow {
            sqlx::query(
                "WITH target AS (
                     SELECT uuid FROM users WHERE lower(handle) = lower($2)
                 ), added AS (
                     INSERT INTO follows (follower_uuid, followee_uuid, created_at)
                     SELECT $1, uuid, $3 FROM target
                     ON CONFLICT DO NOTHING
                     RETURNING followee_uuid
                 )
                 INSERT INTO notifications (user_uuid, actor_uuid, kind, created_at)
                 SELECT followee_uuid, $1, 'follow', $3 FROM added WHERE followee_uuid <> $1
                 ON CONFLICT DO NOTHING",
            )
            .bind(follower)
            .bind(followee_handle)
            .bind(now)
        } else {
            sqlx::query(
                "DELETE FROM follows f USING users u
                 WHERE f.follower_uuid = $1 AND f.followee_uuid = u.uuid
                     AND lower(u.handle) = lower($2)",
            )
            .bind(follower)
            .bind(followee_handle)
        };
        change.execute(&mut *self.pool.acquire().await?).await?;
        // A separate statement, so the counts include the change just committed.
        self.profile(followee_handle, Some(follower), now).await
    }
}

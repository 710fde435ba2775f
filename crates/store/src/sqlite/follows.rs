//! Who follows whom.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Handle;
use cruddur_contract::UserId;
use cruddur_contract::{NotificationKind, Profile};

use super::accounts::profile_on;
use super::{SqliteStore, micros, notifications};
use crate::{FollowStore, StoreResult};

#[async_trait]
impl FollowStore for SqliteStore {
    /// Only the first follow notifies: the notification outlives an unfollow, and the unique
    /// index keeps a re-follow silent.
    async fn set_follow(
        &self,
        follower: UserId,
        followee_handle: &Handle,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        let mut tx = self.writer.begin().await?;
        let followee: Option<UserId> =
            sqlx::query_scalar("SELECT uuid FROM users WHERE handle = ?")
                .bind(followee_handle)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(followee) = followee else {
            return Ok(None);
        };
        if follow {
            let inserted = sqlx::query(
                "INSERT INTO follows (follower_uuid, followee_uuid, created_at) VALUES (?, ?, ?)
                 ON CONFLICT DO NOTHING",
            )
            .bind(follower)
            .bind(followee)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if inserted {
                notifications::notify(
                    &mut tx,
                    followee,
                    follower,
                    NotificationKind::Follow,
                    None,
                    now,
                )
                .await?;
            }
        } else {
            sqlx::query("DELETE FROM follows WHERE follower_uuid = ? AND followee_uuid = ?")
                .bind(follower)
                .bind(followee)
                .execute(&mut *tx)
                .await?;
        }
        let profile = profile_on(&mut tx, followee_handle, Some(follower), now).await?;
        tx.commit().await?;
        Ok(profile)
    }
}

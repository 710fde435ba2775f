//! Likes and reposts of cruds and replies: idempotent toggles that keep the counts on
//! `activities` true.
//!
//! Each toggle is one statement. The count moves only by the rows the same statement inserted
//! (`ON CONFLICT DO NOTHING`) or deleted, so repeating a toggle, or racing it against itself,
//! cannot make it drift: a second insert of the same row waits for the first and then does
//! nothing, a second delete finds nothing to delete.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Reaction;
use cruddur_contract::{ActivityId, UserId};

use super::PostgresStore;
use crate::{ReactionStore, Reactions, StoreResult};

/// `$1` user, `$2` activity, `$3` now. The statement answers whether the activity is live.
/// The author is notified only when a row was added, and the notifications' unique index keeps
/// it to once per user and activity even after an undo and redo.
macro_rules! add_sql {
    ($table:literal, $count:literal, $kind:literal) => {
        concat!(
            "WITH target AS (
                 SELECT uuid, user_uuid FROM activities WHERE uuid = $2 AND expires_at > $3
             ), added AS (
                 INSERT INTO ",
            $table,
            " (activity_uuid, user_uuid, created_at)
                 SELECT uuid, $1, $3 FROM target
                 ON CONFLICT DO NOTHING
                 RETURNING activity_uuid
             ), counted AS (
                 UPDATE activities SET ",
            $count,
            " = ",
            $count,
            " + 1 WHERE uuid IN (SELECT activity_uuid FROM added)
             ), notified AS (
                 INSERT INTO notifications (user_uuid, actor_uuid, kind, activity_uuid, created_at)
                 SELECT target.user_uuid, $1, '",
            $kind,
            "', target.uuid, $3
                 FROM target, added WHERE target.user_uuid <> $1
                 ON CONFLICT DO NOTHING
             )
             SELECT EXISTS (SELECT 1 FROM target)"
        )
    };
}

/// `$1` user, `$2` activity, `$3` now. The statement answers whether the activity is live.
macro_rules! remove_sql {
    ($table:literal, $count:literal) => {
        concat!(
            "WITH target AS (
                 SELECT uuid FROM activities WHERE uuid = $2 AND expires_at > $3
             ), removed AS (
                 DELETE FROM ",
            $table,
            " r USING target WHERE r.activity_uuid = target.uuid AND r.user_uuid = $1
                 RETURNING r.activity_uuid
             ), counted AS (
                 UPDATE activities SET ",
            $count,
            " = ",
            $count,
            " - 1 WHERE uuid IN (SELECT activity_uuid FROM removed)
             )
             SELECT EXISTS (SELECT 1 FROM target)"
        )
    };
}

#[async_trait]
impl ReactionStore for PostgresStore {
    async fn set_reaction(
        &self,
        user: UserId,
        activity: ActivityId,
        reaction: Reaction,
        on: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let sql = match (reaction, on) {
            (Reaction::Like, true) => add_sql!("likes", "likes_count", "like"),
            (Reaction::Like, false) => remove_sql!("likes", "likes_count"),
            (Reaction::Repost, true) => add_sql!("reposts", "reposts_count", "repost"),
            (Reaction::Repost, false) => remove_sql!("reposts", "reposts_count"),
        };
        let live = sqlx::query_scalar(sql)
            .bind(user)
            .bind(activity)
            .bind(now)
            .fetch_one(&mut *self.pool.acquire().await?)
            .await?;
        Ok(live)
    }

    /// Which of `activities` `viewer` likes and reposts, from both tables' primary keys.
    async fn reactions(&self, viewer: UserId, activities: &[ActivityId]) -> StoreResult<Reactions> {
        if activities.is_empty() {
            return Ok(Reactions::default());
        }
        let rows: Vec<(ActivityId, bool)> = sqlx::query_as(
            "SELECT activity_uuid, false FROM likes
             WHERE user_uuid = $1 AND activity_uuid = ANY ($2)
             UNION ALL
             SELECT activity_uuid, true FROM reposts
             WHERE user_uuid = $1 AND activity_uuid = ANY ($2)",
        )
        .bind(viewer)
        .bind(activities)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().collect())
    }
}

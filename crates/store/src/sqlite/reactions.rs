//! Likes and reposts: the same toggle over two tables and two counters.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Reaction;
use cruddur_contract::{ActivityId, UserId};

use super::{SqliteStore, micros, notifications, uuid_list};
use crate::{ReactionStore, Reactions, StoreResult};

/// The statements of one reaction; tables and columns cannot be bound as parameters.
struct Statements {
    insert: &'static str,
    delete: &'static str,
    /// Adds the bound delta to the activity's counter.
    count: &'static str,
}

/// The statements of `reaction`.
fn statements(reaction: Reaction) -> Statements {
    match reaction {
        Reaction::Like => Statements {
            insert: "INSERT INTO likes (activity_uuid, user_uuid, created_at) VALUES (?, ?, ?)
                         ON CONFLICT DO NOTHING",
            delete: "DELETE FROM likes WHERE activity_uuid = ? AND user_uuid = ?",
            count: "UPDATE activities SET likes_count = likes_count + ? WHERE uuid = ?",
        },
        Reaction::Repost => Statements {
            insert: "INSERT INTO reposts (activity_uuid, user_uuid, created_at) VALUES (?, ?, ?)
                         ON CONFLICT DO NOTHING",
            delete: "DELETE FROM reposts WHERE activity_uuid = ? AND user_uuid = ?",
            count: "UPDATE activities SET reposts_count = reposts_count + ? WHERE uuid = ?",
        },
    }
}

#[async_trait]
impl ReactionStore for SqliteStore {
    /// Adds or removes `user`'s reaction to a live crud or reply. The counter moves only when a
    /// row was really inserted or deleted, so repeating a toggle never makes it drift; the author
    /// is notified on the first reaction only (see [`notifications::notify`]).
    async fn set_reaction(
        &self,
        user: UserId,
        activity: ActivityId,
        reaction: Reaction,
        on: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let statements = statements(reaction);
        let mut tx = self.writer.begin().await?;
        let author: Option<UserId> = sqlx::query_scalar(
            "SELECT user_uuid FROM activities WHERE uuid = ? AND expires_at > ?",
        )
        .bind(activity)
        .bind(micros(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(author) = author else {
            return Ok(false);
        };
        let changed = if on {
            sqlx::query(statements.insert)
                .bind(activity)
                .bind(user)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query(statements.delete)
                .bind(activity)
                .bind(user)
                .execute(&mut *tx)
                .await?
        }
        .rows_affected()
            > 0;
        if changed {
            sqlx::query(statements.count)
                .bind(if on { 1_i64 } else { -1 })
                .bind(activity)
                .execute(&mut *tx)
                .await?;
            if on {
                notifications::notify(
                    &mut tx,
                    author,
                    user,
                    reaction.notification_kind(),
                    Some(activity),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Which of `activities` `viewer` likes and reposts, from both tables' primary keys.
    async fn reactions(&self, viewer: UserId, activities: &[ActivityId]) -> StoreResult<Reactions> {
        if activities.is_empty() {
            return Ok(Reactions::default());
        }
        let rows: Vec<(ActivityId, bool)> = sqlx::query_as(
            "SELECT activity_uuid, false FROM likes
             WHERE user_uuid = ?1 AND activity_uuid IN (SELECT value FROM json_each(?2))
             UNION ALL
             SELECT activity_uuid, true FROM reposts
             WHERE user_uuid = ?1 AND activity_uuid IN (SELECT value FROM json_each(?2))",
        )
        .bind(viewer)
        .bind(uuid_list(activities))
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().collect())
    }
}

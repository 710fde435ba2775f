//! Cruds and replies: posting, reading, feeds and deleting.
//!
//! Replies are rows of `activities` with `reply_to` set and their crud's `expires_at`, so
//! `a.expires_at > now` is the liveness test for both.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Handle;
use cruddur_contract::{Activity, Reply, text};
use cruddur_contract::{ActivityId, UserId};
use sqlx::Connection;

use super::{BindPage, PostgresStore, search};
use crate::rows::{ActivityRow, activity_columns, feed, replies, thread};
use crate::{ActivityStore, Deletion, NewActivity, NewReply, Page, StoreError, StoreResult};

/// The handles @mentioned in `message`, lower-cased to compare with `lower(users.handle)`
/// (handles are ASCII).
fn mentioned_handles(message: &str) -> Vec<String> {
    text::mentions(message)
        .iter()
        .map(|handle| handle.to_ascii_lowercase())
        .collect()
}

#[async_trait]
impl ActivityStore for PostgresStore {
    /// Inserts the crud and its mention notifications in one statement. The author is looked up
    /// in the same statement, so an unknown author inserts nothing and returns no row.
    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity> {
        let row = sqlx::query_as::<_, ActivityRow>(concat!(
            "WITH u AS (
                 SELECT uuid, display_name, handle FROM users WHERE uuid = $1
             ), a AS (
                 INSERT INTO activities (user_uuid, message, created_at, expires_at)
                 SELECT uuid, $2, $3, $4 FROM u
                 RETURNING *
             ), mentioned AS (
                 INSERT INTO notifications (user_uuid, actor_uuid, kind, activity_uuid, created_at)
                 SELECT m.uuid, a.user_uuid, 'mention', a.uuid, a.created_at
                 FROM a JOIN users m ON lower(m.handle) = ANY ($5) AND m.uuid <> a.user_uuid
             ), indexed AS (
                 INSERT INTO search_terms (term, created_at, activity_uuid)
                 SELECT t.term, a.created_at, a.uuid FROM a, unnest($6::text[]) AS t (term)
             )
             SELECT ",
            activity_columns!(),
            " FROM a, u"
        ))
        .bind(new.author)
        .bind(&new.message)
        .bind(new.created_at)
        .bind(new.expires_at)
        .bind(mentioned_handles(&new.message))
        .bind(text::search_terms(&new.message))
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        row.map(ActivityRow::into_activity)
            .ok_or(StoreError::NotFound)
    }

    /// The crud and its replies in one query: the crud sorts first, then its replies oldest
    /// first. A reply's uuid finds only that reply (replies have no replies), which is `None`.
    async fn activity(
        &self,
        uuid: ActivityId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Activity>> {
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities a JOIN users u ON u.uuid = a.user_uuid
             WHERE (a.uuid = $1 OR a.reply_to = $1) AND a.expires_at > $2
             ORDER BY a.reply_to IS NOT NULL, a.created_at, a.uuid"
        ))
        .bind(uuid)
        .bind(now)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        thread(rows)
    }

    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>> {
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities a JOIN users u ON u.uuid = a.user_uuid
             WHERE a.reply_to IS NULL AND a.expires_at > $1
                 AND (a.created_at, a.uuid) < (COALESCE($2, 'infinity'), $3)
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT $4"
        ))
        .bind(now)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(feed(rows))
    }

    async fn following_feed(
        &self,
        user: UserId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>> {
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities a JOIN users u ON u.uuid = a.user_uuid
             WHERE a.reply_to IS NULL AND a.expires_at > $2
                 AND (a.created_at, a.uuid) < (COALESCE($3, 'infinity'), $4)
                 AND (a.user_uuid = $1 OR a.user_uuid IN
                      (SELECT followee_uuid FROM follows WHERE follower_uuid = $1))
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT $5"
        ))
        .bind(user)
        .bind(now)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(feed(rows))
    }

    /// The author is resolved by a scalar subquery, so the planner walks the author's index in
    /// feed order and stops at the limit. Only an empty page costs a second query, to tell an
    /// unknown handle from a user with nothing live.
    async fn user_feed(
        &self,
        handle: &Handle,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>> {
        // One connection for both statements.
        let mut connection = self.pool.acquire().await?;
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities a JOIN users u ON u.uuid = a.user_uuid
             WHERE a.user_uuid = (SELECT uuid FROM users WHERE lower(handle) = lower($1))
                 AND a.reply_to IS NULL AND a.expires_at > $2
                 AND (a.created_at, a.uuid) < (COALESCE($3, 'infinity'), $4)
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT $5"
        ))
        .bind(handle)
        .bind(now)
        .bind_page(page)
        .fetch_all(&mut *connection)
        .await?;
        if rows.is_empty() {
            let known: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM users WHERE lower(handle) = lower($1))",
            )
            .bind(handle)
            .fetch_one(&mut *connection)
            .await?;
            if !known {
                return Ok(None);
            }
        }
        Ok(Some(feed(rows)))
    }

    /// One statement: bump the crud's `replies_count` (the row lock serialises concurrent
    /// replies), insert the reply with the crud's `expires_at`, and notify. The crud's author gets
    /// a `reply` notification, and is not also notified of a mention; the replier is never
    /// notified. The author of the reply must exist for anything to change.
    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>> {
        let row = sqlx::query_as::<_, ActivityRow>(concat!(
            "WITH u AS (
                 SELECT uuid, display_name, handle FROM users WHERE uuid = $1
             ), answered AS (
                 SELECT uuid, user_uuid, coalesce(reply_to, uuid) AS crud_uuid FROM activities
                 WHERE uuid = $2 AND expires_at > $4
             ), crud AS (
                 UPDATE activities c SET replies_count = c.replies_count + 1
                 FROM u, answered
                 WHERE c.uuid = answered.crud_uuid
                 RETURNING c.uuid, c.user_uuid, c.expires_at
             ), a AS (
                 INSERT INTO activities (user_uuid, reply_to, message, created_at, expires_at)
                 SELECT u.uuid, crud.uuid, $3, $4, crud.expires_at FROM u, crud
                 RETURNING *
             ), notified AS (
                 INSERT INTO notifications (user_uuid, actor_uuid, kind, activity_uuid, created_at)
                 SELECT DISTINCT recipient, a.user_uuid, 'reply', a.uuid, a.created_at
                 FROM a, crud, answered,
                     LATERAL (VALUES (crud.user_uuid), (answered.user_uuid)) AS r (recipient)
                 WHERE recipient <> a.user_uuid
                 UNION ALL
                 SELECT m.uuid, a.user_uuid, 'mention', a.uuid, a.created_at
                 FROM a, crud, answered, users m
                 WHERE lower(m.handle) = ANY ($5) AND m.uuid <> a.user_uuid
                     AND m.uuid <> crud.user_uuid AND m.uuid <> answered.user_uuid
             )
             SELECT ",
            activity_columns!(),
            " FROM a, u"
        ))
        .bind(new.author)
        .bind(new.reply_to)
        .bind(&new.message)
        .bind(new.created_at)
        .bind(mentioned_handles(&new.message))
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        row.map(ActivityRow::into_reply).transpose()
    }

    /// For each crud, its `per_crud` newest replies by the replies index (a lateral join, so a
    /// long thread costs no more than a short one), then all of them in thread order.
    async fn latest_replies(
        &self,
        cruds: &[ActivityId],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>> {
        if cruds.is_empty() || per_crud == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM unnest($1::uuid[]) AS c (uuid)
             CROSS JOIN LATERAL (
                 SELECT * FROM activities r
                 WHERE r.reply_to = c.uuid AND r.expires_at > $2
                 ORDER BY r.created_at DESC, r.uuid DESC
                 LIMIT $3
             ) a
             JOIN users u ON u.uuid = a.user_uuid
             ORDER BY a.reply_to, a.created_at, a.uuid"
        ))
        .bind(cruds)
        .bind(now)
        .bind(i64::from(per_crud))
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        replies(rows)
    }

    /// One transaction: the row, locked, if it is live and the author's; a crud's search rows or
    /// a reply's count on its crud; then the row, cascades taking its likes, reposts,
    /// notifications and (a crud's) replies.
    async fn delete_activity(
        &self,
        author: UserId,
        uuid: ActivityId,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion> {
        let mut connection = self.pool.acquire().await?;
        let mut tx = connection.begin().await?;
        let found: Option<(UserId, Option<ActivityId>, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT user_uuid, reply_to, created_at, message FROM activities
             WHERE uuid = $1 AND expires_at > $2
             FOR UPDATE",
        )
        .bind(uuid)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((owner, reply_to, created_at, message)) = found else {
            return Ok(Deletion::NotFound);
        };
        if owner != author {
            return Ok(Deletion::NotAuthor);
        }
        match reply_to {
            None => {
                let mut rows = search::Rows::default();
                rows.push(uuid, created_at, &message);
                rows.delete(&mut tx).await?;
            }
            Some(crud) => {
                sqlx::query(
                    "UPDATE activities SET replies_count = replies_count - 1 WHERE uuid = $1",
                )
                .bind(crud)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM activities WHERE uuid = $1")
            .bind(uuid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Deletion::Deleted)
    }
}

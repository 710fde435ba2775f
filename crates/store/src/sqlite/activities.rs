//! Cruds and replies: posting, reading, the home and user feeds, deleting.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Handle;
use cruddur_contract::{Activity, NotificationKind, Reply};
use cruddur_contract::{ActivityId, UserId};

use super::{BindPage, SqliteStore, micros, notifications, search, uuid_list};
use crate::rows::{ActivityRow, activity_columns, feed, replies, thread};
use crate::{ActivityStore, Deletion, NewActivity, NewReply, Page, StoreError, StoreResult};

/// `SELECT` of [`ActivityRow`]s from activities `a` and their authors `u`, followed by the rest
/// of the statement.
macro_rules! select_activities {
    ($($rest:literal),* $(,)?) => {
        concat!(
            "SELECT ",
            activity_columns!(),
            " FROM activities a JOIN users u ON u.uuid = a.user_uuid ",
            $($rest),*
        )
    };
}

#[async_trait]
impl ActivityStore for SqliteStore {
    /// The author is read before the write, outside the one writer's queue: should the account be
    /// deleted in between, the crud's foreign key refuses it.
    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity> {
        let author: Option<(String, Handle)> =
            sqlx::query_as("SELECT display_name, handle FROM users WHERE uuid = ?")
                .bind(new.author)
                .fetch_optional(&mut *self.pool.acquire().await?)
                .await?;
        let (display_name, handle) = author.ok_or(StoreError::NotFound)?;
        let mut tx = self.writer.begin().await?;
        let uuid = ActivityId::random();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activities (uuid, user_uuid, message, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(uuid)
        .bind(new.author)
        .bind(&new.message)
        .bind(micros(new.created_at))
        .bind(micros(new.expires_at))
        .fetch_one(&mut *tx)
        .await?;
        search::index(&mut tx, id, uuid, new.created_at, &new.message).await?;
        notifications::notify_mentions(
            &mut tx,
            &new.message,
            new.author,
            uuid,
            new.created_at,
            &[],
        )
        .await?;
        tx.commit().await?;
        Ok(Activity::posted(
            uuid,
            (display_name, handle),
            new.message.clone(),
            new.created_at,
            new.expires_at,
        ))
    }

    /// The crud and its replies in one statement: the crud sorts first, then the replies oldest
    /// first. A reply's uuid yields the reply itself first, which is refused.
    async fn activity(
        &self,
        uuid: ActivityId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Activity>> {
        let rows: Vec<ActivityRow> = sqlx::query_as(select_activities!(
            "WHERE (a.uuid = ?1 OR a.reply_to = ?1) AND a.expires_at > ?2
             ORDER BY a.reply_to IS NOT NULL, a.created_at, a.uuid"
        ))
        .bind(uuid)
        .bind(micros(now))
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        thread(rows)
    }

    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>> {
        let rows = sqlx::query_as(select_activities!(
            "WHERE a.reply_to IS NULL AND a.expires_at > ?
               AND (a.created_at, a.uuid) < (?, ?)
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT ?"
        ))
        .bind(micros(now))
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
        let rows = sqlx::query_as(select_activities!(
            "WHERE a.reply_to IS NULL AND a.expires_at > ?2
               AND (a.created_at, a.uuid) < (?3, ?4)
               AND (a.user_uuid = ?1 OR a.user_uuid IN
                    (SELECT followee_uuid FROM follows WHERE follower_uuid = ?1))
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT ?5"
        ))
        .bind(user)
        .bind(micros(now))
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(feed(rows))
    }

    async fn user_feed(
        &self,
        handle: &Handle,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>> {
        // One connection for both statements.
        let mut connection = self.pool.acquire().await?;
        let rows: Vec<ActivityRow> = sqlx::query_as(select_activities!(
            "WHERE u.handle = ? AND a.reply_to IS NULL AND a.expires_at > ?
               AND (a.created_at, a.uuid) < (?, ?)
             ORDER BY a.created_at DESC, a.uuid DESC
             LIMIT ?"
        ))
        .bind(handle)
        .bind(micros(now))
        .bind_page(page)
        .fetch_all(&mut *connection)
        .await?;
        // An empty page says nothing about whether the user exists; only then ask.
        if rows.is_empty() {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE handle = ?)")
                    .bind(handle)
                    .fetch_one(&mut *connection)
                    .await?;
            if !exists {
                return Ok(None);
            }
        }
        Ok(Some(feed(rows)))
    }

    /// For each crud, its `per_crud` newest replies by the thread index (so a long thread costs
    /// no more than a short one), then all of them in thread order.
    async fn latest_replies(
        &self,
        cruds: &[ActivityId],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>> {
        if cruds.is_empty() || per_crud == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<ActivityRow> = sqlx::query_as(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM json_each(?1) c, activities a JOIN users u ON u.uuid = a.user_uuid
             WHERE a.id IN (SELECT r.id FROM activities r
                            WHERE r.reply_to = c.value AND r.expires_at > ?2
                            ORDER BY r.created_at DESC, r.uuid DESC LIMIT ?3)
             ORDER BY a.reply_to, a.created_at, a.uuid"
        ))
        .bind(uuid_list(cruds))
        .bind(micros(now))
        .bind(i64::from(per_crud))
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        replies(rows)
    }

    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>> {
        let mut tx = self.writer.begin().await?;
        // The crud of the thread: the one answered, or the one the answered reply is in.
        let thread: Option<(ActivityId, UserId, i64, UserId)> = sqlx::query_as(
            "SELECT crud.uuid, crud.user_uuid, crud.expires_at, answered.user_uuid
             FROM activities answered
             JOIN activities crud ON crud.uuid = coalesce(answered.reply_to, answered.uuid)
             WHERE answered.uuid = ? AND answered.expires_at > ?",
        )
        .bind(new.reply_to)
        .bind(micros(new.created_at))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((crud, crud_author, expires_at, answered_author)) = thread else {
            return Ok(None);
        };
        let author: Option<(String, Handle)> =
            sqlx::query_as("SELECT display_name, handle FROM users WHERE uuid = ?")
                .bind(new.author)
                .fetch_optional(&mut *tx)
                .await?;
        let (display_name, handle) = author.ok_or(StoreError::NotFound)?;

        let uuid = ActivityId::random();
        sqlx::query(
            "INSERT INTO activities (uuid, user_uuid, reply_to, message, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid)
        .bind(new.author)
        .bind(crud)
        .bind(&new.message)
        .bind(micros(new.created_at))
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE activities SET replies_count = replies_count + 1 WHERE uuid = ?")
            .bind(crud)
            .execute(&mut *tx)
            .await?;
        // The crud's author and the answered reply's (the same person when a crud is answered).
        for recipient in [crud_author, answered_author] {
            notifications::notify(
                &mut tx,
                recipient,
                new.author,
                NotificationKind::Reply,
                Some(uuid),
                new.created_at,
            )
            .await?;
        }
        // They already heard of this reply.
        notifications::notify_mentions(
            &mut tx,
            &new.message,
            new.author,
            uuid,
            new.created_at,
            &[crud_author, answered_author],
        )
        .await?;
        tx.commit().await?;
        Ok(Some(Reply {
            uuid,
            reply_to_activity_uuid: crud,
            display_name,
            handle,
            message: new.message.clone(),
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            created_at: new.created_at,
            liked_by_me: false,
            reposted_by_me: false,
        }))
    }

    /// Deletes the crud or reply (cascades take its likes, reposts, notifications and a crud's
    /// replies); a crud's search rows go first, a reply's crud counts one reply fewer.
    async fn delete_activity(
        &self,
        author: UserId,
        uuid: ActivityId,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion> {
        let mut tx = self.writer.begin().await?;
        let found: Option<(i64, UserId, Option<ActivityId>, i64, String)> = sqlx::query_as(
            "SELECT id, user_uuid, reply_to, created_at, message FROM activities
             WHERE uuid = ? AND expires_at > ?",
        )
        .bind(uuid)
        .bind(micros(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, owner, reply_to, created_at, message)) = found else {
            return Ok(Deletion::NotFound);
        };
        if owner != author {
            return Ok(Deletion::NotAuthor);
        }
        match reply_to {
            None => search::unindex(&mut tx, uuid, created_at, &message).await?,
            Some(crud) => {
                sqlx::query(
                    "UPDATE activities SET replies_count = replies_count - 1 WHERE uuid = ?",
                )
                .bind(crud)
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM activities WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Deletion::Deleted)
    }
}

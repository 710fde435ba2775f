//! Cruds and replies: posting, reading, the home and user feeds, and purging.

use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, NotificationKind, Reply};
use sqlx::SqlitePool;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::writer::Writer;
use super::{after, micros, notifications, search, time, uuid_list};
use crate::{Deletion, NewActivity, NewReply, Page, StoreError, StoreResult, in_purge_batches};

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

/// The columns of an [`ActivityRow`], from activities `a` and their authors `u`.
macro_rules! activity_columns {
    () => {
        "a.uuid, a.reply_to, u.display_name, u.handle, a.message, a.created_at, a.expires_at,
         a.likes_count, a.replies_count, a.reposts_count"
    };
}
pub(super) use activity_columns;

#[derive(sqlx::FromRow)]
pub(super) struct ActivityRow {
    uuid: Hyphenated,
    reply_to: Option<Hyphenated>,
    display_name: String,
    handle: String,
    message: String,
    created_at: i64,
    expires_at: i64,
    likes_count: i64,
    replies_count: i64,
    reposts_count: i64,
}

impl ActivityRow {
    pub(super) fn into_activity(self) -> StoreResult<Activity> {
        Ok(Activity {
            uuid: self.uuid.into_uuid(),
            display_name: self.display_name,
            handle: self.handle,
            message: self.message,
            created_at: time(self.created_at)?,
            expires_at: time(self.expires_at)?,
            likes_count: self.likes_count,
            replies_count: self.replies_count,
            reposts_count: self.reposts_count,
            replies: Vec::new(),
            liked_by_me: false,
            reposted_by_me: false,
        })
    }

    fn into_reply(self) -> StoreResult<Reply> {
        let reply_to = self.reply_to.ok_or_else(|| {
            StoreError::Internal(format!("activity {} is not a reply", self.uuid).into())
        })?;
        Ok(Reply {
            uuid: self.uuid.into_uuid(),
            reply_to_activity_uuid: reply_to.into_uuid(),
            display_name: self.display_name,
            handle: self.handle,
            message: self.message,
            likes_count: self.likes_count,
            replies_count: self.replies_count,
            reposts_count: self.reposts_count,
            created_at: time(self.created_at)?,
            liked_by_me: false,
            reposted_by_me: false,
        })
    }
}

pub(super) fn into_activities(rows: Vec<ActivityRow>) -> StoreResult<Vec<Activity>> {
    rows.into_iter().map(ActivityRow::into_activity).collect()
}

/// The author is read before the write, outside the one writer's queue: should the account be
/// deleted in between, the crud's foreign key refuses it.
pub(super) async fn create_activity(
    pool: &SqlitePool,
    writer: &Writer,
    new: &NewActivity,
) -> StoreResult<Activity> {
    let author: Option<(String, String)> =
        sqlx::query_as("SELECT display_name, handle FROM users WHERE uuid = ?")
            .bind(new.author.hyphenated())
            .fetch_optional(pool)
            .await?;
    let (display_name, handle) = author.ok_or(StoreError::NotFound)?;
    let mut tx = writer.begin().await?;
    let uuid = Uuid::new_v4();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (uuid, user_uuid, message, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?)
         RETURNING id",
    )
    .bind(uuid.hyphenated())
    .bind(new.author.hyphenated())
    .bind(&new.message)
    .bind(micros(new.created_at))
    .bind(micros(new.expires_at))
    .fetch_one(&mut *tx)
    .await?;
    search::index(&mut tx, id, uuid, new.created_at, &new.message).await?;
    notifications::notify_mentions(&mut tx, &new.message, new.author, uuid, new.created_at, &[])
        .await?;
    tx.commit().await?;
    Ok(Activity {
        uuid,
        display_name,
        handle,
        message: new.message.clone(),
        created_at: new.created_at,
        expires_at: new.expires_at,
        likes_count: 0,
        replies_count: 0,
        reposts_count: 0,
        replies: Vec::new(),
        liked_by_me: false,
        reposted_by_me: false,
    })
}

/// The crud and its replies in one statement: the crud sorts first, then the replies oldest
/// first. A reply's uuid yields the reply itself first, which is refused.
pub(super) async fn activity(
    pool: &SqlitePool,
    uuid: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<Activity>> {
    let rows: Vec<ActivityRow> = sqlx::query_as(select_activities!(
        "WHERE (a.uuid = ?1 OR a.reply_to = ?1) AND a.expires_at > ?2
         ORDER BY a.reply_to IS NOT NULL, a.created_at, a.uuid"
    ))
    .bind(uuid.hyphenated())
    .bind(micros(now))
    .fetch_all(pool)
    .await?;
    let mut rows = rows.into_iter();
    let Some(crud) = rows.next().filter(|row| row.reply_to.is_none()) else {
        return Ok(None);
    };
    let mut activity = crud.into_activity()?;
    activity.replies = rows
        .map(ActivityRow::into_reply)
        .collect::<StoreResult<_>>()?;
    Ok(Some(activity))
}

pub(super) async fn home_feed(
    pool: &SqlitePool,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Activity>> {
    let (after_time, after_uuid) = after(page);
    let rows = sqlx::query_as(select_activities!(
        "WHERE a.reply_to IS NULL AND a.expires_at > ?
           AND (a.created_at, a.uuid) < (?, ?)
         ORDER BY a.created_at DESC, a.uuid DESC
         LIMIT ?"
    ))
    .bind(micros(now))
    .bind(after_time)
    .bind(after_uuid)
    .bind(i64::from(page.limit))
    .fetch_all(pool)
    .await?;
    into_activities(rows)
}

pub(super) async fn following_feed(
    pool: &SqlitePool,
    user: Uuid,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Activity>> {
    let (after_time, after_uuid) = after(page);
    let rows = sqlx::query_as(select_activities!(
        "WHERE a.reply_to IS NULL AND a.expires_at > ?2
           AND (a.created_at, a.uuid) < (?3, ?4)
           AND (a.user_uuid = ?1 OR a.user_uuid IN
                (SELECT followee_uuid FROM follows WHERE follower_uuid = ?1))
         ORDER BY a.created_at DESC, a.uuid DESC
         LIMIT ?5"
    ))
    .bind(user.hyphenated())
    .bind(micros(now))
    .bind(after_time)
    .bind(after_uuid)
    .bind(i64::from(page.limit))
    .fetch_all(pool)
    .await?;
    into_activities(rows)
}

pub(super) async fn user_feed(
    pool: &SqlitePool,
    handle: &str,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Option<Vec<Activity>>> {
    let (after_time, after_uuid) = after(page);
    let rows: Vec<ActivityRow> = sqlx::query_as(select_activities!(
        "WHERE u.handle = ? AND a.reply_to IS NULL AND a.expires_at > ?
           AND (a.created_at, a.uuid) < (?, ?)
         ORDER BY a.created_at DESC, a.uuid DESC
         LIMIT ?"
    ))
    .bind(handle)
    .bind(micros(now))
    .bind(after_time)
    .bind(after_uuid)
    .bind(i64::from(page.limit))
    .fetch_all(pool)
    .await?;
    // An empty page says nothing about whether the user exists; only then ask.
    if rows.is_empty() {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE handle = ?)")
                .bind(handle)
                .fetch_one(pool)
                .await?;
        if !exists {
            return Ok(None);
        }
    }
    into_activities(rows).map(Some)
}

/// For each crud, its `per_crud` newest replies by the thread index (so a long thread costs
/// no more than a short one), then all of them in thread order.
pub(super) async fn latest_replies(
    pool: &SqlitePool,
    cruds: &[Uuid],
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
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ActivityRow::into_reply).collect()
}

/// Deletes the crud or reply (cascades take its likes, reposts, notifications and a crud's
/// replies); a crud's search rows go first, a reply's crud counts one reply fewer.
pub(super) async fn delete_activity(
    writer: &Writer,
    author: Uuid,
    uuid: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Deletion> {
    let mut tx = writer.begin().await?;
    let found: Option<(i64, Hyphenated, Option<Hyphenated>, i64, String)> = sqlx::query_as(
        "SELECT id, user_uuid, reply_to, created_at, message FROM activities
         WHERE uuid = ? AND expires_at > ?",
    )
    .bind(uuid.hyphenated())
    .bind(micros(now))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, owner, reply_to, created_at, message)) = found else {
        return Ok(Deletion::NotFound);
    };
    if owner.into_uuid() != author {
        return Ok(Deletion::NotAuthor);
    }
    match reply_to {
        None => search::unindex(&mut tx, uuid, created_at, &message).await?,
        Some(crud) => {
            sqlx::query("UPDATE activities SET replies_count = replies_count - 1 WHERE uuid = ?")
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

pub(super) async fn create_reply(writer: &Writer, new: &NewReply) -> StoreResult<Option<Reply>> {
    let mut tx = writer.begin().await?;
    // The crud of the thread: the one answered, or the one the answered reply is in.
    let thread: Option<(Hyphenated, Hyphenated, i64, Hyphenated)> = sqlx::query_as(
        "SELECT crud.uuid, crud.user_uuid, crud.expires_at, answered.user_uuid
         FROM activities answered
         JOIN activities crud ON crud.uuid = coalesce(answered.reply_to, answered.uuid)
         WHERE answered.uuid = ? AND answered.expires_at > ?",
    )
    .bind(new.reply_to.hyphenated())
    .bind(micros(new.created_at))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((crud, crud_author, expires_at, answered_author)) = thread else {
        return Ok(None);
    };
    let (crud, crud_author) = (crud.into_uuid(), crud_author.into_uuid());
    let answered_author = answered_author.into_uuid();
    let author: Option<(String, String)> =
        sqlx::query_as("SELECT display_name, handle FROM users WHERE uuid = ?")
            .bind(new.author.hyphenated())
            .fetch_optional(&mut *tx)
            .await?;
    let (display_name, handle) = author.ok_or(StoreError::NotFound)?;

    let uuid = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO activities (uuid, user_uuid, reply_to, message, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid.hyphenated())
    .bind(new.author.hyphenated())
    .bind(crud.hyphenated())
    .bind(&new.message)
    .bind(micros(new.created_at))
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE activities SET replies_count = replies_count + 1 WHERE uuid = ?")
        .bind(crud.hyphenated())
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

/// Rows one purge batch deletes. Each write runs in a savepoint, whose copies of the pages it
/// changes SQLite keeps in memory (`temp_store = memory`): a crud's search rows alone touch
/// a dozen pages, so a thousand cruds held 70 MiB at once where a hundred hold a tenth.
const PURGE_BATCH: i64 = 100;

/// Deletes expired replies, then expired cruds with their search rows, then expired sessions
/// (nothing else removes them). Likes, reposts and notifications go with each row through
/// foreign-key cascades. Deletes in batches of [`PURGE_BATCH`], each its own short write, so
/// that purging a backlog (half a million cruds expiring at once) never holds the write lock
/// or a connection for long: reads and writes go on between the batches. Replies go first, so
/// each batch counts the rows it deletes rather than ones its cascades take along.
pub(super) async fn purge_expired(writer: &Writer, now: DateTime<Utc>) -> StoreResult<u64> {
    let now = micros(now);
    let replies = in_purge_batches(PURGE_BATCH, || {
        delete_batch(
            writer,
            "DELETE FROM activities WHERE id IN (SELECT id FROM activities
              INDEXED BY activities_reply_expiry
              WHERE expires_at <= ? AND reply_to IS NOT NULL LIMIT ?)",
            now,
        )
    })
    .await?;
    let cruds = in_purge_batches(PURGE_BATCH, || purge_crud_batch(writer, now)).await?;
    in_purge_batches(PURGE_BATCH, || {
        delete_batch(
            writer,
            "DELETE FROM sessions WHERE uuid IN (SELECT uuid FROM sessions
              WHERE expires_at <= ? LIMIT ?)",
            now,
        )
    })
    .await?;
    Ok(replies + cruds)
}

/// One write: up to [`PURGE_BATCH`] expired cruds, their search rows first.
async fn purge_crud_batch(writer: &Writer, now: i64) -> StoreResult<u64> {
    let mut tx = writer.begin().await?;
    let expired: Vec<(i64, Hyphenated, i64, String)> = sqlx::query_as(
        // By expiry, as for replies: the planner would rather walk the thread index for
        // `reply_to IS NULL`, every crud, which at a million takes longer than the bound.
        "SELECT id, uuid, created_at, message FROM activities INDEXED BY activities_crud_expiry
         WHERE expires_at <= ? AND reply_to IS NULL LIMIT ?",
    )
    .bind(now)
    .bind(PURGE_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for (_, uuid, created_at, message) in &expired {
        search::unindex(&mut tx, uuid.into_uuid(), *created_at, message).await?;
    }
    let ids: Vec<i64> = expired.iter().map(|(id, ..)| *id).collect();
    sqlx::query("DELETE FROM activities WHERE id IN (SELECT value FROM json_each(?))")
        .bind(serde_json::to_string(&ids).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(expired.len() as u64)
}

/// One write running `delete`, bound to `now` and [`PURGE_BATCH`]; the rows it deleted.
async fn delete_batch(writer: &Writer, delete: &str, now: i64) -> StoreResult<u64> {
    let mut tx = writer.begin().await?;
    let deleted = sqlx::query(delete)
        .bind(now)
        .bind(PURGE_BATCH)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted)
}

//! Notifications: recording them as people act, and each user's feed of them.

use chrono::{DateTime, Utc};
use cruddur_contract::{Concerned, Notification, NotificationKind, text};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::{after, micros, time, uuid_list};
use crate::{Page, StoreError, StoreResult};

/// Tells `recipient` that `actor` did `kind` (to `activity`, if any). Nobody is told of their
/// own acts, and the unique index `notifications_once` keeps repeats of the same act silent.
pub(super) async fn notify(
    conn: &mut SqliteConnection,
    recipient: Uuid,
    actor: Uuid,
    kind: NotificationKind,
    activity: Option<Uuid>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    if recipient == actor {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO notifications (uuid, user_uuid, actor_uuid, kind, activity_uuid, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(Uuid::new_v4().hyphenated())
    .bind(recipient.hyphenated())
    .bind(actor.hyphenated())
    .bind(kind.as_str())
    .bind(activity.map(|uuid| uuid.hyphenated()))
    .bind(micros(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Tells every existing user @mentioned in `message` (handles compared case-insensitively)
/// that `actor` mentioned them in `activity`, except `actor` and those in `except`.
pub(super) async fn notify_mentions(
    conn: &mut SqliteConnection,
    message: &str,
    actor: Uuid,
    activity: Uuid,
    at: DateTime<Utc>,
    except: &[Uuid],
) -> StoreResult<()> {
    for handle in text::mentions(message) {
        // The WHERE clause also resolves SQLite's INSERT … SELECT … ON CONFLICT ambiguity.
        sqlx::query(
            "INSERT INTO notifications (uuid, user_uuid, actor_uuid, kind, activity_uuid, created_at)
             SELECT ?1, u.uuid, ?2, ?3, ?4, ?5 FROM users u
             WHERE u.handle = ?6 AND u.uuid <> ?2
               AND u.uuid NOT IN (SELECT value FROM json_each(?7))
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::new_v4().hyphenated())
        .bind(actor.hyphenated())
        .bind(NotificationKind::Mention.as_str())
        .bind(activity.hyphenated())
        .bind(micros(at))
        .bind(handle)
        .bind(uuid_list(except))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A notification and, unless it is a follow, the crud or reply concerned (columns `a_*`) and
/// the author of its thread's crud.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    uuid: Hyphenated,
    kind: String,
    display_name: String,
    handle: String,
    created_at: i64,
    a_uuid: Option<Hyphenated>,
    a_message: Option<String>,
    a_expires_at: Option<i64>,
    a_likes_count: Option<i64>,
    a_replies_count: Option<i64>,
    a_reposts_count: Option<i64>,
    thread_uuid: Option<Hyphenated>,
    thread_handle: Option<String>,
}

impl NotificationRow {
    fn into_notification(self) -> StoreResult<Notification> {
        let kind = NotificationKind::parse(&self.kind).ok_or_else(|| {
            StoreError::Internal(format!("unknown notification kind {:?}", self.kind).into())
        })?;
        let concerned = match (self.a_uuid, self.thread_uuid, self.thread_handle) {
            (Some(uuid), Some(thread_uuid), Some(thread_handle)) => Some(Concerned {
                uuid: uuid.into_uuid(),
                message: self.a_message.unwrap_or_default(),
                expires_at: time(self.a_expires_at.unwrap_or_default())?,
                likes_count: self.a_likes_count.unwrap_or_default(),
                replies_count: self.a_replies_count.unwrap_or_default(),
                reposts_count: self.a_reposts_count.unwrap_or_default(),
                thread_uuid: thread_uuid.into_uuid(),
                thread_handle,
            }),
            _ => None,
        };
        Ok(Notification::new(
            self.uuid.into_uuid(),
            kind,
            (self.display_name, self.handle),
            time(self.created_at)?,
            concerned,
        ))
    }
}

/// The names are the actor's and the thread author's as they are now; notifications about a
/// crud or reply that has expired (but is not purged yet) are skipped.
pub(super) async fn feed(
    pool: &SqlitePool,
    user: Uuid,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    let (after_time, after_uuid) = after(page);
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT n.uuid, n.kind, actor.display_name, actor.handle, n.created_at,
                a.uuid AS a_uuid, a.message AS a_message, a.expires_at AS a_expires_at,
                a.likes_count AS a_likes_count, a.replies_count AS a_replies_count,
                a.reposts_count AS a_reposts_count,
                thread.uuid AS thread_uuid, thread_author.handle AS thread_handle
         FROM notifications n
         JOIN users actor ON actor.uuid = n.actor_uuid
         LEFT JOIN activities a ON a.uuid = n.activity_uuid
         LEFT JOIN activities thread ON thread.uuid = coalesce(a.reply_to, a.uuid)
         LEFT JOIN users thread_author ON thread_author.uuid = thread.user_uuid
         WHERE n.user_uuid = ?
           AND (n.activity_uuid IS NULL OR a.expires_at > ?)
           AND (n.created_at, n.uuid) < (?, ?)
         ORDER BY n.created_at DESC, n.uuid DESC
         LIMIT ?",
    )
    .bind(user.hyphenated())
    .bind(micros(now))
    .bind(after_time)
    .bind(after_uuid)
    .bind(i64::from(page.limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(NotificationRow::into_notification)
        .collect()
}

//! Notifications: recording them as people act, and each user's feed of them.

use chrono::{DateTime, Utc};
use cruddur_contract::{Notification, NotificationKind, text};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::{after, micros, time};
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
/// that `actor` mentioned them in `activity`, except `actor` and `except`.
pub(super) async fn notify_mentions(
    conn: &mut SqliteConnection,
    message: &str,
    actor: Uuid,
    activity: Uuid,
    at: DateTime<Utc>,
    except: Option<Uuid>,
) -> StoreResult<()> {
    for handle in text::mentions(message) {
        // The WHERE clause also resolves SQLite's INSERT … SELECT … ON CONFLICT ambiguity.
        sqlx::query(
            "INSERT INTO notifications (uuid, user_uuid, actor_uuid, kind, activity_uuid, created_at)
             SELECT ?1, u.uuid, ?2, ?3, ?4, ?5 FROM users u
             WHERE u.handle = ?6 AND u.uuid <> ?2 AND u.uuid IS NOT ?7
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::new_v4().hyphenated())
        .bind(actor.hyphenated())
        .bind(NotificationKind::Mention.as_str())
        .bind(activity.hyphenated())
        .bind(micros(at))
        .bind(handle)
        .bind(except.map(|uuid| uuid.hyphenated()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    uuid: Hyphenated,
    kind: String,
    display_name: String,
    handle: String,
    activity_uuid: Option<Hyphenated>,
    message: Option<String>,
    created_at: i64,
}

impl NotificationRow {
    fn into_notification(self) -> StoreResult<Notification> {
        let kind = NotificationKind::parse(&self.kind).ok_or_else(|| {
            StoreError::Internal(format!("unknown notification kind {:?}", self.kind).into())
        })?;
        Ok(Notification {
            uuid: self.uuid.into_uuid(),
            kind,
            display_name: self.display_name,
            handle: self.handle,
            activity_uuid: self.activity_uuid.map(Hyphenated::into_uuid),
            message: self.message,
            created_at: time(self.created_at)?,
        })
    }
}

/// The names are the actor's as they are now; notifications about a crud or reply that has
/// expired (but is not purged yet) are skipped.
pub(super) async fn feed(
    pool: &SqlitePool,
    user: Uuid,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    let (after_time, after_uuid) = after(page);
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT n.uuid, n.kind, actor.display_name, actor.handle, n.activity_uuid, a.message,
                n.created_at
         FROM notifications n
         JOIN users actor ON actor.uuid = n.actor_uuid
         LEFT JOIN activities a ON a.uuid = n.activity_uuid
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

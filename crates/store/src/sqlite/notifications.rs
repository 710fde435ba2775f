//! Notifications: recording them as people act, and each user's feed of them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{ActivityId, NotificationId, UserId};
use cruddur_contract::{Notification, NotificationKind, text};
use sqlx::SqliteConnection;

use super::{BindPage, SqliteStore, micros, uuid_list};
use crate::rows::{NotificationRow, select_notifications};
use crate::{NotificationStore, Page, StoreResult};

/// Tells `recipient` that `actor` did `kind` (to `activity`, if any). Nobody is told of their
/// own acts, and the unique index `notifications_once` keeps repeats of the same act silent.
pub(super) async fn notify(
    conn: &mut SqliteConnection,
    recipient: UserId,
    actor: UserId,
    kind: NotificationKind,
    activity: Option<ActivityId>,
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
    .bind(NotificationId::random())
    .bind(recipient)
    .bind(actor)
    .bind(kind.as_str())
    .bind(activity)
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
    actor: UserId,
    activity: ActivityId,
    at: DateTime<Utc>,
    except: &[UserId],
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
        .bind(NotificationId::random())
        .bind(actor)
        .bind(NotificationKind::Mention.as_str())
        .bind(activity)
        .bind(micros(at))
        .bind(handle)
        .bind(uuid_list(except))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl NotificationStore for SqliteStore {
    /// The names are the actor's and the thread author's as they are now; notifications about a
    /// crud or reply that has expired (but is not purged yet) are skipped.
    async fn notifications(
        &self,
        user: UserId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>> {
        let rows: Vec<NotificationRow> = sqlx::query_as(concat!(
            select_notifications!(),
            "WHERE n.user_uuid = ?
               AND (n.activity_uuid IS NULL OR a.expires_at > ?)
               AND (n.created_at, n.uuid) < (?, ?)
             ORDER BY n.created_at DESC, n.uuid DESC
             LIMIT ?",
        ))
        .bind(user)
        .bind(micros(now))
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        rows.into_iter().map(Notification::try_from).collect()
    }
}

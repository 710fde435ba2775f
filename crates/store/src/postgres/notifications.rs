//! The notifications feed. Notifications are written by the statements that cause them (in
//! `activities.rs`, `reactions.rs` and `accounts.rs`); this reads them back.

use chrono::{DateTime, Utc};
use cruddur_contract::{Concerned, Notification, NotificationKind};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use super::Keyset;
use crate::{Page, StoreError, StoreResult};

/// A notification and, unless it is a follow, the crud or reply concerned (columns `a_*`) and
/// the author of its thread's crud.
#[derive(FromRow)]
struct NotificationRow {
    uuid: Uuid,
    kind: String,
    display_name: String,
    handle: String,
    created_at: DateTime<Utc>,
    a_uuid: Option<Uuid>,
    a_message: Option<String>,
    a_expires_at: Option<DateTime<Utc>>,
    a_likes_count: Option<i64>,
    a_replies_count: Option<i64>,
    a_reposts_count: Option<i64>,
    thread_uuid: Option<Uuid>,
    thread_handle: Option<String>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> StoreResult<Self> {
        // The schema's CHECK constraint allows only known kinds; anything else is corruption.
        let kind = NotificationKind::parse(&row.kind).ok_or_else(|| {
            StoreError::Internal(format!("unknown notification kind {:?}", row.kind).into())
        })?;
        let concerned = match (
            row.a_uuid,
            row.a_expires_at,
            row.thread_uuid,
            row.thread_handle,
        ) {
            (Some(uuid), Some(expires_at), Some(thread_uuid), Some(thread_handle)) => {
                Some(Concerned {
                    uuid,
                    message: row.a_message.unwrap_or_default(),
                    expires_at,
                    likes_count: row.a_likes_count.unwrap_or_default(),
                    replies_count: row.a_replies_count.unwrap_or_default(),
                    reposts_count: row.a_reposts_count.unwrap_or_default(),
                    thread_uuid,
                    thread_handle,
                })
            }
            _ => None,
        };
        Ok(Notification::new(
            row.uuid,
            kind,
            (row.display_name, row.handle),
            row.created_at,
            concerned,
        ))
    }
}

/// Names the actor, and the crud or reply concerned and its thread when there is one;
/// notifications about an activity that is no longer live are skipped even before it is
/// purged.
pub(super) async fn notifications(
    pool: &PgPool,
    user: Uuid,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    let keyset = Keyset::from(page);
    let rows = sqlx::query_as::<_, NotificationRow>(
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
         WHERE n.user_uuid = $1
             AND (n.activity_uuid IS NULL OR a.expires_at > $2)
             AND (n.created_at, n.uuid) < (COALESCE($3, 'infinity'), $4)
         ORDER BY n.created_at DESC, n.uuid DESC
         LIMIT $5",
    )
    .bind(user)
    .bind(now)
    .bind(keyset.after_at)
    .bind(keyset.after_uuid)
    .bind(keyset.limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Notification::try_from).collect()
}

//! The notifications feed. Notifications are written by the statements that cause them (in
//! `activities.rs`, `reactions.rs` and `accounts.rs`); this reads them back.

use chrono::{DateTime, Utc};
use cruddur_contract::{Notification, NotificationKind};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use super::Keyset;
use crate::{Page, StoreError, StoreResult};

#[derive(FromRow)]
struct NotificationRow {
    uuid: Uuid,
    kind: String,
    display_name: String,
    handle: String,
    activity_uuid: Option<Uuid>,
    message: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> StoreResult<Self> {
        // The schema's CHECK constraint allows only known kinds; anything else is corruption.
        let kind = NotificationKind::parse(&row.kind).ok_or_else(|| {
            StoreError::Internal(format!("unknown notification kind {:?}", row.kind).into())
        })?;
        Ok(Notification {
            uuid: row.uuid,
            kind,
            display_name: row.display_name,
            handle: row.handle,
            activity_uuid: row.activity_uuid,
            message: row.message,
            created_at: row.created_at,
        })
    }
}

/// Names the actor, and the crud or reply concerned when there is one; notifications about an
/// activity that is no longer live are skipped even before it is purged.
pub(super) async fn notifications(
    pool: &PgPool,
    user: Uuid,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Notification>> {
    let keyset = Keyset::from(page);
    let rows = sqlx::query_as::<_, NotificationRow>(
        "SELECT n.uuid, n.kind, actor.display_name, actor.handle, n.activity_uuid, a.message,
             n.created_at
         FROM notifications n
         JOIN users actor ON actor.uuid = n.actor_uuid
         LEFT JOIN activities a ON a.uuid = n.activity_uuid
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

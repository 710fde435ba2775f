//! The notifications feed. Notifications are written by the statements that cause them (in
//! `activities.rs`, `reactions.rs` and `accounts.rs`); this reads them back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Notification;
use cruddur_contract::UserId;

use super::{BindPage, PostgresStore};
use crate::rows::{NotificationRow, select_notifications};
use crate::{NotificationStore, Page, StoreResult};

#[async_trait]
impl NotificationStore for PostgresStore {
    /// Names the actor, and the crud or reply concerned and its thread when there is one;
    /// notifications about an activity that is no longer live are skipped even before it is
    /// purged.
    async fn notifications(
        &self,
        user: UserId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query_as::<_, NotificationRow>(concat!(
            select_notifications!(),
            "WHERE n.user_uuid = $1
                 AND (n.activity_uuid IS NULL OR a.expires_at > $2)
                 AND (n.created_at, n.uuid) < (COALESCE($3, 'infinity'), $4)
             ORDER BY n.created_at DESC, n.uuid DESC
             LIMIT $5",
        ))
        .bind(user)
        .bind(now)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        rows.into_iter().map(Notification::try_from).collect()
    }
}

//! The notifications feed. Notifications are written by the statements that cause them (in
//! `activities.rs`, `reactions.rs` and `accounts.rs`); this reads them back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::Notification;
use cruddur_contract::UserId;

use super::{BindPage, PostgresStore};
use crate::rows::NotificationRow;
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
        .bind_page(page)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Notification::try_from).collect()
    }
}

//! Each user's notifications. They are written by the acts that cause them (replies,
//! mentions, likes, reposts, follows), in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Notification, UserId};

use crate::{Page, StoreResult};

#[async_trait]
pub trait NotificationStore: Send + Sync + 'static {
    /// The user's notifications, newest first. Those about a crud or reply that is no longer
    /// live are left out.
    async fn notifications(
        &self,
        user: UserId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>>;
}

//! What keeps a store running: reachability, migrations and the purge of what expired.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

#[async_trait]
pub trait Maintenance: Send + Sync + 'static {
    /// Answers when the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Applies pending migrations. Idempotent.
    async fn migrate(&self) -> StoreResult<()>;

    /// Deletes every crud and reply whose `expires_at <= now`, with their likes, reposts,
    /// notifications and search entries, and every expired session. Returns how many cruds
    /// and replies were deleted.
    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

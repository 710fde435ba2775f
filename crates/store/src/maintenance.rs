//! What keeps a store running: reachability, migrations and the purge of what expired.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{PoolStats, StoreResult};

#[async_trait]
pub trait Maintenance: Send + Sync + 'static {
    /// Answers when the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Has every connection opened from now on use `url` (a rotated password), without
    /// dropping the connections open now or the requests on them.
    fn use_url(&self, url: &str) -> StoreResult<()>;

    /// The connection pool's state now, for metrics.
    fn pool(&self) -> PoolStats;

    /// Applies pending migrations. Idempotent.
    async fn migrate(&self) -> StoreResult<()>;

    /// Deletes every crud and reply whose `expires_at <= now`, with their likes, reposts,
    /// notifications and search entries, and every expired session. Returns how many cruds
    /// and replies were deleted.
    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

//! What keeps a store running: reachability, migrations and the purge of what expired.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// A connection pool's state. sqlx does not tell how many tasks wait for a connection; the
/// SQLite store's writes, which queue for its one writer, are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open, idle or in use.
    pub open: u32,
    pub idle: u32,
    pub max: u32,
    /// Writes queued for the SQLite store's writer (`None`: no such queue).
    pub writes_waiting: Option<usize>,
}

impl PoolStats {
    /// The state of a sqlx pool.
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolStats {
        PoolStats {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
            writes_waiting: None,
        }
    }
}

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

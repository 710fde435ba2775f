//! Reachability, migrations and the purge of what expired.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::ActivityId;

use super::writer::Writer;
use super::{SqliteStore, accounts, micros, search, unbounded};
use crate::{Maintenance, PoolStats, StoreError, StoreResult, in_purge_batches};

#[async_trait]
impl Maintenance for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.pool.acquire().await?)
            .await?;
        Ok(())
    }

    /// A SQLite URL names a file and holds no credential: another one is another database,
    /// which a running store does not switch to.
    fn use_url(&self, _url: &str) -> StoreResult<()> {
        Err(StoreError::Internal(
            "a running SQLite store cannot move to another file; restart to use it".into(),
        ))
    }

    /// The readers' pool, and the writes queued for the one writer.
    fn pool(&self) -> PoolStats {
        PoolStats {
            writes_waiting: Some(self.writer.waiting()),
            ..self.pool.stats()
        }
    }

    async fn migrate(&self) -> StoreResult<()> {
        // `run_direct`: `run` on a connection trips "Acquire is not general enough" here.
        crate::migrator(sqlx::migrate!("./migrations/sqlite"))
            .run_direct(&mut *unbounded(self.writer.pool()).await?)
            .await?;
        accounts::fill_handle_skeletons(self.writer.pool()).await?;
        search::fill(&self.writer).await
    }

    /// Deletes expired replies, then expired cruds with their search rows, then expired sessions
    /// (nothing else removes them). Likes, reposts and notifications go with each row through
    /// foreign-key cascades. Deletes in batches of [`PURGE_BATCH`], each its own short write, so
    /// that purging a backlog (half a million cruds expiring at once) never holds the write lock
    /// or a connection for long: reads and writes go on between the batches. Replies go first, so
    /// each batch counts the rows it deletes rather than ones its cascades take along.
    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let (writer, now) = (&self.writer, micros(now));
        let replies = in_purge_batches(PURGE_BATCH, || {
            delete_batch(
                writer,
                "DELETE FROM activities WHERE id IN (SELECT id FROM activities
                  INDEXED BY activities_reply_expiry
                  WHERE expires_at <= ? AND reply_to IS NOT NULL LIMIT ?)",
                now,
            )
        })
        .await?;
        let cruds = in_purge_batches(PURGE_BATCH, || purge_crud_batch(writer, now)).await?;
        in_purge_batches(PURGE_BATCH, || {
            delete_batch(
                writer,
                "DELETE FROM sessions WHERE uuid IN (SELECT uuid FROM sessions
                  WHERE expires_at <= ? LIMIT ?)",
                now,
            )
        })
        .await?;
        Ok(replies + cruds)
    }
}

/// Rows one purge batch deletes. Each write runs in a savepoint, whose copies of the pages it
/// changes SQLite keeps in memory (`temp_store = memory`): a crud's search rows alone touch
/// a dozen pages, so a thousand cruds held 70 MiB at once where a hundred hold a tenth.
const PURGE_BATCH: i64 = 100;

/// One write: up to [`PURGE_BATCH`] expired cruds, their search rows first.
async fn purge_crud_batch(writer: &Writer, now: i64) -> StoreResult<u64> {
    let mut tx = writer.begin().await?;
    let expired: Vec<(i64, ActivityId, i64, String)> = sqlx::query_as(
        // By expiry, as for replies: the planner would rather walk the thread index for
        // `reply_to IS NULL`, every crud, which at a million takes longer than the bound.
        "SELECT id, uuid, created_at, message FROM activities INDEXED BY activities_crud_expiry
         WHERE expires_at <= ? AND reply_to IS NULL LIMIT ?",
    )
    .bind(now)
    .bind(PURGE_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for (_, uuid, created_at, message) in &expired {
        search::unindex(&mut tx, *uuid, *created_at, message).await?;
    }
    let ids: Vec<i64> = expired.iter().map(|(id, ..)| *id).collect();
    sqlx::query("DELETE FROM activities WHERE id IN (SELECT value FROM json_each(?))")
        .bind(serde_json::to_string(&ids).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(expired.len() as u64)
}

/// One write running `delete`, bound to `now` and [`PURGE_BATCH`]; the rows it deleted.
async fn delete_batch(writer: &Writer, delete: &str, now: i64) -> StoreResult<u64> {
    let mut tx = writer.begin().await?;
    let deleted = sqlx::query(delete)
        .bind(now)
        .bind(PURGE_BATCH)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted)
}

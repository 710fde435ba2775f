//! Reachability, migrations and the purge of what expired.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::ActivityId;
use sqlx::{Connection, Postgres};

use super::{PostgresStore, accounts, connect_options, search};
use crate::pool::Pool;
use crate::{Maintenance, PoolStats, StoreResult, in_purge_batches};

#[async_trait]
impl Maintenance for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.pool.acquire().await?)
            .await?;
        Ok(())
    }

    /// Open connections carry on (PostgreSQL keeps a session whose password has changed)
    /// until their lifetime ends; every new one logs in with `url`.
    fn use_url(&self, url: &str) -> StoreResult<()> {
        self.pool
            .sqlx()
            .set_connect_options(connect_options(url, self.bound)?);
        Ok(())
    }

    fn pool(&self) -> PoolStats {
        self.pool.stats()
    }

    /// sqlx's migrator holds a PostgreSQL advisory lock while it runs, so several processes
    /// starting together apply each migration once.
    async fn migrate(&self) -> StoreResult<()> {
        // Migrations may run long (an index over every crud): without the bound, on a
        // connection of their own that then goes back to the pool with the bound restored.
        // `run_direct`: `run` on a connection trips "Acquire is not general enough" here.
        let mut connection = self.pool.acquire().await?;
        sqlx::query("SET statement_timeout = 0")
            .execute(&mut *connection)
            .await?;
        crate::migrator(sqlx::migrate!("./migrations/postgres"))
            .run_direct(&mut *connection)
            .await?;
        sqlx::query("RESET statement_timeout")
            .execute(&mut *connection)
            .await?;
        drop(connection);
        accounts::fill_handle_skeletons(self.pool.sqlx()).await?;
        search::fill(self.pool.sqlx()).await
    }

    /// Deletes expired replies, then expired cruds with their search rows, then expired sessions
    /// (likes, reposts and notifications go by `ON DELETE CASCADE`), in batches of
    /// [`PURGE_BATCH`], each short, so that purging a backlog never runs into the statement bound
    /// or holds a connection for long. Replies go first, so each batch counts the rows it deletes
    /// rather than cascades. Each batch is the earliest expired (`ORDER BY expires_at`): with
    /// one plan for every `now` (see `connect_bounded`), that keeps it on the expiry index rather
    /// than a scan of the table.
    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let pool = &self.pool;
        let replies = in_purge_batches(PURGE_BATCH, || {
            delete_batch(
                pool,
                "DELETE FROM activities WHERE uuid IN (SELECT uuid FROM activities
                  WHERE expires_at <= $1 AND reply_to IS NOT NULL ORDER BY expires_at LIMIT $2)",
                now,
            )
        })
        .await?;
        let cruds = in_purge_batches(PURGE_BATCH, || purge_crud_batch(pool, now)).await?;
        in_purge_batches(PURGE_BATCH, || {
            delete_batch(
                pool,
                "DELETE FROM sessions WHERE uuid IN (SELECT uuid FROM sessions
                  WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)",
                now,
            )
        })
        .await?;
        Ok(replies + cruds)
    }
}

/// Rows one purge batch deletes: each batch is its own short transaction.
const PURGE_BATCH: i64 = 1000;

/// One transaction: up to [`PURGE_BATCH`] expired cruds and their search rows. Rows another
/// purge (of another process) holds are left to it.
async fn purge_crud_batch(pool: &Pool<Postgres>, now: DateTime<Utc>) -> StoreResult<u64> {
    let mut connection = pool.acquire().await?;
    let mut tx = connection.begin().await?;
    let gone: Vec<(ActivityId, DateTime<Utc>, String)> = sqlx::query_as(
        "DELETE FROM activities WHERE uuid IN (SELECT uuid FROM activities
          WHERE expires_at <= $1 AND reply_to IS NULL ORDER BY expires_at LIMIT $2
          FOR UPDATE SKIP LOCKED)
         RETURNING uuid, created_at, message",
    )
    .bind(now)
    .bind(PURGE_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let mut rows = search::Rows::default();
    for (uuid, created_at, message) in &gone {
        rows.push(*uuid, *created_at, message);
    }
    rows.delete(&mut tx).await?;
    tx.commit().await?;
    Ok(gone.len() as u64)
}

/// One statement running `delete`, bound to `now` and [`PURGE_BATCH`]; the rows it deleted.
async fn delete_batch(pool: &Pool<Postgres>, delete: &str, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sqlx::query(delete)
        .bind(now)
        .bind(PURGE_BATCH)
        .execute(&mut *pool.acquire().await?)
        .await?
        .rows_affected())
}

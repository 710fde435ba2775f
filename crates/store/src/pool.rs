//! The SQL stores' connection pools, and what they report for metrics.
//!
//! sqlx does not tell how many tasks wait for a connection, the first thing to look at when
//! requests slow down under load: [`Pool`] counts them itself, around each checkout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Database;
use sqlx::pool::PoolConnection;

use crate::StoreResult;

/// A connection pool's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open, idle or in use.
    pub open: u32,
    pub idle: u32,
    pub max: u32,
    /// Tasks waiting for a connection.
    pub waiting: usize,
    /// Writes queued for the SQLite store's one writer (`None`: no such queue).
    pub writes_waiting: Option<usize>,
}

/// A sqlx pool whose checkouts go through [`Pool::acquire`], so those waiting are counted.
pub(crate) struct Pool<DB: Database> {
    sqlx: sqlx::Pool<DB>,
    waiters: Waiters,
}

impl<DB: Database> Pool<DB> {
    pub(crate) fn new(sqlx: sqlx::Pool<DB>) -> Self {
        Pool {
            sqlx,
            waiters: Waiters::default(),
        }
    }

    /// A connection, the caller counted as waiting until it has one (or gives up).
    pub(crate) async fn acquire(&self) -> StoreResult<PoolConnection<DB>> {
        let _waiting = self.waiters.join();
        Ok(self.sqlx.acquire().await?)
    }

    /// The sqlx pool itself, for what takes one (a new URL's options, tests' own statements).
    pub(crate) fn sqlx(&self) -> &sqlx::Pool<DB> {
        &self.sqlx
    }

    pub(crate) fn stats(&self) -> PoolStats {
        PoolStats {
            open: self.sqlx.size(),
            idle: u32::try_from(self.sqlx.num_idle()).unwrap_or(u32::MAX),
            max: self.sqlx.options().get_max_connections(),
            waiting: self.waiters.count(),
            writes_waiting: None,
        }
    }
}

/// How many tasks wait for something (a connection, a writer's turn).
#[derive(Debug, Clone, Default)]
pub(crate) struct Waiters(Arc<AtomicUsize>);

impl Waiters {
    /// Counts the caller until the guard is dropped, so a wait that fails or is cancelled
    /// (its request gone) is uncounted too.
    pub(crate) fn join(&self) -> Waiting<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Waiting(&self.0)
    }

    pub(crate) fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

pub(crate) struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    async fn pool_of_one() -> Pool<sqlx::Sqlite> {
        let sqlx = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect("sqlite::memory:")
            .await
            .unwrap();
        Pool::new(sqlx)
    }

    /// Yields until `pool` counts `waiting` (the spawned task has reached its checkout).
    async fn until_waiting(pool: &Pool<sqlx::Sqlite>, waiting: usize) {
        let counted = async {
            while pool.stats().waiting != waiting {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), counted)
            .await
            .unwrap_or_else(|_| panic!("never {waiting} waiting: {:?}", pool.stats()));
    }

    #[tokio::test]
    async fn a_task_waiting_for_a_connection_is_counted_until_it_has_one() {
        let pool = Arc::new(pool_of_one().await);
        let held = pool.acquire().await.unwrap();
        assert_eq!(pool.stats().waiting, 0);
        let next = tokio::spawn({
            let pool = pool.clone();
            async move { pool.acquire().await.map(drop) }
        });
        until_waiting(&pool, 1).await;
        assert_eq!(pool.stats().open, 1);
        assert_eq!(pool.stats().idle, 0);
        drop(held);
        next.await.unwrap().unwrap();
        assert_eq!(pool.stats().waiting, 0);
    }

    #[tokio::test]
    async fn a_wait_given_up_is_no_longer_counted() {
        let pool = Arc::new(pool_of_one().await);
        let _held = pool.acquire().await.unwrap();
        let next = tokio::spawn({
            let pool = pool.clone();
            async move { pool.acquire().await.map(drop) }
        });
        until_waiting(&pool, 1).await;
        next.abort();
        assert!(next.await.unwrap_err().is_cancelled());
        assert_eq!(pool.stats().waiting, 0);
    }
}

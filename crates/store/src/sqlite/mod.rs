//! The embedded store: one SQLite file in WAL mode holding accounts, cruds and messages.
//!
//! This file opens the database; each other file implements the trait of the same name one
//! folder up, and `writer.rs` groups the writes. Times are INTEGER microseconds, UUIDs
//! hyphenated TEXT (but BLOB in `search_terms`).

mod accounts;
mod activities;
mod bulk;
mod follows;
mod maintenance;
mod messages;
mod notifications;
mod reactions;
mod search;
#[cfg(test)]
mod tests;
mod writer;

use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::query::QueryAs;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection};

use crate::pool::Pool;
use crate::{Page, STATEMENT_BOUND, StoreError, StoreResult};
use writer::Writer;

/// Readers run in parallel under WAL; writers queue on SQLite's single write lock anyway.
const MAX_CONNECTIONS: u32 = 4;
/// How long a statement waits for another connection's write lock before giving up: no
/// longer than a statement may run.
const BUSY_TIMEOUT: Duration = STATEMENT_BOUND;
/// Virtual machine steps between two looks at the clock: about a tenth of a millisecond.
const STEPS_PER_CHECK: i32 = 10_000;

/// Readers and the one writer, on the same file.
pub struct SqliteStore {
    /// For reads, in parallel under WAL.
    pool: Pool<Sqlite>,
    /// For every write: one connection, so that this process's writers queue in order for it
    /// rather than sleep in SQLite's busy handler for a lock another of them holds (sleeps
    /// that grow to 100 ms).
    writer: Writer,
}

impl SqliteStore {
    /// Opens the database file of a `sqlite:PATH` or `sqlite://PATH` URL, creating the file and
    /// its directory when missing.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Commits sync the WAL: an acknowledged write survives a power loss.
            .synchronous(SqliteSynchronous::Full)
            // Statement journals and sorts stay in memory: a hardened container has no
            // writable temporary directory, only the data directory.
            .pragma("temp_store", "memory")
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|error| StoreError::Internal(Box::new(error)))?;
        }
        Self::connect_bounded(options, STATEMENT_BOUND).await
    }

    /// The readers, whose every checkout may run for `bound`: SQLite has no statement
    /// timeout, so a progress handler set at each checkout interrupts whatever runs past its
    /// deadline. The writer bounds each write itself.
    async fn connect_bounded(options: SqliteConnectOptions, bound: Duration) -> StoreResult<Self> {
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .after_connect(move |connection, _| {
                Box::pin(async move { bound_to(connection, bound).await.map(|_| ()) })
            })
            .before_acquire(move |connection, _| {
                Box::pin(async move { bound_to(connection, bound).await })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool: Pool::new(pool),
            writer: Writer::new(writer, bound),
        })
    }
}

/// Gives `connection` until `bound` from now; always keeps it in the pool.
async fn bound_to(connection: &mut SqliteConnection, bound: Duration) -> Result<bool, sqlx::Error> {
    let deadline = Instant::now() + bound;
    interrupt_unless(connection, move || Instant::now() < deadline).await?;
    Ok(true)
}

/// Has SQLite interrupt whatever statement runs on `connection` once `go_on` says no, looked at
/// every [`STEPS_PER_CHECK`] steps.
async fn interrupt_unless(
    connection: &mut SqliteConnection,
    go_on: impl FnMut() -> bool + Send + 'static,
) -> Result<(), sqlx::Error> {
    connection
        .lock_handle()
        .await?
        .set_progress_handler(STEPS_PER_CHECK, go_on);
    Ok(())
}

/// The writer's connection with no time bound (a write leaves its own behind), for
/// migrations and bulk loads that may run long. Each write sets its bound again.
async fn unbounded(pool: &SqlitePool) -> StoreResult<PoolConnection<Sqlite>> {
    let mut connection = pool.acquire().await?;
    connection.lock_handle().await?.remove_progress_handler();
    Ok(connection)
}

/// A JSON array of the ids as stored (lower-case hyphenated), for `json_each`.
fn uuid_list<Id: serde::Serialize>(uuids: &[Id]) -> String {
    serde_json::to_string(uuids).unwrap_or_default()
}

fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// Binds a page as every paged statement ends: `(created_at, uuid) < (?, ?) … LIMIT ?`.
/// Without a cursor the bound sits above every row, so one statement serves the first page and
/// the next ones.
trait BindPage {
    fn bind_page(self, page: &Page) -> Self;
}

impl<'q, O> BindPage for QueryAs<'q, Sqlite, O, SqliteArguments<'q>> {
    fn bind_page(self, page: &Page) -> Self {
        let (time, uuid) = match page.after {
            Some(cursor) => (
                micros(cursor.created_at),
                cursor.uuid.hyphenated().to_string(),
            ),
            None => (i64::MAX, String::new()),
        };
        self.bind(time).bind(uuid).bind(i64::from(page.limit))
    }
}

//! The embedded store: one SQLite file in WAL mode holding accounts, cruds and messages.
//!
//! Each concern lives in its own file; this one opens the database and maps the [`Store`]
//! methods onto them. Times are INTEGER microseconds, UUIDs hyphenated TEXT.

mod accounts;
mod activities;
mod bulk;
mod messages;
mod notifications;
mod profiles;
mod reactions;
mod search;
#[cfg(test)]
mod tests;
mod writer;

use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Notification, Profile, Reply, User};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::{
    Credentials, Deletion, NewActivity, NewReply, NewUser, Page, Reactions, STATEMENT_BOUND,
    SearchPage, SearchTerms, Store, StoreError, StoreResult,
};
use reactions::Reaction;
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
    pool: SqlitePool,
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
            pool,
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

async fn ping(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// A JSON array of the uuids as stored (lower-case hyphenated), for `json_each`.
fn uuid_list(uuids: &[Uuid]) -> String {
    serde_json::to_string(uuids).unwrap_or_default()
}

fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

fn time(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Internal(format!("stored time out of range: {micros}").into()))
}

/// The keyset bound of a page, to bind to `(created_at, uuid) < (?, ?)`. Without a cursor the
/// bound sits above every row, so one statement serves the first page and the next ones.
fn after(page: &Page) -> (i64, String) {
    match page.after {
        Some(cursor) => (
            micros(cursor.created_at),
            cursor.uuid.hyphenated().to_string(),
        ),
        None => (i64::MAX, String::new()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        ping(&self.pool).await
    }

    async fn migrate(&self) -> StoreResult<()> {
        // `run_direct`: `run` on a connection trips "Acquire is not general enough" here.
        crate::migrator(sqlx::migrate!("./migrations/sqlite"))
            .run_direct(&mut *unbounded(self.writer.pool()).await?)
            .await?;
        accounts::fill_handle_skeletons(self.writer.pool()).await?;
        search::fill(&self.writer).await
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        accounts::create_user(&self.writer, user).await
    }

    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>> {
        accounts::credentials(&self.pool, login).await
    }

    async fn user_by_handle(&self, handle: &str) -> StoreResult<Option<User>> {
        accounts::user_by_handle(&self.pool, handle).await
    }

    async fn update_user(
        &self,
        user: Uuid,
        display_name: Option<&str>,
        bio: Option<&str>,
    ) -> StoreResult<User> {
        accounts::update_user(&self.writer, user, display_name, bio).await
    }

    async fn profile(
        &self,
        handle: &str,
        viewer: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        let mut conn = self.pool.acquire().await?;
        profiles::profile(&mut conn, handle, viewer, now).await
    }

    async fn create_session(
        &self,
        session: Uuid,
        user: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        accounts::create_session(&self.writer, session, user, created_at, expires_at).await
    }

    async fn session_user(&self, session: Uuid, now: DateTime<Utc>) -> StoreResult<Option<User>> {
        accounts::session_user(&self.pool, session, now).await
    }

    async fn delete_session(&self, session: Uuid) -> StoreResult<()> {
        accounts::delete_session(&self.writer, session).await
    }

    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity> {
        activities::create_activity(&self.pool, &self.writer, new).await
    }

    async fn activity(&self, uuid: Uuid, now: DateTime<Utc>) -> StoreResult<Option<Activity>> {
        activities::activity(&self.pool, uuid, now).await
    }

    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>> {
        activities::home_feed(&self.pool, page, now).await
    }

    async fn following_feed(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>> {
        activities::following_feed(&self.pool, user, page, now).await
    }

    async fn user_feed(
        &self,
        handle: &str,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>> {
        activities::user_feed(&self.pool, handle, page, now).await
    }

    async fn search(
        &self,
        terms: &SearchTerms,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<SearchPage> {
        search::search(&self.pool, terms, page, now).await
    }

    async fn latest_replies(
        &self,
        cruds: &[Uuid],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>> {
        activities::latest_replies(&self.pool, cruds, per_crud, now).await
    }

    async fn reactions(&self, viewer: Uuid, activities: &[Uuid]) -> StoreResult<Reactions> {
        reactions::reactions(&self.pool, viewer, activities).await
    }

    async fn delete_activity(
        &self,
        author: Uuid,
        uuid: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion> {
        activities::delete_activity(&self.writer, author, uuid, now).await
    }

    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>> {
        activities::create_reply(&self.writer, new).await
    }

    async fn set_like(
        &self,
        user: Uuid,
        activity: Uuid,
        liked: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        reactions::set(&self.writer, Reaction::Like, user, activity, liked, now).await
    }

    async fn set_repost(
        &self,
        user: Uuid,
        activity: Uuid,
        reposted: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        reactions::set(
            &self.writer,
            Reaction::Repost,
            user,
            activity,
            reposted,
            now,
        )
        .await
    }

    async fn set_follow(
        &self,
        follower: Uuid,
        followee_handle: &str,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        profiles::set_follow(&self.writer, follower, followee_handle, follow, now).await
    }

    async fn notifications(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>> {
        notifications::feed(&self.pool, user, page, now).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        activities::purge_expired(&self.writer, now).await
    }

    async fn load(&self, batch: &crate::Batch) -> StoreResult<()> {
        bulk::load(&self.writer, batch).await
    }
}

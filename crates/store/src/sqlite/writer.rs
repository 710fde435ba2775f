//! SQLite's writes, committed in groups.
//!
//! SQLite has one write lock, and with `synchronous = FULL` every commit syncs the WAL to disk
//! (about half a millisecond here), so writers committing one at a time queue behind each
//! other's syncs. The store's writes therefore go through one connection and commit together:
//! each runs in a savepoint of the open transaction, and the transaction commits, one sync for
//! all, when no other write is waiting to join it, when it holds [`MOST_PER_GROUP`] writes, or
//! when it has been open for [`LONGEST_GROUP`]. A write returns only once its group has
//! committed, so an acknowledged write survives a crash or a power loss; a write that fails
//! is rolled back to its savepoint, and the others of its group still commit.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::interrupt_unless;
use crate::pool::Waiters;
use crate::{StoreError, StoreResult};

/// Writes one transaction holds at most.
const MOST_PER_GROUP: usize = 64;
/// How long a transaction takes in writes before it commits whoever still waits.
const LONGEST_GROUP: Duration = Duration::from_millis(5);

pub(super) struct Writer {
    /// One connection: writes never wait on each other inside SQLite.
    pool: SqlitePool,
    /// How long each write's statements may run.
    bound: Duration,
    deadline: Deadline,
    group: Arc<Mutex<Group>>,
    /// Writes waiting for the group's lock, to join the open transaction.
    waiting: Waiters,
}

/// The open transaction, if any.
#[derive(Default)]
struct Group {
    open: Option<Open>,
}

struct Open {
    conn: PoolConnection<Sqlite>,
    writes: usize,
    since: Instant,
    /// Set to whether the transaction committed, for the writes in it that wait.
    done: watch::Sender<Option<bool>>,
}

impl Writer {
    pub(super) fn new(pool: SqlitePool, bound: Duration) -> Self {
        Writer {
            pool,
            bound,
            deadline: Deadline::new(),
            group: Arc::default(),
            waiting: Waiters::default(),
        }
    }

    /// The connection itself, for what runs outside groups (migrations, bulk loads): handed
    /// out between two groups.
    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Writes waiting for their turn.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.count()
    }

    /// Starts a write: a savepoint in the open transaction, or in a new one.
    pub(super) async fn begin(&self) -> StoreResult<WriteTx> {
        let queued = self.waiting.join();
        let mut group = self.group.clone().lock_owned().await;
        drop(queued);
        self.deadline.set(self.bound);
        if group.open.is_none() {
            let mut conn = self.pool.acquire().await?;
            // Again each transaction: migrations and bulk loads take the handler away.
            let deadline = self.deadline.clone();
            interrupt_unless(&mut conn, move || !deadline.passed()).await?;
            // The write lock up front: a deferred transaction that reads first could fail
            // with BUSY when it writes, should another process have written in between.
            run(&mut conn, "BEGIN IMMEDIATE").await?;
            group.open = Some(Open {
                conn,
                writes: 0,
                since: Instant::now(),
                done: watch::channel(None).0,
            });
        }
        let started = match group.open.as_mut() {
            Some(open) => run(&mut open.conn, "SAVEPOINT write")
                .await
                .map_err(Into::into),
            None => Ok(()),
        };
        if let Err(error) = started {
            abort(&mut group).await;
            return Err(error);
        }
        Ok(WriteTx {
            group: Some(group),
            waiting: self.waiting.clone(),
        })
    }
}

/// When the write in progress must stop, shared with the progress handler of the writer's
/// connection: a write sets its bound without a round trip to SQLite's thread, which would
/// queue every writer behind it.
#[derive(Clone)]
struct Deadline {
    since: Instant,
    /// Microseconds after `since`.
    at: Arc<AtomicU64>,
}

impl Deadline {
    fn new() -> Self {
        Deadline {
            since: Instant::now(),
            at: Arc::default(),
        }
    }

    fn set(&self, bound: Duration) {
        self.at
            .store(micros(self.since.elapsed() + bound), Ordering::Relaxed);
    }

    fn passed(&self) -> bool {
        micros(self.since.elapsed()) >= self.at.load(Ordering::Relaxed)
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// One write in progress: dereferences to the connection. [`WriteTx::commit`] makes it
/// durable; dropped without, it is undone.
pub(super) struct WriteTx {
    group: Option<OwnedMutexGuard<Group>>,
    waiting: Waiters,
}

impl WriteTx {
    /// Keeps the write and returns once its transaction has committed.
    pub(super) async fn commit(mut self) -> StoreResult<()> {
        let Some(mut group) = self.group.take() else {
            return Err(lost());
        };
        let Some(open) = group.open.as_mut() else {
            return Err(lost());
        };
        if let Err(error) = run(&mut open.conn, "RELEASE write").await {
            abort(&mut group).await;
            return Err(error.into());
        }
        open.writes += 1;
        let mut done = open.done.subscribe();
        if ends(open, &self.waiting) {
            return finish(&mut group).await;
        }
        // The next write joins this transaction, and the last one commits it.
        drop(group);
        match done.wait_for(Option::is_some).await.map(|done| *done) {
            Ok(Some(true)) => Ok(()),
            _ => Err(StoreError::Internal(
                "the transaction holding this write did not commit".into(),
            )),
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self.group.as_ref().and_then(|group| group.open.as_ref()) {
            Some(open) => &open.conn,
            None => unreachable!("a write in progress holds its transaction open"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self.group.as_mut().and_then(|group| group.open.as_mut()) {
            Some(open) => &mut open.conn,
            None => unreachable!("a write in progress holds its transaction open"),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // Undone on a task of its own, which holds the group until then.
        if let Some(group) = self.group.take() {
            tokio::spawn(undo(group, self.waiting.clone()));
        }
    }
}

/// Rolls a failed write back to its savepoint; the transaction goes on for the others.
async fn undo(mut group: OwnedMutexGuard<Group>, waiting: Waiters) {
    let Some(open) = group.open.as_mut() else {
        return;
    };
    let mut undone = run(&mut open.conn, "ROLLBACK TO write").await;
    if undone.is_ok() {
        undone = run(&mut open.conn, "RELEASE write").await;
    }
    if let Err(error) = undone {
        tracing::error!(%error, "undoing a failed write failed: its transaction is rolled back");
        abort(&mut group).await;
        return;
    }
    if ends(open, &waiting) {
        let _ = finish(&mut group).await;
    }
}

/// Whether the transaction should commit now rather than wait for more writes.
fn ends(open: &Open, waiting: &Waiters) -> bool {
    waiting.count() == 0 || open.writes >= MOST_PER_GROUP || open.since.elapsed() >= LONGEST_GROUP
}

/// Commits the open transaction and tells its writes.
async fn finish(group: &mut Group) -> StoreResult<()> {
    let Some(mut open) = group.open.take() else {
        return Err(lost());
    };
    let committed = run(&mut open.conn, "COMMIT").await;
    if committed.is_err() {
        // A failed COMMIT may leave the transaction open.
        let _ = run(&mut open.conn, "ROLLBACK").await;
    }
    open.done.send_replace(Some(committed.is_ok()));
    committed?;
    Ok(())
}

/// Rolls the whole open transaction back, failing every write in it.
async fn abort(group: &mut Group) {
    if let Some(mut open) = group.open.take() {
        let _ = run(&mut open.conn, "ROLLBACK").await;
        open.done.send_replace(Some(false));
    }
}

/// Runs fixed SQL on the group's connection.
async fn run(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

fn lost() -> StoreError {
    StoreError::Internal("a write lost its transaction".into())
}

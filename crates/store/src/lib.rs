//! Cruddur's storage.
//!
//! One trait per concern, each in its own file here: [`AccountStore`] (accounts, profiles,
//! sessions), [`ActivityStore`] (cruds and replies), [`ReactionStore`] (likes and reposts),
//! [`FollowStore`], [`NotificationStore`], [`SearchStore`], [`Maintenance`] (ping, migrations,
//! the purge), [`BulkLoad`] and [`MessageStore`]. [`Store`] is all of them but messages,
//! which are kept apart so they can live in DynamoDB. Each SQL backend is a folder with the
//! same file names as this one, each implementing that file's trait (`sqlite/`, `postgres/`);
//! [`open`] picks one from the database URL's scheme. [`dynamodb`] implements
//! [`MessageStore`] alone, for a deployment that keeps messages in DynamoDB next to a SQL
//! store. The rows both SQL stores read are decoded once, in `rows.rs`.
//!
//! Stores never read the clock: every call that depends on time takes `now`, so expiry is
//! decided by the caller's clock and tests can move time at will. Times are stored with
//! microsecond precision; callers pass times already truncated to microseconds.

mod accounts;
mod activities;
pub mod bulk;
pub mod dynamodb;
pub mod error;
mod follows;
mod maintenance;
mod messages;
mod notifications;
mod pool;
pub mod postgres;
mod reactions;
pub mod records;
mod rows;
mod search;
pub mod sqlite;

use std::sync::Arc;

pub use accounts::AccountStore;
pub use activities::ActivityStore;
pub use bulk::{
    Batch, BulkActivity, BulkFollow, BulkLoad, BulkNotification, BulkReaction, BulkUser,
};
pub use error::{StoreError, StoreResult};
pub use follows::FollowStore;
pub use maintenance::Maintenance;
pub use messages::MessageStore;
pub use notifications::NotificationStore;
pub use pool::PoolStats;
pub use reactions::ReactionStore;
pub use search::SearchStore;

/// How long one statement (or one SQLite transaction) may run before the store cuts it off:
/// no request can hold a connection past it, so heavy requests cannot starve light ones.
/// Below the frontend's 3 s budget for a call. Migrations and bulk loads run unbounded.
pub const STATEMENT_BOUND: std::time::Duration = std::time::Duration::from_secs(2);
pub use records::{
    Credentials, Deletion, NewActivity, NewReply, NewUser, Page, Participant, Reactions,
    SearchPage, SearchTerms,
};

/// Runs `batch` (which deletes up to `size` rows and says how many) until one deletes fewer,
/// letting other tasks run between batches. Returns the rows deleted.
async fn in_purge_batches<F>(size: i64, mut batch: impl FnMut() -> F) -> StoreResult<u64>
where
    F: std::future::Future<Output = StoreResult<u64>>,
{
    let mut deleted = 0;
    loop {
        let rows = batch().await?;
        deleted += rows;
        if rows < size.unsigned_abs() {
            return Ok(deleted);
        }
        tokio::task::yield_now().await;
    }
}

/// A backend's migrations as start-up runs them. A release must also start on a database the
/// next release has already migrated (old and new replicas side by side during an update, or
/// an update rolled back): migrations are backward compatible for one release (expand, then
/// contract: docs/platform.md), so those this release does not know are left alone rather than
/// refused.
fn migrator(mut migrator: sqlx::migrate::Migrator) -> sqlx::migrate::Migrator {
    migrator.set_ignore_missing(true);
    migrator
}

/// The migrations of `migrator` before the one named `description`: a database as it was
/// before that migration, for tests of what migrating does to old data.
#[cfg(test)]
fn migrations_before(
    mut migrator: sqlx::migrate::Migrator,
    description: &str,
) -> sqlx::migrate::Migrator {
    let first = migrator
        .migrations
        .iter()
        .position(|migration| migration.description == description)
        .unwrap_or_else(|| panic!("no migration {description:?}"));
    migrator.migrations = migrator.migrations[..first].to_vec().into();
    migrator
}

/// Accounts, cruds and everything that hangs off them: every concern but direct messages.
pub trait Store:
    Maintenance
    + AccountStore
    + ActivityStore
    + ReactionStore
    + FollowStore
    + NotificationStore
    + SearchStore
    + BulkLoad
{
}

impl<T> Store for T where
    T: Maintenance
        + AccountStore
        + ActivityStore
        + ReactionStore
        + FollowStore
        + NotificationStore
        + SearchStore
        + BulkLoad
{
}

/// The stores opened from one database URL.
#[derive(Clone)]
pub struct Stores {
    pub store: Arc<dyn Store>,
    pub messages: Arc<dyn MessageStore>,
}

/// How long a PostgreSQL connection is kept before a new one replaces it, unless the caller
/// says otherwise ([`open_with_lifetime`]): sqlx's own default, half an hour.
pub const CONNECTION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Opens the SQL store named by `url` — `sqlite:` (a file, created if missing) or
/// `postgres://` / `postgresql://` — and migrates it when `migrate` is set.
pub async fn open(url: &str, migrate: bool) -> StoreResult<Stores> {
    open_with_lifetime(url, migrate, CONNECTION_LIFETIME).await
}

/// [`open`], with PostgreSQL connections replaced after `max_lifetime`: the longest a
/// connection keeps the URL it was opened with after [`Maintenance::use_url`].
pub async fn open_with_lifetime(
    url: &str,
    migrate: bool,
    max_lifetime: std::time::Duration,
) -> StoreResult<Stores> {
    let stores = if url.starts_with("sqlite:") {
        let store = Arc::new(sqlite::SqliteStore::connect(url).await?);
        Stores {
            store: store.clone(),
            messages: store,
        }
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = Arc::new(postgres::PostgresStore::connect(url, max_lifetime).await?);
        Stores {
            store: store.clone(),
            messages: store,
        }
    } else {
        return Err(StoreError::UnsupportedUrl);
    };
    if migrate {
        stores.store.migrate().await?;
    }
    Ok(stores)
}

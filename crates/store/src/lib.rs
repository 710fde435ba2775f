//! Cruddur's storage.
//!
//! Two traits describe what the service needs: [`Store`] (accounts, cruds, replies, likes,
//! reposts, follows, notifications, search) and [`MessageStore`] (direct messages, kept apart
//! so they can live in DynamoDB). Each SQL backend is one module implementing both; [`open`]
//! picks one from the database URL's scheme. [`dynamodb`] implements [`MessageStore`] alone,
//! for a deployment that keeps messages in DynamoDB next to a SQL store.
//!
//! Stores never read the clock: every call that depends on time takes `now`, so expiry is
//! decided by the caller's clock and tests can move time at will. Times are stored with
//! microsecond precision; callers pass times already truncated to microseconds.

pub mod bulk;
pub mod dynamodb;
pub mod error;
pub mod postgres;
pub mod records;
mod search;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Message, MessageGroup, Notification, Profile, Reply, User};
use uuid::Uuid;

pub use bulk::{Batch, BulkActivity, BulkFollow, BulkNotification, BulkReaction, BulkUser};
pub use error::{StoreError, StoreResult};

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

/// Accounts, sessions, cruds and everything that hangs off them.
///
/// "Live" below means `now < expires_at`; anything not live is treated as absent by every
/// read and write, even before [`Store::purge_expired`] deletes it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers when the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Applies pending migrations. Idempotent.
    async fn migrate(&self) -> StoreResult<()>;

    // --- accounts -------------------------------------------------------------------------

    /// Creates an account. A handle or email already used, compared case-insensitively, gives
    /// `StoreError::Taken(HandleTaken)` or `StoreError::Taken(EmailTaken)`.
    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;

    /// The account and its password hash for a sign-in. `login` is an email when it contains
    /// `@`, a handle otherwise; both compared case-insensitively.
    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>>;

    /// The account with this handle (case-insensitive).
    async fn user_by_handle(&self, handle: &str) -> StoreResult<Option<User>>;

    /// Changes the display name and/or bio (a `None` leaves it as it is). `NotFound` if the
    /// user does not exist.
    async fn update_user(
        &self,
        user: Uuid,
        display_name: Option<&str>,
        bio: Option<&str>,
    ) -> StoreResult<User>;

    /// The public profile with this handle, counts computed at `now`; `followed_by_me` is
    /// from `viewer`'s point of view (false without a viewer).
    async fn profile(
        &self,
        handle: &str,
        viewer: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>>;

    /// Records a sign-in session.
    async fn create_session(
        &self,
        session: Uuid,
        user: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The user of a session that exists and has not expired at `now`.
    async fn session_user(&self, session: Uuid, now: DateTime<Utc>) -> StoreResult<Option<User>>;

    /// Ends a session (sign-out). Deleting an unknown session is not an error.
    async fn delete_session(&self, session: Uuid) -> StoreResult<()>;

    // --- cruds ----------------------------------------------------------------------------

    /// Posts a crud. Every existing user @mentioned in the text (other than the author) gets
    /// one `mention` notification. `NotFound` if the author does not exist.
    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity>;

    /// One live crud with its replies, oldest reply first. `None` for an unknown, expired or
    /// reply uuid.
    async fn activity(&self, uuid: Uuid, now: DateTime<Utc>) -> StoreResult<Option<Activity>>;

    /// Live cruds of everyone (replies excluded), newest first, `replies` left empty.
    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>>;

    /// Live cruds of the people `user` follows and of `user`, newest first, `replies` left
    /// empty.
    async fn following_feed(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>>;

    /// Live cruds of one user (handle case-insensitive), newest first, `replies` left empty.
    /// `None` if there is no such user.
    async fn user_feed(
        &self,
        handle: &str,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>>;

    /// Live cruds matching every word of the search (whole words, case-insensitive) and
    /// containing every hashtag of it, newest first, `replies` left empty. No words: empty.
    /// A search whose matches are rare among cruds that hold its terms may stop before the
    /// page is full, saying where ([`SearchPage::searched_to`]), to go on from there.
    async fn search(
        &self,
        terms: &SearchTerms,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<SearchPage>;

    /// The latest `per_crud` replies of each of these live cruds, oldest first within a crud:
    /// the threads a feed page shows. One query for the page, reading at most `per_crud`
    /// replies a crud however long its thread.
    async fn latest_replies(
        &self,
        cruds: &[Uuid],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>>;

    /// Which of these cruds and replies `viewer` likes and reposts.
    async fn reactions(&self, viewer: Uuid, activities: &[Uuid]) -> StoreResult<Reactions>;

    /// Deletes `author`'s live crud or reply. A crud goes with its replies and with the likes,
    /// reposts, notifications and search entries of both; a reply goes alone, with its own,
    /// and its crud's `replies_count` goes down.
    async fn delete_activity(
        &self,
        author: Uuid,
        uuid: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion>;

    /// Replies to a live crud, or to a live reply, which joins that reply's thread: replies
    /// are one level deep. The reply expires with its crud, the crud's `replies_count` goes
    /// up, the crud's author and the answered reply's get a `reply` notification and users
    /// @mentioned a `mention` one (nobody is notified of their own act, nor twice for one
    /// reply). `None` if what is answered is unknown or expired.
    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>>;

    /// Likes (`true`) or unlikes a live crud or reply; idempotent, so counts stay true. The
    /// first like by a user notifies the author (once per liker and crud, never oneself).
    /// `false` if the crud or reply is unknown or expired.
    async fn set_like(
        &self,
        user: Uuid,
        activity: Uuid,
        liked: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Reposts or un-reposts, with the same rules as [`Store::set_like`].
    async fn set_repost(
        &self,
        user: Uuid,
        activity: Uuid,
        reposted: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Follows (`true`) or unfollows the user with this handle; idempotent. The first follow
    /// notifies the followed user (once per follower). Returns the followed user's profile
    /// as the follower now sees it; `None` for an unknown handle. Following oneself is the
    /// caller's to refuse.
    async fn set_follow(
        &self,
        follower: Uuid,
        followee_handle: &str,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>>;

    /// The user's notifications, newest first. Those about a crud or reply that is no longer
    /// live are left out.
    async fn notifications(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>>;

    /// Deletes every crud and reply whose `expires_at <= now`, with their likes, reposts,
    /// notifications and search entries. Returns how many cruds and replies were deleted.
    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Writes a [`Batch`] of rows as given, in one transaction, many rows a statement and
    /// without the statement time bound: for benchmarks and imports only, never for requests.
    /// The rows must already be what the write paths would have written (see [`bulk`]); the
    /// store adds only what it derives itself (handle skeletons, search indexes, hashtags).
    /// A row that breaks a constraint (a uuid or handle already there, an unknown user or
    /// crud) fails the whole batch.
    async fn load(&self, batch: &Batch) -> StoreResult<()>;
}

/// Direct messages between two people. Participants come from the account store; a message
/// store keeps what it needs of their names.
#[async_trait]
pub trait MessageStore: Send + Sync + 'static {
    /// Answers when the message store is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// `user`'s conversations, the one with the latest message first. The cursor is the
    /// `(created_at, uuid)` of the last group seen, `created_at` being its last message's time.
    async fn message_groups(
        &self,
        user: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<MessageGroup>>;

    /// The messages between `user` and `other`, newest first (empty if they never wrote).
    async fn conversation(
        &self,
        user: &Participant,
        other: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<Message>>;

    /// The messages of one group, newest first. `NotFound` for an unknown group, `Forbidden`
    /// if `user` is not one of its two participants.
    async fn group_messages(
        &self,
        user: &Participant,
        group: Uuid,
        page: &Page,
    ) -> StoreResult<Vec<Message>>;

    /// Sends a message, starting the conversation between the two if there is none (there is
    /// never more than one per pair, whoever wrote first), and makes it the group's preview.
    async fn send_message(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Message>;
}

/// The stores opened from one database URL.
#[derive(Clone)]
pub struct Stores {
    pub store: Arc<dyn Store>,
    pub messages: Arc<dyn MessageStore>,
}

/// Opens the SQL store named by `url` — `sqlite:` (a file, created if missing) or
/// `postgres://` / `postgresql://` — and migrates it when `migrate` is set.
pub async fn open(url: &str, migrate: bool) -> StoreResult<Stores> {
    let stores = if url.starts_with("sqlite:") {
        let store = Arc::new(sqlite::SqliteStore::connect(url).await?);
        Stores {
            store: store.clone(),
            messages: store,
        }
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = Arc::new(postgres::PostgresStore::connect(url).await?);
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

//! Bulk loading, for benchmarks and imports only: [`BulkLoad::load`] writes a
//! [`Batch`] of rows as given, many rows a statement, without the checks and side effects of
//! the one-at-a-time write paths.
//!
//! The caller is responsible for what those paths would otherwise guarantee:
//!
//! - uuids are new and times are truncated to microseconds;
//! - every row refers to users and cruds of this batch or of a batch loaded before it (the
//!   store writes users, then cruds, then replies, then the rest);
//! - a reply answers a crud (not a reply) and has that crud's `expires_at`;
//! - each crud's and reply's counts equal its likes, reposts and replies;
//! - notifications are those the write paths would have written, once each: a `reply` (about
//!   the reply) to the crud's author, a `mention` to each user @mentioned, a `like` or
//!   `repost` to the author, a `follow` (about nothing) to the followed user, never to the one
//!   who acted.
//!
//! What the store derives from the rows, it derives as usual: handle skeletons, SQLite's
//! full-text index and hashtags, PostgreSQL's search vectors.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{ActivityId, Handle, NotificationId, NotificationKind, UserId};

use crate::StoreResult;

#[async_trait]
pub trait BulkLoad: Send + Sync + 'static {
    /// Writes a [`Batch`] of rows as given, in one transaction, many rows a statement and
    /// without the statement time bound: for benchmarks and imports only, never for requests.
    /// The rows must already be what the write paths would have written (see above); the
    /// store adds only what it derives itself (handle skeletons, search indexes, hashtags).
    /// A row that breaks a constraint (a uuid or handle already there, an unknown user or
    /// crud) fails the whole batch.
    async fn load(&self, batch: &Batch) -> StoreResult<()>;
}

/// Rows to write in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub users: Vec<BulkUser>,
    /// Cruds and replies, in any order: the store writes the cruds first.
    pub activities: Vec<BulkActivity>,
    pub likes: Vec<BulkReaction>,
    pub reposts: Vec<BulkReaction>,
    pub follows: Vec<BulkFollow>,
    pub notifications: Vec<BulkNotification>,
}

impl Batch {
    /// How many rows the batch holds (derived ones, such as hashtags, not counted).
    pub fn rows(&self) -> usize {
        self.users.len()
            + self.activities.len()
            + self.likes.len()
            + self.reposts.len()
            + self.follows.len()
            + self.notifications.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows() == 0
    }
}

/// An account, with its password already hashed.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub uuid: UserId,
    pub display_name: String,
    pub handle: Handle,
    pub email: String,
    pub password_hash: String,
    pub bio: String,
    pub created_at: DateTime<Utc>,
}

/// A crud (`reply_to` is `None`) or a reply, with its counts.
#[derive(Debug, Clone)]
pub struct BulkActivity {
    pub uuid: ActivityId,
    pub author: UserId,
    pub reply_to: Option<ActivityId>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub likes_count: i64,
    pub replies_count: i64,
    pub reposts_count: i64,
}

/// A like or a repost of `activity` by `user`.
#[derive(Debug, Clone, Copy)]
pub struct BulkReaction {
    pub activity: ActivityId,
    pub user: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
pub struct BulkFollow {
    pub follower: UserId,
    pub followee: UserId,
    pub created_at: DateTime<Utc>,
}

/// `recipient` is told that `actor` did `kind`, about `activity` (`None` for a follow).
#[derive(Debug, Clone, Copy)]
pub struct BulkNotification {
    pub uuid: NotificationId,
    pub recipient: UserId,
    pub actor: UserId,
    pub kind: NotificationKind,
    pub activity: Option<ActivityId>,
    pub created_at: DateTime<Utc>,
}

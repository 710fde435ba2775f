//! Cruds and their replies: posting, reading, feeds and deleting.
//!
//! "Live" means `now < expires_at`; anything not live is treated as absent by every read and
//! write, even before [`Maintenance::purge_expired`](crate::Maintenance::purge_expired)
//! deletes it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, ActivityId, Handle, Reply, UserId};

use crate::{Deletion, NewActivity, NewReply, Page, StoreResult};

#[async_trait]
pub trait ActivityStore: Send + Sync + 'static {
    /// Posts a crud. Every existing user @mentioned in the text (other than the author) gets
    /// one `mention` notification. `NotFound` if the author does not exist.
    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity>;

    /// One live crud with its replies, oldest reply first. `None` for an unknown, expired or
    /// reply uuid.
    async fn activity(&self, uuid: ActivityId, now: DateTime<Utc>)
    -> StoreResult<Option<Activity>>;

    /// Live cruds of everyone (replies excluded), newest first, `replies` left empty.
    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>>;

    /// Live cruds of the people `user` follows and of `user`, newest first, `replies` left
    /// empty.
    async fn following_feed(
        &self,
        user: UserId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>>;

    /// Live cruds of one user (handle case-insensitive), newest first, `replies` left empty.
    /// `None` if there is no such user.
    async fn user_feed(
        &self,
        handle: &Handle,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>>;

    /// The latest `per_crud` replies of each of these live cruds, oldest first within a crud:
    /// the threads a feed page shows. One query for the page, reading at most `per_crud`
    /// replies a crud however long its thread.
    async fn latest_replies(
        &self,
        cruds: &[ActivityId],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>>;

    /// Replies to a live crud, or to a live reply, which joins that reply's thread: replies
    /// are one level deep. The reply expires with its crud, the crud's `replies_count` goes
    /// up, the crud's author and the answered reply's get a `reply` notification and users
    /// @mentioned a `mention` one (nobody is notified of their own act, nor twice for one
    /// reply). `None` if what is answered is unknown or expired.
    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>>;

    /// Deletes `author`'s live crud or reply. A crud goes with its replies and with the likes,
    /// reposts, notifications and search entries of both; a reply goes alone, with its own,
    /// and its crud's `replies_count` goes down.
    async fn delete_activity(
        &self,
        author: UserId,
        uuid: ActivityId,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion>;
}

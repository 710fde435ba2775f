//! Shared test vocabulary: a controllable clock, a user factory, crud shortcuts and a
//! pagination walker.

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{
    Activity, ActivityId, Cursor, GroupId, Handle, Message, MessageGroup, MessageId, Notification,
    NotificationId, Reaction, Reply, User, UserId,
};
use cruddur_store::{
    BulkActivity, BulkUser, NewActivity, NewReply, NewUser, Page, Participant, SearchTerms,
};
use uuid::Uuid;

use crate::fixture::Fixture;

/// One microsecond, the stores' precision: the smallest step across an expiry boundary.
pub const MICRO: TimeDelta = TimeDelta::microseconds(1);

/// Big enough that a test's whole feed fits in one page.
pub const ALL: u32 = 100;

/// The fixed instant every test starts from. Its non-zero microseconds make any loss of
/// precision (milliseconds, seconds) show up as a mismatch.
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_767_225_600_123_456).expect("a valid instant")
}

/// `secs` seconds after [`t0`].
pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

/// The expiry of cruds whose expiry does not matter to a test: long after every `now` used.
pub fn far() -> DateTime<Utc> {
    t0() + TimeDelta::days(30)
}

/// `text` as a handle; every handle written in these tests is well-formed.
pub fn as_handle(text: &str) -> Handle {
    Handle::parse(text).unwrap()
}

/// The sign-up of a user named after `handle`; the email is derived from the handle in lower
/// case.
pub fn new_user(handle: &str) -> NewUser {
    NewUser {
        display_name: format!("{handle} Display"),
        handle: as_handle(handle),
        email: format!("{}@example.com", handle.to_lowercase()),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$fake${handle}"),
        created_at: t0() - TimeDelta::days(1),
    }
}

pub async fn user(fx: &Fixture, handle: &str) -> User {
    fx.store
        .create_user(&new_user(handle))
        .await
        .unwrap_or_else(|error| panic!("creating user {handle}: {error:?}"))
}

/// Several users at once, in order.
pub async fn users<const N: usize>(fx: &Fixture, handles: [&str; N]) -> [User; N] {
    let mut made = Vec::with_capacity(N);
    for handle in handles {
        made.push(user(fx, handle).await);
    }
    made.try_into().expect("N users")
}

pub fn participant(user: &User) -> Participant {
    Participant::from(user)
}

/// A crud with an explicit lifetime.
pub async fn crud(
    fx: &Fixture,
    author: &User,
    message: &str,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Activity {
    fx.store
        .create_activity(&NewActivity {
            author: author.uuid,
            message: message.to_owned(),
            created_at,
            expires_at,
        })
        .await
        .unwrap_or_else(|error| panic!("creating crud {message:?}: {error:?}"))
}

/// A crud that outlives the test, created `secs` after [`t0`].
pub async fn post(fx: &Fixture, author: &User, message: &str, secs: i64) -> Activity {
    crud(fx, author, message, at(secs), far()).await
}

/// A reply that must be accepted.
pub async fn reply(
    fx: &Fixture,
    author: &User,
    to: ActivityId,
    message: &str,
    created_at: DateTime<Utc>,
) -> Reply {
    try_reply(fx, author, to, message, created_at)
        .await
        .unwrap_or_else(|| panic!("reply {message:?} to {to} was refused"))
}

pub async fn try_reply(
    fx: &Fixture,
    author: &User,
    to: ActivityId,
    message: &str,
    created_at: DateTime<Utc>,
) -> Option<Reply> {
    fx.store
        .create_reply(&NewReply {
            author: author.uuid,
            reply_to: to,
            message: message.to_owned(),
            created_at,
        })
        .await
        .unwrap_or_else(|error| panic!("creating reply {message:?}: {error:?}"))
}

/// The crud as shown at `now`, which must be live.
pub async fn show(fx: &Fixture, uuid: ActivityId, now: DateTime<Utc>) -> Activity {
    try_show(fx, uuid, now)
        .await
        .unwrap_or_else(|| panic!("crud {uuid} should be shown at {now}"))
}

pub async fn try_show(fx: &Fixture, uuid: ActivityId, now: DateTime<Utc>) -> Option<Activity> {
    fx.store.activity(uuid, now).await.expect("activity")
}

pub async fn home(fx: &Fixture, now: DateTime<Utc>) -> Vec<Activity> {
    fx.store
        .home_feed(&Page::first(ALL), now)
        .await
        .expect("home_feed")
}

/// The user's feed, which must exist.
pub async fn feed_of(fx: &Fixture, handle: &str, now: DateTime<Utc>) -> Vec<Activity> {
    fx.store
        .user_feed(&as_handle(handle), &Page::first(ALL), now)
        .await
        .expect("user_feed")
        .unwrap_or_else(|| panic!("user_feed of {handle} should exist"))
}

/// The uuids found by searching `term` (parsed as the API does), in the order given.
pub async fn find(fx: &Fixture, term: &str, now: DateTime<Utc>) -> Vec<ActivityId> {
    flat_uuids(&search_walk(fx, term, ALL, now).await)
}

/// Reads a whole search as [`walk`] reads a feed, each page starting after the previous
/// page's last item, or where it stopped looking when it stopped short, until a page comes
/// back empty with nowhere to go on from. Returns the pages, and how many stopped short.
pub async fn search_walk_counting_stops(
    fx: &Fixture,
    term: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> (Vec<Vec<Activity>>, usize) {
    let terms = SearchTerms::parse(term);
    let mut pages = Vec::new();
    let mut stops = 0;
    let mut after: Option<Cursor> = None;
    loop {
        let found = fx
            .store
            .search(&terms, &Page { after, limit }, now)
            .await
            .unwrap_or_else(|error| panic!("searching {term:?}: {error:?}"));
        let page = found.activities;
        assert_page_after(&page, limit, after);
        if let Some(stop) = found.searched_to {
            assert!(
                page.len() < limit as usize,
                "{term:?}: stopped short with a full page"
            );
            assert!(
                page.iter().all(|item| {
                    let cursor = item.cursor();
                    (cursor.created_at, cursor.uuid) >= (stop.created_at, stop.uuid)
                }),
                "{term:?}: an item lies beyond where the search says it stopped"
            );
            stops += 1;
            after = Some(stop);
        } else if let Some(last) = page.last() {
            after = Some(last.cursor());
        } else {
            return (pages, stops);
        }
        if !page.is_empty() {
            pages.push(page);
        }
    }
}

/// The pages of [`search_walk_counting_stops`].
pub async fn search_walk(
    fx: &Fixture,
    term: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> Vec<Vec<Activity>> {
    search_walk_counting_stops(fx, term, limit, now).await.0
}

pub async fn notes(fx: &Fixture, user: &User, now: DateTime<Utc>) -> Vec<Notification> {
    fx.store
        .notifications(user.uuid, &Page::first(ALL), now)
        .await
        .expect("notifications")
}

pub async fn like(
    fx: &Fixture,
    user: &User,
    activity: ActivityId,
    liked: bool,
    now: DateTime<Utc>,
) -> bool {
    fx.store
        .set_reaction(user.uuid, activity, Reaction::Like, liked, now)
        .await
        .expect("set_reaction")
}

pub async fn repost(
    fx: &Fixture,
    user: &User,
    activity: ActivityId,
    reposted: bool,
    now: DateTime<Utc>,
) -> bool {
    fx.store
        .set_reaction(user.uuid, activity, Reaction::Repost, reposted, now)
        .await
        .expect("set_reaction")
}

pub async fn follow(fx: &Fixture, follower: &User, followee: &str, now: DateTime<Utc>) {
    fx.store
        .set_follow(follower.uuid, &as_handle(followee), true, now)
        .await
        .expect("set_follow")
        .unwrap_or_else(|| panic!("{followee} should exist"));
}

/// One page of a user's feed, which must exist.
pub async fn user_feed_page(
    fx: &Fixture,
    handle: &str,
    page: Page,
    now: DateTime<Utc>,
) -> Vec<Activity> {
    fx.store
        .user_feed(&as_handle(handle), &page, now)
        .await
        .unwrap()
        .expect("the user exists")
}

// --- messages ---------------------------------------------------------------------------

pub async fn send(fx: &Fixture, from: &User, to: &User, text: &str, now: DateTime<Utc>) -> Message {
    fx.messages
        .send_message(&participant(from), &participant(to), text, now)
        .await
        .unwrap_or_else(|error| panic!("sending {text:?}: {error:?}"))
}

pub async fn groups(fx: &Fixture, user: &User) -> Vec<MessageGroup> {
    fx.messages
        .message_groups(&participant(user), &Page::first(ALL))
        .await
        .expect("message_groups")
}

pub async fn conversation(fx: &Fixture, user: &User, other: &User) -> Vec<Message> {
    fx.messages
        .conversation(&participant(user), &participant(other), &Page::first(ALL))
        .await
        .expect("conversation")
}

pub async fn group_messages(fx: &Fixture, user: &User, group: GroupId) -> Vec<Message> {
    fx.messages
        .group_messages(&participant(user), group, &Page::first(ALL))
        .await
        .expect("group_messages")
}

pub fn reply_uuids(activity: &Activity) -> Vec<ActivityId> {
    activity.replies.iter().map(|r| r.uuid).collect()
}

pub fn uuids<T: Keyed>(items: &[T]) -> Vec<T::Id> {
    items.iter().map(|item| item.key().1).collect()
}

/// Anything listed in a feed, ordered by `(created_at, id)`.
pub trait Keyed {
    type Id: Copy + Ord + std::fmt::Debug;

    fn key(&self) -> (DateTime<Utc>, Self::Id);

    /// The uuid of an id, as a cursor holds it.
    fn uuid_of(id: Self::Id) -> Uuid;

    fn cursor(&self) -> Cursor {
        let (created_at, id) = self.key();
        Cursor {
            created_at,
            uuid: Self::uuid_of(id),
        }
    }
}

macro_rules! keyed {
    ($($type:ty => $id:ty),*) => {
        $(impl Keyed for $type {
            type Id = $id;

            fn key(&self) -> (DateTime<Utc>, $id) {
                (self.created_at, self.uuid)
            }

            fn uuid_of(id: $id) -> Uuid {
                id.0
            }
        })*
    };
}
keyed!(
    Activity => ActivityId,
    BulkActivity => ActivityId,
    Message => MessageId,
    MessageGroup => GroupId
);

/// Ordered by the notification's own id; its `uuid` is the activity it is about.
impl Keyed for Notification {
    type Id = NotificationId;

    fn key(&self) -> (DateTime<Utc>, NotificationId) {
        (self.created_at, self.notification_uuid)
    }

    fn uuid_of(id: NotificationId) -> Uuid {
        id.0
    }
}

/// The ids of `items` in feed order: newest first, ties broken by the larger id first.
pub fn newest_first<T: Keyed>(items: &[T]) -> Vec<T::Id> {
    let mut keys: Vec<_> = items.iter().map(Keyed::key).collect();
    keys.sort_by(|a, b| b.cmp(a));
    keys.into_iter().map(|(_, id)| id).collect()
}

/// No page is larger than `limit`, and every item lies strictly after the cursor it was
/// asked for.
fn assert_page_after<T: Keyed + std::fmt::Debug>(page: &[T], limit: u32, after: Option<Cursor>) {
    assert!(
        page.len() <= limit as usize,
        "a page of limit {limit} held {} items",
        page.len()
    );
    if let Some(cursor) = after {
        let bound = (cursor.created_at, cursor.uuid);
        for item in page {
            let (created_at, id) = item.key();
            assert!(
                (created_at, T::uuid_of(id)) < bound,
                "the page after {bound:?} holds {item:?}, which is not strictly after it"
            );
        }
    }
}

/// Reads a whole feed page by page, each page starting after the previous page's last item,
/// until a page comes back empty. Checks on the way that no page is larger than `limit` and
/// that every item lies strictly after the cursor it was asked for.
pub async fn walk<T: Keyed + std::fmt::Debug>(
    limit: u32,
    mut fetch: impl AsyncFnMut(Page) -> Vec<T>,
) -> Vec<Vec<T>> {
    let mut pages: Vec<Vec<T>> = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = fetch(Page { after, limit }).await;
        assert_page_after(&page, limit, after);
        let Some(last) = page.last() else {
            return pages;
        };
        after = Some(last.cursor());
        pages.push(page);
    }
}

/// The sizes of the pages [`walk`] read.
pub fn sizes<T>(pages: &[Vec<T>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}

/// The uuids of every page, in reading order.
pub fn flat_uuids<T: Keyed>(pages: &[Vec<T>]) -> Vec<T::Id> {
    pages.iter().flat_map(|page| uuids(page)).collect()
}

/// A user as [`cruddur_store::Store::load`] takes one.
pub fn bulk_user(handle: &str) -> BulkUser {
    let new = new_user(handle);
    BulkUser {
        uuid: UserId::random(),
        display_name: new.display_name,
        handle: new.handle,
        email: new.email,
        password_hash: new.password_hash,
        bio: format!("{handle} was loaded in bulk"),
        created_at: new.created_at,
    }
}

/// A crud as [`cruddur_store::Store::load`] takes one.
pub fn bulk_crud(
    author: &BulkUser,
    message: &str,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> BulkActivity {
    BulkActivity {
        uuid: ActivityId::random(),
        author: author.uuid,
        reply_to: None,
        message: message.to_owned(),
        created_at,
        expires_at,
        likes_count: 0,
        replies_count: 0,
        reposts_count: 0,
    }
}

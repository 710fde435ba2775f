//! The rows both SQL stores read, decoded once for either database.
//!
//! The two schemas keep the same columns in different types: PostgreSQL has `timestamptz` and
//! `uuid`, SQLite INTEGER microseconds and hyphenated TEXT. [`Time`] and the contract's ids decode either,
//! so each row below is written once and turned into its contract type in one place.

use chrono::{DateTime, Utc};
use cruddur_contract::{
    Activity, ActivityId, Concerned, GroupId, Handle, Message, MessageGroup, MessageId,
    Notification, NotificationId, NotificationKind, Profile, Reply, User, UserId,
};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, FromRow, Postgres, Sqlite, Type};

use crate::{Credentials, StoreError, StoreResult};

/// A point in time as either store keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Time(pub DateTime<Utc>);

impl Type<Sqlite> for Time {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Time {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let micros = <i64 as Decode<Sqlite>>::decode(value)?;
        DateTime::from_timestamp_micros(micros)
            .map(Time)
            .ok_or_else(|| format!("stored time out of range: {micros}").into())
    }
}

impl Type<Postgres> for Time {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
}

impl<'r> Decode<'r, Postgres> for Time {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <DateTime<Utc> as Decode<Postgres>>::decode(value).map(Time)
    }
}

/// The columns of an [`ActivityRow`], from `a` (the crud or reply) and `u` (its author). A
/// macro so that it can be `concat!`ed into static SQL.
macro_rules! activity_columns {
    () => {
        "a.uuid, a.reply_to, u.display_name, u.handle, a.message, a.created_at, a.expires_at,
         a.likes_count, a.replies_count, a.reposts_count"
    };
}
pub(crate) use activity_columns;

/// A crud or a reply with its author's names ([`activity_columns`]).
#[derive(FromRow)]
pub(crate) struct ActivityRow {
    uuid: ActivityId,
    reply_to: Option<ActivityId>,
    display_name: String,
    handle: Handle,
    message: String,
    created_at: Time,
    expires_at: Time,
    likes_count: i64,
    replies_count: i64,
    reposts_count: i64,
}

impl ActivityRow {
    fn is_reply(&self) -> bool {
        self.reply_to.is_some()
    }

    /// The row as a crud, its replies left for the caller to add.
    pub(crate) fn into_activity(self) -> Activity {
        Activity {
            uuid: self.uuid,
            display_name: self.display_name,
            handle: self.handle,
            message: self.message,
            created_at: self.created_at.0,
            expires_at: self.expires_at.0,
            likes_count: self.likes_count,
            replies_count: self.replies_count,
            reposts_count: self.reposts_count,
            replies: Vec::new(),
            liked_by_me: false,
            reposted_by_me: false,
        }
    }

    /// The row as a reply; a row that answers nothing is no reply.
    pub(crate) fn into_reply(self) -> StoreResult<Reply> {
        let reply_to = self.reply_to.ok_or_else(|| {
            StoreError::Internal(format!("activity {} is not a reply", self.uuid).into())
        })?;
        Ok(Reply {
            uuid: self.uuid,
            reply_to_activity_uuid: reply_to,
            display_name: self.display_name,
            handle: self.handle,
            message: self.message,
            likes_count: self.likes_count,
            replies_count: self.replies_count,
            reposts_count: self.reposts_count,
            created_at: self.created_at.0,
            liked_by_me: false,
            reposted_by_me: false,
        })
    }
}

/// A page of cruds, `replies` left empty.
pub(crate) fn feed(rows: Vec<ActivityRow>) -> Vec<Activity> {
    rows.into_iter().map(ActivityRow::into_activity).collect()
}

/// Replies in the order read.
pub(crate) fn replies(rows: Vec<ActivityRow>) -> StoreResult<Vec<Reply>> {
    rows.into_iter().map(ActivityRow::into_reply).collect()
}

/// One crud with its replies, from rows ordered crud first: `None` when the first row is a
/// reply (a reply's uuid was asked for) or there are no rows.
pub(crate) fn thread(rows: Vec<ActivityRow>) -> StoreResult<Option<Activity>> {
    let mut rows = rows.into_iter();
    let Some(crud) = rows.next().filter(|row| !row.is_reply()) else {
        return Ok(None);
    };
    let mut activity = crud.into_activity();
    activity.replies = rows
        .map(ActivityRow::into_reply)
        .collect::<StoreResult<_>>()?;
    Ok(Some(activity))
}

/// A `users` row without its password hash.
#[derive(FromRow)]
pub(crate) struct UserRow {
    uuid: UserId,
    display_name: String,
    handle: Handle,
    email: String,
    bio: String,
    created_at: Time,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            email: row.email,
            bio: row.bio,
            created_at: row.created_at.0,
        }
    }
}

/// A user and the password hash, for a sign-in.
#[derive(FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

impl From<CredentialsRow> for Credentials {
    fn from(row: CredentialsRow) -> Self {
        Credentials {
            user: row.user.into(),
            password_hash: row.password_hash,
        }
    }
}

/// A public profile with its counts and whether the viewer follows it.
#[derive(FromRow)]
pub(crate) struct ProfileRow {
    uuid: UserId,
    display_name: String,
    handle: Handle,
    bio: String,
    created_at: Time,
    cruds_count: i64,
    followers_count: i64,
    following_count: i64,
    followed_by_me: bool,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Self {
        Profile {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            bio: row.bio,
            created_at: row.created_at.0,
            cruds_count: row.cruds_count,
            followers_count: row.followers_count,
            following_count: row.following_count,
            followed_by_me: row.followed_by_me,
        }
    }
}

/// The `SELECT … FROM` of [`NotificationRow`]s: notifications `n`, their actors, and the crud or
/// reply concerned `a` with its thread's crud and that crud's author. A macro so that it can
/// be `concat!`ed into static SQL.
macro_rules! select_notifications {
    () => {
        "SELECT n.uuid, n.kind, actor.display_name, actor.handle, n.created_at,
             a.uuid AS a_uuid, a.message AS a_message, a.expires_at AS a_expires_at,
             a.likes_count AS a_likes_count, a.replies_count AS a_replies_count,
             a.reposts_count AS a_reposts_count,
             thread.uuid AS thread_uuid, thread_author.handle AS thread_handle
         FROM notifications n
         JOIN users actor ON actor.uuid = n.actor_uuid
         LEFT JOIN activities a ON a.uuid = n.activity_uuid
         LEFT JOIN activities thread ON thread.uuid = coalesce(a.reply_to, a.uuid)
         LEFT JOIN users thread_author ON thread_author.uuid = thread.user_uuid "
    };
}
pub(crate) use select_notifications;

/// A notification and, unless it is a follow, the crud or reply concerned (columns `a_*`) and
/// the author of its thread's crud.
#[derive(FromRow)]
pub(crate) struct NotificationRow {
    uuid: NotificationId,
    kind: String,
    display_name: String,
    handle: Handle,
    created_at: Time,
    a_uuid: Option<ActivityId>,
    a_message: Option<String>,
    a_expires_at: Option<Time>,
    a_likes_count: Option<i64>,
    a_replies_count: Option<i64>,
    a_reposts_count: Option<i64>,
    thread_uuid: Option<ActivityId>,
    thread_handle: Option<Handle>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> StoreResult<Self> {
        // The schemas' CHECK constraints allow only known kinds; anything else is corruption.
        let kind = NotificationKind::parse(&row.kind).ok_or_else(|| {
            StoreError::Internal(format!("unknown notification kind {:?}", row.kind).into())
        })?;
        let concerned = match (
            row.a_uuid,
            row.a_expires_at,
            row.thread_uuid,
            row.thread_handle,
        ) {
            (Some(uuid), Some(expires_at), Some(thread_uuid), Some(thread_handle)) => {
                Some(Concerned {
                    uuid,
                    message: row.a_message.unwrap_or_default(),
                    expires_at: expires_at.0,
                    likes_count: row.a_likes_count.unwrap_or_default(),
                    replies_count: row.a_replies_count.unwrap_or_default(),
                    reposts_count: row.a_reposts_count.unwrap_or_default(),
                    thread_uuid,
                    thread_handle,
                })
            }
            _ => None,
        };
        Ok(Notification::new(
            row.uuid,
            kind,
            (row.display_name, row.handle),
            row.created_at.0,
            concerned,
        ))
    }
}

/// A direct message with its sender's names.
#[derive(FromRow)]
pub(crate) struct MessageRow {
    uuid: MessageId,
    display_name: String,
    handle: Handle,
    message: String,
    created_at: Time,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Self {
        Message {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            message: row.message,
            created_at: row.created_at.0,
        }
    }
}

/// A conversation with the other person's names and its latest message (`message`,
/// `created_at`).
#[derive(FromRow)]
pub(crate) struct GroupRow {
    uuid: GroupId,
    display_name: String,
    handle: Handle,
    message: String,
    created_at: Time,
}

impl From<GroupRow> for MessageGroup {
    fn from(row: GroupRow) -> Self {
        MessageGroup {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            message: row.message,
            created_at: row.created_at.0,
        }
    }
}

//! Cruds ("activities"), their replies, and the notifications they cause.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::handle::Handle;
use crate::ids::{ActivityId, NotificationId};
use crate::validation::{ErrorCode, Ttl, check_text};

/// Most characters (Unicode scalar values) in a crud.
pub const CRUD_MAX_CHARS: usize = 280;
/// Most characters in a reply or a direct message.
pub const REPLY_MAX_CHARS: usize = 1024;

/// A crud as the week-1 API returns it. Every field is always present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub uuid: ActivityId,
    pub display_name: String,
    pub handle: Handle,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub likes_count: i64,
    pub replies_count: i64,
    pub reposts_count: i64,
    /// Every reply on the show-activity route; in feeds, as in week 1, the latest few
    /// (oldest of them first), `replies_count` being the total.
    pub replies: Vec<Reply>,
    /// Whether the signed-in viewer likes it (false when signed out). Not in week 1.
    #[serde(default)]
    pub liked_by_me: bool,
    /// Whether the signed-in viewer reposted it (false when signed out). Not in week 1.
    #[serde(default)]
    pub reposted_by_me: bool,
}

impl Activity {
    /// A crud as posted, by the author named `display_name` and `handle`: nothing counted, no
    /// replies, liked and reposted by nobody yet.
    pub fn posted(
        uuid: ActivityId,
        (display_name, handle): (String, Handle),
        message: String,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Activity {
            uuid,
            display_name,
            handle,
            message,
            created_at,
            expires_at,
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            replies: Vec::new(),
            liked_by_me: false,
            reposted_by_me: false,
        }
    }
}

/// A reply to a crud. It expires with the crud it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    pub uuid: ActivityId,
    pub reply_to_activity_uuid: ActivityId,
    pub display_name: String,
    pub handle: Handle,
    pub message: String,
    pub likes_count: i64,
    pub replies_count: i64,
    pub reposts_count: i64,
    pub created_at: DateTime<Utc>,
    /// As on [`Activity`].
    #[serde(default)]
    pub liked_by_me: bool,
    /// As on [`Activity`].
    #[serde(default)]
    pub reposted_by_me: bool,
}

/// Body of `POST /api/activities`. Fields are optional on the wire so that a missing field is
/// reported as a validation code (`message_blank`, `ttl_blank`) like a blank one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateActivity {
    /// 1–280 characters, not all blank.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, max_length = 280, pattern = r"\S"))]
    pub message: Option<String>,
    /// One of `30-days`, `7-days`, `3-days`, `1-day`, `12-hours`, `3-hours`, `1-hour`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Ttl, required = true))]
    pub ttl: Option<String>,
}

impl CreateActivity {
    /// Every failing rule, or the message and TTL ready to store.
    pub fn validate(&self) -> Result<(String, Ttl), Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let message = check_text(self.message.as_deref(), CRUD_MAX_CHARS, &mut errors);
        let ttl = match self.ttl.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(ErrorCode::TtlBlank);
                None
            }
            Some(raw) => match raw.parse::<Ttl>() {
                Ok(ttl) => Some(ttl),
                Err(code) => {
                    errors.push(code);
                    None
                }
            },
        };
        match (message, ttl) {
            (Some(message), Some(ttl)) if errors.is_empty() => Ok((message, ttl)),
            _ => Err(errors),
        }
    }
}

/// Body of `POST /api/activities/{uuid}/reply`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateReply {
    /// 1–1024 characters, not all blank.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, max_length = 1024, pattern = r"\S"))]
    pub message: Option<String>,
}

impl CreateReply {
    pub fn validate(&self) -> Result<String, Vec<ErrorCode>> {
        let mut errors = Vec::new();
        match check_text(self.message.as_deref(), REPLY_MAX_CHARS, &mut errors) {
            Some(message) => Ok(message),
            None => Err(errors),
        }
    }
}

/// What happened to cause a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Reply,
    Mention,
    Like,
    Repost,
    Follow,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        NotificationKind::Reply,
        NotificationKind::Mention,
        NotificationKind::Like,
        NotificationKind::Repost,
        NotificationKind::Follow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::Mention => "mention",
            NotificationKind::Like => "like",
            NotificationKind::Repost => "repost",
            NotificationKind::Follow => "follow",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// A like or a repost: two ways of reacting to a crud or reply with the same rules (given or
/// taken back idempotently, counted on the crud, its author notified of the first). Its
/// endpoints are `Reaction::endpoint` (in `routes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reaction {
    Like,
    Repost,
}

impl Reaction {
    pub const ALL: [Reaction; 2] = [Reaction::Like, Reaction::Repost];

    /// What the author is told of it.
    pub fn notification_kind(self) -> NotificationKind {
        match self {
            Reaction::Like => NotificationKind::Like,
            Reaction::Repost => NotificationKind::Repost,
        }
    }
}

/// One entry of the signed-in user's notifications feed, newest first, shaped as week 1 had
/// them: an activity, so that a week-1 client shows it, replies to it and likes it as it does
/// any crud. The fields week 1 did not have say what happened and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// The crud or reply concerned, the one to reply to or like; for a follow, which concerns
    /// no activity, the notification's own id.
    pub uuid: Uuid,
    /// Who acted (for a follow, the follower), as they are named now.
    pub display_name: String,
    pub handle: Handle,
    /// The text of the crud or reply concerned; for a follow, [`Notification::FOLLOWED`].
    pub message: String,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// When the crud or reply concerned expires; `null` for a follow.
    pub expires_at: Option<DateTime<Utc>>,
    /// The counts of the crud or reply concerned (0 for a follow).
    pub likes_count: i64,
    pub replies_count: i64,
    pub reposts_count: i64,
    /// Always empty: a notification shows no thread.
    pub replies: Vec<Reply>,
    /// What happened. Not in week 1, like every field below.
    pub kind: NotificationKind,
    /// The notification's own id (the feed's cursor).
    pub notification_uuid: NotificationId,
    /// The crud or reply concerned; `null` for a follow.
    pub activity_uuid: Option<ActivityId>,
    /// The crud whose thread it is in (the crud itself, or the crud a reply answers) and its
    /// author's handle, for a link to the thread; `null` for a follow.
    pub thread_uuid: Option<ActivityId>,
    pub thread_handle: Option<Handle>,
}

/// The crud or reply a notification is about, as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Concerned {
    pub uuid: ActivityId,
    pub message: String,
    pub expires_at: DateTime<Utc>,
    pub likes_count: i64,
    pub replies_count: i64,
    pub reposts_count: i64,
    pub thread_uuid: ActivityId,
    pub thread_handle: Handle,
}

impl Notification {
    /// What a follow notification says, where a week-1 client shows a crud's text.
    pub const FOLLOWED: &'static str = "followed you";

    /// The notification `uuid` of `kind`, by the actor named `display_name` and `handle`,
    /// about `concerned` (`None` for a follow).
    pub fn new(
        uuid: NotificationId,
        kind: NotificationKind,
        (display_name, handle): (String, Handle),
        created_at: DateTime<Utc>,
        concerned: Option<Concerned>,
    ) -> Self {
        let mut notification = Notification {
            uuid: uuid.0,
            display_name,
            handle,
            message: Self::FOLLOWED.to_owned(),
            created_at,
            expires_at: None,
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            replies: Vec::new(),
            kind,
            notification_uuid: uuid,
            activity_uuid: None,
            thread_uuid: None,
            thread_handle: None,
        };
        if let Some(activity) = concerned {
            notification.uuid = activity.uuid.0;
            notification.message = activity.message;
            notification.expires_at = Some(activity.expires_at);
            notification.likes_count = activity.likes_count;
            notification.replies_count = activity.replies_count;
            notification.reposts_count = activity.reposts_count;
            notification.activity_uuid = Some(activity.uuid);
            notification.thread_uuid = Some(activity.thread_uuid);
            notification.thread_handle = Some(activity.thread_handle);
        }
        notification
    }
}

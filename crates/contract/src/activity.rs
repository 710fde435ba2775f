//! Cruds ("activities"), their replies, and the notifications they cause.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{ErrorCode, Ttl, check_text};

/// Most characters (Unicode scalar values) in a crud.
pub const CRUD_MAX_CHARS: usize = 280;
/// Most characters in a reply or a direct message.
pub const REPLY_MAX_CHARS: usize = 1024;

/// A crud as the week-1 API returns it. Every field is always present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub uuid: Uuid,
    pub display_name: String,
    pub handle: String,
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

/// A reply to a crud. It expires with the crud it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    pub uuid: Uuid,
    pub reply_to_activity_uuid: Uuid,
    pub display_name: String,
    pub handle: String,
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

/// One entry of the signed-in user's notifications feed, newest first.
///
/// `handle` and `display_name` name the person who acted; `activity_uuid` and `message` name
/// the crud or reply concerned (absent for a new follower).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub uuid: Uuid,
    pub kind: NotificationKind,
    pub display_name: String,
    pub handle: String,
    pub activity_uuid: Option<Uuid>,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
}

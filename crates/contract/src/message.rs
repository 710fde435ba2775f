//! Direct messages between two people.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::activity::REPLY_MAX_CHARS;
use crate::handle::Handle;
use crate::ids::{GroupId, MessageId};
use crate::validation::{ErrorCode, check_text};

/// One conversation in the signed-in user's list, named after the other person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageGroup {
    pub uuid: GroupId,
    pub display_name: String,
    pub handle: Handle,
    /// The last message's text.
    pub message: String,
    /// When the last message was sent.
    pub created_at: DateTime<Utc>,
}

/// One direct message; `handle` and `display_name` name its sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub uuid: MessageId,
    pub display_name: String,
    pub handle: Handle,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// Body of `POST /api/messages`. The receiver field keeps its week-1 name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMessage {
    /// 1–1024 characters, not all blank.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, max_length = 1024, pattern = r"\S"))]
    pub message: Option<String>,
    /// The receiver's handle, without `@`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, pattern = "^[A-Za-z0-9_]{1,30}$"))]
    pub user_receiver_handle: Option<String>,
}

impl CreateMessage {
    /// The trimmed message and receiver handle, or every failing code.
    pub fn validate(&self) -> Result<(String, Handle), Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let message = check_text(self.message.as_deref(), REPLY_MAX_CHARS, &mut errors);
        let receiver = self
            .user_receiver_handle
            .as_deref()
            .map(|h| h.trim().trim_start_matches('@'))
            .unwrap_or_default();
        let handle = Handle::parse(receiver);
        if receiver.is_empty() {
            errors.push(ErrorCode::UserRecieverHandleBlank);
        } else if handle.is_none() {
            // No account can have this handle, so there is nobody to look up.
            errors.push(ErrorCode::UserReceiverNotFound);
        }
        match (message, handle) {
            (Some(message), Some(handle)) if errors.is_empty() => Ok((message, handle)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_needs_text_and_a_receiver() {
        assert_eq!(
            CreateMessage::default().validate(),
            Err(vec![
                ErrorCode::MessageBlank,
                ErrorCode::UserRecieverHandleBlank
            ])
        );
        let ok = CreateMessage {
            message: Some(" hi ".into()),
            user_receiver_handle: Some("@bayko".into()),
        };
        assert_eq!(
            ok.validate(),
            Ok(("hi".into(), Handle::parse("bayko").unwrap()))
        );
    }

    #[test]
    fn messages_allow_1024_characters() {
        let body = |n| CreateMessage {
            message: Some("m".repeat(n)),
            user_receiver_handle: Some("bayko".into()),
        };
        assert!(body(REPLY_MAX_CHARS).validate().is_ok());
        assert_eq!(
            body(REPLY_MAX_CHARS + 1).validate(),
            Err(vec![ErrorCode::MessageExceedMaxChars])
        );
    }
}

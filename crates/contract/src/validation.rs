//! Validation rules and the error codes the API returns in a 422 body.
//!
//! Codes keep the week-1 spellings (including `user_reciever_handle_blank`), because clients
//! written for the original API match on them.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A validation error code. A 422 response is a JSON array of these, every failing rule listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MessageBlank,
    MessageExceedMaxChars,
    MessageInvalid,
    TtlBlank,
    TtlInvalid,
    SearchTermBlank,
    #[serde(rename = "user_reciever_handle_blank")]
    UserRecieverHandleBlank,
    UserReceiverNotFound,
    UserReceiverIsSelf,
    DisplayNameBlank,
    DisplayNameExceedMaxChars,
    DisplayNameInvalid,
    HandleBlank,
    HandleInvalid,
    HandleTaken,
    EmailBlank,
    EmailInvalid,
    EmailTaken,
    PasswordBlank,
    PasswordTooShort,
    PasswordExceedMaxChars,
    BioExceedMaxChars,
    BioInvalid,
    CannotFollowSelf,
    LoginBlank,
    CursorInvalid,
    LimitInvalid,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MessageBlank => "message_blank",
            ErrorCode::MessageExceedMaxChars => "message_exceed_max_chars",
            ErrorCode::MessageInvalid => "message_invalid",
            ErrorCode::TtlBlank => "ttl_blank",
            ErrorCode::TtlInvalid => "ttl_invalid",
            ErrorCode::SearchTermBlank => "search_term_blank",
            ErrorCode::UserRecieverHandleBlank => "user_reciever_handle_blank",
            ErrorCode::UserReceiverNotFound => "user_receiver_not_found",
            ErrorCode::UserReceiverIsSelf => "user_receiver_is_self",
            ErrorCode::DisplayNameBlank => "display_name_blank",
            ErrorCode::DisplayNameExceedMaxChars => "display_name_exceed_max_chars",
            ErrorCode::DisplayNameInvalid => "display_name_invalid",
            ErrorCode::HandleBlank => "handle_blank",
            ErrorCode::HandleInvalid => "handle_invalid",
            ErrorCode::HandleTaken => "handle_taken",
            ErrorCode::EmailBlank => "email_blank",
            ErrorCode::EmailInvalid => "email_invalid",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::PasswordBlank => "password_blank",
            ErrorCode::PasswordTooShort => "password_too_short",
            ErrorCode::PasswordExceedMaxChars => "password_exceed_max_chars",
            ErrorCode::BioExceedMaxChars => "bio_exceed_max_chars",
            ErrorCode::BioInvalid => "bio_invalid",
            ErrorCode::CannotFollowSelf => "cannot_follow_self",
            ErrorCode::LoginBlank => "login_blank",
            ErrorCode::CursorInvalid => "cursor_invalid",
            ErrorCode::LimitInvalid => "limit_invalid",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a crud lives. Only the seven week-1 strings are accepted. (Serde and the OpenAPI
/// document name them too, so the schema lists the choices; requests still read the field as
/// text, to answer `ttl_blank` / `ttl_invalid` rather than a decoding error.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Ttl {
    #[serde(rename = "30-days")]
    ThirtyDays,
    #[serde(rename = "7-days")]
    SevenDays,
    #[serde(rename = "3-days")]
    ThreeDays,
    #[serde(rename = "1-day")]
    OneDay,
    #[serde(rename = "12-hours")]
    TwelveHours,
    #[serde(rename = "3-hours")]
    ThreeHours,
    #[serde(rename = "1-hour")]
    OneHour,
}

impl Ttl {
    /// Every choice, longest first, as a composer offers them.
    pub const ALL: [Ttl; 7] = [
        Ttl::ThirtyDays,
        Ttl::SevenDays,
        Ttl::ThreeDays,
        Ttl::OneDay,
        Ttl::TwelveHours,
        Ttl::ThreeHours,
        Ttl::OneHour,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ttl::ThirtyDays => "30-days",
            Ttl::SevenDays => "7-days",
            Ttl::ThreeDays => "3-days",
            Ttl::OneDay => "1-day",
            Ttl::TwelveHours => "12-hours",
            Ttl::ThreeHours => "3-hours",
            Ttl::OneHour => "1-hour",
        }
    }

    pub fn duration(self) -> TimeDelta {
        match self {
            Ttl::ThirtyDays => TimeDelta::days(30),
            Ttl::SevenDays => TimeDelta::days(7),
            Ttl::ThreeDays => TimeDelta::days(3),
            Ttl::OneDay => TimeDelta::days(1),
            Ttl::TwelveHours => TimeDelta::hours(12),
            Ttl::ThreeHours => TimeDelta::hours(3),
            Ttl::OneHour => TimeDelta::hours(1),
        }
    }
}

impl FromStr for Ttl {
    type Err = ErrorCode;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Ttl::ALL
            .into_iter()
            .find(|ttl| ttl.as_str() == raw)
            .ok_or(ErrorCode::TtlInvalid)
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// U+0000 is never meant in text, and PostgreSQL cannot store it: text holding it is refused
/// by every store alike rather than altered.
pub(crate) fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Checks a crud, reply or message body: not blank, at most `max` characters once trimmed, no
/// U+0000. Pushes the failing code and returns `None`, or returns the trimmed text.
pub(crate) fn check_text(
    raw: Option<&str>,
    max: usize,
    errors: &mut Vec<ErrorCode>,
) -> Option<String> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        errors.push(ErrorCode::MessageBlank);
        None
    } else if text.chars().count() > max {
        errors.push(ErrorCode::MessageExceedMaxChars);
        None
    } else if has_nul(text) {
        errors.push(ErrorCode::MessageInvalid);
        None
    } else {
        Some(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{CRUD_MAX_CHARS, CreateActivity};

    #[test]
    fn every_ttl_round_trips_through_its_string() {
        for ttl in Ttl::ALL {
            assert_eq!(ttl.as_str().parse::<Ttl>(), Ok(ttl));
            // The names serde (and so the OpenAPI document) uses are the same strings.
            assert_eq!(
                serde_json::to_string(&ttl).unwrap(),
                format!("\"{}\"", ttl.as_str())
            );
        }
        assert_eq!("2-days".parse::<Ttl>(), Err(ErrorCode::TtlInvalid));
        assert_eq!(Ttl::OneHour.duration(), TimeDelta::hours(1));
        assert_eq!(Ttl::ThirtyDays.duration(), TimeDelta::days(30));
    }

    #[test]
    fn error_codes_serialise_to_their_wire_names() {
        for code in [
            ErrorCode::MessageBlank,
            ErrorCode::UserRecieverHandleBlank,
            ErrorCode::SearchTermBlank,
            ErrorCode::DisplayNameExceedMaxChars,
            ErrorCode::MessageInvalid,
            ErrorCode::DisplayNameInvalid,
            ErrorCode::BioInvalid,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn crud_limit_counts_unicode_scalar_values_not_bytes() {
        let at_limit = "é".repeat(CRUD_MAX_CHARS);
        let body = CreateActivity {
            message: Some(at_limit),
            ttl: Some("1-hour".into()),
        };
        assert!(body.validate().is_ok());

        let over = CreateActivity {
            message: Some("🦀".repeat(CRUD_MAX_CHARS + 1)),
            ttl: Some("1-hour".into()),
        };
        assert_eq!(over.validate(), Err(vec![ErrorCode::MessageExceedMaxChars]));
    }

    #[test]
    fn every_failing_rule_is_reported() {
        let body = CreateActivity {
            message: Some("   ".into()),
            ttl: None,
        };
        assert_eq!(
            body.validate(),
            Err(vec![ErrorCode::MessageBlank, ErrorCode::TtlBlank])
        );
    }

    #[test]
    fn text_holding_nul_is_refused_but_other_unicode_is_kept() {
        let crud = |message: &str| CreateActivity {
            message: Some(message.into()),
            ttl: Some("1-day".into()),
        };
        assert_eq!(
            crud("a\0b").validate(),
            Err(vec![ErrorCode::MessageInvalid])
        );
        let unusual = "e\u{301} 👩🏽‍💻 שלום \u{202e}x\u{202c} \u{7}";
        assert_eq!(crud(unusual).validate(), Ok((unusual.into(), Ttl::OneDay)));
    }
}

//! Accounts: sign-up, sign-in, the signed-in user and public profiles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::handle::Handle;
use crate::ids::UserId;
use crate::validation::{ErrorCode, has_nul};

pub const DISPLAY_NAME_MAX_CHARS: usize = 50;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const BIO_MAX_CHARS: usize = 160;

/// Body of `POST /api/auth/sign_up`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUp {
    /// 1–50 characters, not all blank.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, max_length = 50, pattern = r"\S"))]
    pub display_name: Option<String>,
    /// 1–30 ASCII letters, digits or underscores; unique, ignoring case.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, pattern = "^[A-Za-z0-9_]{1,30}$"))]
    pub handle: Option<String>,
    /// Unique, ignoring case.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, format = Email, max_length = 254))]
    pub email: Option<String>,
    /// 8–128 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 8, max_length = 128))]
    pub password: Option<String>,
}

/// A sign-up that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSignUp {
    pub display_name: String,
    pub handle: Handle,
    pub email: String,
    pub password: String,
}

impl SignUp {
    pub fn validate(&self) -> Result<ValidSignUp, Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let display_name = check_display_name(self.display_name.as_deref(), &mut errors);
        let text = self.handle.as_deref().map(str::trim).unwrap_or_default();
        let handle = Handle::parse(text);
        if text.is_empty() {
            errors.push(ErrorCode::HandleBlank);
        } else if handle.is_none() {
            errors.push(ErrorCode::HandleInvalid);
        }
        let email = self.email.as_deref().map(str::trim).unwrap_or_default();
        if email.is_empty() {
            errors.push(ErrorCode::EmailBlank);
        } else if !is_plausible_email(email) {
            errors.push(ErrorCode::EmailInvalid);
        }
        let password = self.password.as_deref().unwrap_or_default();
        let password_chars = password.chars().count();
        if password.is_empty() {
            errors.push(ErrorCode::PasswordBlank);
        } else if password_chars < PASSWORD_MIN_CHARS {
            errors.push(ErrorCode::PasswordTooShort);
        } else if password_chars > PASSWORD_MAX_CHARS {
            errors.push(ErrorCode::PasswordExceedMaxChars);
        }
        let Some(handle) = handle.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        Ok(ValidSignUp {
            display_name: display_name.unwrap_or_default(),
            handle,
            email: email.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// Body of `POST /api/auth/sign_in`: a handle or an email, and the password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    /// A handle or an email.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1, pattern = r"\S"))]
    pub login: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub password: Option<String>,
}

impl SignIn {
    /// The trimmed login and the password, or every missing field's code.
    pub fn validate(&self) -> Result<(String, String), Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let login = self.login.as_deref().map(str::trim).unwrap_or_default();
        if login.is_empty() {
            errors.push(ErrorCode::LoginBlank);
        }
        let password = self.password.as_deref().unwrap_or_default();
        if password.is_empty() {
            errors.push(ErrorCode::PasswordBlank);
        }
        if errors.is_empty() {
            Ok((login.to_owned(), password.to_owned()))
        } else {
            Err(errors)
        }
    }
}

/// The signed-in user, as `GET /api/me` and the auth routes return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub uuid: UserId,
    pub display_name: String,
    pub handle: Handle,
    pub email: String,
    pub bio: String,
    pub created_at: DateTime<Utc>,
}

/// What signing up or in returns: a bearer token for the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// A public profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub uuid: UserId,
    pub display_name: String,
    pub handle: Handle,
    pub bio: String,
    pub created_at: DateTime<Utc>,
    /// Live cruds (replies not counted).
    pub cruds_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// Whether the signed-in viewer follows this user; false when signed out.
    pub followed_by_me: bool,
}

/// Body of `PATCH /api/me`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfile {
    /// 1–50 characters, not all blank; absent or `null` leaves it as it is.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 50, pattern = r"\S")
    )]
    pub display_name: Option<String>,
    /// Up to 160 characters; absent or `null` leaves it as it is.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 160))]
    pub bio: Option<String>,
}

impl UpdateProfile {
    /// The new display name and bio (each `None` when unchanged), or every failing code.
    pub fn validate(&self) -> Result<(Option<String>, Option<String>), Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let display_name = match &self.display_name {
            Some(raw) => check_display_name(Some(raw), &mut errors),
            None => None,
        };
        let bio = self.bio.as_deref().map(str::trim);
        if bio.is_some_and(|bio| bio.chars().count() > BIO_MAX_CHARS) {
            errors.push(ErrorCode::BioExceedMaxChars);
        } else if bio.is_some_and(|bio| has_nul(bio) || has_invisible_controls(bio)) {
            errors.push(ErrorCode::BioInvalid);
        }
        if errors.is_empty() {
            Ok((display_name, bio.map(str::to_owned)))
        } else {
            Err(errors)
        }
    }
}

fn check_display_name(raw: Option<&str>, errors: &mut Vec<ErrorCode>) -> Option<String> {
    let name = raw.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        errors.push(ErrorCode::DisplayNameBlank);
        None
    } else if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        errors.push(ErrorCode::DisplayNameExceedMaxChars);
        None
    } else if name.chars().any(char::is_control) || has_invisible_controls(name) {
        // A name is one line shown everywhere: no control characters at all, and nothing
        // that hides or reorders text to pass for someone else.
        errors.push(ErrorCode::DisplayNameInvalid);
        None
    } else {
        Some(name.to_owned())
    }
}

/// Whether `text` holds a bidirectional control (U+202E turns "Alt Brown" around) or an
/// invisible character that tells lookalike names apart. The zero-width joiner is allowed
/// between two emoji, where it builds one (👩‍💻).
pub fn has_invisible_controls(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(at, &c)| match c {
        '\u{200D}' => {
            let emoji_before = at > 0 && is_emoji_part(chars[at - 1]);
            let emoji_after = chars.get(at + 1).is_some_and(|&next| is_emoji_part(next));
            !(emoji_before && emoji_after)
        }
        '\u{061C}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{E0000}'..='\u{E007F}' => true,
        _ => false,
    })
}

/// Pictographs and what attaches to them inside an emoji sequence.
fn is_emoji_part(c: char) -> bool {
    matches!(c,
        '\u{2600}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{FE0F}'
        | '\u{1F000}'..='\u{1FAFF}')
}

/// A light check: one `@`, something before it, a dot in the domain, no spaces. Real
/// verification would need a mail round trip, which Cruddur does not do.
fn is_plausible_email(email: &str) -> bool {
    if email.chars().count() > EMAIL_MAX_CHARS
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up(display_name: &str, handle: &str, email: &str, password: &str) -> SignUp {
        SignUp {
            display_name: Some(display_name.into()),
            handle: Some(handle.into()),
            email: Some(email.into()),
            password: Some(password.into()),
        }
    }

    #[test]
    fn a_good_sign_up_passes_trimmed() {
        let valid = sign_up(" Ada ", " ada_l ", "ada@example.com", "correct horse")
            .validate()
            .unwrap();
        assert_eq!(valid.display_name, "Ada");
        assert_eq!(valid.handle, "ada_l");
    }

    #[test]
    fn an_empty_sign_up_reports_every_field() {
        assert_eq!(
            SignUp::default().validate(),
            Err(vec![
                ErrorCode::DisplayNameBlank,
                ErrorCode::HandleBlank,
                ErrorCode::EmailBlank,
                ErrorCode::PasswordBlank,
            ])
        );
    }

    #[test]
    fn bad_handles_emails_and_passwords_are_named() {
        assert_eq!(
            sign_up("Ada", "ada lovelace", "ada.example.com", "short").validate(),
            Err(vec![
                ErrorCode::HandleInvalid,
                ErrorCode::EmailInvalid,
                ErrorCode::PasswordTooShort,
            ])
        );
        assert_eq!(
            sign_up(&"x".repeat(51), "a", "a@b.c", &"p".repeat(129)).validate(),
            Err(vec![
                ErrorCode::DisplayNameExceedMaxChars,
                ErrorCode::PasswordExceedMaxChars,
            ])
        );
    }

    #[test]
    fn names_and_bios_cannot_hide_or_reorder_text() {
        let update = |name: &str, bio: &str| UpdateProfile {
            display_name: Some(name.to_owned()),
            bio: Some(bio.to_owned()),
        };
        assert_eq!(
            update("Alt \u{202E}nworB", "hi\u{200B}").validate(),
            Err(vec![ErrorCode::DisplayNameInvalid, ErrorCode::BioInvalid])
        );
        assert!(update("Ada 👩\u{200D}💻", "مرحبا").validate().is_ok());
        assert!(has_invisible_controls("a\u{200D}b"));
        assert!(has_invisible_controls("\u{2066}x\u{2069}"));
        assert!(!has_invisible_controls("Zoë Brown"));
    }
}

//! Form errors: the backend's codes, put next to the field each one is about.

use cruddur_contract::ErrorCode;

use crate::error::sentence;

/// The sentences of a failed form, each under the name of the field it belongs to.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, &'static str)>);

impl FieldErrors {
    pub fn from_codes(codes: &[ErrorCode]) -> Self {
        FieldErrors(
            codes
                .iter()
                .map(|code| (field_of(*code), sentence(*code)))
                .collect(),
        )
    }

    /// One sentence for a form-wide failure (like a wrong password).
    pub fn general(sentence: &'static str) -> Self {
        FieldErrors(vec![(GENERAL, sentence)])
    }

    /// The sentences about `field`.
    pub fn of(&self, field: &str) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|(name, _)| *name == field)
            .map(|(_, sentence)| *sentence)
            .collect()
    }

    /// Whether `field` has an error, for `aria-invalid`.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(name, _)| *name == field)
    }

    /// Sentences about no field in particular.
    pub fn general_sentences(&self) -> Vec<&'static str> {
        self.of(GENERAL)
    }
}

const GENERAL: &str = "";

/// The form field a code is about; codes about no field are shown above the form.
fn field_of(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::MessageBlank | ErrorCode::MessageExceedMaxChars | ErrorCode::MessageInvalid => {
            "message"
        }
        ErrorCode::TtlBlank | ErrorCode::TtlInvalid => "ttl",
        ErrorCode::SearchTermBlank => "term",
        ErrorCode::UserRecieverHandleBlank
        | ErrorCode::UserReceiverNotFound
        | ErrorCode::UserReceiverIsSelf => "user_receiver_handle",
        ErrorCode::DisplayNameBlank
        | ErrorCode::DisplayNameExceedMaxChars
        | ErrorCode::DisplayNameInvalid => "display_name",
        ErrorCode::HandleBlank | ErrorCode::HandleInvalid | ErrorCode::HandleTaken => "handle",
        ErrorCode::EmailBlank | ErrorCode::EmailInvalid | ErrorCode::EmailTaken => "email",
        ErrorCode::PasswordBlank
        | ErrorCode::PasswordTooShort
        | ErrorCode::PasswordExceedMaxChars => "password",
        ErrorCode::BioExceedMaxChars | ErrorCode::BioInvalid => "bio",
        ErrorCode::LoginBlank => "login",
        ErrorCode::CannotFollowSelf | ErrorCode::CursorInvalid | ErrorCode::LimitInvalid => GENERAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_land_next_to_their_field() {
        let errors = FieldErrors::from_codes(&[
            ErrorCode::MessageBlank,
            ErrorCode::TtlInvalid,
            ErrorCode::CannotFollowSelf,
        ]);
        assert_eq!(errors.of("message"), vec!["Write something first."]);
        assert!(errors.has("ttl"));
        assert!(!errors.has("password"));
        assert_eq!(
            errors.general_sentences(),
            vec!["You cannot follow yourself."]
        );
    }
}

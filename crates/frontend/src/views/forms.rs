//! Forms: what every form carries (the CSRF token, where to come back to), the parts forms
//! are made of (fields, toggles, the text-box form), sending a form to the backend, and the
//! contract's error codes put next to the field each one is about.

use askama::Template;
use cruddur_contract::{ErrorCode, Handle};

use crate::api::ApiError;
use crate::error::{PageResult, sentence};
use crate::session::Viewer;

/// What every small action form in a list needs: the CSRF token and where to come back to.
/// A signed-out viewer gets links to sign in instead of forms, so their pages carry no token
/// and are the same for every signed-out visitor (see `public_pages::PublicPages`).
/// Rendered, it is the hidden fields that carry both. (The default is a signed-out viewer's,
/// for pages without forms.)
#[derive(Debug, Clone, Default, Template)]
#[template(path = "forms/form_fields_partial.html")]
pub struct FormContext {
    pub csrf: String,
    pub back: String,
    /// The signed-in viewer's handle.
    pub me: Option<Handle>,
}

impl FormContext {
    pub fn new(viewer: &Viewer, back: &str) -> Self {
        FormContext {
            csrf: viewer.csrf.clone(),
            back: back.to_owned(),
            me: viewer.user.as_ref().map(|user| user.handle.clone()),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.me.is_some()
    }

    /// Whether the viewer wrote what `handle` wrote (handles compare case-insensitively).
    pub fn is_me(&self, handle: &str) -> bool {
        self.me
            .as_deref()
            .is_some_and(|me| me.eq_ignore_ascii_case(handle))
    }
}

/// A like or repost button (a sign-in link when signed out), pressed when already given.
#[derive(Template)]
#[template(path = "forms/toggle_partial.html")]
pub struct TogglePartial<'a> {
    pub action: String,
    /// What the button says.
    pub give: &'static str,
    pub pressed: bool,
    pub forms: &'a FormContext,
}

/// A labelled input with the sentences about it.
#[derive(Template)]
#[template(path = "forms/field_partial.html")]
pub struct FieldPartial<'a> {
    /// The name sent, also in the ids of the input and its errors.
    pub field: &'static str,
    pub label: &'static str,
    /// The input's `type`.
    pub kind: &'static str,
    pub value: &'a str,
    pub autocomplete: &'static str,
    pub errors: &'a FieldErrors,
}

/// The sentences about one field, under it.
#[derive(Template)]
#[template(path = "forms/field_errors_partial.html")]
pub struct FieldErrorsPartial<'a> {
    pub field: &'a str,
    pub sentences: Vec<&'static str>,
}

/// A text box and a button: the reply form and the direct-message form.
#[derive(Template)]
#[template(path = "forms/message_form_partial.html")]
pub struct MessageFormPartial {
    /// The form's id, also the prefix of its controls' ids.
    pub id: &'static str,
    pub action: String,
    pub label: &'static str,
    pub button: &'static str,
    pub forms: FormContext,
    pub message: String,
    pub errors: FieldErrors,
    pub max_chars: usize,
}

/// Sends a form to the backend once it passes the shared contract's `validation` (the rules
/// the backend applies too), so text far too long never leaves the frontend. The result is
/// the backend's answer, or the codes of what is wrong with the form: found here, by the
/// backend, or `too_large` when the backend refused the body as too large (413).
pub async fn submit<V, T>(
    validation: Result<V, Vec<ErrorCode>>,
    too_large: ErrorCode,
    call: impl Future<Output = Result<T, ApiError>>,
) -> PageResult<Result<T, Vec<ErrorCode>>> {
    if let Err(codes) = validation {
        return Ok(Err(codes));
    }
    match call.await {
        Ok(answer) => Ok(Ok(answer)),
        Err(ApiError::Validation(codes)) => Ok(Err(codes)),
        Err(ApiError::TooLarge) => Ok(Err(vec![too_large])),
        Err(error) => Err(error.into()),
    }
}

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

    /// The sentences about `field`, for under it.
    pub fn about<'a>(&self, field: &'a str) -> FieldErrorsPartial<'a> {
        FieldErrorsPartial {
            field,
            sentences: self.of(field),
        }
    }

    /// The input for `field` holding `value`, with the sentences about it.
    pub fn field<'a>(
        &'a self,
        field: &'static str,
        label: &'static str,
        kind: &'static str,
        value: &'a str,
        autocomplete: &'static str,
    ) -> FieldPartial<'a> {
        FieldPartial {
            field,
            label,
            kind,
            value,
            autocomplete,
            errors: self,
        }
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

/// The text of a refused field as sent back in the form: all of it unless it is more than
/// twice what the field takes, so a megabyte pasted by mistake is not echoed back whole.
pub fn kept(text: &str, max_chars: usize) -> String {
    text.chars().take(2 * max_chars).collect()
}

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

    #[tokio::test]
    async fn forms_failing_validation_never_reach_the_backend() {
        let never = async { panic!("the backend was called") };
        let refused: Result<(), _> = Err(vec![ErrorCode::MessageExceedMaxChars]);
        let answer: Result<(), _> = submit(refused, ErrorCode::MessageBlank, never)
            .await
            .unwrap();
        assert_eq!(answer, Err(vec![ErrorCode::MessageExceedMaxChars]));
    }

    #[tokio::test]
    async fn a_backend_413_is_the_too_long_code_and_other_failures_stay_errors() {
        let too_large = async { Err::<(), _>(ApiError::TooLarge) };
        let answer = submit(Ok(()), ErrorCode::MessageExceedMaxChars, too_large)
            .await
            .unwrap();
        assert_eq!(answer, Err(vec![ErrorCode::MessageExceedMaxChars]));
        let codes = async { Err::<(), _>(ApiError::Validation(vec![ErrorCode::TtlInvalid])) };
        let answer = submit(Ok(()), ErrorCode::MessageExceedMaxChars, codes)
            .await
            .unwrap();
        assert_eq!(answer, Err(vec![ErrorCode::TtlInvalid]));
        let down = async { Err::<(), _>(ApiError::Unavailable) };
        assert!(
            submit(Ok(()), ErrorCode::MessageExceedMaxChars, down)
                .await
                .is_err()
        );
        let fine = async { Ok::<_, ApiError>(7) };
        assert_eq!(
            submit(Ok(()), ErrorCode::MessageBlank, fine).await.unwrap(),
            Ok(7)
        );
    }

    #[test]
    fn kept_text_is_cut_only_when_far_too_long() {
        assert_eq!(kept("ééé", 2), "ééé");
        assert_eq!(kept(&"é".repeat(10), 2), "éééé");
        assert_eq!(kept("", 2), "");
    }
}

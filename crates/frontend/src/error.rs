//! The one error type of the pages, rendered as a styled error page.
//!
//! Causes are logged here and never shown: a visitor sees a status, a title and a sentence.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cruddur_contract::ErrorCode;

use crate::api::ApiError;
use crate::views::errors::ErrorPage;
use crate::views::layout::Layout;
use crate::views::render::render;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("page not found")]
    NotFound,
    /// A failed CSRF or origin check.
    #[error("forbidden")]
    Forbidden,
    #[error("bad request")]
    BadRequest,
    /// A form body over the frontend's own limit (`startup::FORM_BODY_LIMIT`).
    #[error("form body too large")]
    TooLarge,
    /// The page or action needs a signed-in user: answered by a redirect to `/signin`.
    #[error("sign-in required")]
    SignInRequired,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl PageError {
    fn status_and_words(&self) -> (StatusCode, &'static str, String) {
        match self {
            PageError::NotFound | PageError::Api(ApiError::NotFound) => (
                StatusCode::NOT_FOUND,
                "Nothing here",
                "This page does not exist, or the crud expired and is gone for good.".into(),
            ),
            PageError::Forbidden => (
                StatusCode::FORBIDDEN,
                "That did not come from here",
                "The form was stale or sent from another site, so nothing was changed. \
                 Go back, reload the page and try again."
                    .into(),
            ),
            PageError::Api(ApiError::Forbidden) => (
                StatusCode::FORBIDDEN,
                "That is not yours",
                "Only its author can delete a crud or a reply.".into(),
            ),
            PageError::BadRequest => (
                StatusCode::BAD_REQUEST,
                "That form did not make sense",
                "Go back, reload the page and try again.".into(),
            ),
            PageError::TooLarge | PageError::Api(ApiError::TooLarge) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "That is too long",
                "The text you sent is far too long to be posted, so nothing was changed. \
                 Go back, shorten it and try again."
                    .into(),
            ),
            // Answered by a redirect in `into_response`; these words are never shown.
            PageError::SignInRequired | PageError::Api(ApiError::Unauthorized) => (
                StatusCode::UNAUTHORIZED,
                "Sign in first",
                "Sign in to do that.".into(),
            ),
            PageError::Api(ApiError::Validation(codes)) => (
                StatusCode::BAD_REQUEST,
                "That link does not work",
                sentences(codes),
            ),
            PageError::Api(ApiError::TooManyAttempts) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Slow down",
                "Too many attempts. Wait a minute and try again.".into(),
            ),
            PageError::Api(ApiError::Timeout | ApiError::Unavailable) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Cruddur is busy",
                "The service is taking too long to answer. Try again in a few seconds.".into(),
            ),
            PageError::Api(ApiError::Unreachable(_) | ApiError::Unexpected(_)) => (
                StatusCode::BAD_GATEWAY,
                "Cruddur is unreachable",
                "The service behind this site is not answering. Try again in a few seconds.".into(),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::SignInRequired | PageError::Api(ApiError::Unauthorized) = self {
            return Redirect::to("/signin").into_response();
        }
        let (status, heading, detail) = self.status_and_words();
        if status.is_server_error() {
            tracing::warn!(error = ?self, "backend call failed");
        }
        let page = ErrorPage {
            layout: Layout::bare(heading),
            status: status.as_u16(),
            heading,
            detail,
        };
        let mut response = (status, render(&page)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// The 404 page for routes that do not exist.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// Every code's sentence, joined, for a notice that is not next to one field.
pub fn sentences(codes: &[ErrorCode]) -> String {
    codes
        .iter()
        .map(|code| sentence(*code))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every API error code in plain words, for people.
pub fn sentence(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::MessageBlank => "Write something first.",
        ErrorCode::MessageExceedMaxChars => "That is too long: shorten it a little.",
        ErrorCode::MessageInvalid => "That text holds a character that cannot be posted.",
        ErrorCode::TtlBlank => "Choose how long the crud should live.",
        ErrorCode::TtlInvalid => "Choose one of the offered lifetimes.",
        ErrorCode::SearchTermBlank => "Type a word or a #hashtag to search for.",
        ErrorCode::UserRecieverHandleBlank => "Say who the message is for.",
        ErrorCode::UserReceiverNotFound => "There is no one with that handle.",
        ErrorCode::UserReceiverIsSelf => "You cannot send a message to yourself.",
        ErrorCode::DisplayNameBlank => "Enter your name.",
        ErrorCode::DisplayNameExceedMaxChars => "That name is too long.",
        ErrorCode::DisplayNameInvalid => "A name cannot hold control characters.",
        ErrorCode::HandleBlank => "Choose a handle.",
        ErrorCode::HandleInvalid => "A handle is letters, digits and underscores only.",
        ErrorCode::HandleTaken => "That handle is taken: try another.",
        ErrorCode::EmailBlank => "Enter your email address.",
        ErrorCode::EmailInvalid => "That does not look like an email address.",
        ErrorCode::EmailTaken => "An account with that email already exists.",
        ErrorCode::PasswordBlank => "Enter a password.",
        ErrorCode::PasswordTooShort => "The password needs at least 8 characters.",
        ErrorCode::PasswordExceedMaxChars => "That password is too long.",
        ErrorCode::BioExceedMaxChars => "That bio is too long.",
        ErrorCode::BioInvalid => "That bio holds a character that cannot be saved.",
        ErrorCode::CannotFollowSelf => "You cannot follow yourself.",
        ErrorCode::LoginBlank => "Enter your handle or email.",
        ErrorCode::CursorInvalid => "This page link is broken: start again from the first page.",
        ErrorCode::LimitInvalid => "This page link asks for too many items at once.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_too_large_here_or_at_the_backend_are_a_413_saying_too_long() {
        for error in [PageError::TooLarge, PageError::Api(ApiError::TooLarge)] {
            let (status, heading, detail) = error.status_and_words();
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(heading, "That is too long");
            assert!(detail.contains("too long"), "{detail}");
        }
    }
}

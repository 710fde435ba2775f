//! Turning a template into a response.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Renders a page, or a bare 500 if the template itself fails (it never should: templates
/// are checked at compile time and only format plain values).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => template_failed(&error),
    }
}

/// The bare 500 that answers for a page whose template failed (logged).
pub fn template_failed(error: &askama::Error) -> Response {
    tracing::error!(%error, "template failed to render");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response()
}

/// A form sent back with what was wrong with it.
pub fn unprocessable(template: &impl Template) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, render(template)).into_response()
}

//! The styled page every error is shown as (`crate::error::PageError` decides which).

use askama::Template;

use super::filters;
use super::layout::Layout;

/// A styled error page (404, 400, 502, 503, …).
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub heading: &'static str,
    pub detail: String,
}

//! The API's routes, one module per area, and the OpenAPI document generated from them.
//!
//! Every route is registered through `utoipa_axum::routes!`, which adds the handler to the
//! router and its `#[utoipa::path]` description to the document in one step, so a route cannot
//! exist undocumented.

pub mod accounts;
pub mod activities;
pub mod health;
pub mod messages;
pub mod notifications;
pub mod openapi;
pub mod own_pages;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::conditional::not_modified;
use crate::extract::{method_not_allowed, refuse_long_uris, route_not_found};
use crate::read_cache::invalidate_after_writes;
use crate::state::AppState;

/// Bodies larger than this are refused with a 413: the largest valid body (a 1024-character
/// message, four bytes a character, JSON-escaped) is far smaller.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The API router with its state, and the OpenAPI document describing it.
pub fn api(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::routes())
        .merge(accounts::routes())
        .merge(activities::routes())
        .merge(notifications::routes())
        .merge(users::routes())
        .merge(messages::routes())
        .merge(openapi::routes())
        .split_for_parts();
    openapi::add_common_responses(&mut document);
    let router = router
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(not_modified))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            invalidate_after_writes,
        ))
        .layer(axum::middleware::from_fn(refuse_long_uris))
        .layer(axum::Extension(openapi::Document::new(&document)))
        .with_state(state);
    (router, document)
}

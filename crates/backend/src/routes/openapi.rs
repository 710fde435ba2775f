//! The OpenAPI 3.1 document: its top-level description, and the route that serves it.

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cruddur API",
        description = "Micro-blogging whose posts (cruds) expire. The week-1 routes keep their \
                       original shapes; validation failures are a 422 with a JSON array of error \
                       codes; every other error is an `ErrorBody`. Feeds are JSON arrays paginated \
                       by a `Link: <…>; rel=\"next\"` header.",
    ),
    modifiers(&BearerToken),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "accounts", description = "Sign-up, sign-in, the signed-in user"),
        (name = "activities", description = "Cruds, replies, likes, reposts, search"),
        (name = "notifications", description = "The signed-in user's notifications"),
        (name = "users", description = "Profiles and follows"),
        (name = "messages", description = "Direct messages"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme that authenticated routes name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document, serialised once at start-up.
#[derive(Clone)]
pub struct Document(Arc<str>);

impl Document {
    pub fn new(document: &utoipa::openapi::OpenApi) -> Self {
        // Serialising a utoipa document cannot fail: it is plain data.
        Document(document.to_json().unwrap_or_default().into())
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_json(Extension(Document(json)): Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
}

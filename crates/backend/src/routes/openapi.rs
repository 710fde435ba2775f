//! The OpenAPI 3.1 document: its top-level description, and the route that serves it.

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use cruddur_contract::routes;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, ToArray, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
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
                       by a `Link: <…>; rel=\"next\"` header, and carry an `ETag`: sent back \
                       in `If-None-Match`, it gets a 304 while the page is unchanged.",
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

/// Documents the error answers that any operation of a kind can give, where its own
/// description does not already: they come from extractors and layers shared by every route
/// (malformed input, body limit, content type, authentication, stores), not from the handler.
pub fn add_common_responses(document: &mut utoipa::openapi::OpenApi) {
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_operation_responses(operation);
        }
        if let Some(get) = &mut item.get
            && is_paged(get)
        {
            add_page_headers(get);
        }
    }
}

/// Whether the operation answers pages: it takes a `cursor` (see `pagination`).
fn is_paged(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        parameter.name == "cursor" && matches!(parameter.parameter_in, ParameterIn::Query)
    })
}

/// A page links to the next one (`Link`), carries an `ETag`, and answers 304 to a request
/// whose `If-None-Match` names it (see `conditional`); a bad cursor or limit is a 422.
fn add_page_headers(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    responses.entry("422".to_owned()).or_insert_with(|| {
        error_response(
            "Bad cursor or limit",
            RefOr::from(Ref::from_schema_name("ErrorCode")).to_array(),
        )
    });
    let Some(RefOr::T(ok)) = responses.get_mut("200") else {
        return;
    };
    ok.headers.entry("link".to_owned()).or_insert_with(|| {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("The next page, when there is one"))
            .build()
    });
    ok.headers.insert(
        "etag".to_owned(),
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("Names this page; send it back in `If-None-Match`"))
            .build(),
    );
    responses.insert(
        "304".to_owned(),
        ResponseBuilder::new()
            .description("Unchanged since the page whose `ETag` was sent in `If-None-Match`")
            .build()
            .into(),
    );
}

fn add_operation_responses(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let signed_in = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    // Liveness, readiness and this document touch no store.
    let uses_stores = !operation
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|tag| tag == "health"));
    let common = [
        (
            has_body || has_parameters,
            "400",
            "Malformed request: JSON, path or query that cannot be read",
        ),
        (signed_in, "401", "Not signed in, or the token is not valid"),
        (
            has_parameters,
            "414",
            "Path and query longer than the limit",
        ),
        (has_body, "413", "Body larger than the limit"),
        (has_body, "415", "Body is not `application/json`"),
        (
            uses_stores,
            "500",
            "Internal error (logged; never detailed)",
        ),
        (uses_stores, "503", "A store is unavailable; retry later"),
    ];
    for (applies, status, description) in common {
        if applies {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| error_response(description, Ref::from_schema_name("ErrorBody")));
        }
    }
}

/// An error answer whose JSON body has `schema`.
fn error_response(description: &str, schema: impl Into<RefOr<Schema>>) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
        .into()
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
    path = routes::OPENAPI.route.path,
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_json(Extension(Document(json)): Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
}

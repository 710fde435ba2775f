//! CORS as week 1 set it up: origins from `FRONTEND_URL` and `BACKEND_URL`, `*` meaning any
//! origin (reflected, so it also works for requests that carry credentials).

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub fn layer(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::mirror_request()
    } else {
        let valid: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|origin| match HeaderValue::from_str(origin) {
                Ok(value) => Some(value),
                Err(_) => {
                    tracing::warn!(%origin, "ignoring an origin that is not a valid header value");
                    None
                }
            })
            .collect();
        AllowOrigin::list(valid)
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([
            header::LOCATION,
            header::LINK,
            HeaderName::from_static("x-request-id"),
        ])
}

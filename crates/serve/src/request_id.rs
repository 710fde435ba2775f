//! One id per request, in the `X-Request-Id` header: taken from the request when a caller (the
//! web frontend, a proxy) sent one, else made up; logged with the request's line, answered in
//! the response, and available to outgoing calls made while handling it, so one id follows a
//! page through both services' logs.

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: HeaderValue;
}

/// The id of the request being handled by this task, for calls made on its behalf.
pub fn current_request_id() -> Option<HeaderValue> {
    CURRENT.try_with(HeaderValue::clone).ok()
}

/// `router` with request ids, and one log line per request at INFO (method, path, request id,
/// status, latency).
pub fn traced(router: Router) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &Request<_>| {
                        let request_id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|id| id.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!(
                            "request",
                            method = %request.method(),
                            path = %request.uri().path(),
                            request_id,
                        )
                    })
                    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(axum::middleware::from_fn(in_scope)),
    )
}

/// Runs the handler with the request's id in reach of [`current_request_id`].
async fn in_scope(request: Request, next: Next) -> Response {
    match request.headers().get(REQUEST_ID).cloned() {
        Some(id) => CURRENT.scope(id, next.run(request)).await,
        None => next.run(request).await,
    }
}

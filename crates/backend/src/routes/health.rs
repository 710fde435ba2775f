//! Liveness (`/api/health-check`, week 1) and readiness (`/api/ready`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cruddur_contract::routes;
use cruddur_contract::{HealthCheck, Readiness, StoreStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health_check))
        .routes(routes!(ready))
}

/// The process is up. Touches no store, so it stays cheap for container health checks.
#[utoipa::path(
    get,
    path = routes::HEALTH_CHECK.route.path,
    tag = "health",
    responses((status = 200, description = "Alive", body = HealthCheck))
)]
async fn health_check() -> Json<HealthCheck> {
    Json(HealthCheck {
        success: true,
        ver: 1,
    })
}

/// The SQL store answers: a 503 while it does not. The message store's state is reported too,
/// but does not fail readiness: without it only the message routes answer 503, and taking the
/// whole API out of rotation for that would stop everything else too.
#[utoipa::path(
    get,
    path = routes::READY.route.path,
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The SQL store is unreachable", body = Readiness),
    )
)]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let (store, messages) = tokio::join!(state.store.ping(), state.messages.ping());
    let stores = vec![
        StoreStatus {
            name: "sql".into(),
            ok: store.is_ok(),
        },
        StoreStatus {
            name: "messages".into(),
            ok: messages.is_ok(),
        },
    ];
    let ready = store.is_ok();
    state.metrics.set_ready(ready);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(Readiness { ready, stores }))
}

//! Building and running the application: bind, serve until told to stop, then drain.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::api::ApiClient;
use crate::settings::Settings;
use crate::{assets, error, security, views};

pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown_grace: Duration,
}

impl Application {
    /// Builds the backend client and binds the listener (port 0 picks a free port). The
    /// backend need not be up yet: pages answer 502 until it is, and recover when it is.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let api = ApiClient::new(settings.backend_url.clone(), settings.backend_timeout)?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        Ok(Application {
            listener,
            router: app(api),
            shutdown_grace: settings.shutdown_grace,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has a local address")
    }

    /// Serves until `shutdown` completes, then stops accepting connections and gives in-flight
    /// requests up to the grace period to finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr(), "Cruddur web pages listening");
        cruddur_serve::serve(self.listener, self.router, shutdown, self.shutdown_grace).await
    }
}

/// Every page and asset, wrapped in request logging and the security headers (which also
/// cover the 404 and error pages).
pub fn app(api: ApiClient) -> Router {
    Router::new()
        .route("/", get(views::home::show))
        .route("/search", get(views::search::show))
        .route("/@{handle}", get(views::profile::show))
        .route("/@{handle}/status/{uuid}", get(views::status::show))
        .route("/static/{file}", get(assets::serve))
        .fallback(error::not_found)
        .with_state(api)
        .layer(axum::middleware::map_response(security::headers))
        .layer(TraceLayer::new_for_http())
}

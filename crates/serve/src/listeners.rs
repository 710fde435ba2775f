//! A service's sockets: the one it serves on, and the one its metrics are scraped on when
//! `METRICS_ADDR` is set.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::{Limits, Metrics};

pub struct Listeners {
    app: TcpListener,
    metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds `app` and, when given, `metrics` (port 0 picks a free port).
    pub async fn bind(app: SocketAddr, metrics: Option<SocketAddr>) -> anyhow::Result<Self> {
        let app = bind(app).await?;
        let metrics = match metrics {
            Some(address) => Some(bind(address).await?),
            None => None,
        };
        Ok(Listeners { app, metrics })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.app
            .local_addr()
            .expect("a bound listener has a local address")
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    pub fn serves_metrics(&self) -> bool {
        self.metrics.is_some()
    }

    /// Serves `router` until `shutdown` completes (see [`crate::serve`]), and `metrics` on the
    /// metrics listener meanwhile; scrapes stop only once the drain is over, so it can be
    /// watched.
    pub async fn serve(
        self,
        router: Router,
        metrics: &Metrics,
        shutdown: impl Future<Output = ()> + Send + 'static,
        limits: Limits,
    ) -> anyhow::Result<()> {
        let scrapes = self.metrics.map(|listener| metrics.spawn(listener, limits));
        let result = crate::serve(self.app, router, shutdown, limits).await;
        if let Some(scrapes) = scrapes {
            scrapes.stop().await;
        }
        result
    }
}

/// Binds a listener on `address`, naming the address on failure.
async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("binding {address}"))
}

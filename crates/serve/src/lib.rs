//! What the backend and the frontend share to run as well-behaved services: logs, the stop
//! signal, serving with read deadlines, idle timeouts, a connection cap and a bounded drain
//! ([`serve`], configured by [`Limits`]), the client's address
//! behind trusted proxies ([`TrustedProxies`]), and the probe behind their `healthcheck`
//! subcommands.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing_subscriber::EnvFilter;

mod body;
mod client;
mod connection;
mod limits;
mod listeners;
mod metrics;
mod request_id;
mod secrets;
mod server;

pub use body::{BodyDeadlineElapsed, is_body_deadline};
pub use client::{FORWARDED_FOR, FRONTEND_KEY, TrustedProxies};
pub use limits::{Limits, LimitsArgs, open_file_limit};
pub use listeners::Listeners;
pub use metrics::{Lookups, Metrics, MetricsArgs, MetricsServer, encode_gauge};
pub use request_id::{REQUEST_ID, current_request_id, traced};
pub use secrets::{random_secret, secret, watch_secret_file};
pub use server::serve;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Logs: human-readable by default, one JSON object a line with `json`. The level comes from
/// `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // try_init: a second initialisation (tests, all-in-one) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Completes on SIGTERM (containers) or Ctrl-C (people).
pub async fn stop_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(?error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(?error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Succeeds when the server listening on `listen` answers `GET path` with 200 within 3 seconds.
/// A minimal HTTP/1.1 client, so container images need no curl (and no shell) for their
/// HEALTHCHECK. An unspecified listen address (`0.0.0.0`, `::`) is probed on loopback.
pub async fn probe(listen: SocketAddr, path: &str) -> anyhow::Result<()> {
    let host = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let address = SocketAddr::new(host, listen.port());
    let check = async {
        let mut stream = TcpStream::connect(address).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        anyhow::Ok(head)
    };
    let head = tokio::time::timeout(Duration::from_secs(3), check)
        .await
        .context("health check timed out")?
        .with_context(|| format!("health check of {address} failed"))?;
    if head.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        bail!(
            "health check of {address}{path} answered {}",
            String::from_utf8_lossy(&head).trim()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::routing::get;

    #[tokio::test]
    async fn probe_wants_a_200_from_the_path() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = Router::new().route("/up", get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, router).await });

        probe(SocketAddr::from(([127, 0, 0, 1], port)), "/up")
            .await
            .unwrap();
        // What a container's HOST=0.0.0.0 gives the healthcheck subcommand.
        probe(SocketAddr::from(([0, 0, 0, 0], port)), "/up")
            .await
            .unwrap();
        let error = probe(SocketAddr::from(([127, 0, 0, 1], port)), "/down")
            .await
            .unwrap_err();
        assert!(error.to_string().contains("404"), "{error:#}");
    }

    #[tokio::test]
    async fn probe_fails_when_nothing_listens() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        assert!(probe(address, "/").await.is_err());
    }
}

//! The liveness route and the `healthcheck` subcommand the container's HEALTHCHECK runs.

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{get, spawn_frontend};

/// An address where nothing listens: a port that was free a moment ago.
async fn closed_address() -> std::net::SocketAddr {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    closed.local_addr().unwrap()
}

/// `cruddur-frontend healthcheck` against `port`, as the image's HEALTHCHECK runs it.
async fn healthcheck(port: u16) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cruddur-frontend"))
            .arg("healthcheck")
            .env("HOST", "0.0.0.0")
            .env("PORT", port.to_string())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn liveness_does_not_depend_on_the_backend() {
    let backend = closed_address().await;
    let frontend = spawn_frontend(&format!("http://{backend}"), Duration::from_secs(1)).await;

    let page = get(frontend.address, cruddur_frontend::LIVENESS_PATH).await;
    page.assert(StatusCode::OK, &["ok"]);
    // No session machinery for a probe: no CSRF cookie is handed out.
    assert!(page.response_headers.get("set-cookie").is_none());

    let output = healthcheck(frontend.address.port()).await;
    assert!(output.status.success(), "{output:?}");
}

#[tokio::test]
async fn the_healthcheck_subcommand_fails_when_nothing_answers() {
    let output = healthcheck(closed_address().await.port()).await;
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("health check"),
        "{output:?}"
    );
}

//! The pages' `/metrics` on its own listener, and the request id that follows a page into the
//! API's calls.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use cruddur_frontend::settings::{PageArgs, Settings, api_url_from};
use tempfile::TempDir;

use crate::helpers::{Running, client, get, spawn_backend, stopped_by_drop};

/// A frontend over the API at `backend` with a metrics listener: the pages' address and the
/// metrics'.
async fn spawn_metered_frontend(backend: &str) -> (Running, SocketAddr) {
    let pages = PageArgs {
        backend_timeout_ms: 5000,
        cookie_secure: false,
    };
    let mut settings = Settings::new(
        "127.0.0.1:0".parse().unwrap(),
        api_url_from(backend).unwrap(),
        &pages,
    );
    settings.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let app = cruddur_frontend::Application::build(&settings)
        .await
        .unwrap();
    let metrics = app.metrics_addr().unwrap();
    let (running, stopped) = stopped_by_drop(app.local_addr());
    tokio::spawn(app.run_until_stopped(stopped));
    (running, metrics)
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn pages_are_counted_by_route_with_the_rendered_page_cache() {
    let data = TempDir::new().unwrap();
    let backend = spawn_backend(&data, "127.0.0.1:0".parse().unwrap()).await;
    let (frontend, metrics) = spawn_metered_frontend(&format!("http://{}", backend.address)).await;
    for _ in 0..3 {
        get(frontend.address, "/").await.assert(StatusCode::OK, &[]);
    }
    get(frontend.address, "/@nobody-here").await;
    let text = client()
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let home = r#"service="frontend",route="/",method="GET""#;
    assert_eq!(
        value(
            &text,
            &format!(r#"http_requests_total{{{home},status="2xx"}}"#)
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            &format!("http_request_duration_seconds_count{{{home}}}")
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/@{handle}""#) && !text.contains("nobody-here"),
        "{text}"
    );
    let lookups = |result| {
        format!(
            r#"cache_lookups_total{{service="frontend",cache="rendered_pages",result="{result}"}}"#
        )
    };
    // Rendered once, then reused while the API says the data is unchanged (within 1 s).
    assert_eq!(value(&text, &lookups("miss")), Some(1.0), "{text}");
    assert_eq!(value(&text, &lookups("hit")), Some(2.0), "{text}");
    assert!(value(&text, "process_resident_memory_bytes").unwrap() > 1e6);

    // The pages' port has no /metrics, and the metrics port has nothing but it.
    get(frontend.address, "/metrics")
        .await
        .assert(StatusCode::NOT_FOUND, &[]);
    for path in ["/", "/healthz", "/static/app.css"] {
        let status = client()
            .get(format!("http://{metrics}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// An API stand-in that notes the `X-Request-Id` of every call and answers 503.
async fn recording_api() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let noted = seen.clone();
    let router = Router::new().fallback(move |headers: HeaderMap| {
        let noted = noted.clone();
        async move {
            let id = headers
                .get("x-request-id")
                .and_then(|id| id.to_str().ok())
                .unwrap_or("none");
            noted.lock().unwrap().push(id.to_owned());
            StatusCode::SERVICE_UNAVAILABLE
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (address, seen)
}

#[tokio::test]
async fn a_page_passes_its_request_id_to_the_api() {
    let (api, seen) = recording_api().await;
    let (frontend, _) = spawn_metered_frontend(&format!("http://{api}")).await;

    // Given by the caller (a proxy in front): kept, answered, and passed on.
    let response = client()
        .get(format!("http://{}/", frontend.address))
        .header("x-request-id", "given-by-proxy-42")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "given-by-proxy-42");
    let calls = std::mem::take(&mut *seen.lock().unwrap());
    assert!(!calls.is_empty());
    assert!(
        calls.iter().all(|id| id == "given-by-proxy-42"),
        "{calls:?}"
    );

    // Made up when none is given: the one answered is the one the API saw.
    let response = client()
        .get(format!("http://{}/", frontend.address))
        .send()
        .await
        .unwrap();
    let made = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(made.len(), 36, "{made}");
    let calls = seen.lock().unwrap().clone();
    assert!(!calls.is_empty());
    assert!(calls.iter().all(|id| *id == made), "{made} vs {calls:?}");
}

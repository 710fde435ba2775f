//! `/metrics` on its own listener: request counts and durations by route template, store
//! failures, limiter refusals, cache lookups, the pool, readiness and the process, and nothing
//! else served there (nor `/metrics` on the API's port).

use reqwest::StatusCode;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::{TestApp, spawn_app_with};

async fn spawn_with_metrics() -> TestApp {
    spawn_app_with(|settings| settings.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await
}

async fn scrape(app: &TestApp) -> String {
    let address = app.metrics_address.expect("a metrics listener");
    let response = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// The value of the series written exactly as `series` (name and labels).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

fn assert_value(text: &str, series: &str, expected: f64) {
    assert_eq!(value(text, series), Some(expected), "{series} in\n{text}");
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_template() {
    let app = spawn_with_metrics().await;
    let missing = "/api/activities/5f0e9c1e-7a7d-4c2b-9e1a-0d3c2b1a0f9e";
    for _ in 0..3 {
        assert_eq!(app.get(missing).send().await.unwrap().status(), 404);
    }
    app.get("/api/activities/home").send().await.unwrap();
    let text = scrape(&app).await;

    let route = r#"service="backend",route="/api/activities/{uuid}",method="GET""#;
    assert_value(
        &text,
        &format!(r#"http_requests_total{{{route},status="4xx"}}"#),
        3.0,
    );
    assert_value(
        &text,
        &format!("http_request_duration_seconds_count{{{route}}}"),
        3.0,
    );
    assert_value(
        &text,
        &format!(r#"http_request_duration_seconds_bucket{{{route},le="+Inf"}}"#),
        3.0,
    );
    assert_value(
        &text,
        r#"http_requests_total{service="backend",route="/api/activities/home",method="GET",status="2xx"}"#,
        1.0,
    );
    // Never the raw path: one series per route, whatever the URLs.
    assert!(!text.contains("5f0e9c1e"), "{text}");
}

#[tokio::test]
async fn store_failures_answer_5xx_and_are_counted_by_kind() {
    let app = spawn_with_metrics().await;
    let user = app.sign_up("ada").await;
    // A table gone behind the API's back: every read of it fails inside the store.
    let mut database = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("DROP TABLE notifications")
        .execute(&mut database)
        .await
        .unwrap();
    let response = app
        .get("/api/activities/notifications")
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = scrape(&app).await;
    assert_value(&text, r#"store_errors_total{kind="internal"}"#, 1.0);
    assert_value(
        &text,
        r#"http_requests_total{service="backend",route="/api/activities/notifications",method="GET",status="5xx"}"#,
        1.0,
    );
}

#[tokio::test]
async fn sign_in_refusals_are_counted() {
    let app = spawn_with_metrics().await;
    app.sign_up("ada").await;
    let attempt = || {
        app.post("/api/auth/sign_in")
            .json(&json!({"login": "ada", "password": "wrong password"}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        attempt().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt().await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let text = scrape(&app).await;
    assert_value(&text, r#"limiter_refusals_total{limiter="sign_in"}"#, 2.0);
    assert_eq!(
        value(&text, r#"limiter_refusals_total{limiter="sign_up"}"#),
        None
    );
}

#[tokio::test]
async fn cache_pool_readiness_and_process_are_reported() {
    let app = spawn_with_metrics().await;
    for _ in 0..3 {
        app.get("/api/activities/home").send().await.unwrap();
    }
    assert_eq!(app.get("/api/ready").send().await.unwrap().status(), 200);
    let text = scrape(&app).await;
    let lookups = |result| {
        format!(
            r#"cache_lookups_total{{service="backend",cache="public_pages",result="{result}"}}"#
        )
    };
    assert_value(&text, &lookups("miss"), 1.0);
    assert_value(&text, &lookups("hit"), 2.0);
    assert_value(&text, "database_ready", 1.0);
    assert!(
        value(&text, "db_pool_connections_max").unwrap() >= 1.0,
        "{text}"
    );
    for series in [
        "db_pool_connections_in_use",
        "db_pool_connections_idle",
        "db_pool_waiting",
        "db_writes_waiting",
        "process_cpu_seconds_total",
    ] {
        assert!(value(&text, series).is_some(), "{series} in\n{text}");
    }
    assert!(value(&text, "process_resident_memory_bytes").unwrap() > 1e6);
}

#[tokio::test]
async fn metrics_have_their_own_port_and_it_serves_nothing_else() {
    let app = spawn_with_metrics().await;
    let metrics = app.metrics_address.unwrap();
    assert_ne!(metrics, app.address);
    assert_eq!(app.get("/metrics").send().await.unwrap().status(), 404);
    for path in [
        "/",
        "/api/health-check",
        "/metrics/x",
        "/api/activities/home",
    ] {
        let response = reqwest::get(format!("http://{metrics}{path}"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let post = reqwest::Client::new()
        .post(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn without_the_setting_there_is_no_metrics_listener() {
    let app = spawn_app_with(|_| {}).await;
    assert_eq!(app.metrics_address, None);
}

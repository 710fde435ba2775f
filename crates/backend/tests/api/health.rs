use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ok_json, spawn_app};

#[tokio::test]
async fn health_check_answers_the_week_1_shape() {
    let app = spawn_app().await;
    let response = app.get("/api/health-check").send().await.unwrap();
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = ok_json(response).await;
    assert_eq!(body, json!({ "success": true, "ver": 1 }));
}

#[tokio::test]
async fn ready_reports_each_store() {
    let app = spawn_app().await;
    let body: Value = ok_json(app.get("/api/ready").send().await.unwrap()).await;
    assert_eq!(body["ready"], json!(true));
    assert_eq!(body["stores"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_request_id_sent_by_the_client_is_kept() {
    let app = spawn_app().await;
    let response = app
        .get("/api/health-check")
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn stopping_drains_and_then_refuses_connections() {
    let mut app = spawn_app().await;
    let address = app.address;
    app.stop();
    let server = app.server.take().unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server stops within its grace period")
        .unwrap()
        .unwrap();
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}

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
async fn a_request_in_flight_at_shutdown_completes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut app = spawn_app().await;
    let body = br#"{"login": "nobody", "password": "not a password"}"#;
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /api/auth/sign_in HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // Half the body: the request is now in flight, its handler waiting for the rest.
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    app.stop();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(app.address).await.is_err(),
        "new connections are refused once stopping"
    );

    stream.write_all(&body[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    let server = app.server.take().unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server exits once the request is done")
        .unwrap()
        .unwrap();
}

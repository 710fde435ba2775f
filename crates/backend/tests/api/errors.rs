//! Bad requests of every kind get a JSON 4xx, never HTML and never a 500.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{error_json, spawn_app};

#[tokio::test]
async fn malformed_bodies_get_json_errors() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.post("/api/activities")
            .bearer_auth(&ada.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: [(Vec<u8>, &str, StatusCode, &str); 6] = [
        (
            b"{not json".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            br#"{"message": 5, "ttl": "1-day"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            br#""just a string""#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            br#"{"message": "hi", "ttl": "1-day"}"#.to_vec(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            vec![0xff, 0xfe, b'{'],
            "application/json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            format!(
                r#"{{"message": "{}", "ttl": "1-day"}}"#,
                "x".repeat(100_000)
            )
            .into_bytes(),
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (body, content_type, status, code) in cases {
        let response = post(body, content_type).await.unwrap();
        let body: Value = error_json(response, status).await;
        assert_eq!(body["error"], code, "{body}");
        assert!(body["message"].is_string());
    }
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_bad_uuids_get_json_errors() {
    let app = spawn_app().await;
    let body = error_json(
        app.get("/api/nope").send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(body["error"], "route_not_found");
    let body = error_json(app.get("/").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(body["error"], "route_not_found");
    let body = error_json(
        app.delete("/api/activities/home").send().await.unwrap(),
        StatusCode::METHOD_NOT_ALLOWED,
    )
    .await;
    assert_eq!(body["error"], "method_not_allowed");
    let body = error_json(
        app.get("/api/activities/not-a-uuid").send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["error"], "invalid_path");
    let body = error_json(
        app.get("/api/activities/home?limit=many")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["error"], "invalid_query");
}

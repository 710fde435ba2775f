//! CORS: exact origins from FRONTEND_URL/BACKEND_URL, `*` reflecting any origin.

use reqwest::{Method, StatusCode};

use crate::helpers::{FRONTEND_ORIGIN, TestApp, spawn_app, spawn_app_with};

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url("/api/activities"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_configured_origin_may_call_the_api() {
    let app = spawn_app().await;
    let response = preflight(&app, FRONTEND_ORIGIN).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], FRONTEND_ORIGIN);
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("content-type") && allowed.contains("authorization"),
        "{allowed}"
    );

    let response = app
        .get("/api/activities/home")
        .header("origin", FRONTEND_ORIGIN)
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("location") && exposed.contains("link"),
        "{exposed}"
    );
}

#[tokio::test]
async fn other_origins_are_not_allowed() {
    let app = spawn_app().await;
    let response = preflight(&app, "http://evil.example").await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn a_star_reflects_any_origin_and_no_origins_disable_cors() {
    let app = spawn_app_with(|settings| settings.cors_origins = vec!["*".into()]).await;
    let response = preflight(&app, "http://anything.example").await;
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://anything.example"
    );

    let app = spawn_app_with(|settings| settings.cors_origins = Vec::new()).await;
    let response = preflight(&app, FRONTEND_ORIGIN).await;
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

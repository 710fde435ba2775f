//! Sign-in attempts are limited per account and per client address, over HTTP.

use chrono::TimeDelta;
use cruddur_backend::settings::TrustedProxies;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_json, spawn_app, spawn_app_with};

async fn sign_in(app: &TestApp, login: &str, password: &str, forwarded_for: &str) -> Response {
    app.post("/api/auth/sign_in")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn assert_limited(response: Response, retry_after: &str) {
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some(retry_after)
    );
    let body: Value = error_json(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["error"], "too_many_attempts");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_a_minute_not_other_accounts() {
    let app = spawn_app().await;
    app.sign_up("ada").await;
    app.sign_up("bob").await;
    for _ in 0..5 {
        let response = sign_in(&app, "ada", "wrong password", "").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    // Even the right password waits now; the limit is on the account, by any spelling.
    assert_limited(
        sign_in(&app, "ADA", "correct horse battery", "").await,
        "60",
    )
    .await;
    let bob = sign_in(&app, "bob", "correct horse battery", "").await;
    assert_eq!(bob.status(), StatusCode::OK);

    app.clock.advance(TimeDelta::minutes(1));
    let ada = sign_in(&app, "ada", "correct horse battery", "").await;
    assert_eq!(ada.status(), StatusCode::OK);
}

#[tokio::test]
async fn one_address_gets_twenty_attempts_and_cannot_claim_another_address() {
    let app = spawn_app().await;
    for n in 0..20 {
        let response = sign_in(&app, &format!("nobody{n}"), "whatever", "").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    assert_limited(sign_in(&app, "nobody", "whatever", "").await, "15").await;
    // This peer is not a trusted proxy: its X-Forwarded-For is ignored.
    assert_limited(
        sign_in(&app, "nobody", "whatever", "203.0.113.9").await,
        "15",
    )
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app =
        spawn_app_with(|settings| settings.trusted_proxies = TrustedProxies::loopback()).await;
    for n in 0..20 {
        let response = sign_in(&app, &format!("nobody{n}"), "whatever", "203.0.113.9").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    assert_limited(
        sign_in(&app, "nobody", "whatever", "203.0.113.9").await,
        "15",
    )
    .await;
    let other = sign_in(&app, "nobody", "whatever", "198.51.100.7").await;
    error_json(other, StatusCode::UNAUTHORIZED).await;
}

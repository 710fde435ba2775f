//! Sign-in and sign-up limits over HTTP: per client address, per account and client, and
//! an account slow-down that never locks its owner out.

use chrono::TimeDelta;
use cruddur_backend::auth::rate_limit::SignUpRates;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_json, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery";

/// An app behind a trusted proxy on loopback, so each test client is an `X-Forwarded-For`.
async fn behind_a_proxy() -> TestApp {
    spawn_app_with(|settings| settings.trusted_proxies = "127.0.0.1".parse().unwrap()).await
}

async fn sign_in(app: &TestApp, login: &str, password: &str, forwarded_for: &str) -> Response {
    app.post("/api/auth/sign_in")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn sign_up(app: &TestApp, handle: &str, forwarded_for: &str) -> Response {
    app.post("/api/auth/sign_up")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "display_name": handle,
            "handle": handle,
            "email": format!("{handle}@example.com"),
            "password": PASSWORD,
        }))
        .send()
        .await
        .unwrap()
}

async fn assert_limited(response: Response, code: &str, retry_after: &str) {
    let header = response.headers().get("retry-after").cloned();
    assert_eq!(
        header.as_ref().and_then(|v| v.to_str().ok()),
        Some(retry_after)
    );
    let body: Value = error_json(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["error"], code);
}

#[tokio::test]
async fn five_wrong_passwords_stop_that_client_not_the_owner_elsewhere() {
    let app = behind_a_proxy().await;
    app.sign_up("ada").await;
    // Handle and email are one account: five failures in all, by either spelling.
    for login in ["ada", "ADA", "ada@example.com", "Ada", "ada@EXAMPLE.com"] {
        let response = sign_in(&app, login, "wrong password", "203.0.113.9").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    // That client waits, even with the right password...
    let attacker = sign_in(&app, "ada", PASSWORD, "203.0.113.9").await;
    assert_limited(attacker, "too_many_attempts", "60").await;
    // ...while the owner, from their own address, gets in.
    let owner = sign_in(&app, "ada@example.com", PASSWORD, "198.51.100.7").await;
    assert_eq!(owner.status(), StatusCode::OK);

    app.clock.advance(TimeDelta::minutes(1));
    let later = sign_in(&app, "ada", PASSWORD, "203.0.113.9").await;
    assert_eq!(later.status(), StatusCode::OK);
}

#[tokio::test]
async fn guesses_from_many_addresses_never_lock_the_owner_out() {
    let app = behind_a_proxy().await;
    app.sign_up("bob").await;
    // One wrong password from each of eight addresses: past the slow-down's threshold.
    for n in 0..8 {
        let response = sign_in(&app, "bob", "wrong password", &format!("10.0.0.{n}")).await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    let owner = sign_in(&app, "bob", PASSWORD, "198.51.100.7").await;
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn one_address_gets_twenty_attempts_and_cannot_claim_another_address() {
    let app = spawn_app().await;
    for n in 0..20 {
        let response = sign_in(&app, &format!("nobody{n}"), "whatever", "").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    let limited = sign_in(&app, "nobody", "whatever", "").await;
    assert_limited(limited, "too_many_attempts", "15").await;
    // This peer is not a trusted proxy: its X-Forwarded-For is ignored.
    let claimed = sign_in(&app, "nobody", "whatever", "203.0.113.9").await;
    assert_limited(claimed, "too_many_attempts", "15").await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = behind_a_proxy().await;
    for n in 0..20 {
        let response = sign_in(&app, &format!("nobody{n}"), "whatever", "203.0.113.9").await;
        error_json(response, StatusCode::UNAUTHORIZED).await;
    }
    let limited = sign_in(&app, "nobody", "whatever", "203.0.113.9").await;
    assert_limited(limited, "too_many_attempts", "15").await;
    let other = sign_in(&app, "nobody", "whatever", "198.51.100.7").await;
    error_json(other, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_overall() {
    let app = spawn_app_with(|settings| {
        settings.trusted_proxies = "127.0.0.1".parse().unwrap();
        settings.sign_ups = SignUpRates {
            per_client_per_hour: 3,
            per_minute: 5,
        };
    })
    .await;
    for n in 0..3 {
        let response = sign_up(&app, &format!("flood{n}"), "203.0.113.9").await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // One sign-up back every 20 minutes for this address.
    let flooded = sign_up(&app, "flood3", "203.0.113.9").await;
    assert_limited(flooded, "too_many_sign_ups", "1200").await;
    // Others still sign up, until everyone's budget is spent.
    for n in 0..2 {
        let response = sign_up(&app, &format!("other{n}"), &format!("198.51.100.{n}")).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let overall = sign_up(&app, "late", "192.0.2.1").await;
    assert_limited(overall, "too_many_sign_ups", "12").await;
    app.clock.advance(TimeDelta::seconds(12));
    let response = sign_up(&app, "late", "192.0.2.1").await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

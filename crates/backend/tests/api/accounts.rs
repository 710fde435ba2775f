use chrono::TimeDelta;
use cruddur_contract::{AuthSession, Handle, User};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_codes, error_json, ok_json, spawn_app};

#[tokio::test]
async fn sign_up_returns_a_token_that_works() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    assert_eq!(ada.session.user.handle, "ada");
    assert_eq!(ada.session.user.display_name, "ada Display");
    let me: User = ok_json(
        app.get("/api/me")
            .bearer_auth(&ada.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me, ada.session.user);
}

#[tokio::test]
async fn sign_up_reports_every_failing_field() {
    let app = spawn_app().await;
    let response = app
        .post("/api/auth/sign_up")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_codes(
        response,
        &[
            "display_name_blank",
            "handle_blank",
            "email_blank",
            "password_blank",
        ],
    )
    .await;
    let response = app
        .post("/api/auth/sign_up")
        .json(&json!({"display_name": "A", "handle": "a b", "email": "nope", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_codes(
        response,
        &["handle_invalid", "email_invalid", "password_too_short"],
    )
    .await;
}

#[tokio::test]
async fn handles_and_emails_are_unique_whatever_their_case() {
    let app = spawn_app().await;
    app.sign_up("ada").await;
    let taken = |handle: &str, email: &str| {
        app.post("/api/auth/sign_up")
            .json(&json!({"display_name": "Other", "handle": handle, "email": email, "password": "correct horse battery"}))
            .send()
    };
    assert_codes(
        taken("ADA", "other@example.com").await.unwrap(),
        &["handle_taken"],
    )
    .await;
    assert_codes(
        taken("other", "ADA@Example.com").await.unwrap(),
        &["email_taken"],
    )
    .await;
}

#[tokio::test]
async fn sign_in_by_handle_or_email_and_refuse_wrong_passwords() {
    let app = spawn_app().await;
    app.sign_up("ada").await;
    for login in ["ada", "ADA", "ada@example.com"] {
        let response = app
            .post("/api/auth/sign_in")
            .json(&json!({"login": login, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        let session: AuthSession = ok_json(response).await;
        assert_eq!(session.user.handle, "ada");
    }
    for (login, password) in [
        ("ada", "wrong password"),
        ("nobody", "correct horse battery"),
    ] {
        let response = app
            .post("/api/auth/sign_in")
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap();
        let body = error_json(response, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["error"], "invalid_credentials");
    }
    let blank = app
        .post("/api/auth/sign_in")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_codes(blank, &["login_blank", "password_blank"]).await;
}

#[tokio::test]
async fn writes_need_a_valid_unexpired_token_of_a_live_session() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let post = |token: Option<&str>| {
        let request = app
            .post("/api/activities")
            .json(&json!({"message": "hello", "ttl": "1-day"}));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };

    let body = error_json(post(None).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["error"], "authentication_required");
    let body = error_json(
        post(Some("garbage")).await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["error"], "invalid_token");
    let mut forged = ada.token.clone();
    forged.push('x');
    let body = error_json(post(Some(&forged)).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["error"], "invalid_token");

    assert_eq!(
        post(Some(&ada.token)).await.unwrap().status(),
        StatusCode::OK
    );

    app.clock.advance(TimeDelta::days(7));
    let body = error_json(
        post(Some(&ada.token)).await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["error"], "token_expired");
}

#[tokio::test]
async fn sign_out_ends_the_session_at_once() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let response = app
        .post("/api/auth/sign_out")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .get("/api/me")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    let body = error_json(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn a_bad_token_is_refused_even_where_signing_in_is_optional() {
    let app = spawn_app().await;
    app.sign_up("ada").await;
    let response = app
        .get("/api/users/@ada")
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::UNAUTHORIZED).await;
    let anonymous = app.get("/api/users/@ada").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
}

#[tokio::test]
async fn profile_edits_are_validated_and_kept() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let response = app
        .patch_me(&ada)
        .json(&json!({"display_name": "Ada L.", "bio": "Counting engines"}))
        .send()
        .await
        .unwrap();
    let user: User = ok_json(response).await;
    assert_eq!(
        (user.display_name.as_str(), user.bio.as_str()),
        ("Ada L.", "Counting engines")
    );
    let response = app
        .patch_me(&ada)
        .json(&json!({"display_name": " ", "bio": "b".repeat(161)}))
        .send()
        .await
        .unwrap();
    assert_codes(response, &["display_name_blank", "bio_exceed_max_chars"]).await;
}

#[tokio::test]
async fn demo_mode_lets_anonymous_writes_act_as_the_demo_user() {
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.demo_user = Handle::parse("andrewbrown");
        settings.seed_demo_data = true;
    })
    .await;
    let me: User = ok_json(app.get("/api/me").send().await.unwrap()).await;
    assert_eq!(me.handle, "andrewbrown");
    let response = app
        .post("/api/activities")
        .json(&json!({"message": "from the week-1 frontend", "ttl": "1-hour"}))
        .send()
        .await
        .unwrap();
    let activity: cruddur_contract::Activity = ok_json(response).await;
    assert_eq!(activity.handle, "andrewbrown");
}

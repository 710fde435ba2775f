//! Expired cruds vanish from every read at their `expires_at`, and the purge deletes them.

use chrono::TimeDelta;
use cruddur_contract::Activity;
use reqwest::StatusCode;
use serde_json::Value;
use serde_json::json;

use crate::helpers::{TestApp, error_json, ok_json, spawn_app};

#[tokio::test]
async fn a_crud_is_visible_until_its_expiry_and_gone_at_it() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let crud = app
        .crud_with_ttl(&ada, "short-lived #ephemeral @bob", "1-hour")
        .await;
    app.reply(&bob, &crud, "quick, reply").await;
    let show = format!("/api/activities/{}", crud.uuid);

    app.clock
        .advance(TimeDelta::hours(1) - TimeDelta::microseconds(1));
    assert_eq!(
        visibility(&app, &show, &bob.token).await,
        (1, 1, 1, StatusCode::OK, 1)
    );

    app.clock.advance(TimeDelta::microseconds(1));
    assert_eq!(
        visibility(&app, &show, &bob.token).await,
        (0, 0, 0, StatusCode::NOT_FOUND, 0)
    );

    // Writes treat it as gone too.
    let like = app
        .post(&format!("{show}/like"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    error_json(like, StatusCode::NOT_FOUND).await;
    let reply = app
        .post(&format!("{show}/reply"))
        .bearer_auth(&bob.token)
        .json(&json!({"message": "too late"}))
        .send()
        .await
        .unwrap();
    error_json(reply, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_background_purge_deletes_expired_cruds() {
    // Purges five times a second, so the test sees it run.
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.purge_interval = std::time::Duration::from_millis(200);
    })
    .await;
    let ada = app.sign_up("ada").await;
    let doomed = app.crud_with_ttl(&ada, "forget me", "1-hour").await;
    let kept = app.crud_with_ttl(&ada, "keep me", "1-day").await;
    app.clock.advance(TimeDelta::hours(2));

    // The purge removed the row, so even turning the clock back cannot bring it back.
    let mut purged = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.clock.advance(-TimeDelta::hours(2));
        let status = app
            .get(&format!("/api/activities/{}", doomed.uuid))
            .send()
            .await
            .unwrap()
            .status();
        app.clock.advance(TimeDelta::hours(2));
        if status == StatusCode::NOT_FOUND {
            purged = true;
            break;
        }
    }
    assert!(purged, "the expired crud was never purged");
    let kept_now: Activity = ok_json(
        app.get(&format!("/api/activities/{}", kept.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(kept_now.uuid, kept.uuid);
}

/// How many items home, the user feed, search and bob's notifications show, and the status of
/// the show route.
async fn visibility(
    app: &TestApp,
    show: &str,
    bob_token: &str,
) -> (usize, usize, usize, StatusCode, usize) {
    let count = |request: reqwest::RequestBuilder| async move {
        let items: Vec<Value> = ok_json(request.send().await.unwrap()).await;
        items.len()
    };
    (
        count(app.get("/api/activities/home")).await,
        count(app.get("/api/activities/@ada")).await,
        count(app.get("/api/activities/search?term=ephemeral")).await,
        app.get(show).send().await.unwrap().status(),
        count(
            app.get("/api/activities/notifications")
                .bearer_auth(bob_token),
        )
        .await,
    )
}

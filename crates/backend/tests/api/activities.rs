use chrono::TimeDelta;
use cruddur_contract::Activity;
use cruddur_contract::ActivityId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{assert_codes, error_json, ok_json, spawn_app};

#[tokio::test]
async fn a_new_crud_has_every_field_and_a_location() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let response = app
        .post("/api/activities")
        .bearer_auth(&ada.token)
        .json(&json!({"message": "  Just crud it!  ", "ttl": "3-hours"}))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = ok_json(response).await;
    for field in [
        "uuid",
        "display_name",
        "handle",
        "message",
        "created_at",
        "expires_at",
        "likes_count",
        "replies_count",
        "reposts_count",
        "replies",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    let activity: Activity = serde_json::from_value(body).unwrap();
    assert_eq!(activity.message, "Just crud it!");
    assert_eq!(activity.handle, "ada");
    assert_eq!(activity.created_at, app.clock_now());
    assert_eq!(
        activity.expires_at - activity.created_at,
        TimeDelta::hours(3)
    );
    assert_eq!(location, format!("/api/activities/{}", activity.uuid));

    let shown: Activity = ok_json(app.get(&location).send().await.unwrap()).await;
    assert_eq!(shown, activity);
}

#[tokio::test]
async fn every_ttl_string_is_accepted_and_nothing_else() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    for (ttl, hours) in [
        ("30-days", 720),
        ("7-days", 168),
        ("3-days", 72),
        ("1-day", 24),
        ("12-hours", 12),
        ("3-hours", 3),
        ("1-hour", 1),
    ] {
        let activity = app.crud_with_ttl(&ada, "ttl check", ttl).await;
        assert_eq!(
            activity.expires_at - activity.created_at,
            TimeDelta::hours(hours)
        );
    }
    for ttl in ["2-days", "1-hours", "forever", "7 days"] {
        let response = app
            .post("/api/activities")
            .bearer_auth(&ada.token)
            .json(&json!({"message": "x", "ttl": ttl}))
            .send()
            .await
            .unwrap();
        assert_codes(response, &["ttl_invalid"]).await;
    }
}

#[tokio::test]
async fn crud_validation_returns_every_code() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let cases = [
        (json!({}), vec!["message_blank", "ttl_blank"]),
        (
            json!({"message": "", "ttl": ""}),
            vec!["message_blank", "ttl_blank"],
        ),
        (json!({"message": "hi"}), vec!["ttl_blank"]),
        (json!({"ttl": "1-day"}), vec!["message_blank"]),
        (
            json!({"message": "x".repeat(281), "ttl": "nope"}),
            vec!["message_exceed_max_chars", "ttl_invalid"],
        ),
    ];
    for (body, codes) in cases {
        let response = app
            .post("/api/activities")
            .bearer_auth(&ada.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_codes(response, &codes).await;
    }
    // 280 characters of four-byte emoji are fine: the limit counts characters, not bytes.
    app.crud(&ada, &"🦀".repeat(280)).await;
}

#[tokio::test]
async fn show_returns_replies_oldest_first_and_counts_them() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let crud = app.crud(&ada, "What do you think?").await;
    let first = app.reply(&bob, &crud, "I think so").await;
    app.clock.advance(TimeDelta::seconds(1));
    let second = app.reply(&ada, &crud, "Thanks!").await;
    assert_eq!(first.reply_to_activity_uuid, crud.uuid);

    let shown: Activity = ok_json(
        app.get(&format!("/api/activities/{}", crud.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown.replies_count, 2);
    assert_eq!(shown.replies, vec![first, second]);
}

#[tokio::test]
async fn replies_are_validated_and_need_a_live_crud() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let crud = app.crud(&ada, "hello").await;
    let reply_to = |uuid: String, body: Value| {
        app.post(&format!("/api/activities/{uuid}/reply"))
            .bearer_auth(&ada.token)
            .json(&body)
            .send()
    };
    assert_codes(
        reply_to(crud.uuid.to_string(), json!({})).await.unwrap(),
        &["message_blank"],
    )
    .await;
    assert_codes(
        reply_to(crud.uuid.to_string(), json!({"message": "r".repeat(1025)}))
            .await
            .unwrap(),
        &["message_exceed_max_chars"],
    )
    .await;
    // Replies may be longer than cruds.
    let long = reply_to(crud.uuid.to_string(), json!({"message": "r".repeat(1024)}))
        .await
        .unwrap();
    assert_eq!(long.status(), StatusCode::OK);

    let unknown = reply_to(Uuid::new_v4().to_string(), json!({"message": "hi"}))
        .await
        .unwrap();
    error_json(unknown, StatusCode::NOT_FOUND).await;
    let not_a_uuid = reply_to("nope".into(), json!({"message": "hi"}))
        .await
        .unwrap();
    error_json(not_a_uuid, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn likes_and_reposts_change_the_counts_once_per_user() {
    let app = spawn_app().await;
    let (ada, bob, cy) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cy").await,
    );
    let crud = app.crud(&ada, "like me").await;
    let path = |what: &str| format!("/api/activities/{}/{what}", crud.uuid);
    for user in [&bob, &cy, &bob] {
        for what in ["like", "repost"] {
            let response = app
                .post(&path(what))
                .bearer_auth(&user.token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
    }
    let counts = |activity: Activity| (activity.likes_count, activity.reposts_count);
    let shown = ok_json(
        app.get(&format!("/api/activities/{}", crud.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counts(shown), (2, 2));

    let response = app
        .delete(&path("like"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .delete(&path("repost"))
        .bearer_auth(&cy.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let shown = ok_json(
        app.get(&format!("/api/activities/{}", crud.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counts(shown), (1, 1));

    let unknown = app
        .post(&format!("/api/activities/{}/like", Uuid::new_v4()))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    error_json(unknown, StatusCode::NOT_FOUND).await;
    let anonymous = app.post(&path("like")).send().await.unwrap();
    error_json(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn home_is_newest_first_without_replies_and_user_feeds_are_per_user() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let first = app.crud(&ada, "first").await;
    app.clock.advance(TimeDelta::seconds(1));
    let second = app.crud(&bob, "second").await;
    app.clock.advance(TimeDelta::seconds(1));
    app.reply(&bob, &first, "a reply, not a crud").await;

    let home: Vec<Activity> = ok_json(app.get("/api/activities/home").send().await.unwrap()).await;
    let uuids: Vec<ActivityId> = home.iter().map(|a| a.uuid).collect();
    assert_eq!(uuids, vec![second.uuid, first.uuid]);
    assert_eq!(home[1].replies_count, 1);

    let ada_feed: Vec<Activity> =
        ok_json(app.get("/api/activities/@ADA").send().await.unwrap()).await;
    assert_eq!(
        ada_feed.iter().map(|a| a.uuid).collect::<Vec<_>>(),
        vec![first.uuid]
    );
    let nobody = app.get("/api/activities/@nobody").send().await.unwrap();
    error_json(nobody, StatusCode::NOT_FOUND).await;
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl ClockNow for crate::helpers::TestApp {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use cruddur_backend::clock::Clock;
        self.clock.now()
    }
}

use chrono::TimeDelta;
use cruddur_contract::ActivityId;
use cruddur_contract::{Notification, NotificationKind};
use reqwest::StatusCode;

use crate::helpers::{TestApp, TestUser, error_json, spawn_app};

async fn notifications_of(app: &TestApp, user: &TestUser) -> Vec<Notification> {
    app.as_user(user, app.get("/api/activities/notifications"))
        .await
}

#[tokio::test]
async fn every_kind_of_event_notifies_newest_first() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let crud = app.crud(&ada, "Notify me").await;
    let step = || app.clock.advance(TimeDelta::seconds(1));

    step();
    let reply = app.reply(&bob, &crud, "replying").await;
    step();
    let mention = app.crud(&bob, "hey @ada, look").await;
    step();
    let like = app.react(&bob, &crud, "like").send().await.unwrap();
    assert_eq!(like.status(), StatusCode::NO_CONTENT);
    step();
    let repost = app.react(&bob, &crud, "repost").send().await.unwrap();
    assert_eq!(repost.status(), StatusCode::NO_CONTENT);
    step();
    let follow = app
        .post("/api/users/@ada/follow")
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), StatusCode::OK);

    let notes = notifications_of(&app, &ada).await;
    let seen: Vec<(NotificationKind, Option<ActivityId>)> =
        notes.iter().map(|n| (n.kind, n.activity_uuid)).collect();
    assert_eq!(
        seen,
        vec![
            (NotificationKind::Follow, None),
            (NotificationKind::Repost, Some(crud.uuid)),
            (NotificationKind::Like, Some(crud.uuid)),
            (NotificationKind::Mention, Some(mention.uuid)),
            (NotificationKind::Reply, Some(reply.uuid)),
        ]
    );
    assert!(
        notes
            .iter()
            .all(|n| n.handle == "bob" && n.display_name == "bob Display")
    );
    assert_eq!(notes[4].message, "replying");
    assert!(notes.windows(2).all(|w| w[0].created_at > w[1].created_at));

    // Nobody is notified of their own acts.
    assert!(notifications_of(&app, &bob).await.is_empty());
}

#[tokio::test]
async fn notifications_need_a_signed_in_user() {
    let app = spawn_app().await;
    let response = app
        .get("/api/activities/notifications")
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn notifications_are_week_1_activities_a_client_can_act_on() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    let crud = app.crud(&ada, "Notify me").await;
    let step = || app.clock.advance(TimeDelta::seconds(1));
    step();
    let reply = app.reply(&bob, &crud, "replying").await;
    step();
    app.react(&bob, &crud, "like").send().await.unwrap();
    step();
    app.post("/api/users/@ada/follow")
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();

    let raw: Vec<serde_json::Value> = app
        .as_user(&ada, app.get("/api/activities/notifications"))
        .await;
    let week_1 = [
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
    ];
    for item in &raw {
        for field in week_1 {
            assert!(item.get(field).is_some(), "{field} missing in {item}");
        }
        assert_eq!(item["handle"], "bob", "who acted: {item}");
    }
    let [follow, like, replied] = &raw[..] else {
        panic!("three notifications: {raw:?}")
    };
    // A follow reads as Bob saying so, and concerns no activity.
    assert_eq!(follow["message"], "followed you");
    assert_eq!(follow["expires_at"], serde_json::Value::Null);
    assert_eq!(follow["uuid"], follow["notification_uuid"]);
    assert_eq!(follow["activity_uuid"], serde_json::Value::Null);
    // A like is of Ada's crud, with its text and counts.
    assert_eq!(like["uuid"], crud.uuid.to_string());
    assert_eq!(like["message"], "Notify me");
    assert_eq!(like["likes_count"], 1);
    assert_ne!(like["uuid"], like["notification_uuid"]);
    // A reply is Bob's reply, in the thread of Ada's crud.
    assert_eq!(replied["uuid"], reply.uuid.to_string());
    assert_eq!(replied["message"], "replying");
    assert_eq!(replied["thread_uuid"], crud.uuid.to_string());
    assert_eq!(replied["thread_handle"], "ada");
    assert_eq!(replied["kind"], "reply");

    // What a week-1 client does with a notification: reply to its uuid, and like it.
    let answer = app
        .post(&format!("/api/activities/{}/reply", reply.uuid))
        .bearer_auth(&ada.token)
        .json(&serde_json::json!({"message": "answering the reply"}))
        .send()
        .await
        .unwrap();
    let answer: cruddur_contract::Reply = crate::helpers::ok_json(answer).await;
    assert_eq!(answer.reply_to_activity_uuid, crud.uuid, "joins the thread");
    let liked = app
        .post(&format!("/api/activities/{}/like", reply.uuid))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(liked.status(), StatusCode::NO_CONTENT);
}

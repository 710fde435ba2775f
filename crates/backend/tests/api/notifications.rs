use chrono::TimeDelta;
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
    let seen: Vec<(NotificationKind, Option<uuid::Uuid>)> =
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
    assert_eq!(notes[4].message.as_deref(), Some("replying"));
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

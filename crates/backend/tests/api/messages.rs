use std::collections::HashSet;

use chrono::TimeDelta;
use cruddur_contract::MessageId;
use cruddur_contract::{Message, MessageGroup};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, assert_codes, error_json, next_link, ok_json, spawn_app};

async fn groups(app: &TestApp, user: &TestUser) -> Vec<MessageGroup> {
    app.as_user(user, app.get("/api/message_groups")).await
}

#[tokio::test]
async fn a_conversation_reads_the_same_from_both_sides() {
    let app = spawn_app().await;
    let (ada, bob, cy) = (
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cy").await,
    );
    app.send_message(&ada, "bob", "Seen Babylon 5?").await;
    app.clock.advance(TimeDelta::seconds(1));
    app.send_message(&ada, "cy", "Hi cy").await;
    app.clock.advance(TimeDelta::seconds(1));
    let last = app.send_message(&bob, "@ada", "Of course!").await;
    assert_eq!(last.handle, "bob");

    let ada_groups = groups(&app, &ada).await;
    let listed: Vec<(&str, &str)> = ada_groups
        .iter()
        .map(|g| (g.handle.as_str(), g.message.as_str()))
        .collect();
    assert_eq!(listed, [("bob", "Of course!"), ("cy", "Hi cy")]);
    assert_eq!(ada_groups[0].created_at, last.created_at);
    let bob_groups = groups(&app, &bob).await;
    assert_eq!(bob_groups.len(), 1);
    assert_eq!(
        (bob_groups[0].handle.as_str(), bob_groups[0].uuid),
        ("ada", ada_groups[0].uuid)
    );

    for (reader, other) in [(&ada, "bob"), (&bob, "ada")] {
        let messages: Vec<Message> = ok_json(
            app.get(&format!("/api/messages/@{other}"))
                .bearer_auth(&reader.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let texts: Vec<&str> = messages.iter().map(|m| m.message.as_str()).collect();
        assert_eq!(texts, ["Seen Babylon 5?", "Of course!"]);
    }

    // Only the two participants can open the conversation by its uuid; to anyone else it
    // does not exist.
    let group = format!("/api/message_groups/{}", ada_groups[0].uuid);
    let by_bob: Vec<Message> = ok_json(
        app.get(&group)
            .bearer_auth(&bob.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_bob.len(), 2);
    let by_cy = app.get(&group).bearer_auth(&cy.token).send().await.unwrap();
    let by_cy: serde_json::Value = error_json(by_cy, StatusCode::NOT_FOUND).await;
    let unknown = app
        .get(&format!("/api/message_groups/{}", Uuid::new_v4()))
        .bearer_auth(&cy.token)
        .send()
        .await
        .unwrap();
    let unknown: serde_json::Value = error_json(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(by_cy, unknown);
}

#[tokio::test]
async fn message_validation_keeps_the_week_1_codes() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let post = |body: serde_json::Value| {
        app.post("/api/messages")
            .bearer_auth(&ada.token)
            .json(&body)
            .send()
    };
    assert_codes(
        post(json!({})).await.unwrap(),
        &["message_blank", "user_reciever_handle_blank"],
    )
    .await;
    assert_codes(
        post(json!({"message": "m".repeat(1025), "user_receiver_handle": "bob"}))
            .await
            .unwrap(),
        &["message_exceed_max_chars"],
    )
    .await;
    assert_codes(
        post(json!({"message": "hi", "user_receiver_handle": "nobody"}))
            .await
            .unwrap(),
        &["user_receiver_not_found"],
    )
    .await;
    assert_codes(
        post(json!({"message": "hi", "user_receiver_handle": "ADA"}))
            .await
            .unwrap(),
        &["user_receiver_is_self"],
    )
    .await;
    let anonymous = app
        .post("/api/messages")
        .json(&json!({"message": "hi", "user_receiver_handle": "ada"}))
        .send()
        .await
        .unwrap();
    error_json(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_long_conversation_pages_back_in_time_without_loss() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    for i in 0..105 {
        app.clock.advance(TimeDelta::seconds(1));
        let (from, to) = if i % 2 == 0 {
            (&ada, "bob")
        } else {
            (&bob, "ada")
        };
        app.send_message(from, to, &format!("message {i}")).await;
    }
    let mut pages: Vec<Vec<Message>> = Vec::new();
    let mut next = Some("/api/messages/@bob?limit=50".to_owned());
    while let Some(path) = next {
        let response = app.get(&path).bearer_auth(&ada.token).send().await.unwrap();
        next = next_link(&response);
        pages.push(ok_json(response).await);
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 5]);
    // Each page reads oldest first; pages go back in time.
    assert_eq!(pages[0].last().unwrap().message, "message 104");
    assert_eq!(pages[2].first().unwrap().message, "message 0");
    let unique: HashSet<MessageId> = pages.iter().flatten().map(|m| m.uuid).collect();
    assert_eq!(unique.len(), 105);
}

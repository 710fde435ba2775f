//! The following feed: the cruds of the people one follows, and one's own.

use chrono::TimeDelta;
use cruddur_contract::Activity;
use reqwest::StatusCode;

use crate::helpers::{error_json, next_link, ok_json, spawn_app};

#[tokio::test]
async fn the_following_feed_holds_the_followed_and_oneself_page_by_page() {
    let app = spawn_app().await;
    let [ada, bob, cy] = [
        app.sign_up("ada").await,
        app.sign_up("bob").await,
        app.sign_up("cy").await,
    ];
    let follow = app
        .post("/api/users/@bob/follow")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status(), StatusCode::OK);
    let mut expected = Vec::new();
    for n in 0..3 {
        app.clock.advance(TimeDelta::seconds(1));
        expected.push(app.crud(&bob, &format!("bob {n}")).await.uuid);
        app.clock.advance(TimeDelta::seconds(1));
        expected.push(app.crud(&ada, &format!("ada {n}")).await.uuid);
        app.crud(&cy, "not followed").await;
    }
    expected.reverse();
    app.clock.advance(TimeDelta::seconds(1));
    let answer = app
        .reply(&cy, &app.crud(&bob, "bob's thread").await, "cy answers")
        .await;
    expected.insert(0, answer.reply_to_activity_uuid);

    let mut path = "/api/activities/following?limit=4".to_owned();
    let mut seen: Vec<Activity> = Vec::new();
    loop {
        let response = app.get(&path).bearer_auth(&ada.token).send().await.unwrap();
        let next = next_link(&response);
        seen.extend(ok_json::<Vec<Activity>>(response).await);
        match next {
            Some(next) => path = next,
            None => break,
        }
    }
    let uuids: Vec<_> = seen.iter().map(|crud| crud.uuid).collect();
    assert_eq!(uuids, expected);
    assert_eq!(seen[0].replies[0].message, "cy answers", "threads embedded");

    let signed_out = app.get("/api/activities/following").send().await.unwrap();
    error_json(signed_out, StatusCode::UNAUTHORIZED).await;
}

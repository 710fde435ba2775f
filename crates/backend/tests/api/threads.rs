//! What feeds carry beyond their cruds: the latest replies of each (as week 1 did), and the
//! signed-in viewer's own likes and reposts. And deleting one's own crud or reply.

use chrono::TimeDelta;
use cruddur_contract::ActivityId;
use cruddur_contract::{Activity, Reply};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_json, ok_json, spawn_app};

/// The one crud of this feed page with `uuid`.
async fn item(app: &TestApp, viewer: Option<&TestUser>, path: &str, uuid: ActivityId) -> Activity {
    let mut request = app.get(path);
    if let Some(viewer) = viewer {
        request = request.bearer_auth(&viewer.token);
    }
    let feed: Vec<Activity> = ok_json(request.send().await.unwrap()).await;
    feed.into_iter()
        .find(|crud| crud.uuid == uuid)
        .unwrap_or_else(|| panic!("{uuid} not in {path}"))
}

/// `DELETE path` as `user`.
async fn delete_as(app: &TestApp, user: &TestUser, path: &str) -> reqwest::Response {
    app.delete(path)
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
}

const FEEDS: [&str; 3] = [
    "/api/activities/home",
    "/api/activities/@ada",
    "/api/activities/search?term=thread",
];

#[tokio::test]
async fn every_feed_embeds_each_cruds_latest_three_replies_oldest_first() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "a long thread").await;
    let quiet = app.crud(&ada, "a quiet thread").await;
    let mut replies: Vec<Reply> = Vec::new();
    for n in 1..=5 {
        app.clock.advance(TimeDelta::seconds(1));
        replies.push(app.reply(&bob, &crud, &format!("reply {n}")).await);
    }
    for path in FEEDS {
        let shown = item(&app, None, path, crud.uuid).await;
        assert_eq!(shown.replies_count, 5, "{path}: the total");
        assert_eq!(
            shown.replies,
            replies[2..],
            "{path}: the newest three, oldest first"
        );
        assert!(item(&app, None, path, quiet.uuid).await.replies.is_empty());
    }
    let shown: Activity = ok_json(
        app.get(&format!("/api/activities/{}", crud.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown.replies, replies, "the crud's own page has them all");
}

#[tokio::test]
async fn a_signed_in_viewer_sees_their_own_likes_and_reposts() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "a thread to like").await;
    let answer = app.reply(&ada, &crud, "a reply to like").await;
    for request in [
        app.react(&bob, &crud, "like"),
        app.react(&bob, &crud, "repost"),
        app.post(&format!("/api/activities/{}/like", answer.uuid))
            .bearer_auth(&bob.token),
    ] {
        assert_eq!(
            request.send().await.unwrap().status(),
            StatusCode::NO_CONTENT
        );
    }
    let show = format!("/api/activities/{}", crud.uuid);
    for path in FEEDS {
        let mine = item(&app, Some(&bob), path, crud.uuid).await;
        assert!(mine.liked_by_me && mine.reposted_by_me, "{path}: {mine:?}");
        assert!(
            mine.replies[0].liked_by_me && !mine.replies[0].reposted_by_me,
            "{path}"
        );
        let theirs = item(&app, Some(&ada), path, crud.uuid).await;
        assert!(
            !theirs.liked_by_me && !theirs.reposted_by_me,
            "{path}: not Ada's"
        );
        let anyone = item(&app, None, path, crud.uuid).await;
        assert!(
            !anyone.liked_by_me && !anyone.replies[0].liked_by_me,
            "{path}: signed out"
        );
    }
    let shown: Activity = app.as_user(&bob, app.get(&show)).await;
    assert!(shown.liked_by_me && shown.replies[0].liked_by_me);

    // The fields are on the wire, and a bad token is refused rather than ignored.
    let raw: Value = ok_json(app.get(&show).send().await.unwrap()).await;
    assert_eq!(raw["liked_by_me"], false);
    assert_eq!(raw["replies"][0]["reposted_by_me"], false);
    let forged = app
        .get(&show)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    error_json(forged, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn only_the_author_deletes_a_crud_and_it_takes_its_thread() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "regrettable #words").await;
    let answer = app.reply(&bob, &crud, "a reply").await;
    let path = format!("/api/activities/{}", crud.uuid);

    let anonymous = app.delete(&path).send().await.unwrap();
    error_json(anonymous, StatusCode::UNAUTHORIZED).await;
    let other = delete_as(&app, &bob, &path).await;
    error_json(other, StatusCode::FORBIDDEN).await;
    let not_a_uuid = delete_as(&app, &ada, "/api/activities/nope").await;
    error_json(not_a_uuid, StatusCode::BAD_REQUEST).await;
    let unknown = delete_as(&app, &ada, &format!("/api/activities/{}", Uuid::new_v4())).await;
    error_json(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(
        item(&app, None, "/api/activities/home", crud.uuid)
            .await
            .replies_count,
        1
    );

    let deleted = delete_as(&app, &ada, &path).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    error_json(app.get(&path).send().await.unwrap(), StatusCode::NOT_FOUND).await;
    let again = delete_as(&app, &ada, &path).await;
    error_json(again, StatusCode::NOT_FOUND).await;
    for feed in [
        "/api/activities/home",
        "/api/activities/@ada",
        "/api/activities/search?term=%23words",
    ] {
        let left: Vec<Activity> = ok_json(app.get(feed).send().await.unwrap()).await;
        assert!(left.is_empty(), "{feed}: {left:?}");
    }
    let liked = app
        .post(&format!("/api/activities/{}/like", answer.uuid))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    error_json(liked, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_reply_is_deleted_alone_by_its_author() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "a thread").await;
    let first = app.reply(&bob, &crud, "first").await;
    let second = app.reply(&ada, &crud, "second").await;
    let path = format!("/api/activities/{}", first.uuid);

    let by_crud_author = delete_as(&app, &ada, &path).await;
    error_json(by_crud_author, StatusCode::FORBIDDEN).await;
    let deleted = delete_as(&app, &bob, &path).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let shown: Activity = ok_json(
        app.get(&format!("/api/activities/{}", crud.uuid))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown.replies, vec![second]);
    assert_eq!(shown.replies_count, 1);
}

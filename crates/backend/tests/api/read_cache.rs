//! Public pages (the timeline, a user's cruds, a search, one crud) and a user's own
//! (notifications, conversations) are cached, and never show what a write has changed.

use chrono::TimeDelta;
use cruddur_backend::auth::token::TokenKeys;
use cruddur_backend::clock::Clock;
use cruddur_contract::{Activity, Message, MessageGroup, Notification};
use cruddur_store::{NewActivity, Participant};
use serde_json::json;

use crate::helpers::{JWT_SECRET, TestApp, TestUser, ok_json, spawn_app};

async fn cruds(app: &TestApp, path: &str) -> Vec<Activity> {
    ok_json(app.get(path).send().await.unwrap()).await
}

async fn home(app: &TestApp) -> Vec<Activity> {
    cruds(app, "/api/activities/home").await
}

/// Posts a crud as `author` straight into the database, as another replica sharing it would:
/// this server's cache is not told.
async fn behind_the_server_s_back(app: &TestApp, author: &TestUser, message: &str) {
    lasting_behind_the_server_s_back(app, author, message, TimeDelta::days(1)).await;
}

/// [`behind_the_server_s_back`], for a crud that lives `lifetime`.
async fn lasting_behind_the_server_s_back(
    app: &TestApp,
    author: &TestUser,
    message: &str,
    lifetime: TimeDelta,
) -> Activity {
    let other_replica = cruddur_store::open(&app.database_url, false).await.unwrap();
    let now = app.clock.now();
    other_replica
        .store
        .create_activity(&NewActivity {
            author: author.session.user.uuid,
            message: message.into(),
            created_at: now,
            expires_at: now + lifetime,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn every_kind_of_write_shows_on_the_cached_timeline_at_once() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "first").await;
    // Read twice: the second answer comes from the cache.
    assert_eq!(home(&app).await, home(&app).await);

    app.crud(&bob, "second").await;
    assert_eq!(home(&app).await.len(), 2, "a new crud");

    let like = app.react(&bob, &crud, "like").send().await.unwrap();
    assert!(like.status().is_success());
    let first = |feed: Vec<Activity>| feed.into_iter().find(|a| a.uuid == crud.uuid).unwrap();
    assert_eq!(first(home(&app).await).likes_count, 1, "a like");

    let answer = app.reply(&bob, &crud, "a reply").await;
    let threaded = first(home(&app).await);
    assert_eq!(threaded.replies_count, 1, "a reply");
    assert_eq!(threaded.replies, vec![answer], "a reply, in the thread");

    let renamed = app
        .patch_me(&ada)
        .json(&json!({"display_name": "Ada Lovelace"}))
        .send()
        .await
        .unwrap();
    assert!(renamed.status().is_success());
    assert_eq!(
        first(home(&app).await).display_name,
        "Ada Lovelace",
        "a new name"
    );

    let deleted = app
        .delete(&format!("/api/activities/{}", crud.uuid))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    assert!(
        home(&app).await.iter().all(|a| a.uuid != crud.uuid),
        "a deleted crud"
    );
}

#[tokio::test]
async fn a_cached_crud_leaves_the_timeline_when_it_expires() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.crud_with_ttl(&ada, "short", "1-hour").await;
    app.crud_with_ttl(&ada, "long", "1-day").await;
    assert_eq!(home(&app).await.len(), 2);

    app.clock.advance(TimeDelta::hours(1));
    let left = home(&app).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].message, "long");
}

#[tokio::test]
async fn the_first_page_is_served_from_the_cache_for_at_most_its_max_age() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.crud(&ada, "through the API").await;
    assert_eq!(home(&app).await.len(), 1);

    // No invalidation: only the cache's age bounds how long the page stays as it was.
    behind_the_server_s_back(&app, &ada, "from another replica").await;
    assert_eq!(home(&app).await.len(), 1, "served from the cache");
    let with_empty_query: Vec<Activity> =
        ok_json(app.get("/api/activities/home?").send().await.unwrap()).await;
    assert_eq!(with_empty_query.len(), 1, "an empty query is the same page");
    let with_limit: Vec<Activity> = ok_json(
        app.get("/api/activities/home?limit=5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(with_limit.len(), 2, "a page not asked for yet is read");

    app.clock
        .advance(cruddur_backend::read_cache::MAX_AGE + TimeDelta::milliseconds(1));
    assert_eq!(home(&app).await.len(), 2, "read again once too old");
}

#[tokio::test]
async fn a_signed_in_viewer_gets_the_cached_page_with_their_own_likes() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "cached").await;
    let like = app.react(&bob, &crud, "like").send().await.unwrap();
    assert!(like.status().is_success());
    assert_eq!(home(&app).await.len(), 1);

    // Only a page from the cache misses it.
    behind_the_server_s_back(&app, &ada, "from another replica").await;
    let bobs: Vec<Activity> = app.as_user(&bob, app.get("/api/activities/home")).await;
    assert_eq!(bobs.len(), 1, "served from the cache");
    assert!(bobs[0].liked_by_me, "with Bob's own like");
    let adas: Vec<Activity> = app.as_user(&ada, app.get("/api/activities/home")).await;
    assert!(!adas[0].liked_by_me, "Ada did not like it");
    assert!(
        !home(&app).await[0].liked_by_me,
        "the cached page has nobody's likes"
    );
}

#[tokio::test]
async fn a_user_s_cruds_a_search_and_a_crud_are_cached_until_a_write() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    let crud = app.crud(&ada, "cached #page").await;
    let pages = [
        "/api/activities/@ada",
        "/api/activities/search?term=%23page",
    ];
    let one = format!("/api/activities/{}", crud.uuid);
    let read_one = || async { ok_json::<Activity>(app.get(&one).send().await.unwrap()).await };
    for page in pages {
        assert_eq!(cruds(&app, page).await.len(), 1, "{page}");
    }
    assert_eq!(read_one().await, crud);

    behind_the_server_s_back(&app, &ada, "unseen #page").await;
    for page in pages {
        assert_eq!(cruds(&app, page).await.len(), 1, "{page}: from the cache");
    }

    // Both cruds were posted at the same instant of the test clock: found by uuid.
    let ours = |cruds: Vec<Activity>| cruds.into_iter().find(|a| a.uuid == crud.uuid).unwrap();
    let answer = app.reply(&bob, &crud, "a reply").await;
    for page in pages {
        let cruds = cruds(&app, page).await;
        assert_eq!(cruds.len(), 2, "{page}: read again after a write");
        assert_eq!(
            ours(cruds).replies,
            vec![answer.clone()],
            "{page}: with the reply"
        );
    }
    let with_reply = read_one().await;
    assert_eq!(
        with_reply.replies_count, 1,
        "the crud: read again after a write"
    );

    let like = app.react(&bob, &crud, "like").send().await.unwrap();
    assert!(like.status().is_success());
    let seen_by_bob: Activity = app.as_user(&bob, app.get(&one)).await;
    assert!(
        seen_by_bob.liked_by_me,
        "a signed-in viewer sees their own like"
    );
    assert!(
        !read_one().await.liked_by_me,
        "the cached crud has nobody's likes"
    );
    let bobs: Vec<Activity> = app.as_user(&bob, app.get(pages[1])).await;
    assert!(ours(bobs).liked_by_me, "and in a search");
}

#[tokio::test]
async fn a_request_with_no_cache_is_read_afresh_and_kept_for_the_others() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.crud(&ada, "through the API").await;
    assert_eq!(home(&app).await.len(), 1);

    behind_the_server_s_back(&app, &ada, "from another replica").await;
    assert_eq!(home(&app).await.len(), 1, "served from the cache");
    let fresh = app
        .get("/api/activities/home")
        .header("cache-control", "max-age=0, No-Cache")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok_json::<Vec<Activity>>(fresh).await.len(),
        2,
        "read afresh"
    );
    assert_eq!(home(&app).await.len(), 2, "and kept");
}

/// Sends a message from `from` to `to` straight into the database, as another replica would.
async fn message_behind_the_server_s_back(
    app: &TestApp,
    from: &TestUser,
    to: &TestUser,
    text: &str,
) {
    let other_replica = cruddur_store::open(&app.database_url, false).await.unwrap();
    other_replica
        .messages
        .send_message(
            &Participant::from(&from.session.user),
            &Participant::from(&to.session.user),
            text,
            app.clock.now(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_s_conversations_are_cached_for_them_alone_until_a_write() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    app.send_message(&ada, "bob", "hello").await;
    let groups = |user| app.as_user::<Vec<MessageGroup>>(user, app.get("/api/message_groups"));
    let with_bob = || app.as_user::<Vec<Message>>(&ada, app.get("/api/messages/@bob"));
    assert_eq!(groups(&ada).await[0].handle, "bob");
    assert_eq!(groups(&bob).await[0].handle, "ada", "each user's own page");
    assert_eq!(with_bob().await.len(), 1);

    message_behind_the_server_s_back(&app, &bob, &ada, "unseen").await;
    assert_eq!(with_bob().await.len(), 1, "from the cache");
    assert_eq!(groups(&ada).await[0].message, "hello", "from the cache");

    app.crud(&bob, "any write").await;
    assert_eq!(with_bob().await.len(), 2, "read again after a write");
    assert_eq!(groups(&ada).await[0].message, "unseen");
}

#[tokio::test]
async fn a_cached_notification_goes_when_its_crud_expires() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    // Sooner than a cached page's max age: only the page's own expiry takes it out.
    let soon = TimeDelta::milliseconds(500);
    let short = lasting_behind_the_server_s_back(&app, &ada, "short", soon).await;
    app.reply(&bob, &short, "a reply").await;
    let notifications =
        || app.as_user::<Vec<Notification>>(&ada, app.get("/api/activities/notifications"));
    let adas_home = || app.as_user::<Vec<Activity>>(&ada, app.get("/api/activities/home"));
    assert_eq!(notifications().await.len(), 1);
    assert_eq!(adas_home().await.len(), 1);

    app.clock.advance(soon);
    assert!(notifications().await.is_empty(), "its crud expired");
    assert!(
        adas_home().await.is_empty(),
        "and left Ada's cached timeline"
    );
}

#[tokio::test]
async fn a_session_ended_by_another_replica_is_refused_within_the_max_age() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let notifications = || {
        app.get("/api/activities/notifications")
            .bearer_auth(&ada.token)
            .send()
    };
    assert_eq!(notifications().await.unwrap().status(), 200);

    let other_replica = cruddur_store::open(&app.database_url, false).await.unwrap();
    let keys = TokenKeys::new(&JWT_SECRET.to_owned().into());
    let session = keys.verify(&ada.token, app.clock.now()).unwrap().sid;
    other_replica.store.delete_session(session).await.unwrap();
    assert_eq!(
        notifications().await.unwrap().status(),
        200,
        "from the cache"
    );

    app.clock
        .advance(cruddur_backend::read_cache::MAX_AGE + TimeDelta::milliseconds(1));
    assert_eq!(notifications().await.unwrap().status(), 401);
}

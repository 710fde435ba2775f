use cruddur_contract::Profile;
use reqwest::StatusCode;

use crate::helpers::{assert_codes, error_json, ok_json, spawn_app};

#[tokio::test]
async fn follow_and_unfollow_change_the_profile_counts() {
    let app = spawn_app().await;
    let (ada, bob) = (app.sign_up("ada").await, app.sign_up("bob").await);
    app.crud(&ada, "one").await;
    app.crud(&ada, "two").await;

    for _ in 0..2 {
        let followed: Profile = app.as_user(&bob, app.post("/api/users/@ada/follow")).await;
        assert_eq!(
            (followed.followers_count, followed.followed_by_me),
            (1, true)
        );
    }
    let as_bob: Profile = app.as_user(&bob, app.get("/api/users/@Ada")).await;
    assert_eq!(
        (
            as_bob.handle.as_str(),
            as_bob.cruds_count,
            as_bob.followers_count,
            as_bob.followed_by_me
        ),
        ("ada", 2, 1, true)
    );
    let anonymous: Profile = ok_json(app.get("/api/users/@ada").send().await.unwrap()).await;
    assert!(!anonymous.followed_by_me);
    let bob_profile: Profile = ok_json(app.get("/api/users/@bob").send().await.unwrap()).await;
    assert_eq!(bob_profile.following_count, 1);

    let unfollowed: Profile = app
        .as_user(&bob, app.delete("/api/users/@ada/follow"))
        .await;
    assert_eq!(
        (unfollowed.followers_count, unfollowed.followed_by_me),
        (0, false)
    );
}

#[tokio::test]
async fn following_yourself_or_nobody_is_refused() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let response = app
        .post("/api/users/@ADA/follow")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_codes(response, &["cannot_follow_self"]).await;
    let response = app
        .post("/api/users/@nobody/follow")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    error_json(response, StatusCode::NOT_FOUND).await;
    let response = app.get("/api/users/@nobody").send().await.unwrap();
    error_json(response, StatusCode::NOT_FOUND).await;
}

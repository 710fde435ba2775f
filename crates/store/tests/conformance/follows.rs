//! Follows.

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn follow_and_unfollow_are_idempotent(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let set = async |who: &cruddur_contract::User, handle: &str, on: bool| {
        fx.store
            .set_follow(who.uuid, &as_handle(handle), on, at(1))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{handle} exists"))
    };

    let seen = set(&alice, "bob", true).await;
    assert_eq!(seen.uuid, bob.uuid, "the followed user's profile");
    assert_eq!(seen.handle, "bob");
    assert_eq!((seen.followers_count, seen.following_count), (1, 0));
    assert!(seen.followed_by_me, "as the follower now sees it");

    let again = set(&alice, "bob", true).await;
    assert_eq!(again.followers_count, 1, "following twice counts once");
    assert!(again.followed_by_me);

    let by_carol = set(&carol, "BOB", true).await;
    assert_eq!(by_carol.uuid, bob.uuid, "handle is case-insensitive");
    assert_eq!(by_carol.followers_count, 2);

    let alices = fx
        .store
        .profile(&as_handle("alice"), None, at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((alices.followers_count, alices.following_count), (0, 1));

    let dropped = set(&alice, "bob", false).await;
    assert_eq!(dropped.followers_count, 1);
    assert!(!dropped.followed_by_me);
    let dropped_again = set(&alice, "bob", false).await;
    assert_eq!(
        dropped_again.followers_count, 1,
        "unfollowing twice is harmless"
    );
    assert!(!dropped_again.followed_by_me);

    let never = set(&alice, "carol", false).await;
    assert_eq!(
        never.followers_count, 0,
        "unfollowing someone never followed"
    );

    let alices = fx
        .store
        .profile(&as_handle("alice"), None, at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alices.following_count, 0);
    let bobs = fx
        .store
        .profile(&as_handle("bob"), Some(carol.uuid), at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bobs.followers_count, 1);
    assert!(bobs.followed_by_me);
}

pub async fn follow_unknown_handle_is_none(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let store = &fx.store;
    assert_eq!(
        store
            .set_follow(alice.uuid, &as_handle("nobody"), true, at(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .set_follow(alice.uuid, &as_handle("nobody"), false, at(1))
            .await
            .unwrap(),
        None
    );
    let alices = store
        .profile(&as_handle("alice"), None, at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alices.following_count, 0);
}

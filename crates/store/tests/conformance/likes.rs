//! Likes and reposts: counts, idempotence, liveness and concurrency.

use cruddur_contract::{ActivityId, UserId};
use std::sync::Arc;

use cruddur_contract::{NotificationKind, Reaction};
use tokio::sync::Barrier;

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn likes_count_goes_up_and_down(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let liked = post(&fx, &alice, "like me", 0).await;

    assert!(like(&fx, &bob, liked.uuid, true, at(1)).await);
    assert!(like(&fx, &carol, liked.uuid, true, at(2)).await);
    let shown = show(&fx, liked.uuid, at(3)).await;
    assert_eq!(shown.likes_count, 2);
    assert_eq!(shown.reposts_count, 0, "likes are not reposts");
    assert_eq!(home(&fx, at(3)).await[0].likes_count, 2, "home feed");
    assert_eq!(
        feed_of(&fx, "alice", at(3)).await[0].likes_count,
        2,
        "user feed"
    );

    assert!(like(&fx, &bob, liked.uuid, false, at(4)).await);
    assert_eq!(show(&fx, liked.uuid, at(5)).await.likes_count, 1);
    assert!(like(&fx, &carol, liked.uuid, false, at(6)).await);
    assert_eq!(show(&fx, liked.uuid, at(7)).await.likes_count, 0);
}

pub async fn like_and_unlike_are_idempotent(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let liked = post(&fx, &alice, "like me twice", 0).await;

    assert!(like(&fx, &bob, liked.uuid, true, at(1)).await);
    assert!(like(&fx, &bob, liked.uuid, true, at(2)).await);
    assert_eq!(show(&fx, liked.uuid, at(3)).await.likes_count, 1);

    assert!(like(&fx, &bob, liked.uuid, false, at(4)).await);
    assert!(like(&fx, &bob, liked.uuid, false, at(5)).await);
    assert_eq!(show(&fx, liked.uuid, at(6)).await.likes_count, 0);

    assert!(
        like(&fx, &carol, liked.uuid, false, at(7)).await,
        "unliking what one never liked is fine"
    );
    assert_eq!(show(&fx, liked.uuid, at(8)).await.likes_count, 0);
}

pub async fn like_unknown_or_expired_is_false(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let expires_at = at(60);
    let brief = crud(&fx, &alice, "brief", at(0), expires_at).await;

    let unknown = ActivityId::random();
    assert!(!like(&fx, &bob, unknown, true, at(1)).await);
    assert!(!like(&fx, &bob, unknown, false, at(1)).await);
    assert!(!like(&fx, &bob, brief.uuid, true, expires_at).await);
    assert!(!like(&fx, &bob, brief.uuid, true, at(3600)).await);
    assert_eq!(
        show(&fx, brief.uuid, expires_at - MICRO).await.likes_count,
        0,
        "refused likes are not counted"
    );
    assert!(like(&fx, &bob, brief.uuid, true, expires_at - MICRO).await);
    assert_eq!(
        show(&fx, brief.uuid, expires_at - MICRO).await.likes_count,
        1
    );
    assert!(
        !like(&fx, &bob, brief.uuid, false, expires_at).await,
        "no unliking once expired"
    );
}

pub async fn liking_a_reply_counts_on_the_reply(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let parent = post(&fx, &alice, "parent", 0).await;
    let answer = reply(&fx, &bob, parent.uuid, "child", at(1)).await;

    assert!(like(&fx, &carol, answer.uuid, true, at(2)).await);
    assert!(like(&fx, &alice, answer.uuid, true, at(2)).await);
    assert!(repost(&fx, &carol, answer.uuid, true, at(3)).await);
    let shown = show(&fx, parent.uuid, at(4)).await;
    assert_eq!(shown.likes_count, 0, "the crud's own likes are untouched");
    assert_eq!(shown.reposts_count, 0);
    assert_eq!(shown.replies[0].likes_count, 2);
    assert_eq!(shown.replies[0].reposts_count, 1);

    assert!(like(&fx, &carol, answer.uuid, false, at(5)).await);
    assert_eq!(
        show(&fx, parent.uuid, at(6)).await.replies[0].likes_count,
        1
    );
}

pub async fn reposts_count_goes_up_and_down_idempotently(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let shared = post(&fx, &alice, "share me", 0).await;

    assert!(repost(&fx, &bob, shared.uuid, true, at(1)).await);
    assert!(repost(&fx, &bob, shared.uuid, true, at(2)).await);
    assert!(repost(&fx, &carol, shared.uuid, true, at(3)).await);
    let shown = show(&fx, shared.uuid, at(4)).await;
    assert_eq!(shown.reposts_count, 2);
    assert_eq!(shown.likes_count, 0, "reposts are not likes");
    assert_eq!(home(&fx, at(4)).await[0].reposts_count, 2, "home feed");

    assert!(repost(&fx, &bob, shared.uuid, false, at(5)).await);
    assert!(repost(&fx, &bob, shared.uuid, false, at(6)).await);
    assert_eq!(show(&fx, shared.uuid, at(7)).await.reposts_count, 1);
    assert!(
        repost(&fx, &alice, shared.uuid, false, at(8)).await,
        "never reposted"
    );
    assert!(repost(&fx, &carol, shared.uuid, false, at(9)).await);
    assert_eq!(show(&fx, shared.uuid, at(10)).await.reposts_count, 0);
}

pub async fn repost_unknown_or_expired_is_false(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let expires_at = at(60);
    let brief = crud(&fx, &alice, "brief", at(0), expires_at).await;

    assert!(!repost(&fx, &bob, ActivityId::random(), true, at(1)).await);
    assert!(!repost(&fx, &bob, brief.uuid, true, expires_at).await);
    assert_eq!(
        show(&fx, brief.uuid, expires_at - MICRO)
            .await
            .reposts_count,
        0
    );
    assert!(repost(&fx, &bob, brief.uuid, true, expires_at - MICRO).await);
    assert_eq!(
        show(&fx, brief.uuid, expires_at - MICRO)
            .await
            .reposts_count,
        1
    );
}

/// Every liker likes `target` at once (released together by a barrier); each like must land.
async fn like_all_at_once(fx: &Fixture, likers: Vec<UserId>, target: ActivityId) {
    let start = Arc::new(Barrier::new(likers.len()));
    let tasks: Vec<_> = likers
        .into_iter()
        .map(|liker| {
            let (store, start) = (fx.store.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store
                    .set_reaction(liker, target, Reaction::Like, true, at(1))
                    .await
            })
        })
        .collect();
    for task in tasks {
        let landed = task.await.expect("task").expect("set_reaction");
        assert!(landed, "a like on a live crud returns true");
    }
}

/// Ten users like one crud at the same moment: no like may be lost to a race.
pub async fn concurrent_likes_from_ten_users_count_ten(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let liked = post(&fx, &alice, "popular", 0).await;
    let mut likers = Vec::new();
    for i in 0..10 {
        likers.push(user(&fx, &format!("fan{i}")).await.uuid);
    }
    like_all_at_once(&fx, likers, liked.uuid).await;

    assert_eq!(show(&fx, liked.uuid, at(2)).await.likes_count, 10);
    let likes = notes(&fx, &alice, at(2)).await;
    assert_eq!(likes.len(), 10);
    assert!(likes.iter().all(|n| n.kind == NotificationKind::Like));
}

/// The same two users like one crud many times at once: still two likes, two notifications.
pub async fn concurrent_repeated_likes_count_once(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let liked = post(&fx, &alice, "like me again and again", 0).await;
    like_all_at_once(&fx, [bob.uuid, carol.uuid].repeat(8), liked.uuid).await;

    assert_eq!(show(&fx, liked.uuid, at(2)).await.likes_count, 2);
    let likes = notes(&fx, &alice, at(2)).await;
    let mut handles: Vec<_> = likes.iter().map(|n| n.handle.as_str()).collect();
    handles.sort();
    assert_eq!(handles, ["bob", "carol"], "one notification per liker");
}

pub async fn reactions_name_what_the_viewer_likes_and_reposts(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let liked = post(&fx, &alice, "liked", 0).await;
    let reposted = post(&fx, &alice, "reposted", 1).await;
    let both = post(&fx, &alice, "liked and reposted", 2).await;
    let others = post(&fx, &alice, "liked by someone else", 3).await;
    let answer = reply(&fx, &alice, liked.uuid, "a liked reply", at(4)).await;
    assert!(like(&fx, &bob, liked.uuid, true, at(5)).await);
    assert!(repost(&fx, &bob, reposted.uuid, true, at(5)).await);
    assert!(like(&fx, &bob, both.uuid, true, at(5)).await);
    assert!(repost(&fx, &bob, both.uuid, true, at(5)).await);
    assert!(like(&fx, &bob, answer.uuid, true, at(5)).await);
    assert!(like(&fx, &alice, others.uuid, true, at(5)).await);

    let asked = [
        liked.uuid,
        reposted.uuid,
        both.uuid,
        others.uuid,
        answer.uuid,
        ActivityId::random(),
    ];
    let reactions = fx.store.reactions(bob.uuid, &asked).await.unwrap();
    let set = |uuids: &[ActivityId]| uuids.iter().copied().collect();
    assert_eq!(reactions.liked, set(&[liked.uuid, both.uuid, answer.uuid]));
    assert_eq!(reactions.reposted, set(&[reposted.uuid, both.uuid]));

    assert!(like(&fx, &bob, liked.uuid, false, at(6)).await);
    let reactions = fx.store.reactions(bob.uuid, &asked).await.unwrap();
    assert!(!reactions.liked.contains(&liked.uuid), "taken back");
    let only_some = fx.store.reactions(bob.uuid, &[both.uuid]).await.unwrap();
    assert_eq!(only_some.liked, set(&[both.uuid]), "only what was asked");
    let nothing = fx.store.reactions(bob.uuid, &[]).await.unwrap();
    assert_eq!(nothing, Default::default());
}

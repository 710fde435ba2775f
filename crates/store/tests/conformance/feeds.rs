//! Home and user feeds: order, filtering and pagination.

use cruddur_contract::Activity;
use cruddur_contract::ActivityId;
use cruddur_store::Page;

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn home_feed_is_newest_first_without_replies(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    // Created out of time order, so insertion order cannot pass for time order.
    let mut cruds = Vec::new();
    for (i, secs) in [30, 10, 50, 20, 40].into_iter().enumerate() {
        let author = if i % 2 == 0 { &alice } else { &bob };
        cruds.push(post(&fx, author, &format!("crud at {secs}s"), secs).await);
    }
    // Replies newer than every crud: they would top the feed if they leaked into it.
    reply(&fx, &bob, cruds[0].uuid, "reply one", at(60)).await;
    reply(&fx, &alice, cruds[0].uuid, "reply two", at(70)).await;
    // Expired by the time the feed is read.
    crud(&fx, &alice, "gone", at(5), at(55)).await;

    let feed = home(&fx, at(100)).await;
    assert_eq!(uuids(&feed), newest_first(&cruds));
    for item in &feed {
        assert!(item.replies.is_empty(), "feeds leave replies empty");
        let expected_replies = if item.uuid == cruds[0].uuid { 2 } else { 0 };
        assert_eq!(item.replies_count, expected_replies, "{}", item.message);
    }
    let at_30 = feed.iter().find(|a| a.uuid == cruds[0].uuid).unwrap();
    assert_eq!(at_30.handle, "alice");
    assert_eq!(at_30.display_name, alice.display_name);
    assert_eq!(at_30.message, "crud at 30s");
    assert_eq!(at_30.created_at, at(30));
    assert_eq!(at_30.expires_at, far());
}

pub async fn user_feed_lists_one_users_cruds(fx: Fixture) {
    let [alice, bob, _carol] = users(&fx, ["Alice", "bob", "carol"]).await;
    let a1 = post(&fx, &alice, "a1", 10).await;
    let b1 = post(&fx, &bob, "b1", 15).await;
    let a2 = post(&fx, &alice, "a2", 20).await;
    // Alice's reply is not one of her cruds.
    reply(&fx, &alice, b1.uuid, "alice answers bob", at(25)).await;

    let alices = feed_of(&fx, "aLiCe", at(30)).await;
    assert_eq!(uuids(&alices), vec![a2.uuid, a1.uuid]);
    assert!(
        alices
            .iter()
            .all(|a| a.handle == "Alice" && a.replies.is_empty())
    );

    let bobs = feed_of(&fx, "BOB", at(30)).await;
    assert_eq!(uuids(&bobs), vec![b1.uuid]);
    assert_eq!(bobs[0].replies_count, 1);
    assert!(bobs[0].replies.is_empty());

    assert!(
        feed_of(&fx, "carol", at(30)).await.is_empty(),
        "a user without cruds"
    );
    let unknown = fx
        .store
        .user_feed(&as_handle("nobody"), &Page::first(ALL), at(30))
        .await
        .unwrap();
    assert_eq!(unknown, None, "no such user");
}

pub async fn feeds_paginate_45_items_exactly_once(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let mut cruds = Vec::new();
    for i in 0..45 {
        cruds.push(post(&fx, &alice, &format!("paged crud {i}"), i).await);
    }
    let expected = newest_first(&cruds);
    let now = at(100);

    let pages = walk(20, async |page| {
        fx.store.home_feed(&page, now).await.unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![20, 20, 5], "home feed pages");
    assert_eq!(flat_uuids(&pages), expected, "home feed");

    let pages = walk(20, async |page| {
        user_feed_page(&fx, "alice", page, now).await
    })
    .await;
    assert_eq!(sizes(&pages), vec![20, 20, 5], "user feed pages");
    assert_eq!(flat_uuids(&pages), expected, "user feed");

    let pages = search_walk(&fx, "paged", 20, now).await;
    assert_eq!(sizes(&pages), vec![20, 20, 5], "search pages");
    assert_eq!(flat_uuids(&pages), expected, "search");
}

/// Cruds sharing a `created_at` straddle page boundaries; the uuid in the cursor must keep
/// the ones not yet seen.
pub async fn feeds_paginate_created_at_ties_without_loss(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let mut cruds = Vec::new();
    for (i, secs) in [10, 10, 5, 10, 10, 20, 10, 5, 10, 20, 10, 5]
        .into_iter()
        .enumerate()
    {
        let author = if i % 2 == 0 { &alice } else { &bob };
        cruds.push(post(&fx, author, &format!("tie number {i}"), secs).await);
    }
    let now = at(100);

    let pages = walk(3, async |page| {
        fx.store.home_feed(&page, now).await.unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![3, 3, 3, 3]);
    assert_eq!(flat_uuids(&pages), newest_first(&cruds), "home feed");

    let alices: Vec<Activity> = cruds
        .iter()
        .filter(|a| a.handle == "alice")
        .cloned()
        .collect();
    let pages = walk(2, async |page| {
        user_feed_page(&fx, "alice", page, now).await
    })
    .await;
    assert_eq!(flat_uuids(&pages), newest_first(&alices), "user feed");

    let pages = search_walk(&fx, "tie", 4, now).await;
    assert_eq!(flat_uuids(&pages), newest_first(&cruds), "search");
}

pub async fn latest_replies_are_each_cruds_newest_few_oldest_first(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let long = post(&fx, &alice, "a long thread", 0).await;
    let short = post(&fx, &bob, "a short thread", 1).await;
    let silent = post(&fx, &bob, "no replies", 2).await;
    let gone = crud(&fx, &alice, "expires with its replies", at(3), at(100)).await;
    // Out of time order, with two replies at the same moment (told apart by uuid).
    let mut thread = Vec::new();
    for secs in [50, 10, 40, 20, 40] {
        thread.push(reply(&fx, &bob, long.uuid, &format!("reply at {secs}s"), at(secs)).await);
    }
    let only = reply(&fx, &alice, short.uuid, "the only reply", at(30)).await;
    reply(&fx, &bob, gone.uuid, "dies at 100s", at(31)).await;

    let cruds = [long.uuid, short.uuid, silent.uuid, gone.uuid];
    let replies = fx
        .store
        .latest_replies(&cruds, 3, at(200))
        .await
        .expect("latest replies");
    let of = |crud: ActivityId| -> Vec<ActivityId> {
        replies
            .iter()
            .filter(|reply| reply.reply_to_activity_uuid == crud)
            .map(|reply| reply.uuid)
            .collect()
    };
    // The newest three of five, oldest first: the 40s tie in (created_at, uuid) order, then 50s.
    let mut newest = thread.clone();
    newest.sort_by_key(|reply| (reply.created_at, reply.uuid));
    let newest: Vec<_> = newest[2..].iter().map(|reply| reply.uuid).collect();
    assert_eq!(of(long.uuid), newest);
    assert_eq!(of(short.uuid), vec![only.uuid]);
    assert!(of(silent.uuid).is_empty());
    assert!(
        of(gone.uuid).is_empty(),
        "an expired crud's replies are not live"
    );
    assert_eq!(replies.len(), 4);
    let shown = replies
        .iter()
        .find(|reply| reply.uuid == only.uuid)
        .unwrap();
    assert_eq!(shown, &only, "every field as written");

    let none = fx.store.latest_replies(&[], 3, at(200)).await.unwrap();
    assert!(none.is_empty());
    let zero = fx.store.latest_replies(&cruds, 0, at(200)).await.unwrap();
    assert!(zero.is_empty());
}

pub async fn following_feed_lists_the_followed_and_oneself_in_pages(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    follow(&fx, &alice, "bob", at(0)).await;
    follow(&fx, &alice, "carol", at(0)).await;
    follow(&fx, &dave, "alice", at(0)).await;
    let mut seen = Vec::new();
    // Ties in created_at straddle the pages.
    for (i, secs) in [10, 10, 5, 20, 10, 5, 20].into_iter().enumerate() {
        let author = [&alice, &bob, &carol][i % 3];
        seen.push(post(&fx, author, &format!("followed {i}"), secs).await);
    }
    post(&fx, &dave, "not followed", 15).await;
    reply(&fx, &bob, seen[0].uuid, "a reply is no crud", at(30)).await;
    crud(&fx, &bob, "expired", at(12), at(40)).await;
    follow(&fx, &alice, "dave", at(1)).await;
    fx.store
        .set_follow(alice.uuid, &as_handle("dave"), false, at(2))
        .await
        .unwrap();

    let now = at(50);
    let pages = walk(3, async |page| {
        fx.store
            .following_feed(alice.uuid, &page, now)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![3, 3, 1]);
    assert_eq!(flat_uuids(&pages), newest_first(&seen));
    assert!(pages.iter().flatten().all(|crud| crud.replies.is_empty()));

    let own = fx
        .store
        .following_feed(carol.uuid, &Page::first(ALL), now)
        .await
        .unwrap();
    let carols: Vec<Activity> = seen
        .iter()
        .filter(|c| c.handle == "carol")
        .cloned()
        .collect();
    assert_eq!(
        uuids(&own),
        newest_first(&carols),
        "following nobody: one's own"
    );
}

//! Cruds, replies and expiry.

use chrono::TimeDelta;
use cruddur_contract::NotificationKind;
use cruddur_contract::{ActivityId, UserId};
use cruddur_store::{NewActivity, StoreError};

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn created_crud_shows_every_field(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let message = "Crud it! ünïcödé 🦀 \"double\" 'single' -- ; %_\\ #tag @nobody";
    let created_at = at(1);
    let expires_at = created_at + TimeDelta::days(7);
    let created = crud(&fx, &alice, message, created_at, expires_at).await;

    assert!(!created.uuid.0.is_nil());
    assert_eq!(created.display_name, alice.display_name);
    assert_eq!(created.handle, alice.handle);
    assert_eq!(created.message, message);
    assert_eq!(
        created.created_at, created_at,
        "created_at kept to the microsecond"
    );
    assert_eq!(
        created.expires_at, expires_at,
        "expires_at kept to the microsecond"
    );
    assert_eq!(
        (
            created.likes_count,
            created.replies_count,
            created.reposts_count
        ),
        (0, 0, 0)
    );
    assert!(created.replies.is_empty());
    assert_eq!(show(&fx, created.uuid, at(2)).await, created);

    // 280 characters that take 4 bytes each: the limit is in characters, not bytes.
    let longest = "🦀".repeat(280);
    let long = post(&fx, &alice, &longest, 2).await;
    assert_eq!(show(&fx, long.uuid, at(3)).await.message, longest);

    assert_eq!(try_show(&fx, ActivityId::random(), at(3)).await, None);

    let orphan = NewActivity {
        author: UserId::random(),
        message: "nobody wrote this".into(),
        created_at: at(3),
        expires_at: far(),
    };
    match fx.store.create_activity(&orphan).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound for an unknown author, got {other:?}"),
    }
}

pub async fn show_lists_replies_oldest_first(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let parent = post(&fx, &alice, "what do you think?", 0).await;
    // Written out of time order, so insertion order cannot pass for time order.
    let third = reply(&fx, &carol, parent.uuid, "third", at(30)).await;
    let first = reply(&fx, &bob, parent.uuid, "first", at(10)).await;
    let second = reply(&fx, &alice, parent.uuid, "second 🦀", at(20)).await;

    assert!(!first.uuid.0.is_nil());
    assert_eq!(first.reply_to_activity_uuid, parent.uuid);
    assert_eq!(first.display_name, bob.display_name);
    assert_eq!(first.handle, bob.handle);
    assert_eq!(first.message, "first");
    assert_eq!(first.created_at, at(10));
    assert_eq!(
        (first.likes_count, first.replies_count, first.reposts_count),
        (0, 0, 0)
    );

    let shown = show(&fx, parent.uuid, at(40)).await;
    assert_eq!(shown.replies, vec![first, second, third]);
    assert_eq!(shown.replies_count, 3);

    let listed = home(&fx, at(40)).await;
    assert_eq!(uuids(&listed), vec![parent.uuid]);
    assert_eq!(listed[0].replies_count, 3);
    assert!(listed[0].replies.is_empty(), "feeds leave replies empty");
}

/// Live means `now < expires_at`: one microsecond before, everything shows; at expiry, nothing.
pub async fn expiry_boundary_holds_everywhere(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let expires_at = at(0) + TimeDelta::hours(1);
    let parent = crud(&fx, &alice, "boundary crud for @bob", at(0), expires_at).await;
    let before = expires_at - MICRO;

    assert!(try_show(&fx, parent.uuid, before).await.is_some());
    assert_eq!(uuids(&home(&fx, before).await), vec![parent.uuid]);
    assert_eq!(
        uuids(&feed_of(&fx, "alice", before).await),
        vec![parent.uuid]
    );
    assert_eq!(find(&fx, "boundary", before).await, vec![parent.uuid]);
    let mentions = notes(&fx, &bob, before).await;
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0].kind, NotificationKind::Mention);

    assert_eq!(try_show(&fx, parent.uuid, expires_at).await, None, "show");
    assert!(home(&fx, expires_at).await.is_empty(), "home feed");
    assert!(
        feed_of(&fx, "alice", expires_at).await.is_empty(),
        "user feed"
    );
    assert!(find(&fx, "boundary", expires_at).await.is_empty(), "search");
    assert!(
        notes(&fx, &bob, expires_at).await.is_empty(),
        "notifications"
    );
    assert!(
        !like(&fx, &bob, parent.uuid, true, expires_at).await,
        "like"
    );
    assert!(
        try_reply(&fx, &bob, parent.uuid, "too late", expires_at)
            .await
            .is_none(),
        "reply"
    );
}

pub async fn reply_uuid_is_not_showable(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let parent = post(&fx, &alice, "parent", 0).await;
    let answer = reply(&fx, &bob, parent.uuid, "child", at(1)).await;
    assert_eq!(try_show(&fx, answer.uuid, at(2)).await, None);
    assert!(try_show(&fx, parent.uuid, at(2)).await.is_some());
}

pub async fn reply_to_expired_or_unknown_crud_is_none(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let expires_at = at(60);
    let parent = crud(&fx, &alice, "brief", at(0), expires_at).await;

    assert!(
        try_reply(&fx, &bob, parent.uuid, "at expiry", expires_at)
            .await
            .is_none()
    );
    assert!(
        try_reply(&fx, &bob, parent.uuid, "long after", at(3600))
            .await
            .is_none()
    );
    assert!(
        try_reply(&fx, &bob, ActivityId::random(), "to nothing", at(1))
            .await
            .is_none()
    );
    let last_chance = try_reply(&fx, &bob, parent.uuid, "just in time", expires_at - MICRO).await;
    assert!(
        last_chance.is_some(),
        "a reply one microsecond before expiry is accepted"
    );

    // The refused replies left no trace.
    let shown = show(&fx, parent.uuid, expires_at - MICRO).await;
    assert_eq!(shown.replies_count, 1);
    assert_eq!(reply_uuids(&shown), vec![last_chance.unwrap().uuid]);
}

/// Replies are one level deep: answering a reply answers in its thread, and tells both the
/// crud's author and the reply's.
pub async fn a_reply_to_a_reply_joins_its_thread(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    let parent = post(&fx, &alice, "parent", 0).await;
    let answer = reply(&fx, &bob, parent.uuid, "child", at(1)).await;
    let grandchild = reply(&fx, &carol, answer.uuid, "grandchild @bob @dave", at(2)).await;
    assert_eq!(grandchild.reply_to_activity_uuid, parent.uuid);
    // Alice answers Bob's reply in her own thread: only Bob hears of it.
    let own = reply(&fx, &alice, answer.uuid, "thanks", at(3)).await;

    let shown = show(&fx, parent.uuid, at(4)).await;
    assert_eq!(shown.replies_count, 3);
    assert_eq!(
        reply_uuids(&shown),
        vec![answer.uuid, grandchild.uuid, own.uuid]
    );
    let heard = |notes: Vec<cruddur_contract::Notification>| -> Vec<_> {
        notes.iter().map(|n| (n.kind, n.activity_uuid)).collect()
    };
    let reply_of = |uuid| (NotificationKind::Reply, Some(uuid));
    assert_eq!(
        heard(notes(&fx, &alice, at(4)).await),
        vec![reply_of(grandchild.uuid), reply_of(answer.uuid)]
    );
    assert_eq!(
        heard(notes(&fx, &bob, at(4)).await),
        vec![reply_of(own.uuid), reply_of(grandchild.uuid)],
        "answered, and mentioned in the same reply: told once"
    );
    assert_eq!(
        heard(notes(&fx, &dave, at(4)).await),
        vec![(NotificationKind::Mention, Some(grandchild.uuid))]
    );
    assert!(notes(&fx, &carol, at(4)).await.is_empty());
}

pub async fn reply_expires_with_its_crud(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let expires_at = at(0) + TimeDelta::hours(1);
    let parent = crud(&fx, &alice, "parent", at(0), expires_at).await;
    // Created long before the crud's end, yet it must end with the crud.
    let answer = reply(&fx, &bob, parent.uuid, "child", at(1)).await;
    let before = expires_at - MICRO;

    assert!(
        like(&fx, &carol, answer.uuid, true, before).await,
        "the reply is live before"
    );
    assert!(
        !notes(&fx, &bob, before).await.is_empty(),
        "bob was notified of the like"
    );
    assert!(
        !like(&fx, &carol, answer.uuid, false, expires_at).await,
        "gone at the crud's expiry"
    );
    assert!(notes(&fx, &bob, expires_at).await.is_empty());
    assert!(notes(&fx, &alice, expires_at).await.is_empty());
    assert_eq!(
        fx.store.purge_expired(expires_at).await.unwrap(),
        2,
        "the crud and its reply"
    );
}

//! The notifications feed: one test per kind, then the rules every kind shares.

use cruddur_contract::ActivityId;
use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{Notification, NotificationKind, User};

use crate::fixture::Fixture;
use crate::helpers::*;

/// Checks who acted, on what, and when.
fn assert_note(
    note: &Notification,
    kind: NotificationKind,
    actor: &User,
    about: Option<(ActivityId, &str)>,
    created_at: DateTime<Utc>,
) {
    assert_eq!(note.kind, kind, "{note:?}");
    assert_eq!(note.handle, actor.handle, "the actor's handle: {note:?}");
    assert_eq!(
        note.display_name, actor.display_name,
        "the actor's name: {note:?}"
    );
    assert_eq!(
        note.activity_uuid,
        about.map(|(uuid, _)| uuid),
        "the crud or reply concerned: {note:?}"
    );
    assert_eq!(
        note.message,
        about.map_or(Notification::FOLLOWED, |(_, message)| message),
        "its text: {note:?}"
    );
    assert_eq!(note.created_at, created_at, "when it happened: {note:?}");
    assert!(!note.notification_uuid.0.is_nil());
    match about {
        Some((uuid, _)) => {
            assert_eq!(note.uuid, uuid.0, "a week-1 client acts on the activity");
            assert!(
                note.expires_at.is_some() && note.thread_uuid.is_some(),
                "{note:?}"
            );
        }
        None => {
            assert_eq!(note.uuid, note.notification_uuid.0, "no activity: {note:?}");
            assert_eq!((note.expires_at, note.thread_uuid), (None, None));
        }
    }
}

/// The reply is the item concerned: it is what was written, and what carries its text.
pub async fn reply_notifies_crud_author(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let parent = post(&fx, &alice, "what do you think?", 0).await;
    let answer = reply(&fx, &bob, parent.uuid, "nice one", at(10)).await;

    let alices = notes(&fx, &alice, at(20)).await;
    assert_eq!(alices.len(), 1, "{alices:?}");
    assert_note(
        &alices[0],
        NotificationKind::Reply,
        &bob,
        Some((answer.uuid, "nice one")),
        at(10),
    );
    assert_eq!(
        alices[0].thread_uuid,
        Some(parent.uuid),
        "in the crud's thread"
    );
    assert_eq!(alices[0].thread_handle.as_deref(), Some("alice"));
    assert!(notes(&fx, &bob, at(20)).await.is_empty());
}

pub async fn mention_notifies_each_mentioned_user_once(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    let text = "hey @Bob and @carol, again @bob; @nobody, me @alice, mail dave@example.com";
    let mentioning = post(&fx, &alice, text, 0).await;

    for mentioned in [&bob, &carol] {
        let got = notes(&fx, mentioned, at(5)).await;
        assert_eq!(got.len(), 1, "{} once: {got:?}", mentioned.handle);
        assert_note(
            &got[0],
            NotificationKind::Mention,
            &alice,
            Some((mentioning.uuid, text)),
            at(0),
        );
    }
    assert!(notes(&fx, &alice, at(5)).await.is_empty(), "not oneself");
    assert!(
        notes(&fx, &dave, at(5)).await.is_empty(),
        "an email is not a mention"
    );

    // In a reply: carol is mentioned; bob is both the crud's author and mentioned, and one
    // reply notifies him once.
    let bobs = post(&fx, &bob, "bob's crud", 10).await;
    let answer = reply(&fx, &dave, bobs.uuid, "@carol look, and @bob too", at(20)).await;
    let carols = notes(&fx, &carol, at(30)).await;
    assert_eq!(carols.len(), 2, "{carols:?}");
    assert_note(
        &carols[0],
        NotificationKind::Mention,
        &dave,
        Some((answer.uuid, "@carol look, and @bob too")),
        at(20),
    );
    let about_reply: Vec<_> = notes(&fx, &bob, at(30))
        .await
        .into_iter()
        .filter(|n| n.handle == "dave")
        .collect();
    assert_eq!(
        about_reply.len(),
        1,
        "not twice for one reply: {about_reply:?}"
    );
}

pub async fn like_notifies_author(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let liked = post(&fx, &alice, "like me", 0).await;
    assert!(like(&fx, &bob, liked.uuid, true, at(60)).await);

    let alices = notes(&fx, &alice, at(61)).await;
    assert_eq!(alices.len(), 1, "{alices:?}");
    assert_note(
        &alices[0],
        NotificationKind::Like,
        &bob,
        Some((liked.uuid, "like me")),
        at(60),
    );

    // A liked reply notifies the reply's author, about the reply.
    let answer = reply(&fx, &bob, liked.uuid, "bob's reply", at(70)).await;
    assert!(like(&fx, &carol, answer.uuid, true, at(80)).await);
    let bobs = notes(&fx, &bob, at(81)).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_note(
        &bobs[0],
        NotificationKind::Like,
        &carol,
        Some((answer.uuid, "bob's reply")),
        at(80),
    );
}

pub async fn repost_notifies_author(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let shared = post(&fx, &alice, "share me", 0).await;
    assert!(repost(&fx, &bob, shared.uuid, true, at(60)).await);

    let alices = notes(&fx, &alice, at(61)).await;
    assert_eq!(alices.len(), 1, "{alices:?}");
    assert_note(
        &alices[0],
        NotificationKind::Repost,
        &bob,
        Some((shared.uuid, "share me")),
        at(60),
    );

    let answer = reply(&fx, &bob, shared.uuid, "bob's reply", at(70)).await;
    assert!(repost(&fx, &carol, answer.uuid, true, at(80)).await);
    let bobs = notes(&fx, &bob, at(81)).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_note(
        &bobs[0],
        NotificationKind::Repost,
        &carol,
        Some((answer.uuid, "bob's reply")),
        at(80),
    );
}

pub async fn follow_notifies_followed_user(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    follow(&fx, &bob, "alice", at(60)).await;

    let alices = notes(&fx, &alice, at(61)).await;
    assert_eq!(alices.len(), 1, "{alices:?}");
    assert_note(&alices[0], NotificationKind::Follow, &bob, None, at(60));
    assert!(notes(&fx, &bob, at(61)).await.is_empty());
}

pub async fn nobody_is_notified_of_their_own_acts(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let own = post(&fx, &alice, "talking to myself, @alice @ALICE", 0).await;
    let own_reply = reply(&fx, &alice, own.uuid, "still me, @Alice", at(1)).await;
    for target in [own.uuid, own_reply.uuid] {
        assert!(like(&fx, &alice, target, true, at(2)).await);
        assert!(repost(&fx, &alice, target, true, at(3)).await);
    }
    assert!(notes(&fx, &alice, at(4)).await.is_empty());
}

/// Taking an act back and doing it again is not a second act worth a notification.
pub async fn relike_refollow_and_rerepost_do_not_notify_again(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let target = post(&fx, &alice, "again and again", 0).await;
    let store = &fx.store;
    for (secs, on) in [(10, true), (11, false), (12, true)] {
        assert!(like(&fx, &bob, target.uuid, on, at(secs)).await);
    }
    for (secs, on) in [(20, true), (21, false), (22, true)] {
        assert!(repost(&fx, &bob, target.uuid, on, at(secs)).await);
    }
    for (secs, on) in [(30, true), (31, false), (32, true)] {
        store
            .set_follow(bob.uuid, &as_handle("alice"), on, at(secs))
            .await
            .unwrap()
            .unwrap();
    }

    let alices = notes(&fx, &alice, at(40)).await;
    let kinds: Vec<_> = alices.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [
            NotificationKind::Follow,
            NotificationKind::Repost,
            NotificationKind::Like
        ],
        "{alices:?}"
    );
    // Each is the first act's notification.
    let times: Vec<_> = alices.iter().map(|n| n.created_at).collect();
    assert_eq!(times, [at(30), at(20), at(10)]);
}

pub async fn notifications_are_newest_first(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    let target = post(&fx, &alice, "notice me", 0).await;
    // Acted out of time order, so insertion order cannot pass for time order.
    assert!(like(&fx, &carol, target.uuid, true, at(40)).await);
    follow(&fx, &bob, "alice", at(10)).await;
    reply(&fx, &dave, target.uuid, "a reply", at(30)).await;
    post(&fx, &bob, "hi @alice", 20).await;
    assert!(repost(&fx, &dave, target.uuid, true, at(50)).await);

    let alices = notes(&fx, &alice, at(60)).await;
    let seen: Vec<_> = alices.iter().map(|n| (n.kind, n.handle.as_str())).collect();
    assert_eq!(
        seen,
        [
            (NotificationKind::Repost, "dave"),
            (NotificationKind::Like, "carol"),
            (NotificationKind::Reply, "dave"),
            (NotificationKind::Mention, "bob"),
            (NotificationKind::Follow, "bob"),
        ]
    );
}

/// Some likes land at the same instant, so their notifications tie on `created_at`.
pub async fn notifications_paginate_without_loss(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let target = post(&fx, &alice, "popular", 0).await;
    let mut likers = HashSet::new();
    for i in 0..25_i64 {
        let fan = user(&fx, &format!("fan{i:02}")).await;
        let when = at(10) + TimeDelta::seconds((i - 10).max(0));
        assert!(like(&fx, &fan, target.uuid, true, when).await);
        likers.insert(fan.handle);
    }
    let now = at(100);

    let all = notes(&fx, &alice, now).await;
    assert_eq!(all.len(), 25);
    assert_eq!(
        uuids(&all),
        newest_first(&all),
        "newest first, ties by uuid"
    );

    let pages = walk(7, async |page| {
        fx.store
            .notifications(alice.uuid, &page, now)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![7, 7, 7, 4]);
    assert_eq!(
        flat_uuids(&pages),
        uuids(&all),
        "the pages add up to the whole feed"
    );
    let handles: HashSet<_> = pages.iter().flatten().map(|n| n.handle.clone()).collect();
    assert_eq!(handles, likers);
}

pub async fn notifications_hidden_once_crud_expired(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let expires_at = at(3600);
    let brief = crud(&fx, &alice, "brief", at(0), expires_at).await;
    crud(&fx, &carol, "brief mention of @alice", at(1), expires_at).await;
    assert!(like(&fx, &bob, brief.uuid, true, at(2)).await);
    assert!(repost(&fx, &bob, brief.uuid, true, at(3)).await);
    reply(&fx, &bob, brief.uuid, "brief reply", at(4)).await;
    follow(&fx, &bob, "alice", at(5)).await;

    assert_eq!(notes(&fx, &alice, expires_at - MICRO).await.len(), 5);
    let left = notes(&fx, &alice, expires_at).await;
    let kinds: Vec<_> = left.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [NotificationKind::Follow],
        "only what outlives cruds: {left:?}"
    );
}

//! Direct messages ([`cruddur_store::MessageStore`]).
//!
//! These tests message through `fx.messages` only; `fx.store` merely provides the accounts, as
//! it does in the service. So a message store of another kind can run them unchanged.

use cruddur_contract::GroupId;
use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{Handle, MessageGroup, User};
use cruddur_store::{Page, Participant, StoreError};
use tokio::sync::Barrier;

use crate::fixture::Fixture;
use crate::helpers::*;

/// The group named after `other`, carrying `preview` sent at `at`.
fn assert_group(group: &MessageGroup, other: &User, preview: &str, at: DateTime<Utc>) {
    assert_eq!(
        group.handle, other.handle,
        "named after the other person: {group:?}"
    );
    assert_eq!(group.display_name, other.display_name, "{group:?}");
    assert_eq!(group.message, preview, "the last message: {group:?}");
    assert_eq!(group.created_at, at, "the last message's time: {group:?}");
}

pub async fn first_message_creates_group_for_both(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let text = "hello bob 👋 — \"quoted\" 'text'";
    let sent = send(&fx, &alice, &bob, text, at(1)).await;
    assert!(!sent.uuid.0.is_nil());
    assert_eq!(sent.handle, "alice", "named after its sender");
    assert_eq!(sent.display_name, alice.display_name);
    assert_eq!(sent.message, text);
    assert_eq!(sent.created_at, at(1), "kept to the microsecond");

    let alices = groups(&fx, &alice).await;
    assert_eq!(alices.len(), 1, "{alices:?}");
    assert_group(&alices[0], &bob, text, at(1));
    let bobs = groups(&fx, &bob).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_group(&bobs[0], &alice, text, at(1));
    assert_eq!(
        alices[0].uuid, bobs[0].uuid,
        "one group, seen from both sides"
    );
    assert!(groups(&fx, &carol).await.is_empty());

    assert_eq!(conversation(&fx, &bob, &alice).await, vec![sent.clone()]);
    assert_eq!(group_messages(&fx, &bob, bobs[0].uuid).await, vec![sent]);
    assert!(
        conversation(&fx, &alice, &carol).await.is_empty(),
        "never wrote"
    );
}

pub async fn new_message_updates_preview_and_group_order(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    send(&fx, &alice, &bob, "first to bob", at(1)).await;
    send(&fx, &alice, &carol, "to carol", at(2)).await;
    let alices = groups(&fx, &alice).await;
    assert_eq!(alices.len(), 2);
    assert_group(&alices[0], &carol, "to carol", at(2));
    assert_group(&alices[1], &bob, "first to bob", at(1));

    send(&fx, &bob, &alice, "bob writes back", at(3)).await;
    let alices = groups(&fx, &alice).await;
    assert_eq!(alices.len(), 2);
    assert_group(&alices[0], &bob, "bob writes back", at(3));
    assert_group(&alices[1], &carol, "to carol", at(2));
    let bobs = groups(&fx, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_group(&bobs[0], &alice, "bob writes back", at(3));
    let carols = groups(&fx, &carol).await;
    assert_eq!(carols.len(), 1);
    assert_group(&carols[0], &alice, "to carol", at(2));
}

pub async fn conversation_is_newest_first_from_either_side(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let m1 = send(&fx, &alice, &bob, "one", at(1)).await;
    let m2 = send(&fx, &bob, &alice, "two", at(2)).await;
    send(&fx, &carol, &alice, "not part of it", at(3)).await;
    let m3 = send(&fx, &alice, &bob, "three", at(4)).await;
    assert_eq!(m2.handle, "bob");
    let expected = vec![m3, m2, m1];

    assert_eq!(conversation(&fx, &alice, &bob).await, expected);
    assert_eq!(conversation(&fx, &bob, &alice).await, expected);
    let group = groups(&fx, &bob).await[0].uuid;
    assert_eq!(group_messages(&fx, &alice, group).await, expected);
    assert_eq!(group_messages(&fx, &bob, group).await, expected);
}

pub async fn one_group_per_pair_whoever_writes_first(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    send(&fx, &alice, &bob, "hi", at(1)).await;
    send(&fx, &bob, &alice, "hello", at(2)).await;
    send(&fx, &alice, &bob, "how are you", at(3)).await;

    let alices = groups(&fx, &alice).await;
    let bobs = groups(&fx, &bob).await;
    assert_eq!((alices.len(), bobs.len()), (1, 1), "{alices:?} {bobs:?}");
    assert_eq!(alices[0].uuid, bobs[0].uuid);
    assert_eq!(group_messages(&fx, &alice, alices[0].uuid).await.len(), 3);
}

/// No conversation is hidden for being old (the original only listed this year's), and the
/// list follows the last message, wherever it falls.
pub async fn conversations_of_any_year_list_by_last_message(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    let years_ago = |years: i64| t0() - TimeDelta::days(365 * years);
    send(&fx, &bob, &alice, "long ago", years_ago(7)).await;
    send(&fx, &alice, &carol, "last year", years_ago(1)).await;
    send(&fx, &dave, &alice, "today", at(1)).await;

    let alices = groups(&fx, &alice).await;
    assert_eq!(alices.len(), 3, "{alices:?}");
    assert_group(&alices[0], &dave, "today", at(1));
    assert_group(&alices[1], &carol, "last year", years_ago(1));
    assert_group(&alices[2], &bob, "long ago", years_ago(7));

    send(&fx, &alice, &bob, "back again", at(2)).await;
    let handles: Vec<Handle> = groups(&fx, &alice)
        .await
        .into_iter()
        .map(|group| group.handle)
        .collect();
    assert_eq!(handles, ["bob", "dave", "carol"]);
    let bobs = groups(&fx, &bob).await;
    assert_eq!(bobs.len(), 1, "still one conversation: {bobs:?}");
    assert_group(&bobs[0], &alice, "back again", at(2));
    assert_eq!(conversation(&fx, &bob, &alice).await.len(), 2);
}

/// Both people of each pair send their first message at the same moment: still one group.
pub async fn concurrent_first_messages_share_one_group(fx: Fixture) {
    const PAIRS: usize = 6;
    let mut pairs = Vec::new();
    for i in 0..PAIRS {
        pairs.push((
            user(&fx, &format!("left{i}")).await,
            user(&fx, &format!("right{i}")).await,
        ));
    }

    let start = Arc::new(Barrier::new(2 * PAIRS));
    let mut tasks = Vec::new();
    for (left, right) in &pairs {
        for (from, to, secs) in [(left, right, 1), (right, left, 2)] {
            let (messages, start) = (fx.messages.clone(), start.clone());
            let (from, to): (Participant, Participant) = (participant(from), participant(to));
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                messages.send_message(&from, &to, "first!", at(secs)).await
            }));
        }
    }
    for task in tasks {
        task.await.expect("task").expect("send_message");
    }

    for (left, right) in &pairs {
        let lefts = groups(&fx, left).await;
        let rights = groups(&fx, right).await;
        assert_eq!((lefts.len(), rights.len()), (1, 1), "{lefts:?} {rights:?}");
        assert_eq!(lefts[0].uuid, rights[0].uuid);
        assert_eq!(lefts[0].handle, right.handle);
        assert_eq!(
            conversation(&fx, left, right).await.len(),
            2,
            "both messages kept"
        );
    }
}

/// Two people in one conversation, each sending a burst at once, some at the very same
/// instant as the other: every message is kept, both see the same single group, and its
/// preview is the latest message.
pub async fn both_writing_at_once_loses_nothing(fx: Fixture) {
    const EACH: i64 = 8;
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let first = send(&fx, &alice, &bob, "hi", at(0)).await;

    let start = Arc::new(Barrier::new(2 * EACH as usize));
    let mut tasks = Vec::new();
    for (from, to, offset) in [(&alice, &bob, 0), (&bob, &alice, 1)] {
        for i in 0..EACH {
            let (messages, start) = (fx.messages.clone(), start.clone());
            let (from, to) = (participant(from), participant(to));
            // alice at 1, 2, 3 …, bob at 1, 3, 5 …: ties on some instants, and bob's last
            // message the latest of all.
            let secs = 1 + i * (1 + offset);
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let text = format!("{} {i}", from.handle);
                messages.send_message(&from, &to, &text, at(secs)).await
            }));
        }
    }
    let mut sent = vec![first];
    for task in tasks {
        sent.push(task.await.expect("task").expect("send_message"));
    }

    let expected = newest_first(&sent);
    assert_eq!(
        uuids(&conversation(&fx, &alice, &bob).await),
        expected,
        "every message, newest first"
    );
    let last = format!("bob {}", EACH - 1);
    let latest = at(1 + (EACH - 1) * 2);
    let alices = groups(&fx, &alice).await;
    let bobs = groups(&fx, &bob).await;
    assert_eq!((alices.len(), bobs.len()), (1, 1), "{alices:?} {bobs:?}");
    assert_eq!(alices[0].uuid, bobs[0].uuid);
    assert_group(&alices[0], &bob, &last, latest);
    assert_group(&bobs[0], &alice, &last, latest);
}

/// Only the two participants read a group, not even someone who talks to both of them.
pub async fn group_messages_unknown_or_foreign_group_is_refused(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    send(&fx, &alice, &bob, "private", at(1)).await;
    let group = groups(&fx, &alice).await[0].uuid;
    send(&fx, &carol, &alice, "hi alice", at(2)).await;
    send(&fx, &bob, &carol, "hi carol", at(3)).await;
    assert_eq!(groups(&fx, &carol).await.len(), 2);
    let page = Page::first(ALL);

    match fx
        .messages
        .group_messages(&participant(&carol), group, &page)
        .await
    {
        Err(StoreError::Forbidden) => {}
        other => panic!("a non-participant must get Forbidden, got {other:?}"),
    }
    match fx
        .messages
        .group_messages(&participant(&alice), GroupId::random(), &page)
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("an unknown group must be NotFound, got {other:?}"),
    }
    assert_eq!(group_messages(&fx, &bob, group).await.len(), 1);
}

/// 105 messages, three to each instant so that ties straddle page boundaries.
pub async fn messages_paginate_without_loss(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let mut sent = Vec::new();
    for i in 0..105 {
        let (from, to) = if i % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        sent.push(send(&fx, from, to, &format!("message {i}"), at(i / 3)).await);
    }
    let expected = newest_first(&sent);
    let group = groups(&fx, &alice).await[0].uuid;
    let (a, b) = (participant(&alice), participant(&bob));

    let pages = walk(20, async |page| {
        fx.messages.conversation(&a, &b, &page).await.unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![20, 20, 20, 20, 20, 5]);
    assert_eq!(flat_uuids(&pages), expected, "conversation, alice's side");

    let pages = walk(20, async |page| {
        fx.messages.conversation(&b, &a, &page).await.unwrap()
    })
    .await;
    assert_eq!(flat_uuids(&pages), expected, "conversation, bob's side");

    let pages = walk(20, async |page| {
        fx.messages.group_messages(&a, group, &page).await.unwrap()
    })
    .await;
    assert_eq!(flat_uuids(&pages), expected, "group messages");
}

/// 25 conversations, their last messages two to an instant so that ties straddle pages.
pub async fn message_groups_paginate_without_loss(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let mut others = HashSet::new();
    for i in 0..25 {
        let other = user(&fx, &format!("friend{i:02}")).await;
        send(&fx, &alice, &other, "hello", at(0)).await;
        send(
            &fx,
            &other,
            &alice,
            &format!("reply {i}"),
            at(10) + TimeDelta::seconds(i / 2),
        )
        .await;
        others.insert(other.handle);
    }

    let all = groups(&fx, &alice).await;
    assert_eq!(all.len(), 25);
    assert_eq!(
        uuids(&all),
        newest_first(&all),
        "latest message first, ties by uuid"
    );

    let me = participant(&alice);
    let pages = walk(10, async |page| {
        fx.messages.message_groups(&me, &page).await.unwrap()
    })
    .await;
    assert_eq!(sizes(&pages), vec![10, 10, 5]);
    assert_eq!(flat_uuids(&pages), uuids(&all));
    let handles: HashSet<_> = pages.iter().flatten().map(|g| g.handle.clone()).collect();
    assert_eq!(handles, others);
    for group in pages.iter().flatten() {
        assert!(
            group.message.starts_with("reply "),
            "the latest message: {group:?}"
        );
    }
}

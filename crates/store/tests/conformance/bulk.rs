//! Bulk loading: what `load` writes reads back through the ordinary read paths exactly as if
//! the write paths had written it, and a batch is all or nothing.

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::ActivityId;
use cruddur_contract::NotificationId;
use cruddur_contract::{ErrorCode, NotificationKind};
use cruddur_store::{
    Batch, BulkActivity, BulkFollow, BulkNotification, BulkReaction, BulkUser, StoreError,
};

use crate::fixture::Fixture;
use crate::helpers::*;

fn bulk_reply(author: &BulkUser, crud: &BulkActivity, message: &str, secs: i64) -> BulkActivity {
    BulkActivity {
        reply_to: Some(crud.uuid),
        ..bulk_crud(author, message, at(secs), crud.expires_at)
    }
}

fn reaction(user: &BulkUser, activity: &BulkActivity, secs: i64) -> BulkReaction {
    BulkReaction {
        activity: activity.uuid,
        user: user.uuid,
        created_at: at(secs),
    }
}

fn note(
    recipient: &BulkUser,
    actor: &BulkUser,
    kind: NotificationKind,
    about: Option<&BulkActivity>,
    created_at: DateTime<Utc>,
) -> BulkNotification {
    BulkNotification {
        uuid: NotificationId::random(),
        recipient: recipient.uuid,
        actor: actor.uuid,
        kind,
        activity: about.map(|activity| activity.uuid),
        created_at,
    }
}

pub async fn loaded_batches_read_back_like_written_ones(fx: Fixture) {
    let [alice, bob, carol] = ["alice", "bob", "carol"].map(bulk_user);
    let follows_at = t0() - TimeDelta::hours(1);

    // The first batch: accounts, cruds (one already expired, not yet purged), follows.
    let mut loading = bulk_crud(&alice, "Loading #Rust in bulk", at(1), far());
    let plain = bulk_crud(&bob, "plain words only", at(2), far());
    let expired = bulk_crud(&alice, "expired already #rust", at(3), at(5));
    let mention = bulk_crud(&carol, "hello @alice", at(4), far());
    let first = Batch {
        follows: vec![
            BulkFollow {
                follower: bob.uuid,
                followee: alice.uuid,
                created_at: follows_at,
            },
            BulkFollow {
                follower: carol.uuid,
                followee: alice.uuid,
                created_at: follows_at + MICRO,
            },
        ],
        notifications: vec![
            note(&alice, &bob, NotificationKind::Follow, None, follows_at),
            note(
                &alice,
                &carol,
                NotificationKind::Follow,
                None,
                follows_at + MICRO,
            ),
            note(
                &alice,
                &carol,
                NotificationKind::Mention,
                Some(&mention),
                at(4),
            ),
        ],
        users: vec![alice.clone(), bob.clone(), carol.clone()],
        activities: vec![plain.clone(), expired.clone(), mention.clone()],
        ..Batch::default()
    };

    // The second: replies to a crud of the first batch, likes (one of a reply) and a repost,
    // with the counts they make; the crud itself comes along, its counts now set. Alice's own
    // reply notifies nobody.
    let mut answer = bulk_reply(&bob, &loading, "a bulk answer", 6);
    let own = bulk_reply(&alice, &loading, "my own answer", 7);
    loading.likes_count = 2;
    loading.replies_count = 2;
    loading.reposts_count = 1;
    answer.likes_count = 1;
    let second = Batch {
        likes: vec![
            reaction(&bob, &loading, 8),
            reaction(&carol, &loading, 9),
            reaction(&alice, &answer, 11),
        ],
        reposts: vec![reaction(&carol, &loading, 10)],
        notifications: vec![
            note(&alice, &bob, NotificationKind::Reply, Some(&answer), at(6)),
            note(&alice, &bob, NotificationKind::Like, Some(&loading), at(8)),
            note(
                &alice,
                &carol,
                NotificationKind::Like,
                Some(&loading),
                at(9),
            ),
            note(
                &alice,
                &carol,
                NotificationKind::Repost,
                Some(&loading),
                at(10),
            ),
            note(&bob, &alice, NotificationKind::Like, Some(&answer), at(11)),
        ],
        // Replies listed before their crud: the store writes cruds first.
        activities: vec![answer.clone(), own.clone(), loading.clone()],
        ..Batch::default()
    };
    fx.store
        .load(&first)
        .await
        .expect("loading the first batch");
    fx.store
        .load(&second)
        .await
        .expect("loading the second batch");
    fx.store
        .load(&Batch::default())
        .await
        .expect("an empty batch");
    let now = at(20);

    // Feeds: newest first, replies and the expired crud left out, counts as loaded.
    let home = home(&fx, now).await;
    assert_eq!(uuids(&home), [mention.uuid, plain.uuid, loading.uuid]);
    let shown = &home[2];
    assert_eq!(
        (
            shown.handle.as_str(),
            shown.display_name.as_str(),
            shown.message.as_str()
        ),
        ("alice", "alice Display", "Loading #Rust in bulk")
    );
    assert_eq!((shown.created_at, shown.expires_at), (at(1), far()));
    assert_eq!(
        (shown.likes_count, shown.replies_count, shown.reposts_count),
        (2, 2, 1)
    );
    assert_eq!(uuids(&feed_of(&fx, "ALICE", now).await), [loading.uuid]);
    assert_eq!(
        uuids(&feed_of(&fx, "alice", at(4)).await),
        [expired.uuid, loading.uuid]
    );

    let thread = show(&fx, loading.uuid, now).await;
    assert_eq!(reply_uuids(&thread), [answer.uuid, own.uuid]);
    assert_eq!(thread.replies[0].reply_to_activity_uuid, loading.uuid);
    assert_eq!(thread.replies[0].likes_count, 1);
    assert_eq!(thread.replies[1].handle, "alice");
    assert_eq!(try_show(&fx, answer.uuid, now).await, None, "a reply");

    // Search: words through the index, hashtags as `text::hashtags` reads them.
    assert_eq!(find(&fx, "bulk", now).await, [loading.uuid]);
    assert_eq!(find(&fx, "#rust", now).await, [loading.uuid]);
    assert_eq!(find(&fx, "#RUST loading", now).await, [loading.uuid]);
    assert_eq!(
        find(&fx, "#rust", at(4)).await,
        [expired.uuid, loading.uuid]
    );
    assert!(find(&fx, "answer", now).await.is_empty(), "replies");
    assert!(find(&fx, "#plain", now).await.is_empty(), "not a tag");

    // Notifications: newest first, each about what it was loaded about.
    let alices = notes(&fx, &as_user(&alice), now).await;
    let seen: Vec<(NotificationKind, &str, Option<ActivityId>)> = alices
        .iter()
        .map(|n| (n.kind, n.handle.as_str(), n.activity_uuid))
        .collect();
    assert_eq!(
        seen,
        [
            (NotificationKind::Repost, "carol", Some(loading.uuid)),
            (NotificationKind::Like, "carol", Some(loading.uuid)),
            (NotificationKind::Like, "bob", Some(loading.uuid)),
            (NotificationKind::Reply, "bob", Some(answer.uuid)),
            (NotificationKind::Mention, "carol", Some(mention.uuid)),
            (NotificationKind::Follow, "carol", None),
            (NotificationKind::Follow, "bob", None),
        ]
    );
    assert_eq!(alices[3].message, "a bulk answer");
    assert_eq!(alices[0].created_at, at(10));
    let bobs = notes(&fx, &as_user(&bob), now).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(
        (bobs[0].kind, bobs[0].activity_uuid),
        (NotificationKind::Like, Some(answer.uuid))
    );

    // Accounts: profile counts, sign-in, the bio, the handle's skeleton.
    let profile = fx
        .store
        .profile(&as_handle("alice"), Some(bob.uuid), now)
        .await
        .unwrap()
        .expect("alice's profile");
    assert_eq!(
        (
            profile.cruds_count,
            profile.followers_count,
            profile.following_count
        ),
        (1, 2, 0)
    );
    assert!(profile.followed_by_me);
    assert_eq!(profile.bio, "alice was loaded in bulk");
    let credentials = fx.store.credentials("Alice@Example.com").await.unwrap();
    assert_eq!(
        credentials.map(|c| (c.user.uuid, c.password_hash)),
        Some((alice.uuid, alice.password_hash.clone()))
    );
    match fx.store.create_user(&new_user("aIice")).await {
        Err(StoreError::Taken(ErrorCode::HandleTaken)) => {}
        other => panic!("a lookalike of a loaded handle: {other:?}"),
    }

    // The ordinary paths carry on from loaded data: a new crud, a like, a purge.
    let later = post(&fx, &as_user(&bob), "after the load #rust", 30).await;
    assert_eq!(find(&fx, "#rust", at(31)).await, [later.uuid, loading.uuid]);
    assert!(like(&fx, &as_user(&bob), loading.uuid, false, at(31)).await);
    assert_eq!(show(&fx, loading.uuid, at(31)).await.likes_count, 1);
    assert_eq!(fx.store.purge_expired(now).await.unwrap(), 1, "the expired");
    assert_eq!(
        find(&fx, "rust", at(4)).await,
        [later.uuid, loading.uuid],
        "the purged crud is out of the index"
    );
    assert!(find(&fx, "expired", at(4)).await.is_empty());
}

pub async fn a_batch_that_breaks_a_constraint_writes_nothing(fx: Fixture) {
    let alice = bulk_user("alice");
    let stranger = bulk_user("stranger");
    let broken = Batch {
        users: vec![alice.clone()],
        // The author was never loaded.
        activities: vec![bulk_crud(&stranger, "by nobody", at(1), far())],
        ..Batch::default()
    };
    assert!(fx.store.load(&broken).await.is_err());
    assert_eq!(
        fx.store.user_by_handle(&as_handle("alice")).await.unwrap(),
        None
    );
    assert!(home(&fx, at(2)).await.is_empty());

    // A handle already there fails its batch too.
    user(&fx, "bob").await;
    let taken = Batch {
        users: vec![alice, bulk_user("BOB")],
        ..Batch::default()
    };
    assert!(fx.store.load(&taken).await.is_err());
    assert_eq!(
        fx.store.user_by_handle(&as_handle("alice")).await.unwrap(),
        None
    );
}

/// The account a loaded user is, for the helpers that take one.
fn as_user(user: &BulkUser) -> cruddur_contract::User {
    cruddur_contract::User {
        uuid: user.uuid,
        display_name: user.display_name.clone(),
        handle: user.handle.clone(),
        email: user.email.clone(),
        bio: user.bio.clone(),
        created_at: user.created_at,
    }
}

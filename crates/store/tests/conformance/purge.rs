//! Purging expired cruds.
//!
//! Stores never read the clock, so reading with a `now` from before the expiry shows whether a
//! purged row is really gone rather than merely hidden.

use cruddur_contract::NotificationKind;
use cruddur_contract::SessionId;

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn purge_deletes_exactly_expired_cruds_and_their_replies(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let cutoff = at(200);
    let replied = crud(&fx, &alice, "expired with replies", at(0), at(100)).await;
    let r1 = reply(&fx, &bob, replied.uuid, "expired reply one", at(10)).await;
    let r2 = reply(&fx, &alice, replied.uuid, "expired reply two", at(20)).await;
    let lonely = crud(&fx, &alice, "expired alone", at(1), at(50)).await;
    let on_the_dot = crud(&fx, &bob, "expires exactly at the cutoff", at(2), cutoff).await;
    let survivor = crud(&fx, &bob, "one microsecond to spare", at(3), cutoff + MICRO).await;
    let kept_reply = reply(&fx, &alice, survivor.uuid, "kept reply", at(30)).await;
    assert!(like(&fx, &bob, replied.uuid, true, at(40)).await);
    assert!(like(&fx, &alice, survivor.uuid, true, at(40)).await);
    follow(&fx, &bob, "alice", at(41)).await;

    assert_eq!(
        fx.store.purge_expired(cutoff).await.unwrap(),
        5,
        "three expired cruds (one expiring at the cutoff itself) and two replies"
    );

    let before = at(45);
    for gone in [replied.uuid, lonely.uuid, on_the_dot.uuid] {
        assert_eq!(
            try_show(&fx, gone, before).await,
            None,
            "crud {gone} deleted"
        );
    }
    for gone in [replied.uuid, r1.uuid, r2.uuid] {
        assert!(
            !like(&fx, &alice, gone, true, before).await,
            "{gone} deleted"
        );
    }
    assert!(
        try_reply(&fx, &bob, replied.uuid, "to a purged crud", before)
            .await
            .is_none()
    );
    assert_eq!(uuids(&home(&fx, before).await), [survivor.uuid]);
    assert!(feed_of(&fx, "alice", before).await.is_empty());
    assert!(find(&fx, "expired", before).await.is_empty());

    let kept = show(&fx, survivor.uuid, cutoff).await;
    assert_eq!(kept.replies, vec![kept_reply]);
    assert_eq!((kept.replies_count, kept.likes_count), (1, 1));

    // Alice keeps her follower; the like and reply about her purged crud are gone.
    let alices = notes(&fx, &alice, before).await;
    let kinds: Vec<_> = alices.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [NotificationKind::Follow], "{alices:?}");
    // Bob keeps the like and the reply on his surviving crud.
    let bobs = notes(&fx, &bob, before).await;
    assert_eq!(bobs.len(), 2, "{bobs:?}");
    assert!(bobs.iter().all(|n| n.activity_uuid.is_some()));
}

pub async fn purge_is_idempotent_and_spares_live_data(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let brief = crud(&fx, &alice, "brief", at(0), at(10)).await;
    let lasting = post(&fx, &alice, "lasting", 1).await;
    assert!(like(&fx, &bob, brief.uuid, true, at(2)).await);
    assert!(like(&fx, &bob, lasting.uuid, true, at(2)).await);
    assert!(repost(&fx, &bob, lasting.uuid, true, at(3)).await);
    reply(&fx, &bob, lasting.uuid, "reply", at(4)).await;

    assert_eq!(
        fx.store.purge_expired(at(5)).await.unwrap(),
        0,
        "nothing expired yet"
    );
    assert_eq!(show(&fx, brief.uuid, at(5)).await.likes_count, 1);
    assert_eq!(fx.store.purge_expired(at(10)).await.unwrap(), 1);
    assert_eq!(
        fx.store.purge_expired(at(10)).await.unwrap(),
        0,
        "again: nothing left"
    );
    assert_eq!(fx.store.purge_expired(at(60)).await.unwrap(), 0);
    assert_eq!(try_show(&fx, brief.uuid, at(5)).await, None);

    let kept = show(&fx, lasting.uuid, at(60)).await;
    assert_eq!(
        (kept.likes_count, kept.reposts_count, kept.replies_count),
        (1, 1, 1)
    );
    let alices = notes(&fx, &alice, at(60)).await;
    let mut kinds: Vec<_> = alices.iter().map(|n| n.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, ["like", "reply", "repost"], "{alices:?}");
}

pub async fn purge_deletes_expired_sessions(fx: Fixture) {
    let [alice] = users(&fx, ["alice"]).await;
    let (brief, lasting) = (SessionId::random(), SessionId::random());
    fx.store
        .create_session(brief, alice.uuid, at(0), at(10))
        .await
        .unwrap();
    fx.store
        .create_session(lasting, alice.uuid, at(0), at(100))
        .await
        .unwrap();
    fx.store.purge_expired(at(10)).await.unwrap();
    // Asked as of before its expiry, a purged session is gone rather than merely hidden.
    assert_eq!(fx.store.session_user(brief, at(5)).await.unwrap(), None);
    assert!(
        fx.store
            .session_user(lasting, at(5))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn purge_works_through_a_backlog_in_batches(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let mut expiring = Vec::new();
    for n in 0..1_001 {
        expiring.push(crud(&fx, &alice, &format!("brief {n}"), at(0), at(10)).await);
    }
    let kept = post(&fx, &alice, "lasting", 1).await;
    reply(
        &fx,
        &bob,
        expiring[0].uuid,
        "a reply, purged with its crud",
        at(1),
    )
    .await;
    // One more than a batch, and the reply.
    assert_eq!(fx.store.purge_expired(at(10)).await.unwrap(), 1_002);
    assert_eq!(try_show(&fx, expiring[1_000].uuid, at(5)).await, None);
    assert_eq!(show(&fx, kept.uuid, at(10)).await.message, "lasting");
}

//! Deleting one's own crud or reply.
//!
//! Reads with a `now` from before the delete show that a row is gone, not merely hidden.

use cruddur_contract::ActivityId;
use cruddur_contract::NotificationKind;
use cruddur_store::Deletion;

use crate::fixture::Fixture;
use crate::helpers::*;

async fn delete(
    fx: &Fixture,
    author: &cruddur_contract::User,
    uuid: ActivityId,
    secs: i64,
) -> Deletion {
    fx.store
        .delete_activity(author.uuid, uuid, at(secs))
        .await
        .expect("delete_activity")
}

pub async fn deleting_a_crud_takes_its_thread_reactions_and_notifications(fx: Fixture) {
    let [alice, bob, carol] = users(&fx, ["alice", "bob", "carol"]).await;
    let doomed = post(&fx, &alice, "regrettable words #oops @carol", 0).await;
    let kept = post(&fx, &alice, "kept words #oops", 1).await;
    let answer = reply(&fx, &bob, doomed.uuid, "a reply that goes too", at(2)).await;
    assert!(like(&fx, &bob, doomed.uuid, true, at(3)).await);
    assert!(repost(&fx, &carol, doomed.uuid, true, at(3)).await);
    assert!(like(&fx, &alice, answer.uuid, true, at(3)).await);
    follow(&fx, &bob, "alice", at(4)).await;

    assert_eq!(delete(&fx, &alice, doomed.uuid, 5).await, Deletion::Deleted);

    assert_eq!(try_show(&fx, doomed.uuid, at(4)).await, None);
    assert_eq!(uuids(&home(&fx, at(4)).await), vec![kept.uuid]);
    assert_eq!(uuids(&feed_of(&fx, "alice", at(4)).await), vec![kept.uuid]);
    assert_eq!(
        find(&fx, "regrettable", at(4)).await,
        Vec::<ActivityId>::new()
    );
    assert_eq!(find(&fx, "#oops", at(4)).await, vec![kept.uuid]);
    let left = fx
        .store
        .latest_replies(&[doomed.uuid], 3, at(4))
        .await
        .unwrap();
    assert!(left.is_empty(), "its replies went with it");
    let reactions = fx
        .store
        .reactions(bob.uuid, &[doomed.uuid, answer.uuid])
        .await
        .unwrap();
    assert_eq!(reactions, Default::default());
    // Alice keeps the follow; the reply, like and repost notifications went, as did Carol's
    // mention and Bob's like of his reply.
    let kinds: Vec<_> = notes(&fx, &alice, at(4))
        .await
        .iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, vec![NotificationKind::Follow]);
    assert!(notes(&fx, &carol, at(4)).await.is_empty());
    assert!(notes(&fx, &bob, at(4)).await.is_empty());
    assert_eq!(
        fx.store
            .profile(&as_handle("alice"), None, at(4))
            .await
            .unwrap()
            .unwrap()
            .cruds_count,
        1
    );
}

pub async fn a_reply_goes_alone_and_only_its_author_deletes(fx: Fixture) {
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let thread = post(&fx, &alice, "a thread", 0).await;
    let first = reply(&fx, &bob, thread.uuid, "first", at(1)).await;
    let second = reply(&fx, &alice, thread.uuid, "second", at(2)).await;
    let ended = crud(&fx, &bob, "short lived", at(3), at(10)).await;

    assert_eq!(delete(&fx, &bob, thread.uuid, 4).await, Deletion::NotAuthor);
    assert_eq!(
        delete(&fx, &alice, first.uuid, 4).await,
        Deletion::NotAuthor
    );
    assert_eq!(
        delete(&fx, &bob, ActivityId::random(), 4).await,
        Deletion::NotFound
    );
    assert_eq!(
        delete(&fx, &bob, ended.uuid, 10).await,
        Deletion::NotFound,
        "expired"
    );
    assert_eq!(
        show(&fx, thread.uuid, at(4)).await.replies.len(),
        2,
        "nothing refused went"
    );

    assert_eq!(delete(&fx, &bob, first.uuid, 5).await, Deletion::Deleted);
    let shown = show(&fx, thread.uuid, at(5)).await;
    assert_eq!(reply_uuids(&shown), vec![second.uuid]);
    assert_eq!(shown.replies_count, 1);
    assert_eq!(
        home(&fx, at(5))
            .await
            .iter()
            .find(|c| c.uuid == thread.uuid)
            .unwrap()
            .replies_count,
        1
    );
    let kinds: Vec<_> = notes(&fx, &alice, at(5))
        .await
        .iter()
        .map(|n| n.kind)
        .collect();
    assert!(
        kinds.is_empty(),
        "the reply notification went with the reply: {kinds:?}"
    );
    assert_eq!(
        delete(&fx, &bob, first.uuid, 6).await,
        Deletion::NotFound,
        "already gone"
    );
    assert_eq!(delete(&fx, &bob, ended.uuid, 6).await, Deletion::Deleted);
}

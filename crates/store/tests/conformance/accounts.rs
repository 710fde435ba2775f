//! Accounts, profiles and sessions.

use chrono::TimeDelta;
use cruddur_contract::ErrorCode;
use cruddur_contract::{SessionId, UserId};
use cruddur_store::{NewUser, StoreError};

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn created_user_reads_back(fx: Fixture) {
    let new = new_user("Ada_L");
    let ada = fx.store.create_user(&new).await.expect("create_user");
    assert!(!ada.uuid.0.is_nil());
    assert_eq!(ada.display_name, new.display_name);
    assert_eq!(
        ada.handle, "Ada_L",
        "the handle keeps the case it was given"
    );
    assert_eq!(ada.email, new.email);
    assert_eq!(ada.bio, "", "a new account has an empty bio");
    assert_eq!(
        ada.created_at, new.created_at,
        "created_at kept to the microsecond"
    );

    let bob = user(&fx, "bob").await;
    assert_ne!(bob.uuid, ada.uuid);

    assert_eq!(
        fx.store.user_by_handle(&as_handle("Ada_L")).await.unwrap(),
        Some(ada.clone())
    );
    let credentials = fx
        .store
        .credentials("Ada_L")
        .await
        .unwrap()
        .expect("credentials");
    assert_eq!(credentials.user, ada);
    assert_eq!(credentials.password_hash, new.password_hash);

    assert_eq!(
        fx.store.user_by_handle(&as_handle("nobody")).await.unwrap(),
        None
    );
    assert!(fx.store.credentials("nobody").await.unwrap().is_none());
    assert!(
        fx.store
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn taken_handle_is_case_insensitive(fx: Fixture) {
    user(&fx, "alice").await;
    let clash = NewUser {
        email: "someone.else@example.com".into(),
        ..new_user("ALICE")
    };
    match fx.store.create_user(&clash).await {
        Err(StoreError::Taken(ErrorCode::HandleTaken)) => {}
        other => panic!("expected Taken(HandleTaken), got {other:?}"),
    }
    // The refused sign-up left nothing behind: its email is still free.
    let later = NewUser {
        email: "someone.else@example.com".into(),
        ..new_user("alice2")
    };
    fx.store
        .create_user(&later)
        .await
        .expect("email still free");
}

pub async fn a_handle_that_looks_like_a_taken_one_is_taken(fx: Fixture) {
    user(&fx, "altbrown").await;
    for lookalike in ["aItbrown", "a1tbrown"] {
        let clash = NewUser {
            email: format!("{lookalike}@elsewhere.example"),
            ..new_user(lookalike)
        };
        match fx.store.create_user(&clash).await {
            Err(StoreError::Taken(ErrorCode::HandleTaken)) => {}
            other => panic!("expected Taken(HandleTaken) for {lookalike}, got {other:?}"),
        }
    }
    // A handle that only shares letters is free.
    user(&fx, "altbrowne").await;
}

pub async fn taken_email_is_case_insensitive(fx: Fixture) {
    user(&fx, "alice").await; // alice@example.com
    let clash = NewUser {
        email: "Alice@Example.COM".into(),
        ..new_user("alicia")
    };
    match fx.store.create_user(&clash).await {
        Err(StoreError::Taken(ErrorCode::EmailTaken)) => {}
        other => panic!("expected Taken(EmailTaken), got {other:?}"),
    }
    // The refused sign-up left nothing behind: its handle is still free.
    fx.store
        .create_user(&new_user("alicia"))
        .await
        .expect("handle still free");
}

pub async fn credentials_by_handle_or_email_case_insensitive(fx: Fixture) {
    let alice = user(&fx, "Alice").await; // alice@example.com
    // A handle that looks like someone's email local part must not match by email.
    let carol = fx
        .store
        .create_user(&NewUser {
            email: "dave@example.com".into(),
            ..new_user("carol")
        })
        .await
        .unwrap();

    for login in [
        "Alice",
        "alice",
        "ALICE",
        "alice@example.com",
        "ALICE@Example.Com",
    ] {
        let found = fx.store.credentials(login).await.unwrap();
        let found = found.unwrap_or_else(|| panic!("credentials({login:?}) should find alice"));
        assert_eq!(found.user, alice, "login {login:?}");
        assert_eq!(found.password_hash, new_user("Alice").password_hash);
    }
    let by_email = fx.store.credentials("DAVE@example.com").await.unwrap();
    assert_eq!(by_email.map(|c| c.user), Some(carol));
    assert!(fx.store.credentials("dave").await.unwrap().is_none());
    assert!(
        fx.store
            .credentials("alice@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(fx.store.credentials("alic").await.unwrap().is_none());
}

pub async fn user_by_handle_is_case_insensitive(fx: Fixture) {
    let alice = user(&fx, "AliceW").await;
    for handle in ["AliceW", "alicew", "ALICEW", "aLiCeW"] {
        assert_eq!(
            fx.store.user_by_handle(&as_handle(handle)).await.unwrap(),
            Some(alice.clone()),
            "handle {handle:?}"
        );
    }
    assert_eq!(
        fx.store.user_by_handle(&as_handle("alice")).await.unwrap(),
        None
    );
}

pub async fn update_user_changes_only_given_fields(fx: Fixture) {
    let alice = user(&fx, "alice").await;

    let renamed = fx
        .store
        .update_user(alice.uuid, Some("Alice Liddell"), None)
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Alice Liddell");
    assert_eq!(renamed.bio, "");
    assert_eq!(renamed.uuid, alice.uuid);
    assert_eq!(renamed.handle, alice.handle);
    assert_eq!(renamed.email, alice.email);
    assert_eq!(renamed.created_at, alice.created_at);

    let with_bio = fx
        .store
        .update_user(alice.uuid, None, Some("Down the rabbit hole 🐇"))
        .await
        .unwrap();
    assert_eq!(
        with_bio.display_name, "Alice Liddell",
        "None keeps the name"
    );
    assert_eq!(with_bio.bio, "Down the rabbit hole 🐇");

    let unchanged = fx.store.update_user(alice.uuid, None, None).await.unwrap();
    assert_eq!(unchanged, with_bio);

    let both = fx
        .store
        .update_user(alice.uuid, Some("Alice"), Some(""))
        .await
        .unwrap();
    assert_eq!(both.display_name, "Alice");
    assert_eq!(both.bio, "", "Some(\"\") clears the bio");

    assert_eq!(
        fx.store.user_by_handle(&as_handle("alice")).await.unwrap(),
        Some(both.clone())
    );
    let profile = fx
        .store
        .profile(&as_handle("alice"), None, at(0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.display_name, "Alice");
    assert_eq!(profile.bio, "");

    match fx
        .store
        .update_user(UserId::random(), Some("Ghost"), None)
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn profile_counts_live_cruds_and_follows(fx: Fixture) {
    let [alice, bob, carol, dave] = users(&fx, ["alice", "bob", "carol", "dave"]).await;
    let alice = fx
        .store
        .update_user(alice.uuid, None, Some("curious"))
        .await
        .unwrap();
    post(&fx, &alice, "one", 0).await;
    post(&fx, &alice, "two", 1).await;
    crud(&fx, &alice, "short-lived", at(2), at(10)).await;
    let bobs = post(&fx, &bob, "bob's", 3).await;
    reply(&fx, &alice, bobs.uuid, "a reply is not a crud", at(4)).await;
    follow(&fx, &bob, "alice", at(5)).await;
    follow(&fx, &carol, "alice", at(5)).await;
    follow(&fx, &alice, "bob", at(5)).await;

    let seen_by_bob = fx
        .store
        .profile(&as_handle("ALICE"), Some(bob.uuid), at(9))
        .await
        .unwrap()
        .expect("alice's profile");
    assert_eq!(seen_by_bob.uuid, alice.uuid);
    assert_eq!(seen_by_bob.display_name, alice.display_name);
    assert_eq!(seen_by_bob.handle, "alice");
    assert_eq!(seen_by_bob.bio, "curious");
    assert_eq!(seen_by_bob.created_at, alice.created_at);
    assert_eq!(
        seen_by_bob.cruds_count, 3,
        "live cruds, replies not counted"
    );
    assert_eq!(seen_by_bob.followers_count, 2);
    assert_eq!(seen_by_bob.following_count, 1);
    assert!(seen_by_bob.followed_by_me);

    let later = fx
        .store
        .profile(&as_handle("alice"), Some(bob.uuid), at(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.cruds_count, 2, "the short-lived crud expired at 10s");

    let seen_by_dave = fx
        .store
        .profile(&as_handle("alice"), Some(dave.uuid), at(9))
        .await
        .unwrap()
        .unwrap();
    assert!(!seen_by_dave.followed_by_me);
    let seen_by_self = fx
        .store
        .profile(&as_handle("alice"), Some(alice.uuid), at(9))
        .await
        .unwrap()
        .unwrap();
    assert!(!seen_by_self.followed_by_me);
    let signed_out = fx
        .store
        .profile(&as_handle("alice"), None, at(9))
        .await
        .unwrap()
        .unwrap();
    assert!(!signed_out.followed_by_me);
    assert_eq!(signed_out.followers_count, 2);

    let bob_profile = fx
        .store
        .profile(&as_handle("bob"), Some(alice.uuid), at(9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            bob_profile.cruds_count,
            bob_profile.followers_count,
            bob_profile.following_count
        ),
        (1, 1, 1)
    );
    assert!(bob_profile.followed_by_me);

    assert_eq!(
        fx.store
            .profile(&as_handle("nobody"), None, at(9))
            .await
            .unwrap(),
        None
    );
}

pub async fn session_lives_until_expiry_or_deletion(fx: Fixture) {
    let alice = user(&fx, "alice").await;
    let session = SessionId::random();
    let expires_at = at(0) + TimeDelta::hours(1);
    fx.store
        .create_session(session, alice.uuid, at(0), expires_at)
        .await
        .unwrap();

    assert_eq!(
        fx.store.session_user(session, at(0)).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        fx.store
            .session_user(session, expires_at - MICRO)
            .await
            .unwrap(),
        Some(alice.clone()),
        "still valid one microsecond before expiry"
    );
    assert_eq!(
        fx.store.session_user(session, expires_at).await.unwrap(),
        None,
        "expired at expires_at"
    );
    assert_eq!(
        fx.store
            .session_user(SessionId::random(), at(0))
            .await
            .unwrap(),
        None
    );

    // The session names the account as it is now, not as it was at sign-in.
    let renamed = fx
        .store
        .update_user(alice.uuid, Some("Alice II"), None)
        .await
        .unwrap();
    assert_eq!(
        fx.store.session_user(session, at(1)).await.unwrap(),
        Some(renamed.clone())
    );

    let other = SessionId::random();
    fx.store
        .create_session(other, alice.uuid, at(1), expires_at)
        .await
        .unwrap();
    fx.store.delete_session(session).await.unwrap();
    assert_eq!(
        fx.store.session_user(session, at(2)).await.unwrap(),
        None,
        "deleted"
    );
    assert_eq!(
        fx.store.session_user(other, at(2)).await.unwrap(),
        Some(renamed),
        "signing out one session leaves the others"
    );
    fx.store
        .delete_session(session)
        .await
        .expect("deleting twice is fine");
    fx.store
        .delete_session(SessionId::random())
        .await
        .expect("deleting an unknown session is fine");
}

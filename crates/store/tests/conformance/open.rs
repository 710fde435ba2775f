//! Opening stores: URL schemes and migrations.

use cruddur_store::{Page, StoreError};

use crate::fixture::Fixture;
use crate::helpers::*;

pub async fn open_rejects_unsupported_urls(_fx: Fixture) {
    for url in [
        "mysql://root@localhost/cruddur",
        "http://localhost:5432/cruddur",
        "file:cruddur.db",
        "cruddur.db",
        "postgres:cruddur",
        "",
    ] {
        match cruddur_store::open(url, true).await {
            Err(StoreError::UnsupportedUrl) => {}
            Err(other) => panic!("{url:?}: expected UnsupportedUrl, got {other:?}"),
            Ok(_) => panic!("{url:?}: expected UnsupportedUrl, but it opened"),
        }
    }
}

pub async fn migrating_again_is_harmless_and_keeps_data(fx: Fixture) {
    fx.store.ping().await.expect("store ping");
    fx.messages.ping().await.expect("message store ping");
    let [alice, bob] = users(&fx, ["alice", "bob"]).await;
    let kept = post(&fx, &alice, "still here after migrating", 0).await;
    fx.messages
        .send_message(&participant(&alice), &participant(&bob), "hi", at(1))
        .await
        .unwrap();

    fx.store.migrate().await.expect("second migration");
    fx.store.migrate().await.expect("third migration");

    let reopened = cruddur_store::open(&fx.url, true)
        .await
        .unwrap_or_else(|error| panic!("reopening with migrate: {error:?}"));
    reopened.store.ping().await.unwrap();
    assert_eq!(
        reopened
            .store
            .user_by_handle(&as_handle("alice"))
            .await
            .unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        reopened.store.activity(kept.uuid, at(2)).await.unwrap(),
        Some(kept)
    );
    let groups = reopened
        .messages
        .message_groups(&participant(&alice), &Page::first(ALL))
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    // The first connection still works alongside the second.
    assert!(
        fx.store
            .user_by_handle(&as_handle("bob"))
            .await
            .unwrap()
            .is_some()
    );
}

/// During a rolling update old replicas run beside new ones that have migrated, and an update
/// rolled back starts the old release again: a migration this release does not know (the next
/// release's, backward compatible by the expand-then-contract rule) must not stop it.
pub async fn a_database_a_later_release_migrated_still_opens(fx: Fixture) {
    let [alice] = users(&fx, ["alice"]).await;
    record_a_later_release_migration(&fx.url).await;

    fx.store
        .migrate()
        .await
        .expect("migrating beside a later release's migration");
    let reopened = cruddur_store::open(&fx.url, true)
        .await
        .unwrap_or_else(|error| panic!("reopening with migrate: {error:?}"));
    assert_eq!(
        reopened
            .store
            .user_by_handle(&as_handle("alice"))
            .await
            .unwrap(),
        Some(alice)
    );
}

/// Records, as sqlx would, a migration newer than any this build has.
async fn record_a_later_release_migration(url: &str) {
    const LATER: &str = "INSERT INTO _sqlx_migrations \
        (version, description, success, checksum, execution_time) \
        VALUES (99990101000000, 'a later release', TRUE, $1, 0)";
    // The same statement through either backend's pool type.
    macro_rules! record {
        ($pool:ty) => {{
            let pool = <$pool>::connect(url).await.unwrap();
            let checksum = vec![0u8; 48];
            sqlx::query(LATER)
                .bind(checksum)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }};
    }
    if url.starts_with("sqlite:") {
        record!(sqlx::SqlitePool);
    } else {
        record!(sqlx::PgPool);
    }
}

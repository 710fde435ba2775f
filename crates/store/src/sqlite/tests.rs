//! Checks of what only this backend can get wrong: its search index, its counters, its
//! query plans and its file handling. Behaviour shared by every store is tested by the
//! conformance suite.

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{ActivityId, Handle, Reaction, UserId, text};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::{SqliteStore, micros};
use crate::{
    AccountStore, ActivityStore, Maintenance, NewActivity, NewReply, NewUser, NotificationStore,
    Page, ReactionStore, SearchStore, SearchTerms,
};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_700_000_000_000_000).unwrap()
}

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/dir/cruddur.db", dir.path().display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

async fn user(store: &SqliteStore, handle: &str) -> UserId {
    let user = store
        .create_user(&NewUser {
            display_name: handle.to_uppercase(),
            handle: Handle::parse(handle).unwrap(),
            email: format!("{handle}@example.com"),
            password_hash: "hash".into(),
            created_at: t0(),
        })
        .await
        .unwrap();
    user.uuid
}

async fn crud(store: &SqliteStore, author: UserId, message: &str, ttl: TimeDelta) -> ActivityId {
    let activity = store
        .create_activity(&NewActivity {
            author,
            message: message.into(),
            created_at: t0(),
            expires_at: t0() + ttl,
        })
        .await
        .unwrap();
    activity.uuid
}

/// The search index holds exactly the terms of every crud there is, under the crud's key.
async fn assert_index_consistent(store: &SqliteStore) {
    let cruds: Vec<(i64, Hyphenated, i64, String)> = sqlx::query_as(
        "SELECT id, uuid, created_at, message FROM activities WHERE reply_to IS NULL",
    )
    .fetch_all(store.pool.sqlx())
    .await
    .unwrap();
    let mut expected: Vec<(String, i64, Uuid, i64)> = cruds
        .into_iter()
        .flat_map(|(id, uuid, created_at, message)| {
            text::search_terms(&message)
                .into_iter()
                .map(move |term| (term, created_at, uuid.into_uuid(), id))
        })
        .collect();
    expected.sort();
    let indexed: Vec<(String, i64, Uuid, i64)> = sqlx::query_as(
        "SELECT term, created_at, uuid, activity_id FROM search_terms
         ORDER BY term, created_at, uuid",
    )
    .fetch_all(store.pool.sqlx())
    .await
    .unwrap();
    assert_eq!(indexed, expected);
}

async fn search(store: &SqliteStore, term: &str, now: DateTime<Utc>) -> usize {
    store
        .search(&SearchTerms::parse(term), &Page::first(10), now)
        .await
        .unwrap()
        .activities
        .len()
}

#[tokio::test]
async fn connect_creates_the_directory_and_a_wal_database_kept_off_temporary_files() {
    let (dir, store) = store().await;
    assert!(dir.path().join("nested/dir/cruddur.db").exists());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool.sqlx())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    // 2: FULL, the WAL synced at every commit.
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(store.writer.pool())
        .await
        .unwrap();
    assert_eq!(synchronous, 2);
    // 2: MEMORY, on readers and the writer alike.
    for pool in [store.pool.sqlx(), store.writer.pool()] {
        let temp_store: i64 = sqlx::query_scalar("PRAGMA temp_store")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(temp_store, 2);
    }
    store.migrate().await.unwrap();
}

#[tokio::test]
async fn the_search_index_follows_inserts_replies_and_purges() {
    let (_dir, store) = store().await;
    let ada = user(&store, "ada").await;
    let short = crud(&store, ada, "short lived #rust_lang", TimeDelta::hours(1)).await;
    crud(&store, ada, "long lived rust_lang", TimeDelta::days(1)).await;
    store
        .create_reply(&NewReply {
            author: ada,
            reply_to: short,
            message: "a reply about rust_lang".into(),
            created_at: t0(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_index_consistent(&store).await;
    // Replies are not indexed; `_` is part of a word; the hashtag narrows to one crud.
    assert_eq!(search(&store, "rust_lang", t0()).await, 2);
    assert_eq!(search(&store, "rust", t0()).await, 0);
    assert_eq!(search(&store, "#rust_lang", t0()).await, 1);
    assert_eq!(search(&store, "reply", t0()).await, 0);

    let later = t0() + TimeDelta::hours(2);
    assert_eq!(store.purge_expired(later).await.unwrap(), 2);
    assert_index_consistent(&store).await;
    assert_eq!(search(&store, "rust_lang", later).await, 1);
    assert_eq!(search(&store, "short", t0()).await, 0);
}

#[tokio::test]
async fn migrating_a_database_from_before_the_search_index_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/old.db", dir.path().display());
    let store = SqliteStore::connect(&url).await.unwrap();
    let before = crate::migrations_before(sqlx::migrate!("./migrations/sqlite"), "search terms");
    before.run(store.pool.sqlx()).await.unwrap();
    let ada = Uuid::new_v4().hyphenated().to_string();
    sqlx::query(
        "INSERT INTO users (uuid, display_name, handle, email, password_hash, created_at)
         VALUES (?, 'Ada', 'ada', 'ada@example.com', 'hash', 0)",
    )
    .bind(&ada)
    .execute(store.pool.sqlx())
    .await
    .unwrap();
    for (n, message) in ["an old #crud", "another old one"].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO activities (uuid, user_uuid, message, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(Uuid::new_v4().hyphenated().to_string())
        .bind(&ada)
        .bind(message)
        .bind(micros(t0()) + n as i64)
        .bind(micros(t0() + TimeDelta::days(1)))
        .execute(store.pool.sqlx())
        .await
        .unwrap();
    }

    store.migrate().await.unwrap();
    assert_index_consistent(&store).await;
    assert_eq!(search(&store, "old", t0()).await, 2);
    assert_eq!(search(&store, "#crud", t0()).await, 1);
    // Once filled, migrating again leaves it as it is.
    store.migrate().await.unwrap();
    assert_index_consistent(&store).await;
}

#[tokio::test]
async fn repeated_toggles_keep_counts_true_and_notify_once() {
    let (_dir, store) = store().await;
    let ada = user(&store, "ada").await;
    let bob = user(&store, "bob").await;
    let post = crud(&store, ada, "hello", TimeDelta::days(1)).await;
    for on in [true, true, false, false, true, true] {
        for reaction in Reaction::ALL {
            let set = store.set_reaction(bob, post, reaction, on, t0()).await;
            assert!(set.unwrap());
        }
    }
    let own = store
        .set_reaction(ada, post, Reaction::Like, true, t0())
        .await;
    assert!(own.unwrap());
    let activity = store.activity(post, t0()).await.unwrap().unwrap();
    assert_eq!((activity.likes_count, activity.reposts_count), (2, 1));
    let notifications = store
        .notifications(ada, &Page::first(10), t0())
        .await
        .unwrap();
    assert_eq!(notifications.len(), 2, "one like and one repost by bob");

    let gone = t0() + TimeDelta::days(1);
    let unliked = store
        .set_reaction(bob, post, Reaction::Like, false, gone)
        .await;
    assert!(!unliked.unwrap());
    assert_eq!(store.purge_expired(gone).await.unwrap(), 1);
    for table in ["likes", "reposts", "notifications"] {
        let left: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(store.pool.sqlx())
            .await
            .unwrap();
        assert_eq!(left, 0, "{table} cascaded");
    }
}

#[tokio::test]
async fn feeds_read_rows_in_index_order() {
    let (_dir, store) = store().await;
    let feeds = [
        "SELECT uuid FROM activities a WHERE a.reply_to IS NULL AND a.expires_at > 0
           AND (a.created_at, a.uuid) < (1, '') ORDER BY a.created_at DESC, a.uuid DESC LIMIT 5",
        "SELECT uuid FROM activities a WHERE a.user_uuid = 'x' AND a.reply_to IS NULL
           AND a.expires_at > 0 AND (a.created_at, a.uuid) < (1, '')
         ORDER BY a.created_at DESC, a.uuid DESC LIMIT 5",
        "SELECT uuid FROM notifications n WHERE n.user_uuid = 'x'
           AND (n.created_at, n.uuid) < (1, '') ORDER BY n.created_at DESC, n.uuid DESC LIMIT 5",
        "SELECT uuid FROM messages m WHERE m.group_uuid = 'x'
           AND (m.created_at, m.uuid) < (1, '') ORDER BY m.created_at DESC, m.uuid DESC LIMIT 5",
        // Search's walk (`search::search`), bounded, with a second term.
        "SELECT a.uuid FROM search_terms d CROSS JOIN activities a ON a.id = d.activity_id
           JOIN users u ON u.uuid = a.user_uuid
         WHERE d.term = 'x' AND (d.created_at, d.uuid) < (1, x'') AND a.expires_at > 0
           AND (d.created_at, d.uuid) >= (0, x'')
           AND EXISTS (SELECT 1 FROM search_terms o
                       WHERE o.term = 'y' AND o.created_at = d.created_at AND o.uuid = d.uuid)
         ORDER BY d.created_at DESC, d.uuid DESC LIMIT 5",
    ];
    for feed in feeds {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {feed}"))
                .fetch_all(store.pool.sqlx())
                .await
                .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|row| row.3).collect();
        assert!(
            plan.iter().all(|step| !step.contains("TEMP B-TREE")
                && !step.starts_with("SCAN a ")
                && !step.starts_with("SCAN d")),
            "{feed}: {plan:?}"
        );
    }
}

#[tokio::test]
async fn a_statement_past_its_bound_is_cut_off_and_the_connection_serves_again() {
    use std::str::FromStr;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bounded.db", dir.path().display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let bound = std::time::Duration::from_millis(200);
    let store = SqliteStore::connect_bounded(options, bound).await.unwrap();
    // Counts forever, unless interrupted.
    let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                   SELECT count(*) FROM n";
    let started = std::time::Instant::now();
    let error = sqlx::query(endless)
        .execute(store.pool.sqlx())
        .await
        .map_err(crate::StoreError::from)
        .unwrap_err();
    assert!(matches!(error, crate::StoreError::TimedOut(_)), "{error:?}");
    assert!(started.elapsed() < bound * 10, "{:?}", started.elapsed());
    // Every checkout gets a bound of its own: the next statements run as usual.
    for _ in 0..8 {
        sqlx::query("SELECT 1")
            .execute(store.pool.sqlx())
            .await
            .unwrap();
    }
    store.migrate().await.unwrap();
}

#[tokio::test]
async fn each_write_is_cut_off_at_a_bound_of_its_own_also_after_a_migration() {
    use std::str::FromStr;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bounded.db", dir.path().display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let bound = std::time::Duration::from_millis(200);
    let store = SqliteStore::connect_bounded(options, bound).await.unwrap();
    let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
                   SELECT count(*) FROM n";
    // Far more steps than the progress handler's period, far less time than the bound.
    let counting = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n \
                    WHERE x < 100000) SELECT count(*) FROM n";
    for _ in 0..2 {
        // Migrations run without a bound, and the writes after them have theirs again.
        store.migrate().await.unwrap();
        let mut tx = store.writer.begin().await.unwrap();
        let error = sqlx::query(endless)
            .execute(&mut *tx)
            .await
            .map_err(crate::StoreError::from)
            .unwrap_err();
        assert!(matches!(error, crate::StoreError::TimedOut(_)), "{error:?}");
        drop(tx);
        // Past the deadline of the write cut off: the next write has a deadline of its own.
        tokio::time::sleep(bound).await;
        let mut tx = store.writer.begin().await.unwrap();
        sqlx::query(counting).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_writes_commit_together_and_a_failed_one_alone_is_undone() {
    let (dir, store) = store().await;
    let store = std::sync::Arc::new(store);
    let ada = user(&store, "ada").await;
    let mut writes = tokio::task::JoinSet::new();
    for n in 0..48 {
        let store = store.clone();
        writes.spawn(async move {
            if n % 8 == 0 {
                // The same handle again: refused, and only that write is undone.
                let taken = store
                    .create_user(&NewUser {
                        display_name: "Ada again".into(),
                        handle: Handle::parse("ada").unwrap(),
                        email: format!("ada{n}@example.com"),
                        password_hash: "hash".into(),
                        created_at: t0(),
                    })
                    .await;
                assert!(taken.is_err(), "{taken:?}");
                None
            } else {
                Some(crud(&store, ada, &format!("crud number {n}"), TimeDelta::days(1)).await)
            }
        });
    }
    let written: Vec<ActivityId> = writes.join_all().await.into_iter().flatten().collect();
    assert_eq!(written.len(), 42);
    assert_index_consistent(&store).await;

    // Every acknowledged write is in the file, as a new connection reads it.
    let url = format!("sqlite://{}/nested/dir/cruddur.db", dir.path().display());
    let reopened = SqliteStore::connect(&url).await.unwrap();
    for uuid in &written {
        assert!(reopened.activity(*uuid, t0()).await.unwrap().is_some());
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(reopened.pool.sqlx())
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn a_write_given_up_half_way_is_undone_and_writing_goes_on() {
    let (_dir, store) = store().await;
    let ada = user(&store, "ada").await;
    let mut tx = store.writer.begin().await.unwrap();
    sqlx::query("UPDATE users SET bio = 'half way' WHERE uuid = ?")
        .bind(ada)
        .execute(&mut *tx)
        .await
        .unwrap();
    drop(tx);
    let post = crud(&store, ada, "after", TimeDelta::days(1)).await;
    assert!(store.activity(post, t0()).await.unwrap().is_some());
    let bio: String = sqlx::query_scalar("SELECT bio FROM users")
        .fetch_one(store.pool.sqlx())
        .await
        .unwrap();
    assert_eq!(bio, "");
}

//! The PostgreSQL store: connection pool, migrations, and the [`Store`] implementation, whose
//! methods live in one file per concern. [`MessageStore`](crate::MessageStore) is in
//! `messages.rs`.
//!
//! Every write that changes more than one row (a reply and its crud's count, a like and its
//! notification, a message and its group's preview) is one statement with data-modifying
//! CTEs, so it is atomic and one round trip. Every feed is one query with keyset pagination
//! (plus one only when a page comes back empty and the reason matters: unknown handle, group).

mod accounts;
mod activities;
mod bulk;
mod messages;
mod notifications;
mod reactions;
mod search;
mod sessions;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Notification, Profile, Reply, User};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use crate::{
    Credentials, Deletion, NewActivity, NewReply, NewUser, Page, Reactions, STATEMENT_BOUND,
    SearchPage, SearchTerms, Store, StoreResult,
};

/// Enough for a 2-core service; PostgreSQL's default limit is 100 connections in all.
const MAX_CONNECTIONS: u32 = 10;
/// How long a query waits for a connection before the store reports itself unavailable, so an
/// outage turns into prompt 503s instead of requests piling up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Opens a pool on `url` and checks that one connection can be made. A server that cannot
    /// be reached within the acquire timeout gives `StoreError::Unavailable`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_bounded(url, STATEMENT_BOUND).await
    }

    /// A pool whose every statement is cut off by the server after `bound`.
    async fn connect_bounded(url: &str, bound: Duration) -> StoreResult<Self> {
        let millis = bound.as_millis().to_string();
        let options = PgConnectOptions::from_str(url)?.options([
            ("statement_timeout", millis.as_str()),
            // The statements here are lookups by key and index walks to a LIMIT, whose best
            // plan does not depend on the values bound: planning each run anew cost more than
            // running it (a user's feed 1.45x and a search 2.3x as fast with one plan kept).
            ("plan_cache_mode", "force_generic_plan"),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // No ping before each query: a request stays one round trip. After a server
            // restart a dead pooled connection fails its request once (503) and is dropped,
            // so the pool still heals by itself.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

/// A page as bind parameters. The first page has no cursor: its time binds as NULL and the
/// queries read `(created_at, uuid) < (COALESCE($t, 'infinity'), $u)`, so one statement serves
/// every page and the condition stays an index bound.
struct Keyset {
    after_at: Option<DateTime<Utc>>,
    after_uuid: Uuid,
    limit: i64,
}

impl From<&Page> for Keyset {
    fn from(page: &Page) -> Self {
        Keyset {
            after_at: page.after.map(|cursor| cursor.created_at),
            after_uuid: page.after.map_or(Uuid::max(), |cursor| cursor.uuid),
            limit: i64::from(page.limit),
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// sqlx's migrator holds a PostgreSQL advisory lock while it runs, so several processes
    /// starting together apply each migration once.
    async fn migrate(&self) -> StoreResult<()> {
        // Migrations may run long (an index over every crud): without the bound, on a
        // connection of their own that then goes back to the pool with the bound restored.
        // `run_direct`: `run` on a connection trips "Acquire is not general enough" here.
        let mut connection = self.pool.acquire().await?;
        sqlx::query("SET statement_timeout = 0")
            .execute(&mut *connection)
            .await?;
        crate::migrator(sqlx::migrate!("./migrations/postgres"))
            .run_direct(&mut *connection)
            .await?;
        sqlx::query("RESET statement_timeout")
            .execute(&mut *connection)
            .await?;
        drop(connection);
        accounts::fill_handle_skeletons(&self.pool).await?;
        search::fill(&self.pool).await
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        accounts::create_user(&self.pool, user).await
    }

    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>> {
        accounts::credentials(&self.pool, login).await
    }

    async fn user_by_handle(&self, handle: &str) -> StoreResult<Option<User>> {
        accounts::user_by_handle(&self.pool, handle).await
    }

    async fn update_user(
        &self,
        user: Uuid,
        display_name: Option<&str>,
        bio: Option<&str>,
    ) -> StoreResult<User> {
        accounts::update_user(&self.pool, user, display_name, bio).await
    }

    async fn profile(
        &self,
        handle: &str,
        viewer: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        accounts::profile(&self.pool, handle, viewer, now).await
    }

    async fn create_session(
        &self,
        session: Uuid,
        user: Uuid,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sessions::create_session(&self.pool, session, user, created_at, expires_at).await
    }

    async fn session_user(&self, session: Uuid, now: DateTime<Utc>) -> StoreResult<Option<User>> {
        sessions::session_user(&self.pool, session, now).await
    }

    async fn delete_session(&self, session: Uuid) -> StoreResult<()> {
        sessions::delete_session(&self.pool, session).await
    }

    async fn create_activity(&self, new: &NewActivity) -> StoreResult<Activity> {
        activities::create_activity(&self.pool, new).await
    }

    async fn activity(&self, uuid: Uuid, now: DateTime<Utc>) -> StoreResult<Option<Activity>> {
        activities::activity(&self.pool, uuid, now).await
    }

    async fn home_feed(&self, page: &Page, now: DateTime<Utc>) -> StoreResult<Vec<Activity>> {
        activities::home_feed(&self.pool, page, now).await
    }

    async fn following_feed(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>> {
        activities::following_feed(&self.pool, user, page, now).await
    }

    async fn user_feed(
        &self,
        handle: &str,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Vec<Activity>>> {
        activities::user_feed(&self.pool, handle, page, now).await
    }

    async fn search(
        &self,
        terms: &SearchTerms,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<SearchPage> {
        search::search(&self.pool, terms, page, now).await
    }

    async fn latest_replies(
        &self,
        cruds: &[Uuid],
        per_crud: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Reply>> {
        activities::latest_replies(&self.pool, cruds, per_crud, now).await
    }

    async fn reactions(&self, viewer: Uuid, activities: &[Uuid]) -> StoreResult<Reactions> {
        reactions::reactions(&self.pool, viewer, activities).await
    }

    async fn delete_activity(
        &self,
        author: Uuid,
        uuid: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<Deletion> {
        activities::delete_activity(&self.pool, author, uuid, now).await
    }

    async fn create_reply(&self, new: &NewReply) -> StoreResult<Option<Reply>> {
        activities::create_reply(&self.pool, new).await
    }

    async fn set_like(
        &self,
        user: Uuid,
        activity: Uuid,
        liked: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        reactions::set_like(&self.pool, user, activity, liked, now).await
    }

    async fn set_repost(
        &self,
        user: Uuid,
        activity: Uuid,
        reposted: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        reactions::set_repost(&self.pool, user, activity, reposted, now).await
    }

    async fn set_follow(
        &self,
        follower: Uuid,
        followee_handle: &str,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        accounts::set_follow(&self.pool, follower, followee_handle, follow, now).await
    }

    async fn notifications(
        &self,
        user: Uuid,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Notification>> {
        notifications::notifications(&self.pool, user, page, now).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        activities::purge_expired(&self.pool, now).await
    }

    async fn load(&self, batch: &crate::Batch) -> StoreResult<()> {
        bulk::load(&self.pool, batch).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set CRUDDUR_TEST_POSTGRES_URL"]
    async fn a_statement_past_its_bound_is_cut_off() {
        let url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
            .expect("CRUDDUR_TEST_POSTGRES_URL names a PostgreSQL server");
        let store = PostgresStore::connect_bounded(&url, Duration::from_millis(200))
            .await
            .unwrap();
        let error = sqlx::query("SELECT pg_sleep(5)")
            .execute(&store.pool)
            .await
            .map_err(crate::StoreError::from)
            .unwrap_err();
        assert!(matches!(error, crate::StoreError::TimedOut(_)), "{error:?}");
        sqlx::query("SELECT 1").execute(&store.pool).await.unwrap();
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set CRUDDUR_TEST_POSTGRES_URL"]
    async fn migrating_a_database_from_before_the_search_index_fills_it() {
        let admin_url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
            .expect("CRUDDUR_TEST_POSTGRES_URL names a PostgreSQL server");
        let admin = PgPool::connect(&admin_url).await.unwrap();
        let name = format!("cruddur_fill_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
        let store = PostgresStore::connect(&url).await.unwrap();
        let before =
            crate::migrations_before(sqlx::migrate!("./migrations/postgres"), "search terms");
        before.run(&store.pool).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO users (uuid, display_name, handle, email, password_hash, created_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'Ada', 'ada', 'ada@example.com',
                     'hash', now());
             INSERT INTO activities (user_uuid, message, created_at, expires_at)
             VALUES ('00000000-0000-4000-8000-000000000001', 'an old #crud', now(),
                     now() + interval '1 day'),
                    ('00000000-0000-4000-8000-000000000001', 'another old one', now(),
                     now() + interval '1 day')",
        )
        .execute(&store.pool)
        .await
        .unwrap();

        store.migrate().await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT term FROM search_terms ORDER BY term")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let terms: Vec<&str> = rows.iter().map(|(term,)| term.as_str()).collect();
        assert_eq!(
            terms,
            ["#crud", "an", "another", "crud", "old", "old", "one"]
        );
        // Once filled, migrating again leaves it as it is.
        store.migrate().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM search_terms")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(count, 7);

        store.pool.close().await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
}

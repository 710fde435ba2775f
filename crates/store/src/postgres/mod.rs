//! The PostgreSQL store. This file opens the connection pool; each other file implements the
//! trait of the same name one folder up.
//!
//! Every write that changes more than one row (a reply and its crud's count, a like and its
//! notification, a message and its group's preview) is one statement with data-modifying
//! CTEs, so it is atomic and one round trip. Every feed is one query with keyset pagination
//! (plus one only when a page comes back empty and the reason matters: unknown handle, group).

mod accounts;
mod activities;
mod bulk;
mod follows;
mod maintenance;
mod messages;
mod notifications;
mod reactions;
mod search;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::query::QueryAs;
use uuid::Uuid;

use crate::pool::Pool;
use crate::{Page, STATEMENT_BOUND, StoreResult};

/// Enough for a 2-core service; PostgreSQL's default limit is 100 connections in all.
const MAX_CONNECTIONS: u32 = 10;
/// How long a query waits for a connection before the store reports itself unavailable, so an
/// outage turns into prompt 503s instead of requests piling up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub struct PostgresStore {
    pool: Pool<Postgres>,
    /// Kept for the options of a new URL (`Maintenance::use_url`).
    bound: Duration,
}

impl PostgresStore {
    /// Opens a pool on `url` and checks that one connection can be made. A server that cannot
    /// be reached within the acquire timeout gives `StoreError::Unavailable`. Each connection
    /// is replaced after `max_lifetime`, so a new URL reaches all of them in that time.
    pub async fn connect(url: &str, max_lifetime: Duration) -> StoreResult<Self> {
        Self::connect_bounded(url, STATEMENT_BOUND, max_lifetime).await
    }

    /// A pool whose every statement is cut off by the server after `bound`.
    async fn connect_bounded(
        url: &str,
        bound: Duration,
        max_lifetime: Duration,
    ) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .max_lifetime(max_lifetime)
            // No ping before each query: a request stays one round trip. After a server
            // restart a dead pooled connection fails its request once (503) and is dropped,
            // so the pool still heals by itself.
            .test_before_acquire(false)
            .connect_with(connect_options(url, bound)?)
            .await?;
        Ok(Self {
            pool: Pool::new(pool),
            bound,
        })
    }
}

/// The connection options of `url`, with every statement cut off by the server after `bound`.
fn connect_options(url: &str, bound: Duration) -> StoreResult<PgConnectOptions> {
    let millis = bound.as_millis().to_string();
    Ok(PgConnectOptions::from_str(url)?.options([
        ("statement_timeout", millis.as_str()),
        // The statements here are lookups by key and index walks to a LIMIT, whose best
        // plan does not depend on the values bound: planning each run anew cost more than
        // running it (a user's feed 1.45x and a search 2.3x as fast with one plan kept).
        ("plan_cache_mode", "force_generic_plan"),
    ]))
}

/// Binds a page as every paged statement ends:
/// `(created_at, uuid) < (COALESCE($t, 'infinity'), $u) … LIMIT $l`. The first page has no
/// cursor: its time binds as NULL, so one statement serves every page and the condition stays
/// an index bound.
trait BindPage {
    fn bind_page(self, page: &Page) -> Self;
}

impl<'q, O> BindPage for QueryAs<'q, Postgres, O, PgArguments> {
    fn bind_page(self, page: &Page) -> Self {
        self.bind(page.after.map(|cursor| cursor.created_at))
            .bind(page.after.map_or(Uuid::max(), |cursor| cursor.uuid))
            .bind(i64::from(page.limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CONNECTION_LIFETIME as LIFETIME, Maintenance};

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set CRUDDUR_TEST_POSTGRES_URL"]
    async fn a_statement_past_its_bound_is_cut_off() {
        let url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
            .expect("CRUDDUR_TEST_POSTGRES_URL names a PostgreSQL server");
        let store = PostgresStore::connect_bounded(&url, Duration::from_millis(200), LIFETIME)
            .await
            .unwrap();
        let error = sqlx::query("SELECT pg_sleep(5)")
            .execute(store.pool.sqlx())
            .await
            .map_err(crate::StoreError::from)
            .unwrap_err();
        assert!(matches!(error, crate::StoreError::TimedOut(_)), "{error:?}");
        sqlx::query("SELECT 1")
            .execute(store.pool.sqlx())
            .await
            .unwrap();
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set CRUDDUR_TEST_POSTGRES_URL"]
    async fn requests_waiting_for_a_connection_are_counted() {
        let url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
            .expect("CRUDDUR_TEST_POSTGRES_URL names a PostgreSQL server");
        let store = std::sync::Arc::new(PostgresStore::connect(&url, LIFETIME).await.unwrap());
        let mut held = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            held.push(store.pool.acquire().await.unwrap());
        }
        let ping = tokio::spawn({
            let store = store.clone();
            async move { store.ping().await }
        });
        let counted = async {
            while store.pool().waiting == 0 {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), counted)
            .await
            .expect("the ping is counted as waiting");
        let stats = store.pool();
        assert_eq!(
            (stats.open, stats.idle, stats.waiting),
            (MAX_CONNECTIONS, 0, 1)
        );
        held.clear();
        ping.await.unwrap().unwrap();
        assert_eq!(store.pool().waiting, 0);
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL: set CRUDDUR_TEST_POSTGRES_URL"]
    async fn migrating_a_database_from_before_the_search_index_fills_it() {
        let admin_url = std::env::var("CRUDDUR_TEST_POSTGRES_URL")
            .expect("CRUDDUR_TEST_POSTGRES_URL names a PostgreSQL server");
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        let name = format!("cruddur_fill_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
        let store = PostgresStore::connect(&url, LIFETIME).await.unwrap();
        let before =
            crate::migrations_before(sqlx::migrate!("./migrations/postgres"), "search terms");
        before.run(store.pool.sqlx()).await.unwrap();
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
        .execute(store.pool.sqlx())
        .await
        .unwrap();

        store.migrate().await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as("SELECT term FROM search_terms ORDER BY term")
            .fetch_all(store.pool.sqlx())
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
            .fetch_one(store.pool.sqlx())
            .await
            .unwrap();
        assert_eq!(count, 7);

        store.pool.sqlx().close().await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
}

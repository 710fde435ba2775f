//! PostgreSQL's term index, `search_terms` (see `0004_search_terms.sql`): written and removed
//! with each crud here, and read for [`crate::search`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::ActivityId;
use cruddur_contract::{Activity, Cursor, text};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};
use uuid::Uuid;

use super::PostgresStore;
use crate::rows::{ActivityRow, activity_columns, feed};
use crate::search::{Depth, TermIndex};
use crate::{Page, SearchPage, SearchStore, SearchTerms, StoreResult};

/// The terms of cruds as three columns to bind as arrays (`unnest($1, $2, $3)`).
#[derive(Default)]
pub(super) struct Rows {
    terms: Vec<String>,
    created_at: Vec<DateTime<Utc>>,
    uuids: Vec<ActivityId>,
}

impl Rows {
    pub(super) fn push(&mut self, uuid: ActivityId, created_at: DateTime<Utc>, message: &str) {
        for term in text::search_terms(message) {
            self.terms.push(term);
            self.created_at.push(created_at);
            self.uuids.push(uuid);
        }
    }

    pub(super) async fn insert(&self, conn: &mut PgConnection) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO search_terms (term, created_at, activity_uuid)
             SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::uuid[])",
        )
        .bind(&self.terms)
        .bind(&self.created_at)
        .bind(&self.uuids)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub(super) async fn delete(&self, conn: &mut PgConnection) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM search_terms s
             USING unnest($1::text[], $2::timestamptz[], $3::uuid[]) AS g (term, created_at, uuid)
             WHERE s.term = g.term AND s.created_at = g.created_at AND s.activity_uuid = g.uuid",
        )
        .bind(&self.terms)
        .bind(&self.created_at)
        .bind(&self.uuids)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Indexes the live cruds of a database from before `search_terms`, once: when the index is
/// empty and there are cruds. In batches, each its own transaction.
pub(super) async fn fill(pool: &PgPool) -> StoreResult<()> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM search_terms)")
        .fetch_one(pool)
        .await?;
    if !empty {
        return Ok(());
    }
    let mut after = ActivityId(Uuid::nil());
    loop {
        let cruds: Vec<(ActivityId, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT uuid, created_at, message FROM activities
             WHERE uuid > $1 AND reply_to IS NULL ORDER BY uuid LIMIT 1000",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(&(last, ..)) = cruds.last() else {
            return Ok(());
        };
        let mut rows = Rows::default();
        for (uuid, created_at, message) in &cruds {
            rows.push(*uuid, *created_at, message);
        }
        rows.insert(&mut *pool.acquire().await?).await?;
        after = last;
    }
}

#[async_trait]
impl SearchStore for PostgresStore {
    async fn search(
        &self,
        terms: &SearchTerms,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<SearchPage> {
        let mut index = Index(self.pool.acquire().await?);
        crate::search::search(&mut index, terms, page, now).await
    }
}

/// One connection, for every read of a search.
struct Index(PoolConnection<Postgres>);

/// A page cursor as a key of `search_terms`; the top sits above every row.
fn key(below: Option<Cursor>) -> (DateTime<Utc>, Uuid) {
    below.map_or((DateTime::<Utc>::MAX_UTC, Uuid::max()), |cursor| {
        (cursor.created_at, cursor.uuid)
    })
}

impl TermIndex for Index {
    async fn depth(&mut self, term: &str, below: Option<Cursor>, n: u32) -> StoreResult<Depth> {
        let (below_at, below_uuid) = key(below);
        let nth: Option<(DateTime<Utc>, Uuid)> = sqlx::query_as(
            "SELECT created_at, activity_uuid FROM search_terms
             WHERE term = $1 AND (created_at, activity_uuid) < ($2, $3)
             ORDER BY created_at DESC, activity_uuid DESC LIMIT 1 OFFSET $4",
        )
        .bind(term)
        .bind(below_at)
        .bind(below_uuid)
        .bind(i64::from(n) - 1)
        .fetch_optional(&mut *self.0)
        .await?;
        if let Some((created_at, uuid)) = nth {
            return Ok(Depth::AtLeast(Cursor { created_at, uuid }));
        }
        let rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM search_terms
             WHERE term = $1 AND (created_at, activity_uuid) < ($2, $3)",
        )
        .bind(term)
        .bind(below_at)
        .bind(below_uuid)
        .fetch_one(&mut *self.0)
        .await?;
        Ok(Depth::Only(rows.try_into().unwrap_or(u32::MAX)))
    }

    async fn walk(
        &mut self,
        walked: &str,
        others: &[String],
        below: Option<Cursor>,
        floor: Option<Cursor>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>> {
        // Built to fit, with no parameter standing for "none": a generic or custom plan of
        // one statement for every shape could hash a whole term rather than walk it.
        let mut sql = String::from(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM search_terms d
              JOIN activities a ON a.uuid = d.activity_uuid
              JOIN users u ON u.uuid = a.user_uuid
              WHERE d.term = $1 AND (d.created_at, d.activity_uuid) < ($2, $3)
                AND a.expires_at > $4"
        ));
        let mut next = 5;
        if floor.is_some() {
            sql.push_str(" AND (d.created_at, d.activity_uuid) >= ($5, $6)");
            next = 7;
        }
        // Each other term probed by key, row by row: as a scalar subquery, which the planner
        // keeps as such, where an EXISTS becomes a join that reads the whole of a common term.
        for _ in others {
            sql.push_str(&format!(
                " AND (SELECT true FROM search_terms o
                       WHERE o.term = ${next} AND o.created_at = d.created_at
                         AND o.activity_uuid = d.activity_uuid)"
            ));
            next += 1;
        }
        sql.push_str(&format!(
            " ORDER BY d.created_at DESC, d.activity_uuid DESC LIMIT ${next}"
        ));

        let (below_at, below_uuid) = key(below);
        let mut query = sqlx::query_as::<_, ActivityRow>(&sql)
            .bind(walked)
            .bind(below_at)
            .bind(below_uuid)
            .bind(now);
        if let Some(floor) = floor {
            query = query.bind(floor.created_at).bind(floor.uuid);
        }
        for term in others {
            query = query.bind(term);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(&mut *self.0).await?;
        Ok(feed(rows))
    }
}

//! PostgreSQL's term index, `search_terms` (see `0004_search_terms.sql`): written and removed
//! with each crud here, and read for [`crate::search`].

use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Cursor, text};
use sqlx::{PgConnection, PgPool, Postgres};
use sqlx::pool::PoolConnection;
use uuid::Uuid;

use super::Keyset;
use super::activities::{ActivityRow, activity_columns, feed};
use crate::search::{Depth, TermIndex};
use crate::{Page, SearchPage, SearchTerms, StoreResult};

/// The terms of cruds as three columns to bind as arrays (`unnest($1, $2, $3)`).
#[derive(Default)]
pub(super) struct Rows {
    terms: Vec<String>,
    created_at: Vec<DateTime<Utc>>,
    uuids: Vec<Uuid>,
}

impl Rows {
    pub(super) fn push(&mut self, uuid: Uuid, created_at: DateTime<Utc>, message: &str) {
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
    let mut after = Uuid::nil();
    loop {
        let cruds: Vec<(Uuid, DateTime<Utc>, String)> = sqlx::query_as(
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

pub(super) async fn search(
    pool: &PgPool,
    terms: &SearchTerms,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<SearchPage> {
    let mut index = Index(pool.acquire().await?);
    crate::search::search(&mut index, terms, page, now).await
}

/// One connection, for every read of a search.
struct Index(PoolConnection<Postgres>);

/// A page cursor as a key of `search_terms`; the top sits above every row.
fn key(below: Option<Cursor>) -> Keyset {
    Keyset::from(&Page {
        after: below,
        limit: 0,
    })
}

impl TermIndex for Index {
    async fn depth(&mut self, term: &str, below: Option<Cursor>, n: u32) -> StoreResult<Depth> {
        let below = key(below);
        let nth: Option<(DateTime<Utc>, Uuid)> = sqlx::query_as(
            "SELECT created_at, activity_uuid FROM search_terms
             WHERE term = $1 AND (created_at, activity_uuid) < (COALESCE($2, 'infinity'), $3)
             ORDER BY created_at DESC, activity_uuid DESC LIMIT 1 OFFSET $4",
        )
        .bind(term)
        .bind(below.after_at)
        .bind(below.after_uuid)
        .bind(i64::from(n) - 1)
        .fetch_optional(&mut *self.0)
        .await?;
        if let Some((created_at, uuid)) = nth {
            return Ok(Depth::AtLeast(Cursor { created_at, uuid }));
        }
        let rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM search_terms
             WHERE term = $1 AND (created_at, activity_uuid) < (COALESCE($2, 'infinity'), $3)",
        )
        .bind(term)
        .bind(below.after_at)
        .bind(below.after_uuid)
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
        let below = key(below);
        let rows = sqlx::query_as::<_, ActivityRow>(concat!(
            "SELECT ",
            activity_columns!(),
            " FROM search_terms d
              JOIN activities a ON a.uuid = d.activity_uuid
              JOIN users u ON u.uuid = a.user_uuid
              WHERE d.term = $1
                AND (d.created_at, d.activity_uuid) < (COALESCE($2, 'infinity'), $3)
                AND (d.created_at, d.activity_uuid)
                    >= (COALESCE($4, '-infinity'), COALESCE($5, '00000000-0000-0000-0000-000000000000'))
                AND a.expires_at > $6
                AND NOT EXISTS (SELECT 1 FROM unnest($7::text[]) AS other (term)
                                WHERE NOT EXISTS (SELECT 1 FROM search_terms o
                                                  WHERE o.term = other.term
                                                    AND o.created_at = d.created_at
                                                    AND o.activity_uuid = d.activity_uuid))
              ORDER BY d.created_at DESC, d.activity_uuid DESC
              LIMIT $8"
        ))
        .bind(walked)
        .bind(below.after_at)
        .bind(below.after_uuid)
        .bind(floor.map(|floor| floor.created_at))
        .bind(floor.map(|floor| floor.uuid))
        .bind(now)
        .bind(others)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.0)
        .await?;
        Ok(feed(rows))
    }
}

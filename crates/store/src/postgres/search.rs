//! Search of live cruds through `search_terms`: one row per term of each crud, in feed order
//! under each term (see `0004_search_terms.sql`). Written and removed with the crud here.

use chrono::{DateTime, Utc};
use cruddur_contract::{Cursor, text};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::Keyset;
use super::activities::{ActivityRow, activity_columns, feed};
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

/// The newest live cruds holding every term. One term's rows are walked newest first from
/// the page's cursor, each checked against the other terms by key, until the page is full.
/// The term walked is the one with the fewest rows, counted up to [`SearchPage::MOST_READ`];
/// when even that one has more, the walk stops after that many rows and the page says where
/// it stopped, so no search costs more than a bounded walk whatever it asks.
pub(super) async fn search(
    pool: &PgPool,
    terms: &SearchTerms,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<SearchPage> {
    let mut terms = terms.index_terms();
    if terms.is_empty() {
        return Ok(SearchPage::default());
    }
    let keyset = Keyset::from(page);
    let floor = if walk_fewest_first(pool, &mut terms).await? {
        floor(pool, &terms[0], &keyset).await?
    } else {
        None
    };
    let (floor_at, floor_uuid) = floor.unzip();
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
    .bind(&terms[0])
    .bind(keyset.after_at)
    .bind(keyset.after_uuid)
    .bind(floor_at)
    .bind(floor_uuid)
    .bind(now)
    .bind(&terms[1..])
    .bind(keyset.limit)
    .fetch_all(pool)
    .await?;
    let activities = feed(rows);
    let searched_to = floor
        .filter(|_| activities.len() < page.limit as usize)
        .map(|(created_at, uuid)| Cursor { created_at, uuid });
    Ok(SearchPage {
        activities,
        searched_to,
    })
}

/// Moves the term with the fewest rows first. Returns whether even it has more than
/// [`SearchPage::MOST_READ`], so that its walk has to be bounded.
async fn walk_fewest_first(pool: &PgPool, terms: &mut [String]) -> StoreResult<bool> {
    if terms.len() == 1 {
        // Every row of a lone term is a match (but for expired cruds not purged yet).
        return Ok(false);
    }
    let cap = i64::from(SearchPage::MOST_READ) + 1;
    // Each term's rows, counted up to the cap only, so that counting costs no more than the
    // walk it chooses.
    let row = sqlx::query(
        "SELECT array_agg((SELECT count(*) FROM (SELECT 1 FROM search_terms s
                                                 WHERE s.term = t.term LIMIT $2) capped)
                          ORDER BY t.n)
         FROM unnest($1::text[]) WITH ORDINALITY AS t (term, n)",
    )
    .bind(&*terms)
    .bind(cap)
    .fetch_one(pool)
    .await?;
    let counts: Vec<i64> = row.try_get(0)?;
    let (fewest, &count) = counts
        .iter()
        .enumerate()
        .min_by_key(|&(_, count)| *count)
        .unwrap_or((0, &0));
    terms.swap(0, fewest);
    Ok(count == cap)
}

/// The key of the [`SearchPage::MOST_READ`]th row of `term` below the cursor, if it has that
/// many: where a bounded walk stops.
async fn floor(
    pool: &PgPool,
    term: &str,
    keyset: &Keyset,
) -> StoreResult<Option<(DateTime<Utc>, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT created_at, activity_uuid FROM search_terms
         WHERE term = $1 AND (created_at, activity_uuid) < (COALESCE($2, 'infinity'), $3)
         ORDER BY created_at DESC, activity_uuid DESC LIMIT 1 OFFSET $4",
    )
    .bind(term)
    .bind(keyset.after_at)
    .bind(keyset.after_uuid)
    .bind(i64::from(SearchPage::MOST_READ) - 1)
    .fetch_optional(pool)
    .await?)
}

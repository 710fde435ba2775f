//! SQLite's term index, `search_terms` (see `0004_search_terms.sql`): written and removed
//! with each crud here, and read for [`crate::search`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, ActivityId, Cursor, text};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection};
use uuid::Uuid;

use super::writer::Writer;
use super::{SqliteStore, micros};
use crate::rows::{ActivityRow, Time, activity_columns, feed};
use crate::search::{Depth, TermIndex};
use crate::{Page, SearchPage, SearchStore, SearchTerms, StoreResult};

/// Indexes one crud (not a reply: replies are not searched).
pub(super) async fn index(
    conn: &mut SqliteConnection,
    id: i64,
    uuid: ActivityId,
    created_at: DateTime<Utc>,
    message: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO search_terms (term, created_at, uuid, activity_id)
         SELECT value, ?, ?, ? FROM json_each(?)",
    )
    .bind(micros(created_at))
    // A BLOB in this table: the uuid itself, not its text.
    .bind(uuid.0)
    .bind(id)
    .bind(terms_json(message))
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a crud's rows, found by the terms of its message.
pub(super) async fn unindex(
    conn: &mut SqliteConnection,
    uuid: ActivityId,
    created_at: i64,
    message: &str,
) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM search_terms
         WHERE term IN (SELECT value FROM json_each(?)) AND created_at = ? AND uuid = ?",
    )
    .bind(terms_json(message))
    .bind(created_at)
    .bind(uuid.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Indexes the live cruds of a database from before `search_terms`, once: when the index is
/// empty and there are cruds. In batches, each its own write.
pub(super) async fn fill(writer: &Writer) -> StoreResult<()> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM search_terms)")
        .fetch_one(writer.pool())
        .await?;
    if !empty {
        return Ok(());
    }
    let mut after = 0;
    loop {
        let mut tx = writer.begin().await?;
        let cruds: Vec<(i64, ActivityId, Time, String)> = sqlx::query_as(
            "SELECT id, uuid, created_at, message FROM activities
             WHERE id > ? AND reply_to IS NULL ORDER BY id LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&mut *tx)
        .await?;
        let Some(&(last, ..)) = cruds.last() else {
            return Ok(());
        };
        for (id, uuid, created_at, message) in &cruds {
            index(&mut tx, *id, *uuid, created_at.0, message).await?;
        }
        tx.commit().await?;
        after = last;
    }
}

fn terms_json(message: &str) -> String {
    // A list of strings always serialises.
    serde_json::to_string(&text::search_terms(message)).unwrap_or_default()
}

#[async_trait]
impl SearchStore for SqliteStore {
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
struct Index(PoolConnection<Sqlite>);

/// A page cursor as a key of `search_terms`; the top sits above every row.
fn key(below: Option<Cursor>) -> (i64, Uuid) {
    below.map_or((i64::MAX, Uuid::max()), |cursor| {
        (micros(cursor.created_at), cursor.uuid)
    })
}

impl TermIndex for Index {
    async fn depth(&mut self, term: &str, below: Option<Cursor>, n: u32) -> StoreResult<Depth> {
        let (below_time, below_uuid) = key(below);
        let nth: Option<(Time, Uuid)> = sqlx::query_as(
            "SELECT created_at, uuid FROM search_terms
             WHERE term = ? AND (created_at, uuid) < (?, ?)
             ORDER BY created_at DESC, uuid DESC LIMIT 1 OFFSET ?",
        )
        .bind(term)
        .bind(below_time)
        .bind(below_uuid)
        .bind(i64::from(n) - 1)
        .fetch_optional(&mut *self.0)
        .await?;
        if let Some((created_at, uuid)) = nth {
            return Ok(Depth::AtLeast(Cursor {
                created_at: created_at.0,
                uuid,
            }));
        }
        let rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM search_terms WHERE term = ? AND (created_at, uuid) < (?, ?)",
        )
        .bind(term)
        .bind(below_time)
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
        let mut sql = String::from(concat!(
            "SELECT ",
            activity_columns!(),
            // CROSS JOIN keeps the walked term the outer loop, read in its index order.
            " FROM search_terms d
              CROSS JOIN activities a ON a.id = d.activity_id
              JOIN users u ON u.uuid = a.user_uuid
              WHERE d.term = ? AND (d.created_at, d.uuid) < (?, ?) AND a.expires_at > ?"
        ));
        if floor.is_some() {
            sql.push_str(" AND (d.created_at, d.uuid) >= (?, ?)");
        }
        for _ in others {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM search_terms o
                              WHERE o.term = ? AND o.created_at = d.created_at
                                AND o.uuid = d.uuid)",
            );
        }
        sql.push_str(" ORDER BY d.created_at DESC, d.uuid DESC LIMIT ?");

        let (below_time, below_uuid) = key(below);
        let mut query = sqlx::query_as::<_, ActivityRow>(&sql)
            .bind(walked)
            .bind(below_time)
            .bind(below_uuid)
            .bind(micros(now));
        if let Some(floor) = floor {
            let (floor_time, floor_uuid) = key(Some(floor));
            query = query.bind(floor_time).bind(floor_uuid);
        }
        for term in others {
            query = query.bind(term);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(&mut *self.0).await?;
        Ok(feed(rows))
    }
}

//! Search of live cruds through `search_terms`: one row per term of each crud, in feed order
//! under each term (see `0004_search_terms.sql`). Written and removed with the crud here.

use chrono::{DateTime, Utc};
use cruddur_contract::{Cursor, text};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::activities::{ActivityRow, activity_columns, into_activities};
use super::{micros, time};
use crate::{Page, SearchPage, SearchTerms, StoreResult};

/// Indexes one crud (not a reply: replies are not searched).
pub(super) async fn index(
    conn: &mut SqliteConnection,
    id: i64,
    uuid: Uuid,
    created_at: DateTime<Utc>,
    message: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO search_terms (term, created_at, uuid, activity_id)
         SELECT value, ?, ?, ? FROM json_each(?)",
    )
    .bind(micros(created_at))
    .bind(uuid)
    .bind(id)
    .bind(terms_json(message))
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a crud's rows, found by the terms of its message.
pub(super) async fn unindex(
    conn: &mut SqliteConnection,
    uuid: Uuid,
    created_at: i64,
    message: &str,
) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM search_terms
         WHERE term IN (SELECT value FROM json_each(?)) AND created_at = ? AND uuid = ?",
    )
    .bind(terms_json(message))
    .bind(created_at)
    .bind(uuid)
    .execute(conn)
    .await?;
    Ok(())
}

/// Indexes the live cruds of a database from before `search_terms`, once: when the index is
/// empty and there are cruds. In batches, each its own write.
pub(super) async fn fill(pool: &SqlitePool) -> StoreResult<()> {
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM search_terms)")
        .fetch_one(pool)
        .await?;
    if !empty {
        return Ok(());
    }
    let mut after = 0;
    loop {
        let mut tx = super::begin_write(pool).await?;
        let cruds: Vec<(i64, uuid::fmt::Hyphenated, i64, String)> = sqlx::query_as(
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
            index(&mut tx, *id, uuid.into_uuid(), time(*created_at)?, message).await?;
        }
        tx.commit().await?;
        after = last;
    }
}

fn terms_json(message: &str) -> String {
    // A list of strings always serialises.
    serde_json::to_string(&text::search_terms(message)).unwrap_or_default()
}

/// The newest live cruds holding every term. One term's rows are walked newest first from
/// the page's cursor, each checked against the other terms by key, until the page is full.
/// The term walked is the one with the fewest rows, counted up to [`SearchPage::MOST_READ`];
/// when even that one has more, the walk stops after that many rows and the page says where
/// it stopped, so no search costs more than a bounded walk whatever it asks.
pub(super) async fn search(
    pool: &SqlitePool,
    terms: &SearchTerms,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<SearchPage> {
    let mut terms = terms.index_terms();
    if terms.is_empty() {
        return Ok(SearchPage::default());
    }
    let bounded = walk_fewest_first(pool, &mut terms).await?;
    let (after_time, after_uuid) = match page.after {
        Some(cursor) => (micros(cursor.created_at), cursor.uuid),
        None => (i64::MAX, Uuid::nil()),
    };
    let floor = if bounded {
        floor(pool, &terms[0], after_time, after_uuid).await?
    } else {
        None
    };

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
    for _ in &terms[1..] {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM search_terms o
                          WHERE o.term = ? AND o.created_at = d.created_at AND o.uuid = d.uuid)",
        );
    }
    sql.push_str(" ORDER BY d.created_at DESC, d.uuid DESC LIMIT ?");

    let mut query = sqlx::query_as::<_, ActivityRow>(&sql)
        .bind(&terms[0])
        .bind(after_time)
        .bind(after_uuid)
        .bind(micros(now));
    if let Some((floor_time, floor_uuid)) = floor {
        query = query.bind(floor_time).bind(floor_uuid);
    }
    for term in &terms[1..] {
        query = query.bind(term);
    }
    let rows = query.bind(i64::from(page.limit)).fetch_all(pool).await?;
    let activities = into_activities(rows)?;
    let searched_to = match floor {
        Some((floor_time, uuid)) if activities.len() < page.limit as usize => Some(Cursor {
            created_at: time(floor_time)?,
            uuid,
        }),
        _ => None,
    };
    Ok(SearchPage {
        activities,
        searched_to,
    })
}

/// Moves the term with the fewest rows first. Returns whether even it has more than
/// [`SearchPage::MOST_READ`], so that its walk has to be bounded.
async fn walk_fewest_first(pool: &SqlitePool, terms: &mut [String]) -> StoreResult<bool> {
    if terms.len() == 1 {
        // Every row of a lone term is a match (but for expired cruds not purged yet).
        return Ok(false);
    }
    use sqlx::Row;
    let cap = i64::from(SearchPage::MOST_READ) + 1;
    // Each term's rows, counted up to the cap only, so that counting costs no more than the
    // walk it chooses.
    let counted = vec![
        "(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term = ? LIMIT ?))";
        terms.len()
    ];
    let sql = format!("SELECT {}", counted.join(", "));
    let mut query = sqlx::query(&sql);
    for term in terms.iter() {
        query = query.bind(term).bind(cap);
    }
    let row = query.fetch_one(pool).await?;
    let counts = (0..terms.len())
        .map(|column| row.try_get::<i64, _>(column))
        .collect::<Result<Vec<_>, _>>()?;
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
    pool: &SqlitePool,
    term: &str,
    after_time: i64,
    after_uuid: Uuid,
) -> StoreResult<Option<(i64, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT created_at, uuid FROM search_terms
         WHERE term = ? AND (created_at, uuid) < (?, ?)
         ORDER BY created_at DESC, uuid DESC LIMIT 1 OFFSET ?",
    )
    .bind(term)
    .bind(after_time)
    .bind(after_uuid)
    .bind(i64::from(SearchPage::MOST_READ) - 1)
    .fetch_optional(pool)
    .await?)
}

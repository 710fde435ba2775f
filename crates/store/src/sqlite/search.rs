//! Search of live cruds: words through the FTS5 index `activities_fts`, hashtags through the
//! `hashtags` table written with each crud.

use chrono::{DateTime, Utc};
use cruddur_contract::Activity;
use sqlx::SqlitePool;

use super::activities::{ActivityRow, activity_columns, into_activities};
use super::{after, micros};
use crate::{Page, SearchTerms, StoreResult};

pub(super) async fn search(
    pool: &SqlitePool,
    terms: &SearchTerms,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Activity>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    // CROSS JOIN makes the index of matches drive the query: SQLite would otherwise walk every
    // live crud newest first and probe the index for each, which is slow for rare words.
    let mut sql = String::from(concat!(
        "SELECT ",
        activity_columns!(),
        " FROM activities_fts
          CROSS JOIN activities a ON a.id = activities_fts.rowid
          JOIN users u ON u.uuid = a.user_uuid
          WHERE activities_fts MATCH ? AND a.reply_to IS NULL AND a.expires_at > ?"
    ));
    for _ in &terms.hashtags {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM hashtags h WHERE h.activity_id = a.id AND h.tag = ?)",
        );
    }
    sql.push_str(
        " AND (a.created_at, a.uuid) < (?, ?)
         ORDER BY a.created_at DESC, a.uuid DESC
         LIMIT ?",
    );

    let (after_time, after_uuid) = after(page);
    let mut query = sqlx::query_as::<_, ActivityRow>(&sql)
        .bind(match_expression(&terms.words))
        .bind(micros(now));
    for tag in &terms.hashtags {
        query = query.bind(tag);
    }
    let rows = query
        .bind(after_time)
        .bind(after_uuid)
        .bind(i64::from(page.limit))
        .fetch_all(pool)
        .await?;
    into_activities(rows)
}

/// Every word as an FTS5 string (so nothing in it is read as query syntax), implicitly ANDed.
fn match_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_and_anded() {
        let words = ["rust".to_owned(), "a\"b".to_owned()];
        assert_eq!(match_expression(&words), r#""rust" "a""b""#);
    }
}

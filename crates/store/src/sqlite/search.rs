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
    let plan = Plan::choose(pool, terms, page.limit).await?;
    let mut sql = String::from(concat!("SELECT ", activity_columns!()));
    match plan {
        // CROSS JOIN makes the index of matches drive the query: every match is read, then
        // the page is sorted out of them.
        Plan::EveryMatch => sql.push_str(
            " FROM activities_fts
              CROSS JOIN activities a ON a.id = activities_fts.rowid
              JOIN users u ON u.uuid = a.user_uuid
              WHERE activities_fts MATCH ?",
        ),
        // Live cruds newest first, each checked against the index by its rowid, until the
        // page is full: a word in half the cruds fills it after about twice its length.
        Plan::NewestFirst => sql.push_str(
            " FROM activities a INDEXED BY activities_thread
              JOIN users u ON u.uuid = a.user_uuid
              WHERE (? = '' OR EXISTS (SELECT 1 FROM activities_fts
                       WHERE activities_fts MATCH ? AND activities_fts.rowid = a.id))",
        ),
    }
    sql.push_str(" AND a.reply_to IS NULL AND a.expires_at > ?");
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
    // Walking newest first, a probe of the full-text index costs some 80 µs and one of the
    // hashtags a microsecond: words that are all hashtags are matched by the tags alone (a
    // crud holding `#aws` holds the word `aws`), with no text probe at all.
    let words = match plan {
        Plan::NewestFirst => match_expression(
            &terms
                .words
                .iter()
                .filter(|word| !terms.hashtags.contains(word))
                .cloned()
                .collect::<Vec<_>>(),
        ),
        Plan::EveryMatch => match_expression(&terms.words),
    };
    let mut query = sqlx::query_as::<_, ActivityRow>(&sql);
    if plan == Plan::NewestFirst {
        // Once for the test of whether there is any text to match, once for the match.
        query = query.bind(words.clone());
    }
    let mut query = query.bind(words).bind(micros(now));
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

/// How a search finds its page. Reading every match costs what the matches number; walking
/// the cruds newest first costs about `limit × cruds / matches` probes of the index, each
/// about [`PROBE_COST`] times a match read (measured at a million cruds). The two meet at
/// `sqrt(PROBE_COST × limit × cruds)` matches, so each search takes the cheaper one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    EveryMatch,
    NewestFirst,
}

/// How many match reads one newest-first probe costs.
const PROBE_COST: f64 = 16.0;

impl Plan {
    async fn choose(pool: &SqlitePool, terms: &SearchTerms, limit: u32) -> StoreResult<Plan> {
        // The largest crud id: how many cruds there are, near enough, at no cost.
        let (cruds,): (i64,) = sqlx::query_as("SELECT ifnull(max(id), 0) FROM activities")
            .fetch_one(pool)
            .await?;
        let crossover = Plan::crossover(cruds, limit);
        // Matches are counted up to one past the crossover only, so that counting a common
        // word costs no more than the plan it leads to: all the words together, and each
        // hashtag.
        let mut sql = String::from(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM activities_fts
                                           WHERE activities_fts MATCH ? LIMIT ?))",
        );
        for _ in &terms.hashtags {
            sql.push_str(", (SELECT count(*) FROM (SELECT 1 FROM hashtags WHERE tag = ? LIMIT ?))");
        }
        let cap = crossover + 1;
        let mut query = sqlx::query_as::<_, Fewest>(&sql)
            .bind(match_expression(&terms.words))
            .bind(cap);
        for tag in &terms.hashtags {
            query = query.bind(tag).bind(cap);
        }
        let Fewest(matches) = query.fetch_one(pool).await?;
        Ok(if matches > crossover {
            Plan::NewestFirst
        } else {
            Plan::EveryMatch
        })
    }

    /// The number of matches among `cruds` at which both plans cost the same.
    fn crossover(cruds: i64, limit: u32) -> i64 {
        (PROBE_COST * f64::from(limit) * cruds.max(0) as f64).sqrt() as i64
    }
}

/// The smallest of a row's counts.
struct Fewest(i64);

impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for Fewest {
    fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        let mut fewest = i64::MAX;
        for column in 0..row.len() {
            fewest = fewest.min(row.try_get(column)?);
        }
        Ok(Fewest(fewest))
    }
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
    fn the_plans_meet_where_their_measured_costs_do() {
        // 20 a page among a million cruds: about 17,900 matches.
        assert_eq!(Plan::crossover(1_000_000, 20), 17_888);
        assert_eq!(Plan::crossover(0, 20), 0);
        assert!(Plan::crossover(10_000, 20) < Plan::crossover(1_000_000, 20) / 9);
    }

    #[test]
    fn words_are_quoted_and_anded() {
        let words = ["rust".to_owned(), "a\"b".to_owned()];
        assert_eq!(match_expression(&words), r#""rust" "a""b""#);
    }
}

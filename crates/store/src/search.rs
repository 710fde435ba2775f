//! Search: the trait, and how every SQL store searches, over the index each keeps of its cruds' terms
//! (`text::search_terms`): one row per term of a crud, in feed order under each term, so the
//! newest rows of a term are the first of its range however many cruds hold it. A store
//! provides the reads ([`TermIndex`]); this module decides what to read.
//!
//! One term's rows are walked newest first from the page's cursor, each checked against the
//! other terms by key, until the page is full. The term walked is the sparsest near the
//! cursor, judged by how far back its [`PROBE`]th row lies, so that a rare term leads a
//! common one. When even that term is dense and matches are rare, the walk stops after
//! [`SearchPage::MOST_READ`] rows and the page says where it stopped, so no search costs more
//! than a bounded walk, whatever it asks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Cursor};

use crate::{Page, SearchPage, SearchTerms, StoreResult};

#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// Live cruds matching every word of the search (whole words, case-insensitive) and
    /// containing every hashtag of it, newest first, `replies` left empty. No words: empty.
    /// A search whose matches are rare among cruds that hold its terms may stop before the
    /// page is full, saying where ([`SearchPage::searched_to`]), to go on from there.
    async fn search(
        &self,
        terms: &SearchTerms,
        page: &Page,
        now: DateTime<Utc>,
    ) -> StoreResult<SearchPage>;
}

/// How many rows of each term are read to choose the term to walk, and the first stretch of
/// the walk: a page of common terms is usually full within it.
const PROBE: u32 = 100;

/// Where a term stands below a position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Depth {
    /// It has at least the rows asked for; the key of the last of them.
    AtLeast(Cursor),
    /// It has this many rows only, fewer than asked for.
    Only(u32),
}

/// The reads a store's term index answers, on one connection for the whole search. `below` is a page cursor (`None`: the top); rows
/// are ordered by `(created_at, uuid)` like every feed.
pub(crate) trait TermIndex {
    /// The key of `term`'s `n`th row strictly below `below`, or how many rows there are
    /// below it when fewer than `n`.
    async fn depth(&mut self, term: &str, below: Option<Cursor>, n: u32) -> StoreResult<Depth>;

    /// Live cruds holding `walked` and every one of `others`, strictly below `below` and at or
    /// above `floor` (`None`: no floor), newest first, at most `limit`.
    async fn walk(
        &mut self,
        walked: &str,
        others: &[String],
        below: Option<Cursor>,
        floor: Option<Cursor>,
        limit: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Activity>>;
}

pub(crate) async fn search(
    index: &mut impl TermIndex,
    terms: &SearchTerms,
    page: &Page,
    now: DateTime<Utc>,
) -> StoreResult<SearchPage> {
    let terms = terms.index_terms();
    let Some(first) = terms.first() else {
        return Ok(SearchPage::default());
    };
    if terms.len() == 1 {
        // Every row of a lone term is a match (but for expired cruds not purged yet).
        let activities = index
            .walk(first, &[], page.after, None, page.limit, now)
            .await?;
        return Ok(SearchPage {
            activities,
            searched_to: None,
        });
    }

    let mut depths = Vec::with_capacity(terms.len());
    for term in &terms {
        depths.push(index.depth(term, page.after, PROBE).await?);
    }
    // Sparsest first: the first term is walked, and the others are probed in this order, so
    // that a row is turned down by its first probe as often as can be.
    let mut ranked: Vec<(String, Depth)> = terms.into_iter().zip(depths).collect();
    ranked.sort_by_key(|(_, depth)| match *depth {
        // Fewer rows first, then the row furthest back.
        Depth::Only(rows) => (0, i64::from(rows), None),
        Depth::AtLeast(key) => (1, 0, Some((key.created_at, key.uuid))),
    });
    let mut depth = ranked[0].1;
    let terms: Vec<String> = ranked.into_iter().map(|(term, _)| term).collect();
    let Some((walked, others)) = terms.split_first() else {
        return Ok(SearchPage::default());
    };

    let mut activities = Vec::new();
    let mut below = page.after;
    // The first stretch is the probe's; then the rest of the bound.
    let mut rest = Some(SearchPage::MOST_READ - PROBE);
    loop {
        let floor = match depth {
            Depth::AtLeast(key) => Some(key),
            Depth::Only(_) => None,
        };
        let wanted = page.limit - activities.len() as u32;
        activities.extend(
            index
                .walk(walked, others, below, floor, wanted, now)
                .await?,
        );
        let Some(floor) = floor.filter(|_| activities.len() < page.limit as usize) else {
            // The page is full, or the walked term has no rows left.
            return Ok(SearchPage {
                activities,
                searched_to: None,
            });
        };
        below = Some(floor);
        let Some(stretch) = rest.take() else {
            return Ok(SearchPage {
                activities,
                searched_to: below,
            });
        };
        depth = index.depth(walked, below, stretch).await?;
    }
}

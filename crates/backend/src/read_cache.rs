//! Pages kept ready to send, so most reads skip the store and the serialisation:
//! - public pages of cruds (the timeline, a user's cruds, a search, one crud with its
//!   replies), the same for everyone but a signed-in viewer's own likes and reposts;
//! - per signed-in user, those pages with their likes and reposts, and their own pages
//!   (notifications, conversations);
//! - who each session's user is, so a signed-in request need not ask the store.
//!
//! A cached page is served only while all of these hold:
//! - no write has succeeded since it was read: every successful POST, PATCH, PUT or DELETE
//!   bumps a version (see [`invalidate_after_writes`]), and a page read before the bump is
//!   never served after it;
//! - nothing on it has expired (the page remembers its earliest `expires_at`);
//! - it is younger than [`MAX_AGE`], which bounds how long another replica's writes can go
//!   unseen when several backends share a database.
//!
//! Each cache's pages weigh at most [`MAX_BYTES`], so that any number of distinct searches or
//! users, of any length, costs a bounded amount of memory. Requests that miss the same page
//! at once read it once: the first reads, the others wait for its page, so a popular page
//! that expires costs one read rather than one per waiting client. A request with
//! `Cache-Control: no-cache` is read afresh (and its page kept for the others): how a
//! benchmark measures the store behind the cache.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{Activity, User};
use cruddur_serve::{Lookups, Metrics};

use crate::pagination::EncodedPage;
use crate::state::AppState;

/// How long a page may be served without being read again.
pub const MAX_AGE: TimeDelta = TimeDelta::seconds(1);

/// What the pages of one cache may weigh, counted as their keys and encodings (the cruds they
/// hold weigh about as much again): a few hundred pages of 20 cruds.
pub const MAX_BYTES: usize = 4 << 20;

/// A page as a signed-out visitor gets it: its cruds (threads in, no viewer state) and the
/// response that encodes them.
#[derive(Debug, Clone)]
pub struct CachedPage {
    pub cruds: Arc<[Activity]>,
    pub encoded: EncodedPage,
}

/// A page only its signed-in user gets, as sent, and when the first thing on it expires.
#[derive(Debug, Clone)]
pub struct OwnPage {
    pub encoded: EncodedPage,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a page weighs in a cache (beside its key), and when it must go at the latest.
pub trait Cacheable: Clone {
    fn weight(&self) -> usize;
    fn expires_at(&self) -> Option<DateTime<Utc>>;
}

impl Cacheable for CachedPage {
    fn weight(&self) -> usize {
        self.encoded.body.len()
    }

    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.cruds.iter().map(|crud| crud.expires_at).min()
    }
}

impl Cacheable for OwnPage {
    fn weight(&self) -> usize {
        self.encoded.body.len()
    }

    fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }
}

/// A session's user. The session itself lasts as long as its token, which is checked on
/// every request before the cache is asked.
impl Cacheable for User {
    fn weight(&self) -> usize {
        std::mem::size_of::<User>()
            + self.display_name.len()
            + self.handle.len()
            + self.email.len()
            + self.bio.len()
    }

    fn expires_at(&self) -> Option<DateTime<Utc>> {
        None
    }
}

/// The caches, forgotten together.
#[derive(Debug, Default)]
pub struct Reads {
    /// Public pages of cruds, by request target.
    pub public: ReadCache<CachedPage>,
    /// Signed-in users' own pages, and public pages with their likes and reposts, by user
    /// and request target.
    pub own: ReadCache<OwnPage>,
    /// Sessions' users, by session.
    pub sessions: ReadCache<User>,
}

impl Reads {
    /// The caches, their hits and misses counted in `metrics`.
    pub fn counted(metrics: &Metrics) -> Reads {
        let lookups = |name| metrics.lookups(crate::metrics::SERVICE, name);
        Reads {
            public: ReadCache::counted(lookups("public_pages")),
            own: ReadCache::counted(lookups("own_pages")),
            sessions: ReadCache::counted(lookups("sessions")),
        }
    }

    /// Forgets every cached page (something may have changed).
    pub fn invalidate(&self) {
        self.public.invalidate();
        self.own.invalidate();
        self.sessions.invalidate();
    }
}

#[derive(Debug)]
struct Entry<V> {
    version: u64,
    valid_until: DateTime<Utc>,
    weight: usize,
    page: V,
}

impl<V> Entry<V> {
    fn is_good(&self, version: u64, now: DateTime<Utc>) -> bool {
        self.version == version && now < self.valid_until
    }
}

/// Pages by the key (request target, and whose page) that asked for them, and what they weigh.
#[derive(Debug)]
struct Pages<V> {
    by_target: HashMap<String, Entry<V>>,
    weight: usize,
}

impl<V> Default for Pages<V> {
    fn default() -> Self {
        Pages {
            by_target: HashMap::new(),
            weight: 0,
        }
    }
}

#[derive(Debug)]
pub struct ReadCache<V> {
    version: AtomicU64,
    pages: RwLock<Pages<V>>,
    /// A turn to read each page being read: only while it is.
    reading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    lookups: Lookups,
}

impl<V> Default for ReadCache<V> {
    fn default() -> Self {
        ReadCache::counted(Lookups::default())
    }
}

impl<V> ReadCache<V> {
    fn counted(lookups: Lookups) -> Self {
        ReadCache {
            version: AtomicU64::default(),
            pages: RwLock::default(),
            reading: Mutex::default(),
            lookups,
        }
    }

    fn reading(&self) -> MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        self.reading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<V: Cacheable> ReadCache<V> {
    /// The version to tag a page with: take it before reading the store, so a write that
    /// lands during the read invalidates the page.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Forgets every cached page (something may have changed).
    pub fn invalidate(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    /// The page cached for `target`, if it is still good at `now`.
    pub fn get(&self, target: &str, now: DateTime<Utc>) -> Option<V> {
        let pages = self
            .pages
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pages
            .by_target
            .get(target)
            .filter(|entry| entry.is_good(self.version(), now))
            .map(|entry| entry.page.clone())
    }

    /// The page for `target`: the cached one while it is good at `now` (unless `fresh`), else
    /// the one `read` makes (kept unless it fails). Of requests missing the same page at
    /// once, one reads.
    pub async fn get_or_read<E>(
        &self,
        target: &str,
        now: DateTime<Utc>,
        fresh: Fresh,
        read: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if fresh.0 {
            self.lookups.miss();
            return self.read_and_keep(target, now, read).await;
        }
        if let Some(page) = self.get(target, now) {
            self.lookups.hit();
            return Ok(page);
        }
        let turn = Arc::clone(self.reading().entry(target.to_owned()).or_default());
        let _turn = turn.lock().await;
        // Forgets the turn however this ends, a client gone mid-read included.
        let _done = Done {
            cache: self,
            target,
        };
        // Whoever had the turn before may have read the page.
        if let Some(page) = self.get(target, now) {
            self.lookups.hit();
            return Ok(page);
        }
        self.lookups.miss();
        self.read_and_keep(target, now, read).await
    }

    async fn read_and_keep<E>(
        &self,
        target: &str,
        now: DateTime<Utc>,
        read: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        let version = self.version();
        let page = read.await;
        if let Ok(page) = &page {
            self.put(target, version, now, page.clone());
        }
        page
    }

    /// Keeps `page`, read for `target` at `now` under `version`, until the first thing on it
    /// expires or [`MAX_AGE`] has passed, whichever comes first. When it would not fit, pages
    /// no longer good make room, or else pages taken at random do; a page heavier than
    /// [`MAX_BYTES`] is not kept.
    pub fn put(&self, target: &str, version: u64, now: DateTime<Utc>, page: V) {
        let weight = target.len() + page.weight();
        if weight > MAX_BYTES {
            return;
        }
        let until = now + MAX_AGE;
        let valid_until = page
            .expires_at()
            .map_or(until, |expires| expires.min(until));
        let mut pages = self
            .pages
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let pages = &mut *pages;
        if let Some(replaced) = pages.by_target.remove(target) {
            pages.weight -= replaced.weight;
        }
        if pages.weight + weight > MAX_BYTES {
            let current = self.version();
            pages
                .by_target
                .retain(|_, entry| entry.is_good(current, now));
            pages.weight = pages.by_target.values().map(|entry| entry.weight).sum();
        }
        while pages.weight + weight > MAX_BYTES {
            let Some(any) = pages.by_target.keys().next().cloned() else {
                break;
            };
            if let Some(evicted) = pages.by_target.remove(&any) {
                pages.weight -= evicted.weight;
            }
        }
        pages.weight += weight;
        pages.by_target.insert(
            target.to_owned(),
            Entry {
                version,
                valid_until,
                weight,
                page,
            },
        );
    }
}

/// The part of a request's URI that names its page: the path and query. An empty query (some
/// clients leave a `?`) asks for the same page as none.
pub fn request_target(uri: &Uri) -> &str {
    match uri.path_and_query() {
        Some(target) if uri.query().is_some_and(|query| !query.is_empty()) => target.as_str(),
        _ => uri.path(),
    }
}

/// Whether a request asks for its page read afresh: `Cache-Control: no-cache`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fresh(pub bool);

impl<S: Sync> FromRequestParts<S> for Fresh {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Fresh::asked_by(&parts.headers))
    }
}

impl Fresh {
    /// Whether `headers` ask for `no-cache`.
    pub fn asked_by(headers: &HeaderMap) -> Fresh {
        let no_cache = headers
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|directive| directive.trim().eq_ignore_ascii_case("no-cache"));
        Fresh(no_cache)
    }
}

/// Removes a turn to read once its reading is over.
struct Done<'a, V> {
    cache: &'a ReadCache<V>,
    target: &'a str,
}

impl<V> Drop for Done<'_, V> {
    fn drop(&mut self) {
        self.cache.reading().remove(self.target);
    }
}

/// Middleware: any request that may have written (not GET, HEAD or OPTIONS) and succeeded
/// invalidates the cached pages once it is done.
pub async fn invalidate_after_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let may_write = !(request.method().is_safe());
    let response = next.run(request).await;
    if may_write && response.status().is_success() {
        state.reads.invalidate();
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;
    use cruddur_contract::Handle;
    use uuid::Uuid;

    use super::*;

    fn page(text: &'static str) -> CachedPage {
        CachedPage {
            cruds: Arc::new([]),
            encoded: EncodedPage::new(Bytes::from_static(text.as_bytes()), None),
        }
    }

    fn expiring(text: &'static str, expires_at: DateTime<Utc>) -> CachedPage {
        let crud = Activity::posted(
            cruddur_contract::ActivityId(Uuid::nil()),
            (String::new(), Handle::parse("ada").unwrap()),
            String::new(),
            expires_at - TimeDelta::hours(1),
            expires_at,
        );
        CachedPage {
            cruds: Arc::new([crud]),
            ..page(text)
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[tokio::test]
    async fn requests_missing_the_same_page_at_once_read_it_once() {
        let cache = Arc::new(ReadCache::default());
        let reads = Arc::new(AtomicU64::new(0));
        let (go, started) = tokio::sync::watch::channel(false);
        let mut waiting = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (cache, reads, mut started) = (cache.clone(), reads.clone(), started.clone());
            waiting.spawn(async move {
                let read = async {
                    reads.fetch_add(1, Ordering::SeqCst);
                    // Every other request arrives while this one reads.
                    started.wait_for(|go| *go).await.unwrap();
                    Ok::<_, ()>(page("read"))
                };
                cache
                    .get_or_read("/a", at(0), Fresh(false), read)
                    .await
                    .unwrap()
                    .encoded
                    .body
            });
        }
        tokio::task::yield_now().await;
        go.send(true).unwrap();
        while let Some(body) = waiting.join_next().await {
            assert_eq!(body.unwrap(), "read");
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(
            cache.reading.lock().unwrap().is_empty(),
            "no turn left behind"
        );
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let cache = ReadCache::default();
        let failed = cache.get_or_read("/a", at(0), Fresh(false), async { Err("down") });
        assert_eq!(failed.await.unwrap_err(), "down");
        let up = async { Ok::<_, ()>(page("up")) };
        let read = cache.get_or_read("/a", at(0), Fresh(false), up);
        assert_eq!(read.await.unwrap().encoded.body, "up");
    }

    #[tokio::test]
    async fn a_fresh_request_reads_and_its_page_is_kept_for_the_others() {
        let cache = ReadCache::default();
        cache.put("/a", cache.version(), at(0), page("old"));
        let new = async { Ok::<_, ()>(page("new")) };
        let read = cache.get_or_read("/a", at(0), Fresh(true), new);
        assert_eq!(read.await.unwrap().encoded.body, "new");
        assert_eq!(body(&cache, "/a", at(0)).unwrap(), "new");
    }

    fn body(cache: &ReadCache<CachedPage>, target: &str, now: DateTime<Utc>) -> Option<Bytes> {
        cache.get(target, now).map(|page| page.encoded.body)
    }

    #[test]
    fn a_page_lives_until_a_write_its_first_expiry_or_its_max_age() {
        let cache = ReadCache::default();
        assert!(cache.get("/a", at(0)).is_none());

        cache.put("/a", cache.version(), at(0), page("a"));
        assert_eq!(body(&cache, "/a", at(0)).unwrap(), "a");
        assert!(cache.get("/a", at(0) + MAX_AGE).is_none(), "too old");

        let half = at(0) + MAX_AGE / 2;
        cache.put("/b", cache.version(), at(0), expiring("b", half));
        assert!(cache.get("/b", half - TimeDelta::milliseconds(1)).is_some());
        assert!(cache.get("/b", half).is_none(), "a crud expired");

        cache.put("/c", cache.version(), at(0), page("c"));
        cache.invalidate();
        assert!(cache.get("/c", at(0)).is_none(), "a write happened");
    }

    #[test]
    fn an_own_page_lives_until_its_first_expiry_and_a_write_forgets_both_caches() {
        let reads = Reads::default();
        let half = at(0) + MAX_AGE / 2;
        let own = OwnPage {
            expires_at: Some(half),
            ..own_page("mine")
        };
        reads.own.put("me /n", reads.own.version(), at(0), own);
        assert!(
            reads
                .own
                .get("me /n", half - TimeDelta::milliseconds(1))
                .is_some()
        );
        assert!(
            reads.own.get("me /n", half).is_none(),
            "something on it expired"
        );

        reads
            .own
            .put("me /m", reads.own.version(), at(0), own_page("m"));
        reads
            .public
            .put("/a", reads.public.version(), at(0), page("a"));
        reads.invalidate();
        assert!(reads.own.get("me /m", at(0)).is_none());
        assert!(reads.public.get("/a", at(0)).is_none());
    }

    fn own_page(text: &'static str) -> OwnPage {
        OwnPage {
            encoded: page(text).encoded,
            expires_at: None,
        }
    }

    #[test]
    fn a_page_read_before_a_write_is_never_served_after_it() {
        let cache = ReadCache::default();
        let version = cache.version();
        cache.invalidate(); // a write lands while the page is being read
        cache.put("/a", version, at(0), page("stale"));
        assert!(cache.get("/a", at(0)).is_none());
    }

    #[test]
    fn each_target_has_its_own_page() {
        let cache = ReadCache::default();
        cache.put("/a", cache.version(), at(0), page("a"));
        cache.put("/a?cursor=x", cache.version(), at(0), page("older"));
        assert_eq!(body(&cache, "/a", at(0)).unwrap(), "a");
        assert_eq!(body(&cache, "/a?cursor=x", at(0)).unwrap(), "older");
        assert!(cache.get("/b", at(0)).is_none());
    }

    /// A page that weighs a quarter of the cache with its two-byte target.
    fn quarter() -> CachedPage {
        CachedPage {
            cruds: Arc::new([]),
            encoded: EncodedPage::new(Bytes::from(vec![b'x'; MAX_BYTES / 4 - 2]), None),
        }
    }

    #[test]
    fn a_full_cache_makes_room_first_from_pages_no_longer_good() {
        let cache = ReadCache::default();
        cache.put("/0", cache.version(), at(0), quarter());
        for n in 1..4 {
            cache.put(&format!("/{n}"), cache.version(), at(1), quarter());
        }
        // Full. "/0" is too old at 2 s: it makes room; every other page stays.
        let almost_two = at(2) - TimeDelta::milliseconds(1);
        cache.put("/4", cache.version(), almost_two, quarter());
        let kept = |cache: &ReadCache<CachedPage>| {
            (0..6)
                .filter(|n| cache.get(&format!("/{n}"), at(1)).is_some())
                .count()
        };
        assert!((1..5).all(|n| cache.get(&format!("/{n}"), at(1)).is_some()));

        // All good: one of them goes, and the cache stays within its weight.
        cache.put("/5", cache.version(), at(1), quarter());
        assert!(cache.get("/5", at(1)).is_some());
        assert_eq!(kept(&cache), 4);
        assert_eq!(cache.pages.read().unwrap().weight, MAX_BYTES);
    }

    #[test]
    fn a_page_heavier_than_the_whole_cache_is_not_kept() {
        let cache = ReadCache::default();
        cache.put("/a", cache.version(), at(0), page("a"));
        let heavy = CachedPage {
            cruds: Arc::new([]),
            encoded: EncodedPage::new(Bytes::from(vec![b'x'; MAX_BYTES]), None),
        };
        cache.put("/heavy", cache.version(), at(0), heavy);
        assert!(cache.get("/heavy", at(0)).is_none());
        assert!(cache.get("/a", at(0)).is_some(), "and takes no room");
    }

    #[test]
    fn a_page_read_again_replaces_its_weight() {
        let cache = ReadCache::default();
        for _ in 0..8 {
            cache.put("/a", cache.version(), at(0), quarter());
        }
        assert_eq!(cache.pages.read().unwrap().weight, MAX_BYTES / 4);
    }
}

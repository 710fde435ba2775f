//! The public timeline's first page, kept ready to send: it is the most read page of the API
//! and the same for everyone but the signed-in viewer's own likes and reposts, so most
//! requests can skip the store and the serialisation, and a signed-in one reads only those.
//!
//! A cached page is served only while all of these hold:
//! - no write has succeeded since it was read: every successful POST, PATCH, PUT or DELETE
//!   bumps a version (see [`invalidate_after_writes`]), and a page read before the bump is
//!   never served after it;
//! - none of its cruds has expired (the page remembers its earliest `expires_at`);
//! - it is younger than [`MAX_AGE`], which bounds how long another replica's writes can go
//!   unseen when several backends share a database.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::Activity;

use crate::pagination::EncodedPage;
use crate::state::AppState;

/// How long a page may be served without being read again.
pub const MAX_AGE: TimeDelta = TimeDelta::seconds(1);

/// The first page as a signed-out visitor gets it: its cruds (threads in, no viewer state)
/// and those encoded.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub cruds: Arc<[Activity]>,
    pub encoded: EncodedPage,
}

#[derive(Debug)]
struct Entry {
    version: u64,
    valid_until: DateTime<Utc>,
    page: TimelinePage,
}

#[derive(Debug, Default)]
pub struct TimelineCache {
    version: AtomicU64,
    entry: RwLock<Option<Entry>>,
}

impl TimelineCache {
    /// The version to tag a page with: take it before reading the store, so a write that
    /// lands during the read invalidates the page.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Forgets the cached page (something may have changed).
    pub fn invalidate(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    /// The cached page, if it is still good at `now`.
    pub fn get(&self, now: DateTime<Utc>) -> Option<TimelinePage> {
        let entry = self
            .entry
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entry
            .as_ref()
            .filter(|entry| entry.version == self.version() && now < entry.valid_until)
            .map(|entry| entry.page.clone())
    }

    /// Keeps `page`, read at `now` under `version`, until `expires` (its earliest crud's end)
    /// or [`MAX_AGE`], whichever comes first.
    pub fn put(
        &self,
        version: u64,
        now: DateTime<Utc>,
        expires: Option<DateTime<Utc>>,
        page: TimelinePage,
    ) {
        let until = now + MAX_AGE;
        let valid_until = expires.map_or(until, |expires| expires.min(until));
        let mut entry = self
            .entry
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *entry = Some(Entry {
            version,
            valid_until,
            page,
        });
    }
}

/// Middleware: any request that may have written (not GET, HEAD or OPTIONS) and succeeded
/// invalidates the cached timeline once it is done.
pub async fn invalidate_after_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let may_write = !(request.method().is_safe());
    let response = next.run(request).await;
    if may_write && response.status().is_success() {
        state.timeline.invalidate();
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    use super::*;

    fn page(text: &'static str) -> TimelinePage {
        TimelinePage {
            cruds: Arc::new([]),
            encoded: EncodedPage::new(Bytes::from_static(text.as_bytes()), None),
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_page_lives_until_a_write_its_first_expiry_or_its_max_age() {
        let cache = TimelineCache::default();
        assert!(cache.get(at(0)).is_none());

        cache.put(cache.version(), at(0), None, page("a"));
        assert_eq!(cache.get(at(0)).unwrap().encoded.body, "a");
        assert!(cache.get(at(0) + MAX_AGE).is_none(), "too old");

        cache.put(cache.version(), at(0), Some(at(0) + MAX_AGE / 2), page("b"));
        assert!(cache.get(at(0) + MAX_AGE / 2).is_none(), "a crud expired");

        cache.put(cache.version(), at(0), None, page("c"));
        cache.invalidate();
        assert!(cache.get(at(0)).is_none(), "a write happened");
    }

    #[test]
    fn a_page_read_before_a_write_is_never_served_after_it() {
        let cache = TimelineCache::default();
        let version = cache.version();
        cache.invalidate(); // a write lands while the page is being read
        cache.put(version, at(0), None, page("stale"));
        assert!(cache.get(at(0)).is_none());
    }
}

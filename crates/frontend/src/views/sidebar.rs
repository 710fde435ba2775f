//! What the sidebar shows: the trending hashtags and people to look at, both taken from a
//! sample of the live timeline that every page shares for a few seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cruddur_contract::Activity;
use cruddur_contract::text::hashtags;

use super::layout::NavUser;
use super::urls::{hashtag_url, profile_url};
use crate::api::{ApiClient, ApiError};

/// How many of the newest cruds the sidebar is worked out from.
const SAMPLE_SIZE: u32 = 100;

/// How long the sample is reused. Trending hashtags and suggested people need not move with
/// every crud, and fetching a hundred cruds for every page view would cost more than the page
/// itself.
const SAMPLE_MAX_AGE: Duration = Duration::from_secs(5);

const TRENDING_SHOWN: usize = 5;
const SUGGESTED_SHOWN: usize = 3;

/// The sidebar's sample of the timeline, shared by every request through the application
/// state.
#[derive(Debug, Default)]
pub struct SidebarCache(Mutex<Option<Sample>>);

/// The newest cruds as fetched at a moment.
#[derive(Debug)]
struct Sample {
    fetched: Instant,
    cruds: Arc<[Activity]>,
}

impl SidebarCache {
    /// The newest live cruds, the same for every viewer (fetched signed out), reused for
    /// [`SAMPLE_MAX_AGE`].
    pub async fn sample(&self, api: &ApiClient) -> Result<Arc<[Activity]>, ApiError> {
        if let Some(sample) = self.lock().as_ref()
            && sample.fetched.elapsed() < SAMPLE_MAX_AGE
        {
            return Ok(sample.cruds.clone());
        }
        let cruds: Arc<[Activity]> = api.home(None, Some(SAMPLE_SIZE)).await?.items.into();
        *self.lock() = Some(Sample {
            fetched: Instant::now(),
            cruds: cruds.clone(),
        });
        Ok(cruds)
    }

    fn lock(&self) -> MutexGuard<'_, Option<Sample>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A hashtag and how many live cruds carry it.
pub struct Trend {
    pub tag: String,
    pub count: usize,
    pub search_url: String,
}

/// The most used hashtags among live cruds, each crud counted once per tag; ties go
/// alphabetically so the list is stable.
pub fn trending(cruds: &[Activity], now: DateTime<Utc>) -> Vec<Trend> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for crud in cruds.iter().filter(|crud| crud.expires_at > now) {
        for tag in hashtags(&crud.message) {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut trends: Vec<Trend> = counts
        .into_iter()
        .map(|(tag, count)| Trend {
            search_url: hashtag_url(&tag),
            tag,
            count,
        })
        .collect();
    trends.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    trends.truncate(TRENDING_SHOWN);
    trends
}

/// The most recent authors of the timeline other than the viewer, each once. (Whether the
/// viewer already follows them would take a call per author, so it is not checked.)
pub fn suggested(cruds: &[Activity], me: Option<&str>) -> Vec<NavUser> {
    let mut people: Vec<NavUser> = Vec::new();
    for crud in cruds {
        let seen = people.iter().any(|p| p.handle == crud.handle);
        if !seen && me != Some(crud.handle.as_str()) {
            people.push(NavUser {
                display_name: crud.display_name.clone(),
                handle: crud.handle.clone(),
                profile_url: profile_url(&crud.handle),
            });
        }
        if people.len() == SUGGESTED_SHOWN {
            break;
        }
    }
    people
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use cruddur_contract::Handle;

    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + TimeDelta::hours(hours)
    }

    fn crud(message: &str, expires_in_hours: i64) -> Activity {
        Activity::posted(
            cruddur_contract::ActivityId::random(),
            ("Andrew".into(), Handle::parse("andrew").unwrap()),
            message.into(),
            at(-1),
            at(expires_in_hours),
        )
    }

    /// A client of a backend that is not there: any call it makes fails.
    fn unreachable_api() -> ApiClient {
        let nowhere = url::Url::parse("http://127.0.0.1:9/").unwrap();
        let second = Duration::from_secs(1);
        ApiClient::new(nowhere, second, second, None).unwrap()
    }

    #[tokio::test]
    async fn the_sample_is_reused_while_young_and_fetched_again_once_old() {
        let cache = SidebarCache::default();
        let cruds: Arc<[Activity]> = vec![crud("#rust", 5)].into();
        *cache.lock() = Some(Sample {
            fetched: Instant::now(),
            cruds: cruds.clone(),
        });
        let reused = cache.sample(&unreachable_api()).await.unwrap();
        assert!(Arc::ptr_eq(&reused, &cruds));
        cache.lock().as_mut().unwrap().fetched -= SAMPLE_MAX_AGE;
        assert!(cache.sample(&unreachable_api()).await.is_err());
    }

    #[test]
    fn trending_counts_live_cruds_once_per_tag() {
        let cruds = [
            crud("#Rust #rust and #cloud", 5),
            crud("more #rust", 5),
            crud("#expired #rust", -1),
            crud("#aws", 5),
        ];
        let trends = trending(&cruds, at(0));
        let found: Vec<(&str, usize)> = trends.iter().map(|t| (t.tag.as_str(), t.count)).collect();
        assert_eq!(found, vec![("rust", 2), ("aws", 1), ("cloud", 1)]);
        assert_eq!(trends[0].search_url, "/search?term=%23rust");
    }

    #[test]
    fn suggested_people_are_other_recent_authors_once_each() {
        let by = |handle: &str| Activity {
            handle: Handle::parse(handle).unwrap(),
            ..crud("hi", 5)
        };
        let cruds = [by("me"), by("a"), by("a"), by("b"), by("c"), by("d")];
        let handles: Vec<Handle> = suggested(&cruds, Some("me"))
            .into_iter()
            .map(|p| p.handle)
            .collect();
        assert_eq!(handles, vec!["a", "b", "c"]);
        assert_eq!(suggested(&cruds[..2], None).len(), 2);
    }
}

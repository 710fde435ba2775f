//! Signed-out pages kept rendered and compressed: the home page, the most visited, and
//! searches.
//!
//! Signed out, these pages are the same for every visitor (no per-browser token in them), so
//! each is rendered once and then only revalidated: each visit asks the backend whether the
//! page's data still has the entity tag it was rendered from (a bodiless 304 from the backend's
//! cache when it has), so a new crud shows at once. They are also the pages sent gzipped:
//! compressing a page that holds a CSRF token next to text an attacker can choose would let
//! the token be guessed from the compressed sizes (BREACH), and these hold no token.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use cruddur_serve::Lookups;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::render::template_failed;
use crate::api::{ApiError, Revalidated};

/// How long a rendering may be reused while its data is unchanged: it words times ("5m",
/// "expires in 3h") and shows the sidebar as of its rendering.
pub const RENDERED_MAX_AGE: Duration = Duration::from_secs(1);

/// Renderings kept at most (a page of search results is about 100 KiB with its gzip): the
/// stale ones, then the oldest, make room.
const KEPT: usize = 32;

/// The renderings, by the page's address, and how often one was reused.
#[derive(Debug, Default)]
pub struct PublicPages {
    renderings: Mutex<HashMap<String, Rendered>>,
    lookups: Lookups,
}

/// A rendering, under the entity tag of the data it was made from.
#[derive(Debug, Clone)]
struct Rendered {
    etag: String,
    at: Instant,
    page: Encodings,
}

/// The page as HTML, and gzipped.
#[derive(Debug, Clone)]
struct Encodings {
    html: Bytes,
    gzip: Bytes,
}

impl PublicPages {
    /// No renderings yet; reuses and renderings counted in `lookups`.
    pub fn counted(lookups: Lookups) -> Self {
        PublicPages {
            renderings: Mutex::default(),
            lookups,
        }
    }

    /// The page at `address`, gzipped if the browser takes it: the one kept while `fetch`
    /// (asked with the kept rendering's entity tag) says its data is unchanged, or else the
    /// one `render` makes from what `fetch` brought, which is then kept.
    pub async fn serve<T>(
        &self,
        address: &str,
        gzip: bool,
        fetch: impl AsyncFnOnce(Option<&str>) -> Result<Revalidated<T>, ApiError>,
        render: impl AsyncFnOnce(T) -> askama::Result<String>,
    ) -> Result<Response, ApiError> {
        let fresh = self.fresh(address);
        let known = fresh.as_ref().map(|rendered| rendered.etag.as_str());
        let (etag, value) = match (fetch(known).await?, fresh) {
            (Revalidated::NotModified, Some(rendered)) => {
                self.lookups.hit();
                return Ok(rendered.page.respond(gzip));
            }
            (Revalidated::NotModified, None) => {
                return Err(ApiError::Unexpected(
                    "304 to an unconditional request".into(),
                ));
            }
            (Revalidated::Modified { etag, value }, _) => (etag, value),
        };
        self.lookups.miss();
        let html = match render(value).await {
            Ok(html) => Bytes::from(html),
            Err(error) => return Ok(template_failed(&error)),
        };
        let page = Encodings {
            gzip: gzipped(&html),
            html,
        };
        // A page without a tag cannot be revalidated, so it is not kept.
        if let Some(etag) = etag {
            self.keep(
                address,
                Rendered {
                    etag,
                    at: Instant::now(),
                    page: page.clone(),
                },
            );
        }
        Ok(page.respond(gzip))
    }

    /// The last rendering of `address`, if young enough to reuse.
    fn fresh(&self, address: &str) -> Option<Rendered> {
        self.lock()
            .get(address)
            .filter(|rendered| rendered.at.elapsed() < RENDERED_MAX_AGE)
            .cloned()
    }

    /// Keeps `rendered` as the page at `address`, making room if all `KEPT` are taken.
    fn keep(&self, address: &str, rendered: Rendered) {
        let mut pages = self.lock();
        if pages.len() >= KEPT && !pages.contains_key(address) {
            pages.retain(|_, kept| kept.at.elapsed() < RENDERED_MAX_AGE);
        }
        if pages.len() >= KEPT
            && !pages.contains_key(address)
            && let Some(oldest) = pages
                .iter()
                .min_by_key(|(_, kept)| kept.at)
                .map(|(oldest, _)| oldest.clone())
        {
            pages.remove(&oldest);
        }
        pages.insert(address.to_owned(), rendered);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Rendered>> {
        self.renderings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Encodings {
    fn respond(self, gzip: bool) -> Response {
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        if gzip {
            let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            ([vary, encoding], Html(self.gzip)).into_response()
        } else {
            ([vary], Html(self.html)).into_response()
        }
    }
}

fn gzipped(html: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(html.len() / 4), Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(html);
    encoder.finish().unwrap_or_default().into()
}

/// Whether `Accept-Encoding` takes gzip: named, or `*`, with a quality above zero.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let entries = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for entry in entries {
        let mut parameters = entry.split(';');
        let coding = parameters.next().unwrap_or_default().trim();
        let quality = parameters
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(quality > 0.0);
        } else if coding == "*" {
            any = Some(quality > 0.0);
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_taken_when_named_or_covered_by_a_star_without_a_zero_quality() {
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("br, deflate"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("*, gzip;q=0.000"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    fn rendering(at: Instant) -> Rendered {
        Rendered {
            etag: "\"tag\"".into(),
            at,
            page: Encodings {
                html: Bytes::from_static(b"<p>page</p>"),
                gzip: Bytes::new(),
            },
        }
    }

    #[test]
    fn at_most_kept_renderings_are_kept_and_the_oldest_makes_room() {
        let pages = PublicPages::default();
        let start = Instant::now();
        for n in 0..KEPT {
            pages.keep(&format!("/search?term={n}"), rendering(start));
        }
        // The first is the oldest now.
        pages.keep(
            "/search?term=0",
            rendering(start - Duration::from_millis(1)),
        );
        pages.keep("/", rendering(start));
        let kept = pages.lock();
        assert_eq!(kept.len(), KEPT);
        assert!(kept.contains_key("/"));
        assert!(!kept.contains_key("/search?term=0"));
        assert!(kept.contains_key("/search?term=1"));
    }

    #[test]
    fn a_page_kept_again_takes_no_room_of_another() {
        let pages = PublicPages::default();
        let start = Instant::now();
        for n in 0..KEPT {
            pages.keep(&format!("/search?term={n}"), rendering(start));
        }
        pages.keep("/search?term=5", rendering(start));
        assert_eq!(pages.lock().len(), KEPT);
        assert!((0..KEPT).all(|n| pages.lock().contains_key(&format!("/search?term={n}"))));
    }

    #[test]
    fn the_gzipped_page_inflates_to_the_page() {
        let html = "<p>hello</p>".repeat(100);
        let gzip = gzipped(html.as_bytes());
        assert!(gzip.len() < html.len() / 4);
        let mut inflated = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut inflated)
            .unwrap();
        assert_eq!(inflated, html);
    }
}

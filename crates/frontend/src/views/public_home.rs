//! The signed-out home page, the most visited page, kept rendered and compressed.
//!
//! It is the same for every signed-out visitor (no per-browser token in it), so it is rendered
//! once and then only revalidated: each visit asks the backend whether the timeline still has
//! the page's entity tag (a bodiless 304 from the backend's cache when it has), so a new crud
//! shows at once. It is also the one page sent gzipped: compressing a page that holds a CSRF
//! token next to text an attacker can choose would let the token be guessed from the
//! compressed sizes (BREACH), and this page holds neither.

use std::io::Write;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;

use super::home::{Feed, HomePage};
use super::{Layout, Section, template_failed};
use crate::api::{ApiClient, ApiError, Revalidated};
use crate::error::PageResult;
use crate::session::Viewer;

/// How long a rendering may be reused while the timeline is unchanged: it words times ("5m",
/// "expires in 3h") and shows the sidebar as of its rendering.
pub const RENDERED_MAX_AGE: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct PublicHomePage(Mutex<Option<Rendered>>);

/// A rendering, under the timeline's entity tag it was made from.
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

impl PublicHomePage {
    /// The page for a signed-out `viewer`, gzipped if the browser takes it.
    pub async fn serve(
        &self,
        api: &ApiClient,
        viewer: &Viewer,
        gzip: bool,
    ) -> PageResult<Response> {
        let fresh = self.fresh();
        let known = fresh.as_ref().map(|rendered| rendered.etag.as_str());
        let (etag, feed) = match (api.home_if_changed(known).await?, fresh) {
            (Revalidated::NotModified, Some(rendered)) => return Ok(rendered.page.respond(gzip)),
            (Revalidated::NotModified, None) => {
                return Err(ApiError::Unexpected("304 to an unconditional request".into()).into());
            }
            (Revalidated::Modified { etag, value }, _) => (etag, value),
        };
        let layout = Layout::load(api, viewer, "Home", Section::Home).await;
        let html = match HomePage::new(layout, None, Feed::Everyone, feed, viewer).render() {
            Ok(html) => Bytes::from(html),
            Err(error) => return Ok(template_failed(&error)),
        };
        let page = Encodings {
            gzip: gzipped(&html),
            html,
        };
        // A page without a tag cannot be revalidated, so it is not kept.
        if let Some(etag) = etag {
            *self.lock() = Some(Rendered {
                etag,
                at: Instant::now(),
                page: page.clone(),
            });
        }
        Ok(page.respond(gzip))
    }

    /// The last rendering, if young enough to reuse.
    fn fresh(&self) -> Option<Rendered> {
        self.lock()
            .as_ref()
            .filter(|rendered| rendered.at.elapsed() < RENDERED_MAX_AGE)
            .cloned()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Rendered>> {
        self.0
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

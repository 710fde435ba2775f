//! Conditional GETs: a feed page carries an `ETag`, and a client that sends it back in
//! `If-None-Match` gets `304 Not Modified` with no body while the page is unchanged. The web
//! frontend revalidates the public timeline this way on every signed-out home page, so an
//! unchanged timeline costs neither side a body.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// A strong entity tag for these bytes. The hash need not resist attack, only change with the
/// content; it is the same in every process built from the same source, so replicas agree.
pub fn entity_tag(parts: &[&[u8]]) -> HeaderValue {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
        .expect("a quoted hex number is a valid header value")
}

/// Middleware: turns a 200 answer to a GET or HEAD into a bodiless 304 when the request's
/// `If-None-Match` names the answer's `ETag`.
pub async fn not_modified(request: Request, next: Next) -> Response {
    let candidates = request
        .method()
        .is_safe()
        .then(|| request.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let response = next.run(request).await;
    let Some(candidates) = candidates else {
        return response;
    };
    let matches = response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::ETAG)
            .is_some_and(|etag| names(&candidates, etag));
    if !matches {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    keep_only_validators(&mut parts.headers);
    Response::from_parts(parts, Body::empty())
}

/// Whether an `If-None-Match` list names `etag`, by the weak comparison RFC 9110 asks for
/// (`W/` ignored), or is `*`.
fn names(candidates: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(candidates) = candidates.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let etag = etag.to_str().map(opaque).unwrap_or_default();
    candidates
        .split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == etag)
}

/// A 304 describes no body: the content headers of the 200 it replaces go.
fn keep_only_validators(headers: &mut HeaderMap) {
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::LINK] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_content() {
        assert_eq!(entity_tag(&[b"a", b"b"]), entity_tag(&[b"a", b"b"]));
        assert_ne!(entity_tag(&[b"a", b"b"]), entity_tag(&[b"ab", b""]));
        assert_ne!(entity_tag(&[b"a"]), entity_tag(&[b"b"]));
    }

    #[test]
    fn if_none_match_lists_are_compared_weakly() {
        let etag = HeaderValue::from_static("\"abc\"");
        for (list, expected) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("\"abcd\"", false),
            ("abc", false),
            ("", false),
        ] {
            assert_eq!(
                names(&HeaderValue::from_static(list), &etag),
                expected,
                "{list}"
            );
        }
    }
}

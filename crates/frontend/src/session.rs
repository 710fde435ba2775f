//! Who is browsing, and the checks on every request that changes state.
//!
//! - The session cookie (`cruddur_session`) holds the bearer token the backend issued; each
//!   page asks the backend who it belongs to, and a token the backend refuses is cleared.
//! - CSRF is a double submit: a random per-browser token in its own cookie (`cruddur_csrf`)
//!   must come back in the `csrf_token` field of every form, compared in constant time. On
//!   top, a state-changing request whose `Origin` (or `Sec-Fetch-Site`) says it came from
//!   another site is refused before it reaches a handler.
//!
//! Both cookies are HttpOnly, SameSite=Lax, Path=/, and Secure when `COOKIE_SECURE` is set.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use cruddur_contract::User;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::api::{ApiClient, ApiError};
use crate::error::PageError;
use crate::startup::AppState;

pub const SESSION_COOKIE: &str = "cruddur_session";
pub const CSRF_COOKIE: &str = "cruddur_csrf";
/// The hidden form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// The browsing person: signed in or not, and the CSRF token their forms must carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Option<User>,
    token: Option<String>,
    /// The browser's address, when known (behind trusted proxies, from `X-Forwarded-For`).
    client: Option<IpAddr>,
    pub csrf: String,
    /// The browser sent no valid CSRF cookie, so no submitted token can match yet.
    csrf_is_new: bool,
}

impl Viewer {
    /// The API client acting as this viewer.
    pub fn api(&self, api: &ApiClient) -> ApiClient {
        api.acting_for(self.token.as_deref(), self.client)
    }

    /// Whether `submitted` is this browser's CSRF token.
    fn csrf_matches(&self, submitted: &str) -> bool {
        !self.csrf_is_new && constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes())
    }
}

/// A viewer who must be signed in; others are sent to `/signin`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub viewer: Viewer,
}

/// Identifies the viewer, refuses cross-site state changes, and keeps the cookies right.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if is_unsafe(request.method()) && is_cross_site(request.headers()) {
        return PageError::Forbidden.into_response();
    }
    let cookies = request.headers().clone();
    let existing_csrf = cookie(&cookies, CSRF_COOKIE).filter(|token| is_csrf_token(token));
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| state.trusted_proxies.client(peer.ip(), request.headers()));
    let mut viewer = Viewer {
        user: None,
        token: None,
        client,
        csrf_is_new: existing_csrf.is_none(),
        csrf: existing_csrf.map_or_else(new_csrf_token, str::to_owned),
    };
    let mut clear_session = false;
    let is_asset = request.uri().path().starts_with("/static/");
    if let Some(token) = cookie(&cookies, SESSION_COOKIE).filter(|_| !is_asset) {
        match state.api.acting_for(Some(token), client).me().await {
            Ok(user) => {
                viewer.user = Some(user);
                viewer.token = Some(token.to_owned());
            }
            Err(ApiError::Unauthorized) => clear_session = true,
            // The page will meet the same trouble and say so; the cookie may still be good.
            Err(error) => tracing::warn!(%error, "could not check the session"),
        }
    }
    let new_csrf = viewer.csrf_is_new.then(|| viewer.csrf.clone());
    request.extensions_mut().insert(viewer);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A sign-in answering this very request has set a new session, which must stay.
    let sets_session = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|value| value.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    if let Some(csrf) = new_csrf {
        headers.append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, None, state.cookie_secure),
        );
    }
    if clear_session && !sets_session {
        headers.append(
            header::SET_COOKIE,
            clear_session_cookie(state.cookie_secure),
        );
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        // The layer runs before every route; without it there is no safe answer.
        parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .ok_or(PageError::Forbidden)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        match viewer.user.clone() {
            Some(user) => Ok(SignedIn { user, viewer }),
            None => Err(PageError::SignInRequired),
        }
    }
}

/// A form body whose CSRF token has been checked; a missing or wrong token is a 403.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        let viewer = request
            .extensions()
            .get::<Viewer>()
            .cloned()
            .ok_or(PageError::Forbidden)?;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| PageError::BadRequest)?;
        let submitted: CsrfField =
            serde_urlencoded::from_bytes(&body).map_err(|_| PageError::Forbidden)?;
        if !viewer.csrf_matches(&submitted.csrf_token) {
            return Err(PageError::Forbidden);
        }
        let form = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
        Ok(CsrfForm(form))
    }
}

/// The `Set-Cookie` value that signs this browser in until `expires_at`.
pub fn session_cookie(token: &str, expires_at: DateTime<Utc>, secure: bool) -> HeaderValue {
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    set_cookie(SESSION_COOKIE, token, Some(max_age), secure)
}

/// The `Set-Cookie` value that forgets the session.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", Some(0), secure)
}

fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    // Tokens are base64url or JWTs (ASCII without `;`), so this always is a header value.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says this request comes from another site. Browsers send `Origin` on
/// every cross-origin POST; its host must be the one the request was sent to.
fn is_cross_site(headers: &HeaderMap) -> bool {
    let header_str = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if header_str("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (header_str("origin"), header_str("host")) {
        (None, _) => false,
        (Some(origin), host) => {
            let origin_host = url::Url::parse(origin).ok().map(|url| {
                let host = url.host_str().unwrap_or_default().to_owned();
                match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                }
            });
            origin_host.as_deref() != host || host.is_none()
        }
    }
}

fn new_csrf_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn is_csrf_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares without stopping at the first difference, so timing reveals nothing of the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A path on this site to go back to after a form, or `/`: never another site's address.
pub fn local_path(back: &str) -> &str {
    let is_local = back.starts_with('/') && !back.starts_with("//") && !back.contains('\\');
    if is_local { back } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn cookies_are_found_by_name() {
        let h = headers(&[("cookie", "a=1; cruddur_csrf=xyz; b=")]);
        assert_eq!(cookie(&h, CSRF_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "b"), None);
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }

    #[test]
    fn cross_site_origins_are_recognised() {
        let same = headers(&[
            ("origin", "http://localhost:3000"),
            ("host", "localhost:3000"),
        ]);
        assert!(!is_cross_site(&same));
        let other = headers(&[
            ("origin", "http://evil.example"),
            ("host", "localhost:3000"),
        ]);
        assert!(is_cross_site(&other));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "a")
        ])));
        assert!(!is_cross_site(&headers(&[("host", "a")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(is_csrf_token(&new_csrf_token()));
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/@a/status/1"), "/@a/status/1");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil"), "/");
    }
}

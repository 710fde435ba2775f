//! Who is browsing, and the checks on every request that changes state.
//!
//! - The session cookie (`cruddur_session`) holds the bearer token the backend issued; each
//!   page asks the backend who it belongs to, and a token the backend refuses is cleared.
//! - Every form carries a CSRF token (`csrf_token`) bound to the browser's session: the
//!   HMAC-SHA256 of the session cookie's value, base64url, while signed in. Signed out (the
//!   sign-in and sign-up forms) the browser holds a random anonymous id in its own cookie
//!   (`cruddur_anon`) and the token is the HMAC of that. A submitted token is compared with
//!   the one computed for the request's own cookies, in constant time. The binding changes at
//!   sign-in (the session replaces the anonymous id, whose cookie is dropped) and at sign-out
//!   (a fresh anonymous id), so a token seen before either is worthless after it.
//! - On top, a state-changing request whose `Origin` (or `Sec-Fetch-Site`) says it came from
//!   another site is refused before it reaches a handler.
//!
//! Why bound and not a plain double submit (a random cookie the field must equal): whoever
//! controls a sibling port or subdomain of the site can *set* cookies for it (cookies are not
//! kept apart by port, and a parent-domain cookie reaches every subdomain), so they could
//! plant a cookie and submit the same value. They cannot *read* the HttpOnly session cookie,
//! so they cannot compute its HMAC, and every signed-in form is out of their reach. (Planting
//! an anonymous id buys them no more than planting a session cookie would.) The token needs
//! no secret of the server's: the cookie it is computed from is the secret, so tokens survive
//! restarts and agree across replicas.
//!
//! Both cookies are HttpOnly, SameSite=Lax, Path=/ and carry no Domain. With `COOKIE_SECURE`
//! they are also Secure and named with the `__Host-` prefix (`__Host-cruddur_session`,
//! `__Host-cruddur_anon`), which browsers accept only from a secure page of this very host:
//! no sibling subdomain and no plain-HTTP page can plant or overwrite them.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use cruddur_contract::{AuthSession, User};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::api::{ApiClient, ApiError};
use crate::error::PageError;
use crate::startup::AppState;

/// The session cookie's name over plain HTTP.
pub const SESSION_COOKIE: &str = "cruddur_session";
/// The anonymous binding id's cookie name over plain HTTP.
pub const ANONYMOUS_COOKIE: &str = "cruddur_anon";
/// The names with `COOKIE_SECURE`: `__Host-` cookies cannot be set by other hosts.
pub const SECURE_SESSION_COOKIE: &str = "__Host-cruddur_session";
pub const SECURE_ANONYMOUS_COOKIE: &str = "__Host-cruddur_anon";
/// The hidden form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// What a CSRF token's HMAC is computed over, besides the kind of binding: it keeps these
/// MACs apart from any other use of the same cookie value.
const CSRF_CONTEXT: &[u8] = b"cruddur csrf token v1: ";

/// The browsing person: signed in or not, and the CSRF token their forms must carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: Option<User>,
    token: Option<String>,
    /// The browser's address, when known (behind trusted proxies, from `X-Forwarded-For`).
    client: Option<IpAddr>,
    /// The token this browser's forms carry: the HMAC of its session or anonymous id.
    pub csrf: String,
}

impl Viewer {
    /// The API client acting as this viewer.
    pub fn api(&self, api: &ApiClient) -> ApiClient {
        api.acting_for(self.token.as_deref(), self.client)
    }

    /// Whether `submitted` is this browser's CSRF token (compared in constant time).
    fn csrf_matches(&self, submitted: &str) -> bool {
        submitted.as_bytes().ct_eq(self.csrf.as_bytes()).into()
    }
}

/// A viewer who must be signed in; others are sent to `/signin`.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub viewer: Viewer,
}

/// How this site names and marks its cookies (read and set through axum-extra's cookie jar).
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn new(secure: bool) -> Self {
        Cookies { secure }
    }

    pub fn session_name(self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    pub fn anonymous_name(self) -> &'static str {
        if self.secure {
            SECURE_ANONYMOUS_COOKIE
        } else {
            ANONYMOUS_COOKIE
        }
    }

    /// The cookie that signs this browser in until `expires_at`.
    fn session(self, token: &str, expires_at: DateTime<Utc>) -> Cookie<'static> {
        let max_age = (expires_at - Utc::now()).num_seconds().max(0);
        self.cookie(self.session_name(), token, Some(max_age))
    }

    /// The cookie that hands out this anonymous id, for as long as the browser runs.
    fn anonymous(self, id: &str) -> Cookie<'static> {
        self.cookie(self.anonymous_name(), id, None)
    }

    /// The cookie that makes the browser forget cookie `name`. Built like the others rather
    /// than by the jar's `remove`, which would add an `Expires` the other cookies lack.
    fn clear(self, name: &'static str) -> Cookie<'static> {
        self.cookie(name, "", Some(0))
    }

    fn cookie(self, name: &'static str, value: &str, max_age: Option<i64>) -> Cookie<'static> {
        let mut cookie = Cookie::build((name, value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        if let Some(seconds) = max_age {
            cookie.set_max_age(time::Duration::seconds(seconds));
        }
        cookie
    }
}

/// What a form token is bound to.
enum Binding {
    /// The session cookie's value: the backend's bearer token.
    Session(String),
    /// The anonymous id of a signed-out browser.
    Anonymous(String),
}

impl Binding {
    /// The CSRF token: HMAC-SHA256 keyed by the cookie's value, base64url.
    fn csrf_token(&self) -> String {
        let (kind, key): (&[u8], &str) = match self {
            Binding::Session(token) => (b"session", token),
            Binding::Anonymous(id) => (b"anonymous", id),
        };
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(CSRF_CONTEXT);
        mac.update(kind);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// A sign-in or sign-out decided by a handler, for the layer to set the cookies of: put it
/// in the response (`(SessionChange::signed_in(&session), Redirect::to("/"))`).
#[derive(Clone)]
pub enum SessionChange {
    SignedIn {
        token: String,
        expires_at: DateTime<Utc>,
    },
    SignedOut,
}

impl SessionChange {
    pub fn signed_in(session: &AuthSession) -> Self {
        SessionChange::SignedIn {
            token: session.token.clone(),
            expires_at: session.expires_at,
        }
    }
}

impl IntoResponseParts for SessionChange {
    type Error = Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Infallible> {
        parts.extensions_mut().insert(self);
        Ok(parts)
    }
}

/// Identifies the viewer, refuses cross-site state changes, and keeps the cookies right.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if is_unsafe(request.method()) && is_cross_site(request.headers()) {
        return PageError::Forbidden.into_response();
    }
    let cookies = Cookies::new(state.cookie_secure);
    let jar = CookieJar::from_headers(request.headers());
    let session = cookie_value(&jar, cookies.session_name());
    let anonymous = cookie_value(&jar, cookies.anonymous_name()).filter(|id| is_anonymous_id(id));
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| state.trusted_proxies.client(peer.ip(), request.headers()));
    let mut viewer = Viewer {
        user: None,
        token: None,
        client,
        csrf: String::new(),
    };
    let mut refused = false;
    let is_asset = request.uri().path().starts_with("/static/");
    if let Some(token) = session.as_deref().filter(|_| !is_asset) {
        match state.api.acting_for(Some(token), client).me().await {
            Ok(user) => {
                viewer.user = Some(user);
                viewer.token = Some(token.to_owned());
            }
            Err(ApiError::Unauthorized) => refused = true,
            // The page will meet the same trouble and say so; the cookie may still be good.
            Err(error) => tracing::warn!(%error, "could not check the session"),
        }
    }
    let binding = match session.filter(|_| !refused) {
        Some(token) => Binding::Session(token),
        // Signed out: the browser's anonymous id, or a new one handed out with this answer.
        None => Binding::Anonymous(anonymous.clone().unwrap_or_else(new_anonymous_id)),
    };
    viewer.csrf = binding.csrf_token();
    let signed_in = viewer.user.is_some();
    request.extensions_mut().insert(viewer);

    let mut response = next.run(request).await;
    let change = response.extensions_mut().remove::<SessionChange>();
    let mut changed = Vec::new();
    let mut set = |cookie| changed.push(cookie);
    match change {
        Some(SessionChange::SignedIn { token, expires_at }) => {
            set(cookies.session(&token, expires_at));
            if anonymous.is_some() {
                set(cookies.clear(cookies.anonymous_name()));
            }
        }
        Some(SessionChange::SignedOut) => {
            set(cookies.clear(cookies.session_name()));
            set(cookies.anonymous(&new_anonymous_id()));
        }
        None => {
            if refused {
                set(cookies.clear(cookies.session_name()));
            }
            match binding {
                Binding::Anonymous(id) if anonymous.is_none() => set(cookies.anonymous(&id)),
                // Signed in, a leftover anonymous id is of no use.
                Binding::Session(_) if signed_in && anonymous.is_some() => {
                    set(cookies.clear(cookies.anonymous_name()));
                }
                _ => {}
            }
        }
    }
    let jar = changed.into_iter().fold(jar, CookieJar::add);
    (jar, response).into_response()
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

/// A form body whose CSRF token has been checked; a missing or wrong token is a 403, a body
/// over the limit (`startup::FORM_BODY_LIMIT`) a 413.
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
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => PageError::TooLarge,
                    _ => PageError::BadRequest,
                })?;
        let submitted: CsrfField =
            serde_urlencoded::from_bytes(&body).map_err(|_| PageError::Forbidden)?;
        if !viewer.csrf_matches(&submitted.csrf_token) {
            return Err(PageError::Forbidden);
        }
        let form = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
        Ok(CsrfForm(form))
    }
}

/// The value of cookie `name` that the request brought; an empty one is none.
fn cookie_value(jar: &CookieJar, name: &str) -> Option<String> {
    jar.get(name)
        .map(Cookie::value)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
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

fn new_anonymous_id() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn is_anonymous_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The longest `back` path followed; a longer one is not a page of this site's making.
const BACK_MAX_LEN: usize = 2048;

/// A path on this site to go back to after a form, or `/`: never another site's address.
///
/// Browsers drop tabs and newlines from a URL and read `\` as `/`, so `/\t/evil.example`
/// or `/\evil.example` would be `//evil.example`, another origin. Only a path made of
/// visible ASCII (it is sent as a `Location` header) that starts with one `/` and holds no
/// `//`, no backslash and no control or space character is kept, and it must stay so once
/// percent-decoded (`/%2F/evil`, `/%5Cevil`, `/%09/evil`), for whatever decodes it next.
pub fn local_path(back: &str) -> &str {
    let decoded = percent_encoding::percent_decode_str(back).decode_utf8_lossy();
    let is_local = back.len() <= BACK_MAX_LEN
        && back.bytes().all(|b| b.is_ascii_graphic())
        && is_same_origin_path(back)
        && is_same_origin_path(&decoded);
    if is_local { back } else { "/" }
}

fn is_same_origin_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn cookies_are_found_by_name() {
        let jar = CookieJar::from_headers(&headers(&[("cookie", "a=1; cruddur_anon=xyz; b=")]));
        assert_eq!(cookie_value(&jar, ANONYMOUS_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie_value(&jar, "b"), None);
        assert_eq!(cookie_value(&jar, SESSION_COOKIE), None);
    }

    #[test]
    fn secure_cookies_are_host_prefixed_and_marked() {
        let secure = Cookies::new(true);
        assert_eq!(secure.session_name(), "__Host-cruddur_session");
        assert_eq!(secure.anonymous_name(), "__Host-cruddur_anon");
        let set = secure.anonymous("id").to_string();
        assert!(set.starts_with("__Host-cruddur_anon=id;"), "{set}");
        for attribute in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(!set.contains("Domain") && !set.contains("Max-Age"), "{set}");
        let plain = Cookies::new(false);
        assert_eq!(plain.session_name(), "cruddur_session");
        assert!(!plain.anonymous("id").to_string().contains("Secure"));
        let cleared = plain.clear(SESSION_COOKIE).to_string();
        assert_eq!(
            cleared,
            "cruddur_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn csrf_tokens_are_the_hmac_of_their_binding() {
        let session = Binding::Session("a.jwt.token".into()).csrf_token();
        // HMAC-SHA256(key, context || kind), computed independently of this module's code.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"a.jwt.token").unwrap();
        mac.update(b"cruddur csrf token v1: session");
        assert_eq!(session, URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
        assert_eq!(session.len(), 43);
        assert_ne!(session, Binding::Session("a.jwt.tokem".into()).csrf_token());
        // The same value as another kind of binding gives another token.
        assert_ne!(
            session,
            Binding::Anonymous("a.jwt.token".into()).csrf_token()
        );
        let id = new_anonymous_id();
        assert!(is_anonymous_id(&id));
        assert_ne!(id, Binding::Anonymous(id.clone()).csrf_token());
    }

    #[test]
    fn tokens_compare_whole() {
        let viewer = Viewer {
            user: None,
            token: None,
            client: None,
            csrf: "abc".into(),
        };
        assert!(viewer.csrf_matches("abc"));
        assert!(!viewer.csrf_matches("abd"));
        assert!(!viewer.csrf_matches("ab"));
        assert!(!viewer.csrf_matches(""));
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
    fn local_paths_are_returned_to() {
        for path in [
            "/",
            "/@a/status/1",
            "/search?term=%23rust",
            "/@a%2Fb",
            "/messages/@ada#composer",
            "/%C3%A9",
        ] {
            assert_eq!(local_path(path), path);
        }
    }

    #[test]
    fn other_origins_are_never_returned_to() {
        for back in [
            "",
            "evil.example",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/a\\b",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/a b",
            "/é",
            "/\u{7f}",
            "/a//b",
            // Percent-encoded, the same tricks.
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%0D%0A/evil.example",
            "/%20/evil.example",
            "/%00",
            "/%E3%80%80/evil.example",
            "%2F%2Fevil.example",
            "%2Fa",
        ] {
            assert_eq!(local_path(back), "/", "{back:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(BACK_MAX_LEN))), "/");
    }
}

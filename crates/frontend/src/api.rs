//! The client of the backend's JSON API, speaking the shared contract types.
//!
//! Every call is bounded by the configured timeout, so a slow or absent backend turns into an
//! error page quickly instead of a hung browser tab.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use cruddur_contract::{
    Activity, AuthSession, CreateActivity, CreateMessage, CreateReply, ErrorCode, Message,
    MessageGroup, Notification, Profile, Reaction, Reply, SignIn, SignUp, UpdateProfile, User,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;
use uuid::Uuid;

/// Why a call to the backend did not give what was asked for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    /// Someone else's to change.
    #[error("forbidden")]
    Forbidden,
    /// No token, an expired or revoked one, or a wrong password at sign-in.
    #[error("not signed in")]
    Unauthorized,
    #[error("validation failed: {0:?}")]
    Validation(Vec<ErrorCode>),
    #[error("the backend did not answer in time")]
    Timeout,
    #[error("the backend is unreachable")]
    Unreachable(#[source] reqwest::Error),
    #[error("the backend is unavailable")]
    Unavailable,
    /// The backend refused a body larger than its limit (413).
    #[error("the body is too large for the backend")]
    TooLarge,
    /// Too many sign-in attempts for the account or from this browser's address.
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("the backend answered {0}")]
    Unexpected(String),
}

/// One page of a feed and the cursor of the next one, when there is more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    /// The signed-in user's bearer token, sent with every call when set.
    token: Option<String>,
    /// The browser's address, sent as `X-Forwarded-For` so the backend's per-address limits
    /// (sign-in attempts) count browsers, not this frontend.
    client: Option<IpAddr>,
    /// Sent with `X-Forwarded-For` when set: what the backend believes it by.
    frontend_key: Option<Arc<SecretString>>,
}

/// The answer to a conditional request: unchanged since the entity tag sent, or changed.
#[derive(Debug)]
pub enum Revalidated<T> {
    NotModified,
    Modified { etag: Option<String>, value: T },
}

impl ApiClient {
    /// A client of the API at `base`. Pooled connections are dropped once idle for
    /// `pool_idle`: it must be shorter than the backend's idle timeout, or a request could
    /// meet a connection the backend is closing.
    pub fn new(
        base: Url,
        timeout: Duration,
        pool_idle: Duration,
        frontend_key: Option<SecretString>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(pool_idle)
            // The backend is a neighbour on a private network; an HTTP_PROXY meant for the
            // outside world must not sit between the two.
            .no_proxy()
            .build()?;
        Ok(ApiClient {
            http,
            base,
            token: None,
            client: None,
            frontend_key: frontend_key.map(Arc::new),
        })
    }

    /// This client acting for the browser at `client`, as the user holding `token` (the same
    /// connection pool).
    pub fn acting_for(&self, token: Option<&str>, client: Option<IpAddr>) -> ApiClient {
        ApiClient {
            token: token.map(str::to_owned),
            client,
            ..self.clone()
        }
    }

    pub async fn sign_up(&self, body: &SignUp) -> Result<AuthSession, ApiError> {
        self.send_json(Method::POST, &["api", "auth", "sign_up"], body)
            .await
    }

    pub async fn sign_in(&self, body: &SignIn) -> Result<AuthSession, ApiError> {
        self.send_json(Method::POST, &["api", "auth", "sign_in"], body)
            .await
    }

    /// Ends the session of this client's token.
    pub async fn sign_out(&self) -> Result<(), ApiError> {
        let url = self.url(&["api", "auth", "sign_out"]);
        self.call(Method::POST, url, None::<&()>).await.map(drop)
    }

    /// The user this client's token belongs to.
    pub async fn me(&self) -> Result<User, ApiError> {
        let response = self.get(self.url(&["api", "me"])).await?;
        decode(response).await
    }

    pub async fn create_activity(&self, body: &CreateActivity) -> Result<Activity, ApiError> {
        self.send_json(Method::POST, &["api", "activities"], body)
            .await
    }

    pub async fn reply(&self, to: Uuid, body: &CreateReply) -> Result<Reply, ApiError> {
        let to = to.to_string();
        self.send_json(Method::POST, &["api", "activities", &to, "reply"], body)
            .await
    }

    /// Gives (`on`) or takes back a like or repost; both are idempotent.
    pub async fn react(&self, uuid: Uuid, reaction: Reaction, on: bool) -> Result<(), ApiError> {
        let url = self.url(&["api", "activities", &uuid.to_string(), reaction.as_str()]);
        let method = if on { Method::POST } else { Method::DELETE };
        self.call(method, url, None::<&()>).await.map(drop)
    }

    /// Changes the signed-in user's display name and bio.
    pub async fn update_profile(&self, body: &UpdateProfile) -> Result<User, ApiError> {
        self.send_json(Method::PATCH, &["api", "me"], body).await
    }

    /// Deletes the signed-in user's own crud or reply.
    pub async fn delete(&self, uuid: Uuid) -> Result<(), ApiError> {
        let url = self.url(&["api", "activities", &uuid.to_string()]);
        self.call(Method::DELETE, url, None::<&()>).await.map(drop)
    }

    /// Follows (`on`) or unfollows a user.
    pub async fn follow(&self, handle: &str, on: bool) -> Result<Profile, ApiError> {
        let url = self.url(&["api", "users", &format!("@{handle}"), "follow"]);
        let method = if on { Method::POST } else { Method::DELETE };
        decode(self.call(method, url, None::<&()>).await?).await
    }

    /// The signed-in user's notifications, newest first.
    pub async fn notifications(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<Notification>, ApiError> {
        let mut url = self.url(&["api", "activities", "notifications"]);
        page_query(&mut url, cursor, None);
        self.page(url).await
    }

    /// The signed-in user's conversations, most recent first.
    pub async fn message_groups(&self) -> Result<Vec<MessageGroup>, ApiError> {
        decode(self.get(self.url(&["api", "message_groups"])).await?).await
    }

    /// The latest messages with `handle`, oldest first.
    pub async fn conversation(&self, handle: &str) -> Result<Vec<Message>, ApiError> {
        let url = self.url(&["api", "messages", &format!("@{handle}")]);
        decode(self.get(url).await?).await
    }

    pub async fn send_message(&self, body: &CreateMessage) -> Result<Message, ApiError> {
        self.send_json(Method::POST, &["api", "messages"], body)
            .await
    }

    /// The public timeline, newest first.
    pub async fn home(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page<Activity>, ApiError> {
        let mut url = self.url(&["api", "activities", "home"]);
        page_query(&mut url, cursor, limit);
        self.page(url).await
    }

    /// The signed-in user's following feed, newest first.
    pub async fn following(&self, cursor: Option<&str>) -> Result<Page<Activity>, ApiError> {
        let mut url = self.url(&["api", "activities", "following"]);
        page_query(&mut url, cursor, None);
        self.page(url).await
    }

    /// The public timeline's first page, unless it still has the entity tag `known` (then the
    /// backend answers a bodiless 304 from its cache).
    pub async fn home_if_changed(
        &self,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
        self.page_if_changed(self.url(&["api", "activities", "home"]), known)
            .await
    }

    /// A page of search results, unless it still has the entity tag `known`.
    pub async fn search_if_changed(
        &self,
        term: &str,
        cursor: Option<&str>,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
        self.page_if_changed(
            search_url(self.url(&["api", "activities", "search"]), term, cursor),
            known,
        )
        .await
    }

    async fn page_if_changed(
        &self,
        url: Url,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
        let mut request = self.request(Method::GET, url);
        if let Some(etag) = known {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let response = self.send(request).await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(Revalidated::NotModified);
        }
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|etag| etag.to_str().ok())
            .map(str::to_owned);
        let value = self.read_page(response).await?;
        Ok(Revalidated::Modified { etag, value })
    }

    /// One user's live cruds, newest first.
    pub async fn user_activities(
        &self,
        handle: &str,
        cursor: Option<&str>,
    ) -> Result<Page<Activity>, ApiError> {
        let mut url = self.url(&["api", "activities", &format!("@{handle}")]);
        page_query(&mut url, cursor, None);
        self.page(url).await
    }

    /// Live cruds matching `term`; a blank term is `search_term_blank`.
    pub async fn search(
        &self,
        term: &str,
        cursor: Option<&str>,
    ) -> Result<Page<Activity>, ApiError> {
        self.page(search_url(
            self.url(&["api", "activities", "search"]),
            term,
            cursor,
        ))
        .await
    }

    /// One live crud with its replies.
    pub async fn activity(&self, uuid: Uuid) -> Result<Activity, ApiError> {
        let url = self.url(&["api", "activities", &uuid.to_string()]);
        let response = self.get(url).await?;
        decode(response).await
    }

    pub async fn profile(&self, handle: &str) -> Result<Profile, ApiError> {
        let url = self.url(&["api", "users", &format!("@{handle}")]);
        let response = self.get(url).await?;
        decode(response).await
    }

    /// The base URL with these path segments appended, each percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn get(&self, url: Url) -> Result<Response, ApiError> {
        self.call(Method::GET, url, None::<&()>).await
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ApiError> {
        let url = self.url(segments);
        decode(self.call(method, url, Some(body)).await?).await
    }

    /// One call with an optional JSON body.
    async fn call<B: Serialize>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<Response, ApiError> {
        let mut request = self.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    /// A request with the token (when set) and the browser's address (when known).
    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(client) = self.client {
            request = request.header(cruddur_serve::FORWARDED_FOR, client.to_string());
            if let Some(key) = &self.frontend_key {
                request = request.header(cruddur_serve::FRONTEND_KEY, key.expose_secret());
            }
        }
        request
    }

    /// Sends `request`; statuses other than success (and the 304 that only a conditional
    /// request gets) become the matching [`ApiError`].
    async fn send(&self, request: RequestBuilder) -> Result<Response, ApiError> {
        let response = request.send().await.map_err(transport)?;
        match response.status() {
            status if status.is_success() || status == StatusCode::NOT_MODIFIED => Ok(response),
            StatusCode::NOT_FOUND => Err(ApiError::NotFound),
            StatusCode::FORBIDDEN => Err(ApiError::Forbidden),
            StatusCode::UNAUTHORIZED => Err(ApiError::Unauthorized),
            StatusCode::UNPROCESSABLE_ENTITY => match response.json().await {
                Ok(codes) => Err(ApiError::Validation(codes)),
                Err(error) => Err(transport(error)),
            },
            StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge),
            StatusCode::SERVICE_UNAVAILABLE => Err(ApiError::Unavailable),
            StatusCode::TOO_MANY_REQUESTS => Err(ApiError::TooManyAttempts),
            status => Err(ApiError::Unexpected(status.to_string())),
        }
    }

    async fn page<T: DeserializeOwned>(&self, url: Url) -> Result<Page<T>, ApiError> {
        self.read_page(self.get(url).await?).await
    }

    async fn read_page<T: DeserializeOwned>(
        &self,
        response: Response,
    ) -> Result<Page<T>, ApiError> {
        let next_cursor = response
            .headers()
            .get(header::LINK)
            .and_then(|link| link.to_str().ok())
            .and_then(|link| next_cursor(&self.base, link));
        Ok(Page {
            items: decode(response).await?,
            next_cursor,
        })
    }
}

/// The search route's address for `term`, from `cursor` on.
fn search_url(mut url: Url, term: &str, cursor: Option<&str>) -> Url {
    url.query_pairs_mut().append_pair("term", term);
    page_query(&mut url, cursor, None);
    url
}

/// Adds the cursor and the limit that are set; with neither, the URL keeps no `?` at all
/// (the plain first page is the one the backend serves from its cache).
fn page_query(url: &mut Url, cursor: Option<&str>, limit: Option<u32>) {
    let cursor = cursor.filter(|c| !c.is_empty());
    if cursor.is_none() && limit.is_none() {
        return;
    }
    let mut query = url.query_pairs_mut();
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    if let Some(limit) = limit {
        query.append_pair("limit", &limit.to_string());
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response.json().await.map_err(transport)
}

fn transport(error: reqwest::Error) -> ApiError {
    if error.is_timeout() {
        ApiError::Timeout
    } else if error.is_decode() {
        ApiError::Unexpected(format!("a body that does not decode: {error}"))
    } else {
        ApiError::Unreachable(error)
    }
}

/// The cursor carried by the `rel="next"` URL of a `Link` header
/// (`</api/activities/home?cursor=…>; rel="next"`).
pub fn next_cursor(base: &Url, link: &str) -> Option<String> {
    link.split(',').find_map(|entry| {
        let (target, params) = entry.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|param| param.trim().trim_start_matches("rel=").trim_matches('"') == "next");
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let url = base.join(target).ok()?;
        is_next
            .then(|| {
                url.query_pairs()
                    .find(|(key, _)| key == "cursor")
                    .map(|(_, value)| value.into_owned())
            })
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_cursor_comes_from_the_link_header() {
        let base = Url::parse("http://backend:4567").unwrap();
        let link = r#"</api/activities/search?term=a+b&cursor=MTIz>; rel="next""#;
        assert_eq!(next_cursor(&base, link).as_deref(), Some("MTIz"));
        assert_eq!(next_cursor(&base, r#"</x?cursor=1>; rel="prev""#), None);
        assert_eq!(next_cursor(&base, "garbage"), None);
    }

    #[test]
    fn the_plain_first_page_is_asked_for_without_a_query() {
        let base = Url::parse("http://backend:4567/api/activities/home").unwrap();
        let mut url = base.clone();
        page_query(&mut url, Some(""), None);
        assert_eq!(url.as_str(), "http://backend:4567/api/activities/home");
        page_query(&mut url, Some("MTIz"), Some(5));
        assert_eq!(url.query(), Some("cursor=MTIz&limit=5"));
    }

    #[test]
    fn handles_are_percent_encoded_into_one_path_segment() {
        let client = ApiClient::new(
            Url::parse("http://backend:4567/").unwrap(),
            Duration::from_secs(1),
            Duration::from_secs(1),
            None,
        )
        .unwrap();
        let url = client.url(&["api", "users", "@a/b?c"]);
        assert_eq!(url.as_str(), "http://backend:4567/api/users/@a%2Fb%3Fc");
    }
}

//! The client of the backend's JSON API, speaking the shared contract types.
//!
//! Every call is bounded by the configured timeout, so a slow or absent backend turns into an
//! error page quickly instead of a hung browser tab.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use cruddur_contract::routes::{self, Endpoint, Route};
use cruddur_contract::{
    Activity, ActivityId, AuthSession, CreateActivity, CreateMessage, CreateReply, ErrorCode,
    Handle, Message, MessageGroup, Notification, Profile, Reaction, Reply, SignIn, SignUp,
    UpdateProfile, User,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

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
        self.send_json(routes::SIGN_UP, &[], body).await
    }

    pub async fn sign_in(&self, body: &SignIn) -> Result<AuthSession, ApiError> {
        self.send_json(routes::SIGN_IN, &[], body).await
    }

    /// Ends the session of this client's token.
    pub async fn sign_out(&self) -> Result<(), ApiError> {
        self.call(routes::SIGN_OUT, &[]).await
    }

    /// The user this client's token belongs to.
    pub async fn me(&self) -> Result<User, ApiError> {
        self.read(routes::ME, &[]).await
    }

    pub async fn create_activity(&self, body: &CreateActivity) -> Result<Activity, ApiError> {
        self.send_json(routes::CREATE_ACTIVITY, &[], body).await
    }

    pub async fn reply(&self, to: ActivityId, body: &CreateReply) -> Result<Reply, ApiError> {
        self.send_json(routes::REPLY, &[&to.to_string()], body)
            .await
    }

    /// Gives (`on`) or takes back a like or repost; both are idempotent.
    pub async fn react(
        &self,
        uuid: ActivityId,
        reaction: Reaction,
        on: bool,
    ) -> Result<(), ApiError> {
        self.call(reaction.endpoint(on), &[&uuid.to_string()]).await
    }

    /// Changes the signed-in user's display name and bio.
    pub async fn update_profile(&self, body: &UpdateProfile) -> Result<User, ApiError> {
        self.send_json(routes::UPDATE_ME, &[], body).await
    }

    /// Deletes the signed-in user's own crud or reply.
    pub async fn delete(&self, uuid: ActivityId) -> Result<(), ApiError> {
        self.call(routes::DELETE_ACTIVITY, &[&uuid.to_string()])
            .await
    }

    /// Follows (`on`) or unfollows a user.
    pub async fn follow(&self, handle: &Handle, on: bool) -> Result<Profile, ApiError> {
        let route = if on { routes::FOLLOW } else { routes::UNFOLLOW };
        self.read(route, &[handle]).await
    }

    /// The signed-in user's notifications, newest first.
    pub async fn notifications(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<Notification>, ApiError> {
        self.page(routes::NOTIFICATIONS, &[], &page_query(cursor, None))
            .await
    }

    /// The signed-in user's conversations, most recent first.
    pub async fn message_groups(&self) -> Result<Vec<MessageGroup>, ApiError> {
        self.read(routes::MESSAGE_GROUPS, &[]).await
    }

    /// The latest messages with `handle`, oldest first.
    pub async fn conversation(&self, handle: &Handle) -> Result<Vec<Message>, ApiError> {
        self.read(routes::CONVERSATION, &[handle]).await
    }

    pub async fn send_message(&self, body: &CreateMessage) -> Result<Message, ApiError> {
        self.send_json(routes::SEND_MESSAGE, &[], body).await
    }

    /// The public timeline, newest first.
    pub async fn home(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page<Activity>, ApiError> {
        self.page(routes::HOME, &[], &page_query(cursor, limit))
            .await
    }

    /// The signed-in user's following feed, newest first.
    pub async fn following(&self, cursor: Option<&str>) -> Result<Page<Activity>, ApiError> {
        self.page(routes::FOLLOWING, &[], &page_query(cursor, None))
            .await
    }

    /// The public timeline's first page, unless it still has the entity tag `known` (then the
    /// backend answers a bodiless 304 from its cache).
    pub async fn home_if_changed(
        &self,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
        self.page_if_changed(self.request(routes::HOME.route, &[], &[]), known)
            .await
    }

    /// A page of search results, unless it still has the entity tag `known`.
    pub async fn search_if_changed(
        &self,
        term: &str,
        cursor: Option<&str>,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
        let request = self.request(routes::SEARCH.route, &[], &search_query(term, cursor));
        self.page_if_changed(request, known).await
    }

    async fn page_if_changed(
        &self,
        mut request: RequestBuilder,
        known: Option<&str>,
    ) -> Result<Revalidated<Page<Activity>>, ApiError> {
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
        handle: &Handle,
        cursor: Option<&str>,
    ) -> Result<Page<Activity>, ApiError> {
        self.page(
            routes::USER_ACTIVITIES,
            &[handle],
            &page_query(cursor, None),
        )
        .await
    }

    /// Live cruds matching `term`; a blank term is `search_term_blank`.
    pub async fn search(
        &self,
        term: &str,
        cursor: Option<&str>,
    ) -> Result<Page<Activity>, ApiError> {
        self.page(routes::SEARCH, &[], &search_query(term, cursor))
            .await
    }

    /// One live crud with its replies.
    pub async fn activity(&self, uuid: ActivityId) -> Result<Activity, ApiError> {
        self.read(routes::ACTIVITY, &[&uuid.to_string()]).await
    }

    pub async fn profile(&self, handle: &Handle) -> Result<Profile, ApiError> {
        self.read(routes::PROFILE, &[handle]).await
    }

    /// The address of `route` with its path parameters filled in, each percent-encoded as one
    /// segment, and the query pairs given (none: no `?` at all).
    fn url(&self, route: Route, parameters: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(route.segments(parameters));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// A call of `route`, with the token (when set) and the browser's address (when known).
    fn request(
        &self,
        route: Route,
        parameters: &[&str],
        query: &[(&str, String)],
    ) -> RequestBuilder {
        let method = match route.method {
            routes::Method::Get => Method::GET,
            routes::Method::Post => Method::POST,
            routes::Method::Patch => Method::PATCH,
            routes::Method::Delete => Method::DELETE,
        };
        let mut request = self
            .http
            .request(method, self.url(route, parameters, query));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        // The page's request id, so the API logs its calls under the same one.
        if let Some(id) = cruddur_serve::current_request_id() {
            request = request.header(cruddur_serve::REQUEST_ID, id);
        }
        if let Some(client) = self.client {
            request = request.header(cruddur_serve::FORWARDED_FOR, client.to_string());
            if let Some(key) = &self.frontend_key {
                request = request.header(cruddur_serve::FRONTEND_KEY, key.expose_secret());
            }
        }
        request
    }

    /// Calls an endpoint that takes no body and answers none.
    async fn call(&self, endpoint: Endpoint<(), ()>, parameters: &[&str]) -> Result<(), ApiError> {
        self.send(self.request(endpoint.route, parameters, &[]))
            .await
            .map(drop)
    }

    /// Calls an endpoint that takes no body, and reads its answer.
    async fn read<A: DeserializeOwned>(
        &self,
        endpoint: Endpoint<(), A>,
        parameters: &[&str],
    ) -> Result<A, ApiError> {
        decode(
            self.send(self.request(endpoint.route, parameters, &[]))
                .await?,
        )
        .await
    }

    /// Calls an endpoint with its body, and reads its answer.
    async fn send_json<B: Serialize, A: DeserializeOwned>(
        &self,
        endpoint: Endpoint<B, A>,
        parameters: &[&str],
        body: &B,
    ) -> Result<A, ApiError> {
        let request = self.request(endpoint.route, parameters, &[]).json(body);
        decode(self.send(request).await?).await
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

    /// A page of an endpoint that answers a list.
    async fn page<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint<(), Vec<T>>,
        parameters: &[&str],
        query: &[(&str, String)],
    ) -> Result<Page<T>, ApiError> {
        let response = self
            .send(self.request(endpoint.route, parameters, query))
            .await?;
        self.read_page(response).await
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

/// The search's query for `term`, from `cursor` on.
fn search_query(term: &str, cursor: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = vec![("term", term.to_owned())];
    query.extend(page_query(cursor, None));
    query
}

/// The cursor and the limit that are set (a blank cursor is none).
fn page_query(cursor: Option<&str>, limit: Option<u32>) -> Vec<(&'static str, String)> {
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(|c| ("cursor", c.to_owned()));
    let limit = limit.map(|limit| ("limit", limit.to_string()));
    cursor.into_iter().chain(limit).collect()
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

    fn client() -> ApiClient {
        let base = Url::parse("http://backend:4567/").unwrap();
        let second = Duration::from_secs(1);
        ApiClient::new(base, second, second, None).unwrap()
    }

    #[test]
    fn the_plain_first_page_is_asked_for_without_a_query() {
        let client = client();
        let first = client.url(routes::HOME.route, &[], &page_query(Some(""), None));
        assert_eq!(first.as_str(), "http://backend:4567/api/activities/home");
        let next = client.url(routes::HOME.route, &[], &page_query(Some("MTIz"), Some(5)));
        assert_eq!(next.query(), Some("cursor=MTIz&limit=5"));
    }

    #[test]
    fn handles_are_percent_encoded_into_one_path_segment() {
        let url = client().url(routes::PROFILE.route, &["a/b?c"], &[]);
        assert_eq!(url.as_str(), "http://backend:4567/api/users/@a%2Fb%3Fc");
    }
}

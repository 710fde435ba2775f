//! The client of the backend's JSON API, speaking the shared contract types.
//!
//! Every call is bounded by the configured timeout, so a slow or absent backend turns into an
//! error page quickly instead of a hung browser tab.

use std::time::Duration;

use cruddur_contract::{Activity, ErrorCode, Profile};
use reqwest::{Response, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;
use uuid::Uuid;

/// Why a call to the backend did not give what was asked for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("validation failed: {0:?}")]
    Validation(Vec<ErrorCode>),
    #[error("the backend did not answer in time")]
    Timeout,
    #[error("the backend is unreachable")]
    Unreachable(#[source] reqwest::Error),
    #[error("the backend is unavailable")]
    Unavailable,
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
}

impl ApiClient {
    pub fn new(base: Url, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // The backend is a neighbour on a private network; an HTTP_PROXY meant for the
            // outside world must not sit between the two.
            .no_proxy()
            .build()?;
        Ok(ApiClient { http, base })
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
        let mut url = self.url(&["api", "activities", "search"]);
        url.query_pairs_mut().append_pair("term", term);
        page_query(&mut url, cursor, None);
        self.page(url).await
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
        let response = self.http.get(url).send().await.map_err(transport)?;
        match response.status() {
            status if status.is_success() => Ok(response),
            StatusCode::NOT_FOUND => Err(ApiError::NotFound),
            StatusCode::UNPROCESSABLE_ENTITY => match response.json().await {
                Ok(codes) => Err(ApiError::Validation(codes)),
                Err(error) => Err(transport(error)),
            },
            StatusCode::SERVICE_UNAVAILABLE => Err(ApiError::Unavailable),
            status => Err(ApiError::Unexpected(status.to_string())),
        }
    }

    async fn page(&self, url: Url) -> Result<Page<Activity>, ApiError> {
        let response = self.get(url).await?;
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

fn page_query(url: &mut Url, cursor: Option<&str>, limit: Option<u32>) {
    let mut query = url.query_pairs_mut();
    if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
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
    fn handles_are_percent_encoded_into_one_path_segment() {
        let client = ApiClient::new(
            Url::parse("http://backend:4567/").unwrap(),
            Duration::from_secs(1),
        )
        .unwrap();
        let url = client.url(&["api", "users", "@a/b?c"]);
        assert_eq!(url.as_str(), "http://backend:4567/api/users/@a%2Fb%3Fc");
    }
}

//! Feeds answer with a JSON array (the week-1 shape) and, when there is more, a
//! `Link: <…>; rel="next"` header whose URL carries the cursor.

use axum::body::Bytes;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use cruddur_contract::{Cursor, PageParams};
use cruddur_store::Page;
use serde::Serialize;

use crate::conditional::entity_tag;
use crate::error::ApiError;

/// Reads `cursor` and `limit`. The store is asked for one item more than the limit, so
/// [`Paged::new`] can tell whether a next page exists without a second query.
pub fn page_of(params: &PageParams) -> Result<(Page, u32), ApiError> {
    let (after, limit) = params.resolve()?;
    Ok((
        Page {
            after,
            limit: limit + 1,
        },
        limit,
    ))
}

/// A page as sent: the JSON body, the `Link` header, and the `ETag` naming both (kept as is
/// by the read cache).
#[derive(Debug, Clone)]
pub struct EncodedPage {
    pub body: Bytes,
    pub link: Option<HeaderValue>,
    pub etag: HeaderValue,
}

impl EncodedPage {
    pub fn new(body: Bytes, link: Option<HeaderValue>) -> Self {
        let etag = entity_tag(&[&body, link.as_ref().map_or(&[], HeaderValue::as_bytes)]);
        EncodedPage { body, link, etag }
    }

    /// `items` as the JSON body, with the `Link` header `link`.
    pub fn json<T: Serialize + ?Sized>(
        items: &T,
        link: Option<HeaderValue>,
    ) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(items).map_err(|error| ApiError::Internal(error.into()))?;
        Ok(EncodedPage::new(body.into(), link))
    }
}

/// Items that have a feed position.
pub trait Positioned {
    fn cursor(&self) -> Cursor;
}

/// One page of a feed, ready to send.
pub struct Paged<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl<T: Positioned> Paged<T> {
    /// `items` as fetched with [`page_of`]'s over-read; `uri` is the request's, reused for the
    /// next link with the cursor replaced.
    pub fn new(mut items: Vec<T>, limit: u32, uri: &Uri) -> Self {
        let limit = limit as usize;
        let next = (items.len() > limit).then(|| {
            items.truncate(limit);
            next_link(uri, &items[limit - 1].cursor())
        });
        Paged { items, next }
    }

    /// A page that has no next page of its own but stopped looking at `searched_to` links on
    /// from there (a search that bounds its work, see `Store::search`).
    pub fn or_on_from(mut self, searched_to: Option<Cursor>, uri: &Uri) -> Self {
        if self.next.is_none() {
            self.next = searched_to.map(|cursor| next_link(uri, &cursor));
        }
        self
    }

    /// Puts the page in the opposite order (a conversation reads oldest first) while the
    /// cursor keeps walking back in time.
    pub fn reversed(mut self) -> Self {
        self.items.reverse();
        self
    }
}

impl<T: Serialize> Paged<T> {
    /// The page as sent: its JSON body and its `Link` header.
    pub fn encode(&self) -> Result<EncodedPage, ApiError> {
        let link = self
            .next
            .as_deref()
            .and_then(|link| HeaderValue::from_str(link).ok());
        EncodedPage::json(&self.items, link)
    }

    /// The page's items, as sent.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        match self.encode() {
            Ok(page) => page.into_response(),
            Err(error) => error.into_response(),
        }
    }
}

impl IntoResponse for EncodedPage {
    fn into_response(self) -> Response {
        let mut response = (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::ETAG, self.etag),
            ],
            self.body,
        )
            .into_response();
        if let Some(link) = self.link {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}

fn next_link(uri: &Uri, cursor: &Cursor) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", &cursor.encode());
    format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish())
}

mod positions {
    use cruddur_contract::{Activity, Cursor, Message, MessageGroup, Notification};

    use super::Positioned;

    macro_rules! positioned_by_created_at {
        ($($item:ty),*) => {$(
            impl Positioned for $item {
                fn cursor(&self) -> Cursor {
                    Cursor { created_at: self.created_at, uuid: self.uuid.0 }
                }
            }
        )*};
    }

    positioned_by_created_at!(Activity, Message, MessageGroup);

    /// A notification's `uuid` is the activity it is about; the feed is ordered by its own.
    impl Positioned for Notification {
        fn cursor(&self) -> Cursor {
            Cursor {
                created_at: self.created_at,
                uuid: self.notification_uuid.0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_next_link_keeps_other_parameters_and_replaces_the_cursor() {
        let uri: Uri = "/api/activities/search?term=%23rust&cursor=old&limit=5"
            .parse()
            .unwrap();
        let cursor = Cursor {
            created_at: Utc::now(),
            uuid: Uuid::new_v4(),
        };
        let link = next_link(&uri, &cursor);
        assert_eq!(
            link,
            format!(
                "</api/activities/search?term=%23rust&limit=5&cursor={}>; rel=\"next\"",
                cursor.encode()
            )
        );
    }
}

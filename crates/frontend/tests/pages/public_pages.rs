//! The signed-out home page and search pages are rendered once and revalidated against their
//! data's entity tag on every visit: the same page for every signed-out visitor, and never
//! behind the timeline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode as AxumStatus, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{TimeDelta, Utc};
use cruddur_contract::Activity;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{Page, Stack, get as get_page, spawn_frontend, spawn_stack};

#[tokio::test]
async fn signed_out_visitors_get_the_same_page_without_a_token_and_sign_in_links() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    let crud = stack.crud(&ada, "hello").await;

    let first = one_page_for_everyone(&stack, "/").await;
    first.assert(
        StatusCode::OK,
        &["hello", r#"<a class="action" href="/signin">Like</a>"#],
    );
    assert!(
        first.header("set-cookie").starts_with("cruddur_anon="),
        "each browser still gets its own anonymous id for the sign-in form's token"
    );

    let signed_in = stack.signed_up_browser("bob", "Bob").await.get("/").await;
    signed_in.assert(
        StatusCode::OK,
        &[
            "csrf_token",
            &format!(r#"action="/cruds/{}/like""#, crud.uuid),
        ],
    );
}

/// Two signed-out visits of `path`: the same page, with no browser's token in it.
async fn one_page_for_everyone(stack: &Stack, path: &str) -> Page {
    let first = stack.page(path).await;
    let second = stack.page(path).await;
    assert_eq!(
        first.body, second.body,
        "{path}: one page for every signed-out visitor"
    );
    assert!(
        !first.body.contains("csrf_token"),
        "{path}: no browser's token in it"
    );
    first
}

/// A GET of the frontend's `path` with the `Accept-Encoding` of a browser.
fn asking_for_gzip(stack: &Stack, path: &str) -> reqwest::RequestBuilder {
    stack
        .client
        .get(format!("http://{}{path}", stack.frontend.address))
        .header("accept-encoding", "gzip, deflate, br")
}

#[tokio::test]
async fn signed_out_pages_are_gzipped_for_browsers_that_take_it_and_no_other_page_is() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    stack.crud(&ada, "hello").await;
    for path in ["/", "/search?term=hello"] {
        let plain = stack.page(path).await;
        let gzipped = asking_for_gzip(&stack, path).send().await.unwrap();
        assert_eq!(gzipped.status(), StatusCode::OK);
        assert_eq!(gzipped.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(gzipped.headers()["vary"], "accept-encoding");
        assert_eq!(plain.header("vary"), "accept-encoding");
        let body = gzipped.bytes().await.unwrap();
        assert!(body.len() < plain.body.len() / 2, "{} bytes", body.len());
        let mut inflated = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut inflated)
            .unwrap();
        assert_eq!(inflated, plain.body, "{path}");
    }

    // Pages with a CSRF token are never compressed (BREACH).
    let browser = stack.signed_up_browser("bob", "Bob").await;
    let signed_in: Page = browser.send(asking_for_gzip(&stack, "/")).await;
    signed_in.assert(StatusCode::OK, &["csrf_token"]);
    assert!(signed_in.response_headers.get("content-encoding").is_none());
    let signed_in: Page = browser
        .send(asking_for_gzip(&stack, "/search?term=hello"))
        .await;
    signed_in.assert(StatusCode::OK, &["csrf_token"]);
    assert!(signed_in.response_headers.get("content-encoding").is_none());
    for path in ["/signin", "/search?term="] {
        let response = asking_for_gzip(&stack, path).send().await.unwrap();
        assert!(
            response.headers().get("content-encoding").is_none(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn signed_out_search_pages_are_one_page_for_everyone_and_show_a_new_match_at_once() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    stack.crud(&ada, "first #kept").await;
    one_page_for_everyone(&stack, "/search?term=%23kept")
        .await
        .assert(StatusCode::OK, &["first #kept"]);
    // Another term is another page.
    stack
        .page("/search?term=first")
        .await
        .assert(StatusCode::OK, &["first #kept"]);
    stack.crud(&ada, "second #kept").await;
    stack
        .page("/search?term=%23kept")
        .await
        .assert(StatusCode::OK, &["first #kept", "second #kept"]);
    // A blank term still explains itself rather than being kept.
    stack.page("/search?term=++").await.assert(
        StatusCode::OK,
        &["Type a word or a #hashtag to search for."],
    );
}

#[tokio::test]
async fn a_new_crud_shows_on_the_signed_out_page_at_once() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    stack.crud(&ada, "first").await;
    stack.page("/").await.assert(StatusCode::OK, &["first"]);
    stack.crud(&ada, "second").await;
    stack
        .page("/")
        .await
        .assert(StatusCode::OK, &["first", "second"]);
}

/// A backend that serves a timeline of one crud with its entity tag, answers 304 to a request
/// naming the tag, and records the `If-None-Match` of each timeline request.
#[derive(Clone, Default)]
struct TaggedTimeline {
    message: Arc<Mutex<String>>,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl TaggedTimeline {
    fn page(&self) -> (String, Vec<u8>) {
        let message = self.message.lock().unwrap().clone();
        let now = Utc::now();
        let crud = Activity::posted(
            cruddur_contract::ActivityId(Uuid::nil()),
            (
                "Ada".into(),
                cruddur_contract::Handle::parse("ada").unwrap(),
            ),
            message.clone(),
            now,
            now + TimeDelta::days(1),
        );
        (
            format!("\"{message}\""),
            serde_json::to_vec(&[crud]).unwrap(),
        )
    }

    async fn serve(self, query: Option<String>, headers: HeaderMap) -> Response {
        let (etag, body) = self.page();
        // The sidebar's sample (`?limit=`) is not what this test watches.
        if query.is_none() {
            let sent = headers
                .get(header::IF_NONE_MATCH)
                .map(|value| value.to_str().unwrap().to_owned());
            self.seen.lock().unwrap().push(sent.clone());
            if sent.as_deref() == Some(etag.as_str()) {
                return (AxumStatus::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
        }
        (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::ETAG, etag),
            ],
            body,
        )
            .into_response()
    }
}

#[tokio::test]
async fn an_unchanged_timeline_is_revalidated_not_fetched_and_a_changed_one_is_rendered() {
    let backend = TaggedTimeline::default();
    *backend.message.lock().unwrap() = "version one".into();
    let router = Router::new().route(
        "/api/activities/home",
        get({
            let backend = backend.clone();
            move |uri: axum::http::Uri, headers: HeaderMap| {
                backend
                    .clone()
                    .serve(uri.query().map(str::to_owned), headers)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let frontend = spawn_frontend(&format!("http://{address}"), Duration::from_secs(5)).await;

    let first = get_page(frontend.address, "/").await;
    let second = get_page(frontend.address, "/").await;
    first.assert(StatusCode::OK, &["version one"]);
    assert_eq!(first.body, second.body);
    *backend.message.lock().unwrap() = "version two".into();
    get_page(frontend.address, "/")
        .await
        .assert(StatusCode::OK, &["version two"]);

    let seen = backend.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            None,
            Some("\"version one\"".to_owned()),
            Some("\"version one\"".to_owned()),
        ],
        "the first visit fetches, later ones name the rendered page's tag"
    );
}

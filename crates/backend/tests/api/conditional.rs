//! Feeds carry an `ETag`; sending it back in `If-None-Match` gives a bodiless 304 while the
//! page is unchanged, and the page again once anything on it changes.

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH};
use serde_json::Value;

use crate::helpers::{TestApp, ok_json, spawn_app};

/// The page at `path` and its entity tag.
async fn tagged(app: &TestApp, path: &str) -> String {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    etag
}

async fn revalidate(app: &TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.get(path)
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unchanged_timeline_is_not_sent_again_and_a_changed_one_is() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.crud(&ada, "first").await;
    let path = "/api/activities/home";
    let etag = tagged(&app, path).await;

    let unchanged = revalidate(&app, path, &etag).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()[ETAG], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty());
    let weak_in_a_list = revalidate(&app, path, &format!("\"other\", W/{etag}")).await;
    assert_eq!(weak_in_a_list.status(), StatusCode::NOT_MODIFIED);

    app.crud(&ada, "second").await;
    let changed = revalidate(&app, path, &etag).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()[ETAG], etag.as_str());
    let feed: Vec<Value> = ok_json(changed).await;
    assert_eq!(feed.len(), 2);
}

#[tokio::test]
async fn every_feed_is_tagged_and_a_stale_tag_gets_the_page() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let crud = app.crud(&ada, "a #tagged crud").await;
    for path in [
        "/api/activities/@ada",
        "/api/activities/search?term=%23tagged",
        "/api/activities/home?limit=5",
    ] {
        let etag = tagged(&app, path).await;
        let again = revalidate(&app, path, &etag).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        let stale = revalidate(&app, path, "\"stale\"").await;
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
    // Only GETs of a tagged 200 become 304s: a write with a matching tag is still a write.
    let like = app
        .react(&ada, &crud, "like")
        .header(IF_NONE_MATCH, "*")
        .send()
        .await
        .unwrap();
    assert!(like.status().is_success(), "{}", like.status());
}

#[tokio::test]
async fn the_document_describes_the_tags_and_the_304() {
    let app = spawn_app().await;
    let document: Value = ok_json(app.get("/api/openapi.json").send().await.unwrap()).await;
    let home = &document["paths"]["/api/activities/home"]["get"]["responses"];
    assert!(home["200"]["headers"]["etag"].is_object(), "{home}");
    assert!(home["304"].is_object(), "{home}");
    let sign_in = &document["paths"]["/api/auth/sign_in"]["post"]["responses"];
    assert!(sign_in["304"].is_null(), "writes are never 304");
}

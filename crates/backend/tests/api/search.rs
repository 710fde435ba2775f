use cruddur_contract::Activity;
use reqwest::StatusCode;

use crate::helpers::{TestApp, assert_codes, ok_json, spawn_app};

async fn search(app: &TestApp, term: &str) -> Vec<String> {
    let response = app
        .get("/api/activities/search")
        .query(&[("term", term)])
        .send()
        .await
        .unwrap();
    let found: Vec<Activity> = ok_json(response).await;
    found.into_iter().map(|a| a.message).collect()
}

#[tokio::test]
async fn search_finds_words_and_hashtags_in_live_cruds() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    for message in [
        "Learning #Rust with containers",
        "rust never sleeps",
        "Docker and compose",
    ] {
        app.clock.advance(chrono::TimeDelta::seconds(1));
        app.crud(&ada, message).await;
    }

    assert_eq!(
        search(&app, "RUST").await,
        ["rust never sleeps", "Learning #Rust with containers"]
    );
    assert_eq!(
        search(&app, "#rust").await,
        ["Learning #Rust with containers"]
    );
    assert_eq!(
        search(&app, "rust containers").await,
        ["Learning #Rust with containers"]
    );
    assert!(search(&app, "kubernetes").await.is_empty());
}

#[tokio::test]
async fn a_blank_term_is_a_validation_error() {
    let app = spawn_app().await;
    for path in [
        "/api/activities/search",
        "/api/activities/search?term=",
        "/api/activities/search?term=%20%20",
    ] {
        assert_codes(app.get(path).send().await.unwrap(), &["search_term_blank"]).await;
    }
}

#[tokio::test]
async fn search_syntax_and_injection_are_plain_text() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.crud(&ada, "robert'); DROP TABLE activities;-- said hi")
        .await;
    for term in [
        "\"",
        "*",
        "a OR b",
        "NEAR(",
        "'; DROP TABLE activities; --",
        "%",
        "_",
        "()",
        "#",
    ] {
        let response = app
            .get("/api/activities/search")
            .query(&[("term", term)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "term {term:?}");
    }
    assert_eq!(search(&app, "drop table").await.len(), 1);
    assert_eq!(
        app.get("/api/activities/home")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

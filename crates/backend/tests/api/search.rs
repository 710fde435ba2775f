use cruddur_contract::Activity;
use cruddur_contract::ActivityId;
use cruddur_contract::Handle;
use cruddur_contract::UserId;
use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::helpers::{TestApp, assert_codes, ok_json, spawn_app, spawn_app_with};

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
async fn searches_beyond_those_allowed_at_once_wait_their_turn() {
    let app = spawn_app_with(|settings| settings.searches_at_once = 1).await;
    let ada = app.sign_up("ada").await;
    for n in 0..30 {
        app.crud(&ada, &format!("cruddur number {n} #aws")).await;
    }
    let mut searches = JoinSet::new();
    for _ in 0..16 {
        let request = app
            .get("/api/activities/search")
            .query(&[("term", "cruddur #aws")]);
        searches.spawn(request.send());
    }
    while let Some(answered) = searches.join_next().await {
        let found: Vec<Activity> = ok_json(answered.unwrap().unwrap()).await;
        assert_eq!(found.len(), 20, "every search answered its first page");
    }
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

/// A search whose terms are each in many cruds but together in few stops before filling its
/// page and links on from where it stopped; following the links finds every match once.
#[tokio::test]
async fn a_search_that_stops_short_links_on_to_every_match() {
    use cruddur_backend::clock::Clock;
    use cruddur_store::{Batch, BulkActivity, BulkUser, SearchPage};

    let app = spawn_app().await;
    let now = app.clock.now();
    let author = BulkUser {
        uuid: UserId::random(),
        display_name: "Ada".into(),
        handle: Handle::parse("ada").unwrap(),
        email: "ada@example.com".into(),
        password_hash: "not a hash".into(),
        bio: String::new(),
        created_at: now,
    };
    let many = 2 * SearchPage::MOST_READ as i64 + 200;
    let activities = (0..many)
        .map(|n| {
            let side = if n % 2 == 0 { "left" } else { "right" };
            let both = if n % 400 == 1 { " left right" } else { "" };
            BulkActivity {
                uuid: ActivityId::random(),
                author: author.uuid,
                reply_to: None,
                message: format!("crud {n} {side}{both}"),
                created_at: now - chrono::TimeDelta::seconds(many - n),
                expires_at: now + chrono::TimeDelta::days(1),
                likes_count: 0,
                replies_count: 0,
                reposts_count: 0,
            }
        })
        .collect();
    let store = cruddur_store::open(&app.database_url, false).await.unwrap();
    store
        .store
        .load(&Batch {
            users: vec![author],
            activities,
            ..Batch::default()
        })
        .await
        .unwrap();

    let mut next = Some("/api/activities/search?term=left+right&limit=50".to_owned());
    let (mut found, mut short) = (Vec::new(), 0);
    while let Some(path) = next {
        let response = app.get(&path).send().await.unwrap();
        next = crate::helpers::next_link(&response);
        let page: Vec<Activity> = ok_json(response).await;
        if page.len() < 50 && next.is_some() {
            short += 1;
        }
        found.extend(page.into_iter().map(|a| a.message));
        assert!(found.len() <= 6, "{found:?}");
    }
    let expected: Vec<String> = (0..many)
        .rev()
        .filter(|n| n % 400 == 1)
        .map(|n| format!("crud {n} right left right"))
        .collect();
    assert_eq!(found, expected);
    assert!(short > 0, "the search never stopped short");
}

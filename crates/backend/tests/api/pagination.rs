use std::collections::HashSet;

use chrono::TimeDelta;
use cruddur_contract::Activity;
use cruddur_contract::ActivityId;

use crate::helpers::{TestApp, assert_codes, next_link, ok_json, spawn_app};

/// Follows `Link` headers from `first` to the end; returns the pages.
async fn walk(app: &TestApp, first: &str) -> Vec<Vec<Activity>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let response = app.get(&path).send().await.unwrap();
        next = next_link(&response);
        pages.push(ok_json(response).await);
        assert!(pages.len() < 20, "pagination does not end");
    }
    pages
}

#[tokio::test]
async fn pages_cover_every_crud_once_in_order_even_with_equal_times() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    let mut posted = Vec::new();
    for i in 0..45 {
        // Groups of three share a timestamp, so the uuid must break ties.
        if i % 3 == 0 {
            app.clock.advance(TimeDelta::seconds(1));
        }
        posted.push(app.crud(&ada, &format!("crud {i}")).await);
    }

    let pages = walk(&app, "/api/activities/home?limit=20").await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![20, 20, 5]
    );
    let seen: Vec<Activity> = pages.into_iter().flatten().collect();
    let unique: HashSet<ActivityId> = seen.iter().map(|a| a.uuid).collect();
    assert_eq!(unique.len(), 45);
    assert!(
        seen.windows(2)
            .all(|w| (w[0].created_at, w[0].uuid) > (w[1].created_at, w[1].uuid))
    );
    assert_eq!(unique, posted.iter().map(|a| a.uuid).collect());
}

#[tokio::test]
async fn cruds_posted_while_paging_do_not_shift_later_pages() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    for i in 0..6 {
        app.clock.advance(TimeDelta::seconds(1));
        app.crud(&ada, &format!("crud {i}")).await;
    }
    let response = app
        .get("/api/activities/@ada?limit=3")
        .send()
        .await
        .unwrap();
    let next = next_link(&response).expect("a second page");
    let first: Vec<Activity> = ok_json(response).await;

    app.clock.advance(TimeDelta::seconds(1));
    app.crud(&ada, "posted in between").await;

    let response = app.get(&next).send().await.unwrap();
    assert_eq!(next_link(&response), None);
    let second: Vec<Activity> = ok_json(response).await;
    let messages: Vec<&str> = first
        .iter()
        .chain(&second)
        .map(|a| a.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["crud 5", "crud 4", "crud 3", "crud 2", "crud 1", "crud 0"]
    );
}

#[tokio::test]
async fn bad_cursors_and_limits_are_named() {
    let app = spawn_app().await;
    let response = app
        .get("/api/activities/home?cursor=garbage&limit=0")
        .send()
        .await
        .unwrap();
    assert_codes(response, &["cursor_invalid", "limit_invalid"]).await;
    let response = app
        .get("/api/activities/home?limit=101")
        .send()
        .await
        .unwrap();
    assert_codes(response, &["limit_invalid"]).await;
}

//! Styled error pages: unknown pages, and a backend that is down or too slow.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{get, spawn_backend, spawn_frontend, spawn_stack};

#[tokio::test]
async fn unknown_pages_users_and_cruds_are_a_styled_404() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    let crud = stack.crud(&andrew, "Here").await;

    for path in [
        "/no/such/page".to_owned(),
        "/@nobody".to_owned(),
        format!("/@andrewbrown/status/{}", Uuid::new_v4()),
        "/@andrewbrown/status/not-a-uuid".to_owned(),
        // A real crud under someone else's handle.
        format!("/@someone/status/{}", crud.uuid),
        "/static/missing.css".to_owned(),
    ] {
        let page = stack.page(&path).await;
        page.assert(
            StatusCode::NOT_FOUND,
            &[
                "Nothing here",
                "/static/cruddur.css",
                "Back to the timeline",
            ],
        );
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_broken_page_link_is_a_styled_400() {
    let stack = spawn_stack().await;
    stack
        .page("/?cursor=garbage")
        .await
        .assert(StatusCode::BAD_REQUEST, &["This page link is broken"]);
}

#[tokio::test]
async fn a_backend_that_is_down_gives_a_styled_502() {
    // A port that was free a moment ago: nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let frontend = spawn_frontend(&format!("http://{address}"), Duration::from_secs(2)).await;

    for path in ["/", "/@andrewbrown", "/search?term=x"] {
        let page = get(frontend.address, path).await;
        page.assert(StatusCode::BAD_GATEWAY, &["Cruddur is unreachable", "502"]);
        assert!(
            !page.body.contains(&address.to_string()),
            "no internals shown"
        );
        assert!(
            !page.body.contains("error sending request"),
            "no internals shown"
        );
    }
}

#[tokio::test]
async fn a_backend_that_hangs_gives_a_styled_503_in_bounded_time() {
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let frontend = spawn_frontend(&format!("http://{address}"), Duration::from_millis(300)).await;

    let started = Instant::now();
    let page = get(frontend.address, "/").await;
    page.assert(StatusCode::SERVICE_UNAVAILABLE, &["Cruddur is busy"]);
    assert_eq!(page.header("retry-after"), "5");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn pages_recover_by_themselves_when_the_backend_comes_back() {
    let reserved = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = reserved.local_addr().unwrap();
    drop(reserved);
    let frontend = spawn_frontend(&format!("http://{address}"), Duration::from_secs(2)).await;
    assert_eq!(
        get(frontend.address, "/").await.status,
        StatusCode::BAD_GATEWAY
    );

    let data = tempfile::tempdir().unwrap();
    let _backend = spawn_backend(&data, address).await;
    get(frontend.address, "/")
        .await
        .assert(StatusCode::OK, &["<h1>Home</h1>"]);
}

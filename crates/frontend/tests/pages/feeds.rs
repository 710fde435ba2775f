//! The read-only pages: home, profile, one crud, search, and paging through them.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn home_shows_live_cruds_with_their_author_times_and_counts() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    let worf = stack.sign_up("worf", "Worf").await;
    let crud = stack.crud(&andrew, "Cloud is fun! #Cloud #rust").await;
    stack.crud(&worf, "Today is a good day to #rust").await;
    stack.reply(&worf, &crud, "Agreed").await;

    let page = stack.page("/").await;
    page.assert(
        StatusCode::OK,
        &[
            "<h1>Home</h1>",
            "Andrew Brown",
            "@andrewbrown",
            r#"href="/@andrewbrown""#,
            &format!(r#"href="/@andrewbrown/status/{}""#, crud.uuid),
            "Cloud is fun! #Cloud #rust",
            ">now</time>",
            "expires in 6d",
            r#"<span class="count">1</span> reply"#,
            r#"<span class="count">0</span> reposts"#,
            // Trending: #rust is on two cruds, #cloud on one.
            r##"<a href="/search?term=%23rust">#rust</a>"##,
            "2 cruds",
            r##"<a href="/search?term=%23cloud">#cloud</a>"##,
            "Join the party!",
            r#"aria-current="page">Home"#,
        ],
    );
    assert!(page.header("content-type").starts_with("text/html"));
    // Newest first.
    assert!(page.body.find("good day").unwrap() < page.body.find("Cloud is fun").unwrap());
}

#[tokio::test]
async fn an_empty_timeline_says_so() {
    let stack = spawn_stack().await;
    stack.page("/").await.assert(
        StatusCode::OK,
        &["Nothing here yet", "No hashtags in the air"],
    );
}

#[tokio::test]
async fn the_profile_shows_the_user_and_their_cruds_only() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    let worf = stack.sign_up("worf", "Worf").await;
    stack.set_bio(&andrew, "I teach cloud.").await;
    stack.crud(&andrew, "Mine").await;
    stack.crud(&andrew, "Also mine").await;
    stack.crud(&worf, "Not his").await;

    let page = stack.page("/@andrewbrown").await;
    page.assert(
        StatusCode::OK,
        &[
            r#"<h1 id="profile-name">Andrew Brown</h1>"#,
            "@andrewbrown",
            "I teach cloud.",
            r#"<span class="count">2</span> cruds"#,
            r#"<span class="count">0</span> followers"#,
            "Also mine",
        ],
    );
    assert!(!page.body.contains("Not his"));
    assert!(page.body.contains("<title>@andrewbrown · Cruddur</title>"));
}

#[tokio::test]
async fn a_crud_page_shows_the_crud_and_its_replies() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    let worf = stack.sign_up("worf", "Worf").await;
    let crud = stack.crud(&andrew, "What do you think?").await;
    stack.reply(&worf, &crud, "First reply").await;
    stack.reply(&andrew, &crud, "Second reply").await;

    let page = stack
        .page(&format!("/@andrewbrown/status/{}", crud.uuid))
        .await;
    page.assert(
        StatusCode::OK,
        &[
            "What do you think?",
            "Replies",
            "First reply",
            "Second reply",
            r#"href="/@worf""#,
        ],
    );
    // Oldest reply first.
    assert!(page.body.find("First reply").unwrap() < page.body.find("Second reply").unwrap());
}

#[tokio::test]
async fn search_finds_live_cruds_and_explains_a_blank_term() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    stack.crud(&andrew, "Learning #terraform today").await;
    stack.crud(&andrew, "Lunch").await;

    let page = stack.page("/search?term=%23terraform").await;
    page.assert(
        StatusCode::OK,
        &["Learning #terraform today", r##"value="#terraform""##],
    );
    assert!(!page.body.contains("Lunch"));

    for blank in ["/search", "/search?term=", "/search?term=++"] {
        stack.page(blank).await.assert(
            StatusCode::OK,
            &["Type a word or a #hashtag to search for."],
        );
    }

    stack
        .page("/search?term=nothing-like-this")
        .await
        .assert(StatusCode::OK, &["No live cruds match"]);
}

#[tokio::test]
async fn feeds_link_to_their_next_page() {
    let stack = spawn_stack().await;
    let andrew = stack.sign_up("andrewbrown", "Andrew Brown").await;
    // The backend pages by 20: the oldest of 21 is on page two.
    for n in 0..21 {
        stack.crud(&andrew, &format!("number {n:02} #count")).await;
    }

    for (first, prefix) in [
        ("/", "/?cursor="),
        ("/@andrewbrown", "/@andrewbrown?cursor="),
        ("/search?term=%23count", "/search?term=%23count&#38;cursor="),
    ] {
        let page = stack.page(first).await;
        page.assert(StatusCode::OK, &["number 20", "Older cruds"]);
        assert!(!page.body.contains("number 00"), "{first}");
        let start = page.body.find(&format!(r#"href="{prefix}"#)).unwrap() + r#"href=""#.len();
        let end = start + page.body[start..].find('"').unwrap();
        let next = page.body[start..end].replace("&#38;", "&");

        let second = stack.page(&next).await;
        second.assert(StatusCode::OK, &["number 00"]);
        assert!(!second.body.contains("number 20"), "{next}");
        assert!(!second.body.contains("Older cruds"), "{next}");
    }
}

#[tokio::test]
async fn the_sidebar_suggests_other_recent_authors() {
    let stack = spawn_stack().await;
    let worf = stack.sign_up("worf", "Worf").await;
    stack.crud(&worf, "Qapla'").await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    ada.post("/cruds", &[("message", "mine"), ("ttl", "7-days")])
        .await;
    let page = ada.get("/").await;
    page.assert(
        StatusCode::OK,
        &["Suggested users", r#"<li><a href="/@worf"><span"#],
    );
    // Ada is in the navigation, not among the suggestions.
    assert!(!page.body.contains(r#"<li><a href="/@ada"><span"#));
}

#[tokio::test]
async fn the_following_feed_is_a_tab_beside_everyone_with_older_links() {
    let stack = spawn_stack().await;
    let bob = stack.sign_up("bob", "Bob").await;
    let cy = stack.sign_up("cy", "Cy").await;
    for n in 0..25 {
        stack.crud(&bob, &format!("bob says {n}")).await;
    }
    stack.crud(&cy, "cy is not followed").await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    ada.post("/@bob/follow", &[("on", "1")]).await;

    let home = ada.get("/").await;
    home.assert(
        StatusCode::OK,
        &[
            r#"<a href="/" aria-current="page">Everyone</a>"#,
            r#"<a href="/following">Following</a>"#,
            "cy is not followed",
        ],
    );
    let following = ada.get("/following").await;
    following.assert(
        StatusCode::OK,
        &[
            r#"<a href="/following" aria-current="page">Following</a>"#,
            "bob says 24",
            r#"href="/following?cursor="#,
            ">Older cruds</a>",
        ],
    );
    assert!(!following.body.contains("cy is not followed"));
    let older = following.cursor_link("/following");
    let page_two = ada.get(&format!("/following?cursor={older}")).await;
    page_two.assert(StatusCode::OK, &["bob says 0"]);
    assert!(!page_two.body.contains("bob says 24"));

    // Signed out, there is one feed and no tabs; the following feed wants a sign-in.
    assert!(!stack.page("/").await.body.contains("Following</a>"));
    assert_eq!(stack.page("/following").await.status, StatusCode::SEE_OTHER);
}

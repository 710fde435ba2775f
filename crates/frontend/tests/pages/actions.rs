//! Posting without JavaScript: cruds, replies, likes, reposts, follows, and the CSRF checks.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn forms_without_the_right_csrf_token_or_from_another_site_change_nothing() {
    let stack = spawn_stack().await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    let crud = [("message", "forged"), ("ttl", "7-days")];

    let missing = browser.post_raw("/cruds", &crud).await;
    missing.assert(StatusCode::FORBIDDEN, &["That did not come from here"]);
    let wrong = browser
        .post_raw(
            "/cruds",
            &[crud[0], crud[1], ("csrf_token", "x".repeat(43).as_str())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(
        wrong
            .header("content-security-policy")
            .contains("default-src")
    );

    let csrf = browser.csrf().await;
    let cross_site = browser
        .send(
            stack
                .client
                .post(format!("http://{}/cruds", stack.frontend.address))
                .header("origin", "http://evil.example")
                .form(&[crud[0], crud[1], ("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);

    // A token from another browser does not match this browser's session either.
    let other = stack.browser();
    let foreign = other.csrf().await;
    let page = browser
        .post_raw("/cruds", &[crud[0], crud[1], ("csrf_token", &foreign)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    assert!(!stack.page("/").await.body.contains("forged"));
}

#[tokio::test]
async fn the_composer_offers_every_lifetime_and_a_counter() {
    let stack = spawn_stack().await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    let home = browser.get("/").await;
    home.assert(
        StatusCode::OK,
        &[
            r#"maxlength="280""#,
            r#"<option value="7-days" selected>7 days</option>"#,
            r#"<option value="1-hour">1 hour</option>"#,
            ">0/280</output>",
            "/static/cruddur.js?v=",
        ],
    );
    assert_eq!(home.body.matches("<option ").count(), 7);
    let script = stack.page("/static/cruddur.js").await;
    script.assert(StatusCode::OK, &["data-counter", "disabled"]);
    assert!(script.header("content-type").starts_with("text/javascript"));
}

#[tokio::test]
async fn a_crud_posted_by_a_plain_form_shows_on_home_and_the_profile() {
    let stack = spawn_stack().await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    let page = browser
        .post(
            "/cruds",
            &[("message", "Posted without JS #nojs"), ("ttl", "1-day")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/");

    browser.get("/").await.assert(
        StatusCode::OK,
        &["Posted without JS #nojs", "expires in 23h"],
    );
    stack
        .page("/@ada")
        .await
        .assert(StatusCode::OK, &["Posted without JS #nojs"]);
}

#[tokio::test]
async fn validation_errors_are_sentences_and_the_text_is_kept() {
    let stack = spawn_stack().await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    let long = "é".repeat(281);
    let page = browser
        .post("/cruds", &[("message", &long), ("ttl", "3-hours")])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "That is too long: shorten it a little.",
            &long,
            r#"<option value="3-hours" selected>"#,
            r#"aria-invalid="true""#,
        ],
    );
    let page = browser
        .post("/cruds", &[("message", "<i>kept</i>"), ("ttl", "2-days")])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Choose one of the offered lifetimes.",
            "&#60;i&#62;kept&#60;/i&#62;",
        ],
    );
    let page = browser.post("/cruds", &[("message", "  ")]).await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Write something first.",
            "Choose how long the crud should live.",
        ],
    );
    assert!(browser.get("/").await.body.contains("Nothing here yet"));
}

#[tokio::test]
async fn replies_likes_and_reposts_change_what_the_crud_shows() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    let crud = stack.crud(&ada, "Reply to me").await;
    let status = format!("/@ada/status/{}", crud.uuid);
    let bob = stack.signed_up_browser("bob", "Bob").await;

    let page = bob
        .post(&format!("{status}/reply"), &[("message", "")])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "Write something first.",
            r#"<form class="composer" id="reply""#,
        ],
    );
    let page = bob
        .post(&format!("{status}/reply"), &[("message", "A <b>reply</b>")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), status);

    let like = format!("/cruds/{}/like", crud.uuid);
    let repost = format!("/cruds/{}/repost", crud.uuid);
    let page = bob.post(&like, &[("on", "1"), ("back", &status)]).await;
    assert_eq!(page.header("location"), status);
    bob.post(&repost, &[("on", "1"), ("back", "https://evil.example")])
        .await;
    let page = bob.get(&status).await;
    page.assert(
        StatusCode::OK,
        &[
            "A &#60;b&#62;reply&#60;/b&#62;",
            r#"<span class="count">1</span> reply"#,
            r#"<span class="count">1</span> repost"#,
            r#"<span class="count">1</span> like"#,
            &format!(r#"href="{status}" aria-label="Share"#),
        ],
    );

    // Replies can be liked too, from the same page.
    let crud_uuid = crud.uuid.to_string();
    let reply_uuid = page
        .body
        .split("/cruds/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .find(|uuid| *uuid != crud_uuid)
        .expect("a like form on the reply");
    bob.post(
        &format!("/cruds/{reply_uuid}/like"),
        &[("on", "1"), ("back", &status)],
    )
    .await;
    assert_eq!(
        bob.get(&status)
            .await
            .body
            .matches(r#"<span class="count">1</span> like<"#)
            .count(),
        2
    );

    let page = bob.post(&like, &[("on", "0"), ("back", "/")]).await;
    assert_eq!(page.header("location"), "/");
    stack
        .page(&status)
        .await
        .assert(StatusCode::OK, &[r#"<span class="count">0</span> likes"#]);
}

#[tokio::test]
async fn following_shows_on_the_profile() {
    let stack = spawn_stack().await;
    stack.sign_up("ada", "Ada").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    bob.get("/@ada")
        .await
        .assert(StatusCode::OK, &[r#"value="1">Follow</button>"#]);
    assert!(!bob.get("/@bob").await.body.contains(">Follow</button>"));

    let page = bob.post("/@ada/follow", &[("on", "1")]).await;
    assert_eq!(page.header("location"), "/@ada");
    bob.get("/@ada").await.assert(
        StatusCode::OK,
        &[
            r#"<span class="count">1</span> follower"#,
            r#"value="0" class="secondary">Unfollow</button>"#,
        ],
    );
    bob.post("/@ada/follow", &[("on", "0")]).await;
    bob.get("/@ada").await.assert(
        StatusCode::OK,
        &[r#"<span class="count">0</span> followers"#],
    );
}

#[tokio::test]
async fn a_back_path_that_leaves_the_site_redirects_home() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    let crud = stack.crud(&ada, "Like me").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let like = format!("/cruds/{}/like", crud.uuid);
    // As form fields these are sent encoded once more (`%09` as `%2509`), so the handler
    // sees them as written here.
    for back in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/%09/evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "/é",
    ] {
        let page = bob.post(&like, &[("on", "1"), ("back", back)]).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{back:?}: {}",
            page.body
        );
        assert_eq!(page.header("location"), "/", "{back:?}");
    }
    let page = bob
        .post(&like, &[("on", "0"), ("back", "/@ada?cursor=x#top")])
        .await;
    assert_eq!(page.header("location"), "/@ada?cursor=x#top");
}

#[tokio::test]
async fn a_megabyte_crud_or_reply_gets_its_form_back_saying_too_long() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    let crud = stack.crud(&ada, "Reply to me").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let huge = "x".repeat(1024 * 1024);

    let page = bob
        .post("/cruds", &[("message", &huge), ("ttl", "3-hours")])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            r#"<p class="field-error" id="message-error">That is too long: shorten it a little.</p>"#,
            &format!(">{}", "x".repeat(280)),
            r#"<option value="3-hours" selected>"#,
        ],
    );
    assert!(page.body.len() < 64 * 1024, "{} bytes", page.body.len());

    let status = format!("/@ada/status/{}", crud.uuid);
    let page = bob
        .post(&format!("{status}/reply"), &[("message", &huge)])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            r#"<form class="composer" id="reply""#,
            "That is too long: shorten it a little.",
            &format!(">{}", "x".repeat(1024)),
        ],
    );
    assert!(page.body.len() < 64 * 1024, "{} bytes", page.body.len());

    let page = bob.post("/messages/@ada", &[("message", &huge)]).await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            r#"<form class="composer" id="message""#,
            "That is too long: shorten it a little.",
        ],
    );

    let page = bob.get(&status).await;
    page.assert(StatusCode::OK, &[r#"<span class="count">0</span> replies"#]);
    assert!(!stack.page("/").await.body.contains("xxxxxxxx"));
}

#[tokio::test]
async fn a_form_body_over_the_frontends_limit_is_a_styled_413() {
    let stack = spawn_stack().await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let page = bob
        .post("/cruds", &[("message", &huge), ("ttl", "3-hours")])
        .await;
    page.assert(
        StatusCode::PAYLOAD_TOO_LARGE,
        &[
            "That is too long",
            "The text you sent is far too long",
            "/static/cruddur.css",
        ],
    );
    assert!(page.header("content-type").starts_with("text/html"));
}

#[tokio::test]
async fn each_action_is_one_toggle_that_shows_the_viewers_own_state() {
    let stack = spawn_stack().await;
    let ada = stack.sign_up("ada", "Ada").await;
    let crud = stack.crud(&ada, "Toggle me").await;
    stack.reply(&ada, &crud, "Toggle me too").await;
    let status = format!("/@ada/status/{}", crud.uuid);
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let unpressed =
        |what: &str| format!(r#"value="1" class="toggle" aria-pressed="false">{what}<"#);
    let pressed = |what: &str| format!(r#"value="0" class="toggle" aria-pressed="true">{what}<"#);

    let page = bob.get(&status).await;
    assert_eq!(
        page.body.matches(&unpressed("Like")).count(),
        2,
        "the crud and its reply"
    );
    assert_eq!(page.body.matches(&unpressed("Repost")).count(), 1);
    assert!(!page.body.contains("Unlike") && !page.body.contains("Undo repost"));

    let like = format!("/cruds/{}/like", crud.uuid);
    bob.post(&like, &[("on", "1"), ("back", &status)]).await;
    for path in [status.as_str(), "/", "/@ada", "/search?term=toggle"] {
        let body = bob.get(path).await.body;
        assert!(body.contains(&pressed("Like")), "{path}: {body}");
        assert!(body.contains(&unpressed("Repost")), "{path}");
    }
    let ada_browser = stack.signed_in_browser("ada").await;
    assert!(
        !ada_browser
            .get(&status)
            .await
            .body
            .contains(&pressed("Like")),
        "Bob's like, not Ada's"
    );

    bob.post(&like, &[("on", "0"), ("back", &status)]).await;
    assert_eq!(
        bob.get(&status)
            .await
            .body
            .matches(&unpressed("Like"))
            .count(),
        2
    );
}

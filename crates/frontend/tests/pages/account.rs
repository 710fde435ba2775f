//! Sign-up, sign-in, sign-out and the session cookie.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_stack};

#[tokio::test]
async fn signing_up_sets_a_lax_httponly_session_and_the_nav_shows_who() {
    let stack = spawn_stack().await;
    let browser = stack.browser();
    browser.get("/signup").await.assert(
        StatusCode::OK,
        &[
            r#"<label for="field-handle">Handle</label>"#,
            r#"name="csrf_token""#,
            r#"type="password""#,
        ],
    );
    let anonymous = browser.last_set_cookie("cruddur_anon");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(anonymous.contains(attribute), "{anonymous}");
    }

    let browser = stack.signed_up_browser("ada", "Ada Lovelace").await;
    let session = browser.last_set_cookie("cruddur_session");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(
        !session.contains("Secure"),
        "COOKIE_SECURE is off by default"
    );

    let home = browser.get("/").await;
    home.assert(
        StatusCode::OK,
        &[
            "Signed in as",
            "@ada",
            r#"action="/signout""#,
            r#"<form class="composer" id="composer""#,
        ],
    );
    assert!(!home.body.contains("Join the party"));
    // Signed in, the sign-up page is no place to be.
    assert_eq!(browser.get("/signup").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_up_errors_are_sentences_next_to_the_fields_and_keep_the_text() {
    let stack = spawn_stack().await;
    stack.sign_up("taken", "Taken").await;
    let browser = stack.browser();
    browser.get("/signup").await;
    let page = browser
        .post(
            "/signup",
            &[
                ("display_name", "<b>Ada</b>"),
                ("handle", "taken"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "That does not look like an email address.",
            "The password needs at least 8 characters.",
            r#"value="not-an-email""#,
            r#"value="&#60;b&#62;Ada&#60;/b&#62;""#,
            r#"id="email-error""#,
        ],
    );
    assert!(
        !page.body.contains("short"),
        "passwords are never sent back"
    );
    assert!(browser.cookie("cruddur_session").is_none());

    // The taken handle is only found once the rest is right.
    let page = browser
        .post(
            "/signup",
            &[
                ("display_name", "Ada"),
                ("handle", "taken"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["That handle is taken: try another."],
    );
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down_in_plain_words() {
    let stack = spawn_stack().await;
    stack.sign_up("ada", "Ada").await;
    let browser = stack.browser();
    browser.get("/signin").await;
    for _ in 0..5 {
        browser
            .post(
                "/signin",
                &[("login", "ada"), ("password", "wrong password")],
            )
            .await;
    }
    let page = browser
        .post("/signin", &[("login", "ada"), ("password", PASSWORD)])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Too many sign-in attempts: wait a minute and try again."],
    );
    assert!(browser.cookie("cruddur_session").is_none());
}

#[tokio::test]
async fn a_wrong_password_is_said_in_plain_words() {
    let stack = spawn_stack().await;
    stack.sign_up("ada", "Ada").await;
    let browser = stack.browser();
    browser.get("/signin").await;
    let page = browser
        .post(
            "/signin",
            &[("login", "ada"), ("password", "wrong password")],
        )
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "That handle or email and password do not match an account.",
            r#"value="ada""#,
        ],
    );
    assert!(browser.cookie("cruddur_session").is_none());

    let page = browser
        .post("/signin", &[("login", ""), ("password", "")])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Enter your handle or email.", "Enter a password."],
    );

    let page = browser
        .post(
            "/signin",
            &[("login", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/");
    browser
        .get("/")
        .await
        .assert(StatusCode::OK, &["Signed in as"]);
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_ends_the_session() {
    let stack = spawn_stack().await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    let token = browser.cookie("cruddur_session").unwrap();

    let page = browser.post("/signout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .last_set_cookie("cruddur_session")
            .contains("Max-Age=0")
    );
    assert!(browser.cookie("cruddur_session").is_none());
    let home = browser.get("/").await;
    home.assert(StatusCode::OK, &["Join the party"]);
    assert!(!home.body.contains("Signed in as"));

    // The old token is dead at the backend too: replaying it shows the page signed out and
    // clears the cookie again.
    let replay = stack.browser();
    replay.plant_cookie("cruddur_session", &token);
    let page = replay.get("/").await;
    page.assert(StatusCode::OK, &["Join the party"]);
    assert!(
        replay
            .last_set_cookie("cruddur_session")
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn pages_and_actions_that_need_a_user_send_strangers_to_sign_in() {
    let stack = spawn_stack().await;
    let browser = stack.browser();
    browser.get("/").await;
    for path in ["/notifications", "/messages", "/messages/@ada"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.header("location"), "/signin", "{path}");
    }
    let page = browser
        .post("/cruds", &[("message", "hi"), ("ttl", "7-days")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/signin");
    assert!(stack.page("/").await.body.contains("Nothing here yet"));
}

#[tokio::test]
async fn a_token_the_backend_refuses_sends_to_sign_in_and_is_cleared() {
    let stack = spawn_stack().await;
    let browser = stack.browser();
    browser.get("/").await;
    browser.plant_cookie("cruddur_session", "forged");
    let page = browser.get("/notifications").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/signin");
    assert!(
        browser
            .last_set_cookie("cruddur_session")
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn a_megabyte_display_name_gets_the_sign_up_form_back_saying_too_long() {
    let stack = spawn_stack().await;
    let browser = stack.browser();
    let huge = "x".repeat(1024 * 1024);
    let page = browser
        .post(
            "/signup",
            &[
                ("display_name", &huge),
                ("handle", "ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            r#"<p class="field-error" id="display_name-error">That name is too long.</p>"#,
            &format!(r#"value="{}"#, "x".repeat(50)),
            r#"value="ada""#,
        ],
    );
    assert!(page.body.len() < 64 * 1024, "{} bytes", page.body.len());
    assert!(browser.cookie("cruddur_session").is_none());

    // A password far too long at sign-in is said so too, not a backend failure.
    let page = browser
        .post("/signin", &[("login", "ada"), ("password", &huge)])
        .await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["That is too long to be a handle, an email or a password."],
    );
}

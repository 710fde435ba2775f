//! CSRF tokens bound to the session: a token is good only with the cookie it was computed
//! from, so one that an attacker can plant cookies for, or saw in another browser, or that
//! dates from before a sign-in or a sign-out, changes nothing.

use reqwest::StatusCode;

use crate::helpers::{Browser, PASSWORD, Stack, spawn_stack, spawn_stack_with};

/// A value shaped like the tokens and ids the site hands out (43 base64url characters).
const INVENTED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

async fn sign_in(browser: &Browser, handle: &str) -> crate::helpers::Page {
    browser
        .post("/signin", &[("login", handle), ("password", PASSWORD)])
        .await
}

async fn posts_a_crud(stack: &Stack, browser: &Browser, token: &str, message: &str) -> bool {
    let page = browser
        .post_raw(
            "/cruds",
            &[
                ("message", message),
                ("ttl", "7-days"),
                ("csrf_token", token),
            ],
        )
        .await;
    let posted = stack.page("/").await.body.contains(message);
    match page.status {
        StatusCode::SEE_OTHER => assert!(posted, "303 but no crud"),
        status => {
            assert_eq!(status, StatusCode::FORBIDDEN, "{}", page.body);
            assert!(!posted);
        }
    }
    posted
}

#[tokio::test]
async fn csrf_a_cookie_and_field_pair_invented_by_an_attacker_is_refused() {
    let stack = spawn_stack().await;
    stack.sign_up("mallory", "Mallory").await;

    // Signed out: the attacker plants cookies (a double-submit cookie, an anonymous id) and
    // submits the same value, to sign the victim in as themselves.
    let victim = stack.browser();
    victim.plant_cookie("cruddur_csrf", INVENTED);
    victim.plant_cookie("cruddur_anon", INVENTED);
    let page = victim
        .post_raw(
            "/signin",
            &[
                ("login", "mallory"),
                ("password", PASSWORD),
                ("csrf_token", INVENTED),
            ],
        )
        .await;
    page.assert(StatusCode::FORBIDDEN, &["That did not come from here"]);
    assert!(victim.cookie("cruddur_session").is_none());

    // Signed in: planted cookies do not make an invented token good either.
    let ada = stack.signed_up_browser("ada", "Ada").await;
    ada.plant_cookie("cruddur_csrf", INVENTED);
    ada.plant_cookie("cruddur_anon", INVENTED);
    assert!(!posts_a_crud(&stack, &ada, INVENTED, "planted").await);
    // The real token still works alongside the planted cookies.
    let token = ada.csrf().await;
    assert!(posts_a_crud(&stack, &ada, &token, "genuine").await);
}

#[tokio::test]
async fn csrf_a_token_from_another_browsers_session_is_refused() {
    let stack = spawn_stack().await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let (ada_token, bob_token) = (ada.csrf().await, bob.csrf().await);
    assert_ne!(ada_token, bob_token);
    assert!(!posts_a_crud(&stack, &ada, &bob_token, "with the token of bob").await);
    assert!(posts_a_crud(&stack, &ada, &ada_token, "with the token of ada").await);

    // Two signed-out browsers get different tokens, each good only with its own cookie.
    let (one, two) = (stack.browser(), stack.browser());
    let (one_token, two_token) = (one.csrf().await, two.csrf().await);
    assert_ne!(one_token, two_token);
    let fields = |token| {
        [
            ("login", "ada"),
            ("password", PASSWORD),
            ("csrf_token", token),
        ]
    };
    let page = one.post_raw("/signin", &fields(&two_token)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = one.post_raw("/signin", &fields(&one_token)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn csrf_the_token_changes_at_sign_in_and_at_sign_out() {
    let stack = spawn_stack().await;
    stack.sign_up("ada", "Ada").await;
    let browser = stack.browser();
    let signed_out = browser.csrf().await;
    let first_id = browser.cookie("cruddur_anon").expect("an anonymous id");

    assert_eq!(sign_in(&browser, "ada").await.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .last_set_cookie("cruddur_anon")
            .contains("Max-Age=0"),
        "sign-in drops the anonymous id"
    );
    assert!(browser.cookie("cruddur_anon").is_none());
    let signed_in = browser.csrf().await;
    assert_ne!(signed_in, signed_out);
    // The signed-out token is worthless once signed in.
    assert!(!posts_a_crud(&stack, &browser, &signed_out, "stale").await);
    let page = browser
        .post_raw("/signout", &[("csrf_token", &signed_out)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(posts_a_crud(&stack, &browser, &signed_in, "fresh").await);

    assert_eq!(
        browser.post("/signout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let second_id = browser
        .cookie("cruddur_anon")
        .expect("a fresh anonymous id");
    assert_ne!(second_id, first_id);
    let signed_out_again = browser.csrf().await;
    assert_ne!(signed_out_again, signed_in);
    assert_ne!(signed_out_again, signed_out);
    // Neither older token signs in any more; the new one does.
    for stale in [&signed_out, &signed_in] {
        let page = browser
            .post_raw(
                "/signin",
                &[
                    ("login", "ada"),
                    ("password", PASSWORD),
                    ("csrf_token", stale),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(sign_in(&browser, "ada").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn csrf_with_cookie_secure_the_cookies_are_host_prefixed_and_secure() {
    let stack = spawn_stack_with(true).await;
    let browser = stack.signed_up_browser("ada", "Ada").await;
    browser
        .get("/")
        .await
        .assert(StatusCode::OK, &["Signed in as", "@ada"]);
    browser.post("/signout", &[]).await;

    let set_cookies = browser.set_cookies.lock().unwrap().clone();
    for name in ["__Host-cruddur_session", "__Host-cruddur_anon"] {
        assert!(
            set_cookies
                .iter()
                .any(|set| set.starts_with(&format!("{name}="))),
            "no {name} in {set_cookies:?}"
        );
    }
    for set in &set_cookies {
        assert!(set.starts_with("__Host-"), "{set}");
        for attribute in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Lax"] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(!set.contains("Domain"), "{set}");
    }

    // A cookie without the prefix, as another host could set it, is not the session.
    let session = stack.sign_up("bob", "Bob").await;
    let other = stack.browser();
    other.plant_cookie("cruddur_session", &session.token);
    other
        .get("/")
        .await
        .assert(StatusCode::OK, &["Join the party"]);
}

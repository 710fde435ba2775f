//! Hostile input: each gets a clear 4xx, and whatever is stored is stored exactly as sent.

use cruddur_contract::Activity;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_codes, error_json, ok_json, spawn_app};

/// Text that must come back byte for byte: combining marks, a ZWJ emoji sequence, flags,
/// right-to-left text with an override, SQL and HTML injection, and search-engine syntax.
const VERBATIM: [&str; 6] = [
    "e\u{301}\u{302} Zalgo t\u{334}\u{35d}e\u{337}xt",
    "👩🏽‍💻 ships 🇳🇿🇯🇵 #unicode",
    "שלום עולם \u{202e}abc\u{202c} مرحبا",
    "'; DROP TABLE activities; -- \" OR 1=1",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "NEAR(a b) \"phrase\" col:term * AND OR NOT ^ ~ {}",
];

#[tokio::test]
async fn unusual_text_is_stored_and_served_verbatim() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    for text in VERBATIM {
        let created = app.crud(&ada, text).await;
        assert_eq!(created.message, text);
        let shown: Activity = ok_json(
            app.get(&format!("/api/activities/{}", created.uuid))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(shown.message, text);
        let reply = app.reply(&ada, &created, text).await;
        assert_eq!(reply.message, text);
    }
    let home: Vec<Activity> = ok_json(app.get("/api/activities/home").send().await.unwrap()).await;
    assert_eq!(home.len(), VERBATIM.len());
}

#[tokio::test]
async fn nul_characters_are_refused_everywhere_text_is_kept() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;
    app.sign_up("bob").await;
    let crud = app.crud(&ada, "hello").await;

    let cases = [
        (
            "/api/activities",
            json!({"message": "a\u{0}b", "ttl": "1-day"}),
            "message_invalid",
        ),
        (
            &format!("/api/activities/{}/reply", crud.uuid),
            json!({"message": "a\u{0}b"}),
            "message_invalid",
        ),
        (
            "/api/messages",
            json!({"message": "a\u{0}b", "user_receiver_handle": "bob"}),
            "message_invalid",
        ),
        (
            "/api/messages",
            json!({"message": "hi", "user_receiver_handle": "b\u{0}ob"}),
            "user_receiver_not_found",
        ),
    ];
    for (path, body, code) in cases {
        let response = app
            .post(path)
            .bearer_auth(&ada.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_codes(response, &[code]).await;
    }

    let sign_up = app
        .post("/api/auth/sign_up")
        .json(&json!({
            "display_name": "Eve\u{0}",
            "handle": "eve",
            "email": "eve\u{0}@example.com",
            "password": "correct horse battery",
        }))
        .send()
        .await
        .unwrap();
    assert_codes(sign_up, &["display_name_invalid", "email_invalid"]).await;

    let profile = app
        .patch_me(&ada)
        .json(&json!({"bio": "x\u{0}"}))
        .send()
        .await
        .unwrap();
    assert_codes(profile, &["bio_invalid"]).await;

    // Lookups: no account can have such a handle or login, so the answer is "not found".
    let sign_in = app
        .post("/api/auth/sign_in")
        .json(&json!({"login": "ada\u{0}", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    error_json(sign_in, StatusCode::UNAUTHORIZED).await;
    for path in [
        "/api/users/@ada%00",
        "/api/activities/@ada%00",
        "/api/activities/@%F0%9F%98%80",
    ] {
        let response = app.get(path).send().await.unwrap();
        error_json(response, StatusCode::NOT_FOUND).await;
    }

    // Nothing of the above was stored.
    let home: Vec<Activity> = ok_json(app.get("/api/activities/home").send().await.unwrap()).await;
    assert_eq!(home.len(), 1);
}

#[tokio::test]
async fn deeply_nested_json_and_huge_query_strings_are_refused() {
    let app = spawn_app().await;
    let ada = app.sign_up("ada").await;

    // serde_json stops at 128 levels instead of recursing without bound.
    let nested = format!(
        "{{\"message\": {}1{}, \"ttl\": \"1-day\"}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let response = app
        .post("/api/activities")
        .bearer_auth(&ada.token)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    let body: Value = error_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"], "malformed_json");

    // serde would read a struct from an array of its fields; the API wants an object.
    let response = app
        .patch_me(&ada)
        .header("content-type", "application/json")
        .body(r#"[null, "a bio from an array"]"#)
        .send()
        .await
        .unwrap();
    let body: Value = error_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"], "invalid_body");

    let term = "a".repeat(20_000);
    let response = app
        .get(&format!("/api/activities/search?term={term}"))
        .send()
        .await
        .unwrap();
    let body: Value = error_json(response, StatusCode::URI_TOO_LONG).await;
    assert_eq!(body["error"], "uri_too_long");

    let home: Vec<Activity> = ok_json(app.get("/api/activities/home").send().await.unwrap()).await;
    assert!(home.is_empty());
}

//! Notifications and direct messages, as two people see them.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn what_others_do_arrives_in_the_notifications() {
    let stack = spawn_stack().await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    ada.get("/notifications").await.assert(
        StatusCode::OK,
        &["Nothing yet", r#"aria-current="page">Notifications"#],
    );
    ada.post("/cruds", &[("message", "Notice me"), ("ttl", "7-days")])
        .await;
    let bob = stack.signed_up_browser("bob", "<Bob>").await;
    bob.post("/@ada/follow", &[("on", "1")]).await;
    bob.post("/cruds", &[("message", "hello @ada"), ("ttl", "7-days")])
        .await;

    let page = ada.get("/notifications").await;
    page.assert(
        StatusCode::OK,
        &[
            "&#60;Bob&#62;",
            r#"<a href="/@bob">followed you</a>"#,
            "mentioned you",
            "hello @ada",
            ">now</time>",
        ],
    );
    assert!(!page.body.contains("<Bob>"));
}

#[tokio::test]
async fn each_notification_leads_to_its_thread_at_the_reply() {
    let stack = spawn_stack().await;
    let ada_session = stack.sign_up("ada", "Ada").await;
    let bob_session = stack.sign_up("bob", "Bob").await;
    let crud = stack.crud(&ada_session, "A thread").await;
    let reply = stack.reply(&bob_session, &crud, "A reply @ada").await;
    let status = format!("/@ada/status/{}", crud.uuid);
    let bob = stack.signed_in_browser("bob").await;
    bob.post(
        &format!("/cruds/{}/like", crud.uuid),
        &[("on", "1"), ("back", "/")],
    )
    .await;
    let ada = stack.signed_in_browser("ada").await;

    let at_reply = format!(r#"href="{status}#reply-{}">"#, reply.uuid);
    let page = ada.get("/notifications").await;
    page.assert(
        StatusCode::OK,
        &[
            &format!(r#"{at_reply}replied to you</a>"#),
            &format!(r#"href="{status}">liked your crud</a>"#),
        ],
    );
    // Bob's reply mentioned Ada too, but she heard of it once, as a reply.
    assert!(!page.body.contains("mentioned you"));
    // And Bob hears of Ada's like of his reply, which leads to the reply in Ada's thread.
    ada.post(
        &format!("/cruds/{}/like", reply.uuid),
        &[("on", "1"), ("back", "/")],
    )
    .await;
    bob.get("/notifications").await.assert(
        StatusCode::OK,
        &[&format!(r#"{at_reply}liked your reply</a>"#)],
    );
    stack.page(&status).await.assert(
        StatusCode::OK,
        &[&format!(
            r#"<article class="crud reply" id="reply-{}">"#,
            reply.uuid
        )],
    );
}

#[tokio::test]
async fn a_message_is_sent_and_read_by_the_other_person() {
    let stack = spawn_stack().await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;

    let page = ada.post("/messages/@bob", &[("message", "")]).await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["Write something first."],
    );
    let page = ada.post("/messages/@ada", &[("message", "me?")]).await;
    page.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &["You cannot send a message to yourself.", "me?"],
    );
    let page = ada
        .post("/messages/@bob", &[("message", "Hi <Bob>, lunch?")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/messages/@bob");
    bob.post("/messages/@ada", &[("message", "Sure")]).await;

    bob.get("/messages").await.assert(
        StatusCode::OK,
        &[
            r#"href="/messages/@ada""#,
            "Sure",
            r#"aria-current="page">Messages"#,
        ],
    );
    let page = bob.get("/messages/@ada").await;
    page.assert(
        StatusCode::OK,
        &[
            "Hi &#60;Bob&#62;, lunch?",
            "Sure",
            r#"action="/messages/@ada""#,
        ],
    );
    // Oldest first.
    assert!(page.body.find("lunch?").unwrap() < page.body.find("Sure").unwrap());
}

#[tokio::test]
async fn older_notifications_are_a_link_away() {
    let stack = spawn_stack().await;
    let bob = stack.sign_up("bob", "Bob").await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    for n in 0..25 {
        stack.crud(&bob, &format!("hey @ada number {n}")).await;
    }
    let first = ada.get("/notifications").await;
    first.assert(
        StatusCode::OK,
        &["hey @ada number 24", ">Older notifications</a>"],
    );
    assert!(!first.body.contains("hey @ada number 0<"));
    let older = first.cursor_link("/notifications");
    let second = ada.get(&format!("/notifications?cursor={older}")).await;
    second.assert(StatusCode::OK, &["hey @ada number 0<"]);
    assert!(!second.body.contains("Older notifications"));
}

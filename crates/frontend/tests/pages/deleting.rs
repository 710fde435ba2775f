//! Deleting one's own crud or reply: a link on one's own, a page that asks first, and a form
//! that works without JavaScript.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn a_crud_is_deleted_after_a_confirm_step_by_its_author_only() {
    let stack = spawn_stack().await;
    let ada_session = stack.sign_up("ada", "Ada").await;
    stack.sign_up("bob", "Bob").await;
    let crud = stack.crud(&ada_session, "Regrettable words").await;
    let (ada, bob) = (
        stack.signed_in_browser("ada").await,
        stack.signed_in_browser("bob").await,
    );
    let status = format!("/@ada/status/{}", crud.uuid);
    let confirm = format!("{status}/delete");
    // Signed out, the public home is rendered and kept: it must not outlive the crud.
    assert!(stack.page("/").await.body.contains("Regrettable words"));

    let link = format!(r#"<a class="action" href="{confirm}">Delete</a>"#);
    for page in ["/", "/@ada", status.as_str()] {
        assert!(
            ada.get(page).await.body.contains(&link),
            "{page}: the author's own"
        );
        assert!(
            !bob.get(page).await.body.contains(&link),
            "{page}: not Bob's"
        );
    }
    ada.get(&confirm).await.assert(
        StatusCode::OK,
        &[
            "Delete this crud?",
            "Regrettable words",
            &format!(r#"action="{confirm}""#),
            &format!(r#"href="{status}">Cancel</a>"#),
        ],
    );
    bob.get(&confirm)
        .await
        .assert(StatusCode::FORBIDDEN, &["That is not yours"]);
    bob.post(&confirm, &[])
        .await
        .assert(StatusCode::FORBIDDEN, &["That is not yours"]);
    let forged = ada.post_raw(&confirm, &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF token");
    let signed_out = stack.browser().get(&confirm).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "to sign in");
    assert!(stack.page(&status).await.body.contains("Regrettable words"));

    let deleted = ada.post(&confirm, &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.header("location"), "/@ada");
    assert_eq!(stack.page(&status).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ada.get(&confirm).await.status, StatusCode::NOT_FOUND);
    for page in ["/", "/@ada", "/search?term=regrettable"] {
        let body = stack.page(page).await.body;
        assert!(!body.contains("Regrettable words"), "{page}: {body}");
    }
}

#[tokio::test]
async fn a_reply_is_deleted_alone_from_its_thread() {
    let stack = spawn_stack().await;
    let ada_session = stack.sign_up("ada", "Ada").await;
    let bob_session = stack.sign_up("bob", "Bob").await;
    let crud = stack.crud(&ada_session, "A thread").await;
    let reply = stack.reply(&bob_session, &crud, "A hasty reply").await;
    stack.reply(&ada_session, &crud, "A kept reply").await;
    let (ada, bob) = (
        stack.signed_in_browser("ada").await,
        stack.signed_in_browser("bob").await,
    );
    let status = format!("/@ada/status/{}", crud.uuid);
    let confirm = format!("{status}/replies/{}/delete", reply.uuid);

    assert!(
        bob.get(&status)
            .await
            .body
            .contains(&format!(r#"href="{confirm}">Delete"#))
    );
    assert!(
        !ada.get(&status)
            .await
            .body
            .contains(&format!(r#"href="{confirm}""#))
    );
    ada.get(&confirm)
        .await
        .assert(StatusCode::FORBIDDEN, &["That is not yours"]);
    bob.get(&confirm)
        .await
        .assert(StatusCode::OK, &["Delete this reply?", "A hasty reply"]);

    let deleted = bob.post(&confirm, &[]).await;
    assert_eq!(deleted.header("location"), status);
    stack.page(&status).await.assert(
        StatusCode::OK,
        &[
            "A thread",
            "A kept reply",
            r#"<span class="count">1</span> reply"#,
        ],
    );
    assert!(!stack.page(&status).await.body.contains("A hasty reply"));
}

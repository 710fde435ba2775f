//! Editing one's display name and bio.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn the_profile_is_edited_with_errors_next_to_their_fields() {
    let stack = spawn_stack().await;
    let ada = stack.signed_up_browser("ada", "Ada").await;
    let bob = stack.signed_up_browser("bob", "Bob").await;
    let edit = r#"href="/settings/profile">Edit profile</a>"#;
    assert!(
        ada.get("/@ada").await.body.contains(edit),
        "on one's own profile"
    );
    assert!(
        !bob.get("/@ada").await.body.contains(edit),
        "not on another's"
    );

    ada.get("/settings/profile").await.assert(
        StatusCode::OK,
        &[
            "<h1",
            r#"name="display_name" type="text" value="Ada""#,
            r#"<textarea id="field-bio" name="bio""#,
            r#"href="/@ada">Cancel</a>"#,
        ],
    );

    let refused = ada
        .post(
            "/settings/profile",
            &[("display_name", "   "), ("bio", &"b".repeat(161))],
        )
        .await;
    refused.assert(
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            r#"aria-invalid="true" aria-describedby="display_name-error""#,
            r#"<p class="field-error" id="bio-error">That bio is too long.</p>"#,
            &"b".repeat(161),
        ],
    );
    assert!(
        stack.page("/@ada").await.body.contains(">Ada</h1>"),
        "nothing saved"
    );

    let saved = ada
        .post(
            "/settings/profile",
            &[
                ("display_name", "Ada Lovelace"),
                ("bio", "Counting <engines>"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.header("location"), "/@ada");
    stack.page("/@ada").await.assert(
        StatusCode::OK,
        &[">Ada Lovelace</h1>", "Counting &#60;engines&#62;"],
    );
    // An empty bio is a bio too.
    ada.post(
        "/settings/profile",
        &[("display_name", "Ada Lovelace"), ("bio", "")],
    )
    .await;
    assert!(!stack.page("/@ada").await.body.contains("Counting"));

    let signed_out = stack.browser().get("/settings/profile").await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
}

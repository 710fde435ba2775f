//! Escaping of user text, security headers, and the embedded static assets.

use reqwest::StatusCode;

use crate::helpers::spawn_stack;

#[tokio::test]
async fn user_text_is_shown_as_text_never_as_markup() {
    let stack = spawn_stack().await;
    let mallory = stack
        .sign_up("mallory", r#"<img src=x onerror="alert(1)">"#)
        .await;
    let crud = stack
        .crud(&mallory, r#"<script>alert("crud")</script> #xss"#)
        .await;
    stack
        .reply(&mallory, &crud, "<b>bold</b><script>alert(2)</script>")
        .await;

    for path in [
        "/".to_owned(),
        "/@mallory".to_owned(),
        format!("/@mallory/status/{}", crud.uuid),
        "/search?term=%3Cscript%3E".to_owned(),
    ] {
        let page = stack.page(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>"), "{path}:\n{}", page.body);
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(!page.body.contains("<b>bold"), "{path}");
        assert!(page.body.contains("&#60;script&#62;"), "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let stack = spawn_stack().await;
    for path in ["/", "/search?term=a", "/nowhere", "/static/cruddur.css"] {
        let page = stack.page(path).await;
        let csp = page.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
    }
}

#[tokio::test]
async fn pages_use_no_inline_script_or_style() {
    let stack = spawn_stack().await;
    let page = stack.page("/").await;
    // The one script is the embedded static file.
    assert_eq!(page.body.matches("<script").count(), 1);
    assert!(page.body.contains(r#"<script src="/static/cruddur.js?v="#));
    assert!(!page.body.contains("<style"));
    assert!(!page.body.contains("style="));
}

#[tokio::test]
async fn static_assets_are_embedded_and_cacheable() {
    let stack = spawn_stack().await;
    let home = stack.page("/").await;
    let start = home.body.find("/static/cruddur.css?v=").unwrap();
    let end = start + home.body[start..].find('"').unwrap();

    let css = stack.page(&home.body[start..end]).await;
    css.assert(StatusCode::OK, &["--accent", "@media"]);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("max-age="));

    let icon = stack.page("/static/favicon.svg").await;
    icon.assert(StatusCode::OK, &["<svg"]);
    assert_eq!(icon.header("content-type"), "image/svg+xml");
}

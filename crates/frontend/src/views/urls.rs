//! Page addresses: every link, form action and redirect to a page of this site is built
//! here, and query parameters are read here.

use cruddur_contract::ActivityId;

/// The profile address. Handles are letters, digits and `_`, so this encodes nothing for a
/// valid one; anything else is percent-encoded rather than trusted into a URL path.
pub fn profile_url(handle: &str) -> String {
    let mut url = String::from("/@");
    for byte in handle.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

pub fn follow_url(handle: &str) -> String {
    format!("{}/follow", profile_url(handle))
}

/// The conversation with `handle`.
pub fn conversation_url(handle: &str) -> String {
    format!("/messages{}", profile_url(handle))
}

/// The address of a crud's own page: it lives at its author's address.
pub fn permalink(handle: &str, crud: ActivityId) -> String {
    format!("{}/status/{crud}", profile_url(handle))
}

/// Where the reply form of a crud is sent.
pub fn reply_url(handle: &str, crud: ActivityId) -> String {
    format!("{}/reply", permalink(handle, crud))
}

/// The step that asks before deleting a crud.
pub fn delete_crud_url(handle: &str, crud: ActivityId) -> String {
    format!("{}/delete", permalink(handle, crud))
}

/// The step that asks before deleting a reply of the crud by `handle`.
pub fn delete_reply_url(handle: &str, crud: ActivityId, reply: ActivityId) -> String {
    format!("{}/replies/{reply}/delete", permalink(handle, crud))
}

/// A reply on its crud's page, scrolled to.
pub fn reply_link(handle: &str, crud: ActivityId, reply: ActivityId) -> String {
    format!("{}#{}", permalink(handle, crud), reply_anchor(reply))
}

/// The id of a reply's element on its crud's page, for links to it.
pub fn reply_anchor(reply: ActivityId) -> String {
    format!("reply-{reply}")
}

pub fn like_url(activity: ActivityId) -> String {
    format!("/cruds/{activity}/like")
}

pub fn repost_url(activity: ActivityId) -> String {
    format!("/cruds/{activity}/repost")
}

/// The results for `term`, from `cursor` on.
pub fn search_url(term: &str, cursor: Option<&str>) -> String {
    match cursor.filter(|cursor| !cursor.is_empty()) {
        Some(cursor) => format!("/search?{}", query(&[("term", term), ("cursor", cursor)])),
        None => format!("/search?{}", query(&[("term", term)])),
    }
}

/// The search for a hashtag.
pub fn hashtag_url(tag: &str) -> String {
    search_url(&format!("#{tag}"), None)
}

/// The feed at `path` from `cursor` on (its "Older" link).
pub fn next_page_url(path: &str, cursor: &str) -> String {
    format!("{path}?{}", query(&[("cursor", cursor)]))
}

/// A URL query string from these pairs, form-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// One parameter of a raw query string. Parsed by hand so that a malformed query is simply
/// ignored rather than rejected with an unstyled error.
pub fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_urls_keep_handles_inside_the_path() {
        assert_eq!(profile_url("andrew_brown2"), "/@andrew_brown2");
        assert_eq!(profile_url("a/b c"), "/@a%2Fb%20c");
    }

    #[test]
    fn search_urls_encode_the_term_and_drop_an_empty_cursor() {
        assert_eq!(hashtag_url("rust"), "/search?term=%23rust");
        assert_eq!(search_url("a b", Some("")), "/search?term=a+b");
        assert_eq!(search_url("a", Some("MTIz")), "/search?term=a&cursor=MTIz");
        assert_eq!(next_page_url("/@ada", "MTIz"), "/@ada?cursor=MTIz");
    }
}

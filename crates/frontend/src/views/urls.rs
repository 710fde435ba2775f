//! Page addresses: read from a request's query, and built for links.

/// The address of a crud's own page.
pub fn permalink(handle: &str, uuid: uuid::Uuid) -> String {
    format!("{}/status/{uuid}", profile_url(handle))
}

/// The id of a reply's element on its crud's page, for links to it.
pub fn reply_anchor(reply: uuid::Uuid) -> String {
    format!("reply-{reply}")
}

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

/// A URL query string from these pairs, form-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
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
}

//! What Cruddur reads out of a crud's text: @mentions, #hashtags, and the words search finds.

use crate::handle::Handle;

/// The handles mentioned as `@handle`, each once, in order of first appearance.
pub fn mentions(text: &str) -> Vec<Handle> {
    tagged_words(text, '@')
        .filter_map(Handle::parse)
        .fold(Vec::new(), |mut found, handle| {
            if !found.iter().any(|h| h.eq_ignore_ascii_case(&handle)) {
                found.push(handle);
            }
            found
        })
}

/// The hashtags (without `#`, lower-cased), each once, in order of first appearance.
pub fn hashtags(text: &str) -> Vec<String> {
    tagged_words(text, '#').fold(Vec::new(), |mut found, tag| {
        let tag = tag.to_lowercase();
        if !found.contains(&tag) {
            found.push(tag);
        }
        found
    })
}

/// The words of a text, lower-cased, in order, repeats kept: runs of letters, digits and `_`.
/// Search finds whole words, so this one split serves what is stored and what is asked.
pub fn words(text: &str) -> impl Iterator<Item = String> {
    text.split(|c: char| !is_word(c))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// What the search index holds for a crud, each once: its words, and its hashtags as `#tag`
/// (a tag is also a word, but not every word is a tag: `C#rust` holds `rust`, not `#rust`).
pub fn search_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for term in words(text).chain(hashtags(text).into_iter().map(|tag| format!("#{tag}"))) {
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Words that follow `marker` at the start of the text or after a non-word character, so that
/// `a@b.com` is not a mention and `C#` is not a tag.
fn tagged_words(text: &str, marker: char) -> impl Iterator<Item = &str> {
    text.char_indices().filter_map(move |(i, c)| {
        if c != marker || text[..i].chars().next_back().is_some_and(is_word) {
            return None;
        }
        let rest = &text[i + c.len_utf8()..];
        let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_once_and_emails_are_not_mentions() {
        assert_eq!(
            mentions("@bayko and @londo, mail me at a@b.com, hi @Bayko!"),
            vec!["bayko", "londo"]
        );
        assert!(mentions("no one here @ all").is_empty());
    }

    #[test]
    fn hashtags_are_lower_cased_and_unique() {
        assert_eq!(
            hashtags("#Rust is great. #rust #cloud-native, C# is not a tag, #日本"),
            vec!["rust", "cloud", "日本"]
        );
    }

    #[test]
    fn search_terms_are_words_and_tags_each_once() {
        assert_eq!(
            search_terms("Rust, #rust and C#Go: snake_case rust"),
            vec!["rust", "and", "c", "go", "snake_case", "#rust"]
        );
        assert!(search_terms("!!! ...").is_empty());
    }
}

//! The values stores take and give besides the contract types.

use chrono::{DateTime, Utc};
use cruddur_contract::{Cursor, User, text};
use uuid::Uuid;

/// A validated sign-up with its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub display_name: String,
    pub handle: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// An account and its password hash, for checking a sign-in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A validated crud.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub author: Uuid,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A validated reply. It takes its crud's `expires_at`.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub author: Uuid,
    pub reply_to: Uuid,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// A page of a feed: at most `limit` items strictly after `after` in the feed's newest-first
/// `(created_at, uuid)` order (from the start when `after` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Page {
    pub fn first(limit: u32) -> Page {
        Page { after: None, limit }
    }
}

/// One side of a conversation, as the account store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub uuid: Uuid,
    pub handle: String,
    pub display_name: String,
}

impl From<&User> for Participant {
    fn from(user: &User) -> Self {
        Participant {
            uuid: user.uuid,
            handle: user.handle.clone(),
            display_name: user.display_name.clone(),
        }
    }
}

/// A search, reduced to what every backend can match safely: lower-cased words (letters,
/// digits, underscores; at most [`SearchTerms::MAX_WORDS`]) and the hashtags among them. Search
/// syntax of the underlying engine is never passed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    pub words: Vec<String>,
    pub hashtags: Vec<String>,
}

impl SearchTerms {
    pub const MAX_WORDS: usize = 8;

    pub fn parse(term: &str) -> SearchTerms {
        let mut words: Vec<String> = Vec::new();
        for word in term
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
        {
            let word = word.to_lowercase();
            if !words.contains(&word) && words.len() < Self::MAX_WORDS {
                words.push(word);
            }
        }
        let hashtags = text::hashtags(term)
            .into_iter()
            .filter(|tag| words.contains(tag))
            .collect();
        SearchTerms { words, hashtags }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_drop_engine_syntax() {
        let terms = SearchTerms::parse("#Rust OR \"cloud*\" -NEAR(x) rust");
        assert_eq!(terms.words, vec!["rust", "or", "cloud", "near", "x"]);
        assert_eq!(terms.hashtags, vec!["rust"]);
        assert!(SearchTerms::parse("*** ---").is_empty());
    }
}

//! The values stores take and give besides the contract types.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, ActivityId, Cursor, Handle, User, UserId, text};

/// A validated sign-up with its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub display_name: String,
    pub handle: Handle,
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
    pub author: UserId,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A validated reply. It takes its crud's `expires_at`.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub author: UserId,
    pub reply_to: ActivityId,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// Which of some cruds and replies one viewer likes and reposts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reactions {
    pub liked: HashSet<ActivityId>,
    pub reposted: HashSet<ActivityId>,
}

/// From `(activity, reposted)` rows: a repost when `reposted`, a like otherwise.
impl FromIterator<(ActivityId, bool)> for Reactions {
    fn from_iter<I: IntoIterator<Item = (ActivityId, bool)>>(rows: I) -> Self {
        let mut reactions = Reactions::default();
        for (uuid, reposted) in rows {
            let set = if reposted {
                &mut reactions.reposted
            } else {
                &mut reactions.liked
            };
            set.insert(uuid);
        }
        reactions
    }
}

impl Reactions {
    /// Sets `liked_by_me` and `reposted_by_me` on these cruds and their replies.
    pub fn mark(&self, cruds: &mut [Activity]) {
        for crud in cruds {
            crud.liked_by_me = self.liked.contains(&crud.uuid);
            crud.reposted_by_me = self.reposted.contains(&crud.uuid);
            for reply in &mut crud.replies {
                reply.liked_by_me = self.liked.contains(&reply.uuid);
                reply.reposted_by_me = self.reposted.contains(&reply.uuid);
            }
        }
    }
}

/// What asking to delete a crud or reply came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// Unknown or expired.
    NotFound,
    /// Someone else's.
    NotAuthor,
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
    pub uuid: UserId,
    pub handle: Handle,
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
        for word in text::words(term) {
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

    /// The index terms (see [`text::search_terms`]) a match holds every one of: each hashtag
    /// as `#tag`, which implies its word, and the other words.
    pub fn index_terms(&self) -> Vec<String> {
        self.words
            .iter()
            .map(|word| {
                if self.hashtags.contains(word) {
                    format!("#{word}")
                } else {
                    word.clone()
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A page of search results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    /// Newest first, at most the page's limit.
    pub activities: Vec<Activity>,
    /// Where the search stopped looking when it stopped before filling the page: every match
    /// above this position is in `activities`, and more may come after it.
    pub searched_to: Option<Cursor>,
}

impl SearchPage {
    /// The most rows of the search index one search reads beyond the page (see the stores'
    /// `search`), so that none costs more than that however rare its matches.
    pub const MOST_READ: u32 = 1_000;
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
        assert_eq!(
            terms.index_terms(),
            vec!["#rust", "or", "cloud", "near", "x"]
        );
    }
}

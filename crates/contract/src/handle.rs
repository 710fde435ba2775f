//! A user's handle (`@ada`), its own type so that it cannot be passed where a display name,
//! an email or any other text is expected, or the other way round.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

pub const HANDLE_MAX_CHARS: usize = 30;

/// 1–30 ASCII letters, digits or underscores, so `@handle` in text is unambiguous.
/// Made from untrusted text only through [`Handle::parse`]; read back from storage or the API
/// as it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9_]{1,30}$"))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
pub struct Handle(String);

impl Handle {
    /// The handle `text` spells, or `None` when no account could have it.
    pub fn parse(text: &str) -> Option<Handle> {
        let well_formed = !text.is_empty()
            && text.len() <= HANDLE_MAX_CHARS
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        well_formed.then(|| Handle(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What makes two handles the same handle: their confusable skeleton (Unicode UTS #39),
    /// case folded and taken again, so `aItbrown` (capital i) is `altbrown`, as is `ALTBROWN`.
    pub fn skeleton(&self) -> String {
        let skeleton: String = unicode_security::skeleton(&self.0).collect();
        unicode_security::skeleton(&skeleton.to_lowercase()).collect()
    }
}

impl Deref for Handle {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Handle {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Handle {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton(text: &str) -> String {
        Handle::parse(text).unwrap().skeleton()
    }

    #[test]
    fn handles_are_ascii_words() {
        for good in ["andrewbrown", "Alt_Brown2", &"a".repeat(30)] {
            assert_eq!(Handle::parse(good).as_deref(), Some(good));
        }
        for bad in ["", "andrew.brown", "ándrew", "@ada", &"a".repeat(31)] {
            assert_eq!(Handle::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn handles_that_look_alike_have_one_skeleton() {
        let alt = skeleton("altbrown");
        for lookalike in ["aItbrown", "ALTBROWN", "a1tbrown", "AltBrown"] {
            assert_eq!(skeleton(lookalike), alt, "{lookalike}");
        }
        assert_eq!(skeleton("rnary"), skeleton("mary"));
        assert_eq!(skeleton("b0b"), skeleton("bob"));
        assert_ne!(skeleton("andrewbrown"), alt);
    }
}

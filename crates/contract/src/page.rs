//! Cursor pagination, shared by every feed.
//!
//! A feed is ordered by `(created_at, uuid)` descending; the cursor names the last item of a
//! page, and the next page holds what comes strictly after it. Items created while a reader
//! pages are never shown twice and never skipped below the cursor.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::ErrorCode;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Query parameters every feed accepts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageParams {
    /// Opaque cursor from the previous page's `Link: <…>; rel="next"` header.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

impl PageParams {
    /// The decoded cursor and the page size, or the failing codes.
    pub fn resolve(&self) -> Result<(Option<Cursor>, u32), Vec<ErrorCode>> {
        let mut errors = Vec::new();
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => {
                let cursor = Cursor::decode(raw);
                if cursor.is_none() {
                    errors.push(ErrorCode::CursorInvalid);
                }
                cursor
            }
        };
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(ErrorCode::LimitInvalid);
        }
        if errors.is_empty() {
            Ok((cursor, limit))
        } else {
            Err(errors)
        }
    }
}

/// A position in a feed: the `(created_at, uuid)` of the last item seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub uuid: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let raw = format!("{}.{}", self.created_at.timestamp_micros(), self.uuid);
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(encoded: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        let raw = std::str::from_utf8(&bytes).ok()?;
        let (micros, uuid) = raw.split_once('.')?;
        Some(Cursor {
            created_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            uuid: uuid.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            uuid: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("12.nope")), None);
    }

    #[test]
    fn limits_are_bounded() {
        let page = |limit| PageParams {
            cursor: None,
            limit: Some(limit),
        };
        assert_eq!(page(100).resolve(), Ok((None, 100)));
        assert_eq!(page(0).resolve(), Err(vec![ErrorCode::LimitInvalid]));
        assert_eq!(page(101).resolve(), Err(vec![ErrorCode::LimitInvalid]));
        assert_eq!(PageParams::default().resolve(), Ok((None, DEFAULT_LIMIT)));
    }
}

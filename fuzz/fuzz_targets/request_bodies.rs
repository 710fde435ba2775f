//! Every request body and query the API reads, parsed the way its extractors parse them
//! (serde_json for bodies, serde_urlencoded for queries) and then validated. Parsing may fail
//! and validation may refuse; neither may panic, and whatever validation accepts must hold the
//! rules the stores rely on.

#![no_main]

use cruddur_contract::account::{DISPLAY_NAME_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use cruddur_contract::activity::{CRUD_MAX_CHARS, REPLY_MAX_CHARS};
use cruddur_contract::message::CreateMessage;
use cruddur_contract::page::{Cursor, PageParams};
use cruddur_contract::text::{hashtags, mentions};
use cruddur_contract::{CreateActivity, CreateReply, Handle, SignIn, SignUp, UpdateProfile};
use libfuzzer_sys::fuzz_target;

/// Accepted text: trimmed, not blank, within `max` characters, no U+0000.
fn check_text(text: &str, max: usize) {
    assert_eq!(text, text.trim());
    assert!(!text.is_empty());
    assert!(text.chars().count() <= max);
    assert!(!text.contains('\0'));
    // Mentions and hashtags are extracted from every accepted text.
    for handle in mentions(text) {
        assert_eq!(Handle::parse(&handle).as_ref(), Some(&handle));
    }
    for tag in hashtags(text) {
        assert!(!tag.is_empty());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    match kind % 8 {
        0 => {
            if let Ok(Ok((message, _ttl))) =
                serde_json::from_slice::<CreateActivity>(body).map(|b| b.validate())
            {
                check_text(&message, CRUD_MAX_CHARS);
            }
        }
        1 => {
            if let Ok(Ok(message)) =
                serde_json::from_slice::<CreateReply>(body).map(|b| b.validate())
            {
                check_text(&message, REPLY_MAX_CHARS);
            }
        }
        2 => {
            if let Ok(Ok((message, receiver))) =
                serde_json::from_slice::<CreateMessage>(body).map(|b| b.validate())
            {
                check_text(&message, REPLY_MAX_CHARS);
                assert_eq!(Handle::parse(&receiver).as_ref(), Some(&receiver));
            }
        }
        3 => {
            if let Ok(Ok(valid)) = serde_json::from_slice::<SignUp>(body).map(|b| b.validate()) {
                assert_eq!(Handle::parse(&valid.handle).as_ref(), Some(&valid.handle));
                assert!(!valid.display_name.trim().is_empty());
                assert!(valid.display_name.chars().count() <= DISPLAY_NAME_MAX_CHARS);
                assert!(!valid.display_name.chars().any(char::is_control));
                assert!(!valid.email.chars().any(char::is_control));
                let password = valid.password.chars().count();
                assert!((PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&password));
            }
        }
        4 => {
            if let Ok(Ok((login, password))) =
                serde_json::from_slice::<SignIn>(body).map(|b| b.validate())
            {
                assert!(!login.is_empty() && !password.is_empty());
            }
        }
        5 => {
            if let Ok(Ok((name, bio))) =
                serde_json::from_slice::<UpdateProfile>(body).map(|b| b.validate())
            {
                assert!(name.is_none_or(|n| !n.is_empty() && !n.contains('\0')));
                assert!(bio.is_none_or(|b| !b.contains('\0')));
            }
        }
        6 => {
            if let Ok(Ok((cursor, limit))) =
                serde_urlencoded::from_bytes::<PageParams>(body).map(|p| p.resolve())
            {
                assert!((1..=100).contains(&limit));
                // A cursor that decodes is one the API could have issued.
                if let Some(cursor) = cursor {
                    assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
                }
            }
        }
        _ => {
            if let Ok(raw) = std::str::from_utf8(body)
                && let Some(cursor) = Cursor::decode(raw)
            {
                assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
            }
        }
    }
});

//! Keys and items: the table's layout (see the module above) in one place.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};
use cruddur_contract::{GroupId, Handle, Message, MessageGroup, MessageId, UserId};
use uuid::Uuid;

use crate::{Page, Participant, StoreError, StoreResult};

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Only group items carry it, which keeps the index sparse: querying it for one group finds
/// exactly that group's two membership items, however many messages the group holds.
pub const GROUP_UUID: &str = "message_group_uuid";
pub const GROUP_INDEX: &str = "message-group-sk-index";
const MESSAGE_UUID: &str = "message_uuid";
const MESSAGE: &str = "message";
const USER_UUID: &str = "user_uuid";
const USER_HANDLE: &str = "user_handle";
const USER_DISPLAY_NAME: &str = "user_display_name";
/// The pair item's group, under a name of its own so that the pair stays out of the index.
const PAIR_GROUP: &str = "group_uuid";
pub const PAIR_LAST_SK: &str = "last_sk";
const PAIR_SK: &str = "PAIR";

pub fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The partition of `user`'s group items.
pub fn groups_pk(user: UserId) -> String {
    format!("GRP#{user}")
}

/// The partition of a group's messages.
pub fn messages_pk(group: GroupId) -> String {
    format!("MSG#{group}")
}

/// The key of the item naming the one group of two users, the same whoever asks.
pub fn pair_key(one: UserId, other: UserId) -> Item {
    let (a, b) = if one <= other {
        (one, other)
    } else {
        (other, one)
    };
    HashMap::from([
        (PK.to_owned(), string(format!("PAIR#{a}#{b}"))),
        (SK.to_owned(), string(PAIR_SK)),
    ])
}

pub fn key(pk: String, sk: String) -> Item {
    HashMap::from([(PK.to_owned(), string(pk)), (SK.to_owned(), string(sk))])
}

/// `<time>#<uuid>`: the time at a fixed width (microseconds, `Z`) and the uuid in lower-case
/// hyphenated form, whose string order is its byte order, so that the strings sort exactly as
/// `(time, uuid)` pairs do, as the feeds and their cursors do. Uuids make keys unique when
/// times tie.
pub fn sort_key(time: DateTime<Utc>, uuid: Uuid) -> String {
    format!(
        "{}#{}",
        time.to_rfc3339_opts(SecondsFormat::Micros, true),
        uuid.hyphenated()
    )
}

pub fn parse_sort_key(sk: &str) -> StoreResult<(DateTime<Utc>, Uuid)> {
    let parsed = sk.split_once('#').and_then(|(time, uuid)| {
        Some((
            DateTime::parse_from_rfc3339(time).ok()?.to_utc(),
            Uuid::try_parse(uuid).ok()?,
        ))
    });
    parsed.ok_or_else(|| StoreError::Internal(format!("malformed sort key {sk:?}").into()))
}

/// The exclusive upper bound of a newest-first page's sort keys: the cursor's own key, since
/// keys order as cursors do. `None` from the start.
pub fn page_bound(page: &Page) -> Option<String> {
    page.after
        .map(|cursor| sort_key(cursor.created_at, cursor.uuid))
}

/// `owner`'s item for a group with `other`, at the group's latest message.
pub fn group_item(
    owner: UserId,
    sk: &str,
    group: GroupId,
    other: &Participant,
    preview: &str,
) -> Item {
    HashMap::from([
        (PK.to_owned(), string(groups_pk(owner))),
        (SK.to_owned(), string(sk)),
        (GROUP_UUID.to_owned(), string(group.to_string())),
        (MESSAGE.to_owned(), string(preview)),
        (USER_UUID.to_owned(), string(other.uuid.to_string())),
        (USER_HANDLE.to_owned(), string(other.handle.as_str())),
        (USER_DISPLAY_NAME.to_owned(), string(&other.display_name)),
    ])
}

pub fn message_item(group: GroupId, message: &Message, sender: UserId) -> Item {
    HashMap::from([
        (PK.to_owned(), string(messages_pk(group))),
        (
            SK.to_owned(),
            string(sort_key(message.created_at, message.uuid.0)),
        ),
        (MESSAGE_UUID.to_owned(), string(message.uuid.to_string())),
        (MESSAGE.to_owned(), string(&message.message)),
        (USER_UUID.to_owned(), string(sender.to_string())),
        (USER_HANDLE.to_owned(), string(message.handle.as_str())),
        (USER_DISPLAY_NAME.to_owned(), string(&message.display_name)),
    ])
}

pub fn pair_item(one: UserId, other: UserId, group: GroupId, last_sk: &str) -> Item {
    let mut item = pair_key(one, other);
    item.insert(PAIR_GROUP.to_owned(), string(group.to_string()));
    item.insert(PAIR_LAST_SK.to_owned(), string(last_sk));
    item
}

/// The pair item's group and its group items' current sort key.
pub struct Pair {
    pub group: GroupId,
    pub last_sk: String,
}

pub fn pair_from(item: &Item) -> StoreResult<Pair> {
    Ok(Pair {
        group: GroupId(uuid_attribute(item, PAIR_GROUP)?),
        last_sk: text(item, PAIR_LAST_SK)?.to_owned(),
    })
}

pub fn group_from(item: &Item) -> StoreResult<MessageGroup> {
    let (created_at, _) = parse_sort_key(text(item, SK)?)?;
    Ok(MessageGroup {
        uuid: GroupId(uuid_attribute(item, GROUP_UUID)?),
        display_name: text(item, USER_DISPLAY_NAME)?.to_owned(),
        handle: handle_attribute(item, USER_HANDLE)?,
        message: text(item, MESSAGE)?.to_owned(),
        created_at,
    })
}

pub fn message_from(item: &Item) -> StoreResult<Message> {
    let (created_at, uuid) = parse_sort_key(text(item, SK)?)?;
    Ok(Message {
        uuid: MessageId(uuid),
        display_name: text(item, USER_DISPLAY_NAME)?.to_owned(),
        handle: handle_attribute(item, USER_HANDLE)?,
        message: text(item, MESSAGE)?.to_owned(),
        created_at,
    })
}

/// A string attribute that every item of its kind has.
pub fn text<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        _ => Err(StoreError::Internal(
            format!("item without string attribute {name}").into(),
        )),
    }
}

fn handle_attribute(item: &Item, name: &str) -> StoreResult<Handle> {
    Handle::parse(text(item, name)?)
        .ok_or_else(|| StoreError::Internal(format!("attribute {name}: not a handle").into()))
}

fn uuid_attribute(item: &Item, name: &str) -> StoreResult<Uuid> {
    Uuid::try_parse(text(item, name)?)
        .map_err(|error| StoreError::Internal(format!("attribute {name}: {error}").into()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use cruddur_contract::Cursor;

    use super::*;

    fn instant(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap()
    }

    #[test]
    fn sort_keys_round_trip_to_the_microsecond() {
        let time = instant(1_767_225_600_000_001);
        let uuid = Uuid::new_v4();
        let sk = sort_key(time, uuid);
        assert_eq!(sk, format!("2026-01-01T00:00:00.000001Z#{uuid}"));
        assert_eq!(parse_sort_key(&sk).unwrap(), (time, uuid));
        assert!(parse_sort_key("2026-01-01T00:00:00Z").is_err());
        assert!(parse_sort_key("PAIR").is_err());
    }

    #[test]
    fn sort_keys_order_as_time_then_uuid() {
        let base = instant(1_767_225_600_123_456);
        let low = Uuid::from_u128(0x0f);
        let high = Uuid::from_u128(0xa0 << 120);
        let mut pairs = vec![
            (base + TimeDelta::seconds(1), low),
            (base, high),
            (base, low),
            (base + TimeDelta::microseconds(1), low),
            (base - TimeDelta::days(400), high),
            (base + TimeDelta::microseconds(900_000), high),
        ];
        let mut keys: Vec<String> = pairs.iter().map(|&(t, u)| sort_key(t, u)).collect();
        pairs.sort();
        keys.sort();
        let decoded: Vec<_> = keys.iter().map(|k| parse_sort_key(k).unwrap()).collect();
        assert_eq!(decoded, pairs);
    }

    #[test]
    fn a_page_is_bounded_by_its_cursors_key() {
        assert_eq!(page_bound(&Page::first(20)), None);
        let cursor = Cursor {
            created_at: instant(1_767_225_600_123_456),
            uuid: Uuid::from_u128(7),
        };
        let page = Page {
            after: Some(cursor),
            limit: 20,
        };
        assert_eq!(
            page_bound(&page),
            Some(sort_key(cursor.created_at, cursor.uuid))
        );
    }

    #[test]
    fn a_pair_has_one_key_whoever_asks() {
        let (a, b) = (UserId::random(), UserId::random());
        assert_eq!(pair_key(a, b), pair_key(b, a));
        assert_ne!(pair_key(a, b), pair_key(a, UserId::random()));
    }

    #[test]
    fn items_read_back_as_records() {
        let other = Participant {
            uuid: UserId::random(),
            handle: Handle::parse("bob").unwrap(),
            display_name: "Bob B".into(),
        };
        let group = GroupId::random();
        let at = instant(1_767_225_600_123_456);
        let sk = sort_key(at, group.0);
        let item = group_item(UserId::random(), &sk, group, &other, "hi");
        let read = group_from(&item).unwrap();
        assert_eq!(
            (read.uuid, read.handle.as_str(), read.message.as_str()),
            (group, "bob", "hi")
        );
        assert_eq!(read.created_at, at);

        let message = Message {
            uuid: MessageId::random(),
            display_name: "Ada A".into(),
            handle: Handle::parse("ada").unwrap(),
            message: "hello".into(),
            created_at: at,
        };
        let item = message_item(group, &message, UserId::random());
        assert_eq!(message_from(&item).unwrap(), message);

        let pair = pair_from(&pair_item(other.uuid, UserId::random(), group, &sk)).unwrap();
        assert_eq!((pair.group, pair.last_sk), (group, sk));
    }
}

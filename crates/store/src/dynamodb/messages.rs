//! [`MessageStore`] on the table: queries for reading, one transaction per message sent.
//!
//! Reads of the base table are strongly consistent, so a message shows up at once for both
//! people. The membership check goes through the global index, which DynamoDB keeps eventually
//! consistent: for a moment after a group is created it can read as unknown (membership never
//! changes afterwards).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use cruddur_contract::{GroupId, Message, MessageGroup, MessageId, UserId};

use super::DynamoMessageStore;
use super::items::{
    GROUP_INDEX, GROUP_UUID, Item, PAIR_LAST_SK, PK, Pair, SK, group_from, group_item, groups_pk,
    key, message_from, message_item, messages_pk, page_bound, pair_from, pair_item, pair_key,
    sort_key, string, text,
};
use crate::{MessageStore, Page, Participant, StoreError, StoreResult};

/// How often a send is tried again after losing a race for its group to another send. Each
/// round has a winner, so this bounds how many people can write to one conversation in the
/// same instant, far more than two people typing do.
const SEND_ATTEMPTS: u32 = 16;

impl DynamoMessageStore {
    /// Up to `page.limit` items of the partition `pk`, newest first, strictly after the page's
    /// cursor. DynamoDB answers at most 1 MB a call, so this asks again from where it stopped
    /// until the page is full or the partition exhausted.
    async fn query_page(&self, pk: String, page: &Page) -> StoreResult<Vec<Item>> {
        let limit = page.limit as usize;
        let mut condition = format!("{PK} = :pk");
        let mut values = HashMap::from([(":pk".to_owned(), string(pk))]);
        if let Some(bound) = page_bound(page) {
            condition.push_str(&format!(" AND {SK} < :bound"));
            values.insert(":bound".to_owned(), string(bound));
        }
        let mut items = Vec::with_capacity(limit);
        let mut start = None;
        while items.len() < limit {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(&condition)
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(items)
    }

    /// The partition keys (`GRP#<user>`) of the group's membership items: none for an unknown
    /// group.
    async fn members(&self, group: GroupId) -> StoreResult<Vec<String>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GROUP_INDEX)
            .key_condition_expression(format!("{GROUP_UUID} = :group"))
            .expression_attribute_values(":group", string(group.to_string()))
            .send()
            .await?;
        output
            .items()
            .iter()
            .map(|item| text(item, PK).map(str::to_owned))
            .collect()
    }

    /// The group of two users, if they ever wrote to each other.
    async fn pair(&self, one: UserId, other: UserId) -> StoreResult<Option<Pair>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(pair_key(one, other)))
            .consistent_read(true)
            .send()
            .await?;
        output.item.as_ref().map(pair_from).transpose()
    }

    fn put(&self, item: Item, condition: Option<&str>) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(&self, key: Item) -> StoreResult<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .build()?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The first message of two people: the pair item (only if there is none yet, so that two
    /// first messages at once cannot start two groups), both membership items and the message.
    fn start_group(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &Message,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let group = GroupId::random();
        let sk = sort_key(message.created_at, group.0);
        Ok(vec![
            self.put(
                pair_item(sender.uuid, receiver.uuid, group, &sk),
                Some(&format!("attribute_not_exists({PK})")),
            )?,
            self.put(
                group_item(sender.uuid, &sk, group, receiver, &message.message),
                None,
            )?,
            self.put(
                group_item(receiver.uuid, &sk, group, sender, &message.message),
                None,
            )?,
            self.put(message_item(group, message, sender.uuid), None)?,
        ])
    }

    /// A message to an existing group that is at least as new as its preview: the message, and
    /// both membership items moved to the new sort key with the new preview (and the names as
    /// the account store has them now). The pair item's sort key must still be the one read,
    /// so of two sends at once one wins and the other tries again on the winner's state.
    fn continue_group(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &Message,
        pair: &Pair,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let sk = sort_key(message.created_at, pair.group.0);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(pair_key(sender.uuid, receiver.uuid)))
            .update_expression(format!("SET {PAIR_LAST_SK} = :new"))
            .condition_expression(format!("{PAIR_LAST_SK} = :old"))
            .expression_attribute_values(":new", string(&sk))
            .expression_attribute_values(":old", string(&pair.last_sk))
            .build()?;
        let mut writes = vec![
            self.put(message_item(pair.group, message, sender.uuid), None)?,
            TransactWriteItem::builder().update(update).build(),
        ];
        for (owner, other) in [(sender, receiver), (receiver, sender)] {
            // A transaction may touch an item once: at the same sort key the put replaces it.
            if sk != pair.last_sk {
                writes.push(self.delete(key(groups_pk(owner.uuid), pair.last_sk.clone()))?);
            }
            writes.push(self.put(
                group_item(owner.uuid, &sk, pair.group, other, &message.message),
                None,
            )?);
        }
        Ok(writes)
    }
}

/// The transaction was cancelled because another one changed the pair first.
fn lost_race(error: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> bool {
    match error.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
            cancelled.cancellation_reasons().iter().any(|reason| {
                matches!(
                    reason.code(),
                    Some("ConditionalCheckFailed" | "TransactionConflict")
                )
            })
        }
        _ => false,
    }
}

/// A short random pause growing with the attempt, so that senders that collided do not
/// collide again in lockstep.
async fn back_off(attempt: u32) {
    let millis = 5 * u64::from(attempt) + rand::random_range(0..20);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

#[async_trait]
impl MessageStore for DynamoMessageStore {
    async fn ping(&self) -> StoreResult<()> {
        match self.describe().await? {
            Some(_) => Ok(()),
            None => Err(StoreError::Unavailable(
                format!("the message table {} does not exist", self.table).into(),
            )),
        }
    }

    /// The names are the other person's as of the group's last message.
    async fn message_groups(
        &self,
        user: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<MessageGroup>> {
        let items = self.query_page(groups_pk(user.uuid), page).await?;
        items.iter().map(group_from).collect()
    }

    async fn conversation(
        &self,
        user: &Participant,
        other: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        let Some(pair) = self.pair(user.uuid, other.uuid).await? else {
            return Ok(Vec::new());
        };
        let items = self.query_page(messages_pk(pair.group), page).await?;
        items.iter().map(message_from).collect()
    }

    async fn group_messages(
        &self,
        user: &Participant,
        group: GroupId,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        // Both at once: the messages are only returned once membership is confirmed.
        let (members, items) = tokio::try_join!(
            self.members(group),
            self.query_page(messages_pk(group), page)
        )?;
        if members.is_empty() {
            return Err(StoreError::NotFound);
        }
        if !members.contains(&groups_pk(user.uuid)) {
            return Err(StoreError::Forbidden);
        }
        items.iter().map(message_from).collect()
    }

    async fn send_message(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Message> {
        let message = Message {
            uuid: MessageId::random(),
            display_name: sender.display_name.clone(),
            handle: sender.handle.clone(),
            message: message.to_owned(),
            created_at: now,
        };
        for attempt in 0..SEND_ATTEMPTS {
            if attempt > 0 {
                back_off(attempt).await;
            }
            let writes = match self.pair(sender.uuid, receiver.uuid).await? {
                None => self.start_group(sender, receiver, &message)?,
                Some(pair) if sort_key(now, pair.group.0) < pair.last_sk => {
                    // Older than the preview (two servers' clocks disagreeing): it joins the
                    // history and the preview stays, as in the SQL stores.
                    self.client
                        .put_item()
                        .table_name(&self.table)
                        .set_item(Some(message_item(pair.group, &message, sender.uuid)))
                        .send()
                        .await?;
                    return Ok(message);
                }
                Some(pair) => self.continue_group(sender, receiver, &message, &pair)?,
            };
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await
            {
                Ok(_) => return Ok(message),
                Err(error) if lost_race(&error) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Unavailable(
            format!("gave up sending after {SEND_ATTEMPTS} collisions with other senders").into(),
        ))
    }
}

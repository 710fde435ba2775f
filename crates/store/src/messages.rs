//! Direct messages, kept apart from the rest so that they can live in DynamoDB.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{GroupId, Message, MessageGroup};

use crate::{Page, Participant, StoreError, StoreResult};

/// Direct messages between two people. Participants come from the account store; a message
/// store keeps what it needs of their names.
#[async_trait]
pub trait MessageStore: Send + Sync + 'static {
    /// Answers when the message store is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// `user`'s conversations, the one with the latest message first. The cursor is the
    /// `(created_at, uuid)` of the last group seen, `created_at` being its last message's time.
    async fn message_groups(
        &self,
        user: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<MessageGroup>>;

    /// The messages between `user` and `other`, newest first (empty if they never wrote).
    async fn conversation(
        &self,
        user: &Participant,
        other: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<Message>>;

    /// The messages of one group, newest first. `NotFound` for an unknown group, `Forbidden`
    /// if `user` is not one of its two participants.
    async fn group_messages(
        &self,
        user: &Participant,
        group: GroupId,
        page: &Page,
    ) -> StoreResult<Vec<Message>>;

    /// Sends a message, starting the conversation between the two if there is none (there is
    /// never more than one per pair, whoever wrote first), and makes it the group's preview.
    async fn send_message(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Message>;
}

/// Why a page of a group's messages is empty when it is not for want of messages: `member`
/// says whether the user is one of the group's two, `None` that there is no such group.
pub(crate) fn check_membership(member: Option<bool>) -> StoreResult<()> {
    match member {
        None => Err(StoreError::NotFound),
        Some(false) => Err(StoreError::Forbidden),
        Some(true) => Ok(()),
    }
}

//! Direct messages in the SQL store.
//!
//! A group is one row per unordered pair of users (`user_a` is the smaller uuid, unique with
//! `user_b`), holding the last message's text and time so that the conversation list is an
//! index scan. Names come from `users`, so they are always the current ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::GroupId;
use cruddur_contract::{Message, MessageGroup};

use super::{BindPage, PostgresStore};
use crate::rows::{GroupRow, MessageRow};
use crate::{Maintenance, MessageStore, Page, Participant, StoreResult};

#[async_trait]
impl MessageStore for PostgresStore {
    async fn ping(&self) -> StoreResult<()> {
        Maintenance::ping(self).await
    }

    /// The user's groups come from two indexes (as `user_a` and as `user_b`), each read in
    /// feed order up to the limit, then merged. A conversation with oneself is found once.
    async fn message_groups(
        &self,
        user: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<MessageGroup>> {
        let rows = sqlx::query_as::<_, GroupRow>(
            "SELECT g.uuid, other.display_name, other.handle, g.last_message AS message,
                 g.last_message_at AS created_at
             FROM (
                 (SELECT uuid, user_b AS other_uuid, last_message, last_message_at
                  FROM message_groups
                  WHERE user_a = $1
                      AND (last_message_at, uuid) < (COALESCE($2, 'infinity'), $3)
                  ORDER BY last_message_at DESC, uuid DESC
                  LIMIT $4)
                 UNION ALL
                 (SELECT uuid, user_a, last_message, last_message_at
                  FROM message_groups
                  WHERE user_b = $1 AND user_a <> $1
                      AND (last_message_at, uuid) < (COALESCE($2, 'infinity'), $3)
                  ORDER BY last_message_at DESC, uuid DESC
                  LIMIT $4)
             ) g
             JOIN users other ON other.uuid = g.other_uuid
             ORDER BY g.last_message_at DESC, g.uuid DESC
             LIMIT $4",
        )
        .bind(user.uuid)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(MessageGroup::from).collect())
    }

    /// The pair's group is found by a scalar subquery, so the messages are read from its index
    /// in feed order up to the limit, however long the conversation.
    async fn conversation(
        &self,
        user: &Participant,
        other: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query_as::<_, MessageRow>(
            "SELECT m.uuid, sender.display_name, sender.handle, m.message, m.created_at
             FROM messages m JOIN users sender ON sender.uuid = m.sender_uuid
             WHERE m.group_uuid = (
                     SELECT uuid FROM message_groups
                     WHERE user_a = LEAST($1::uuid, $2::uuid)
                         AND user_b = GREATEST($1::uuid, $2::uuid)
                 )
                 AND (m.created_at, m.uuid) < (COALESCE($3, 'infinity'), $4)
             ORDER BY m.created_at DESC, m.uuid DESC
             LIMIT $5",
        )
        .bind(user.uuid)
        .bind(other.uuid)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(Message::from).collect())
    }

    /// Reads the page only if `user` belongs to the group; an empty page costs a second query
    /// to tell an unknown group (`NotFound`) from someone else's (`Forbidden`).
    async fn group_messages(
        &self,
        user: &Participant,
        group: GroupId,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        let rows = sqlx::query_as::<_, MessageRow>(
            "SELECT m.uuid, sender.display_name, sender.handle, m.message, m.created_at
             FROM messages m JOIN users sender ON sender.uuid = m.sender_uuid
             WHERE m.group_uuid = (
                     SELECT uuid FROM message_groups WHERE uuid = $1 AND $2 IN (user_a, user_b)
                 )
                 AND (m.created_at, m.uuid) < (COALESCE($3, 'infinity'), $4)
             ORDER BY m.created_at DESC, m.uuid DESC
             LIMIT $5",
        )
        .bind(group)
        .bind(user.uuid)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        if rows.is_empty() {
            let member: Option<bool> = sqlx::query_scalar(
                "SELECT $2 IN (user_a, user_b) FROM message_groups WHERE uuid = $1",
            )
            .bind(group)
            .bind(user.uuid)
            .fetch_optional(&mut *self.pool.acquire().await?)
            .await?;
            crate::messages::check_membership(member)?;
        }
        Ok(rows.into_iter().map(Message::from).collect())
    }

    /// One statement: create the pair's group or, if it exists (or a concurrent first message
    /// just created it), take its row lock and make this message its preview; then insert
    /// the message into it. `ON CONFLICT DO UPDATE` always returns the group, whoever won.
    /// Should concurrent senders commit out of time order, the preview stays the newest
    /// message, so the group's time is always its latest message's.
    async fn send_message(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Message> {
        let row = sqlx::query_as::<_, MessageRow>(
            "WITH g AS (
                 INSERT INTO message_groups (user_a, user_b, last_message, last_message_at)
                 VALUES (LEAST($1::uuid, $2::uuid), GREATEST($1::uuid, $2::uuid), $3, $4)
                 ON CONFLICT (user_a, user_b) DO UPDATE
                     SET last_message = CASE
                             WHEN excluded.last_message_at >= message_groups.last_message_at
                             THEN excluded.last_message
                             ELSE message_groups.last_message
                         END,
                         last_message_at = GREATEST(
                             excluded.last_message_at, message_groups.last_message_at
                         )
                 RETURNING uuid
             ), m AS (
                 INSERT INTO messages (group_uuid, sender_uuid, message, created_at)
                 SELECT uuid, $1, $3, $4 FROM g
                 RETURNING uuid, sender_uuid, message, created_at
             )
             SELECT m.uuid, sender.display_name, sender.handle, m.message, m.created_at
             FROM m JOIN users sender ON sender.uuid = m.sender_uuid",
        )
        .bind(sender.uuid)
        .bind(receiver.uuid)
        .bind(message)
        .bind(now)
        .fetch_one(&mut *self.pool.acquire().await?)
        .await?;
        Ok(row.into())
    }
}

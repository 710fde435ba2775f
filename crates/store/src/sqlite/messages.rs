//! Direct messages, kept in the same database as the accounts: one group per pair of users.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{GroupId, MessageId, UserId};
use cruddur_contract::{Message, MessageGroup};

use super::{BindPage, SqliteStore, micros};
use crate::rows::{GroupRow, MessageRow};
use crate::{Maintenance, MessageStore, Page, Participant, StoreResult};

/// A pair in the order `message_groups` stores it, which makes the pair unordered.
fn pair(one: UserId, other: UserId) -> (UserId, UserId) {
    if one <= other {
        (one, other)
    } else {
        (other, one)
    }
}

#[async_trait]
impl MessageStore for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        Maintenance::ping(self).await
    }

    /// Names are the other person's current ones, read from `users`.
    async fn message_groups(
        &self,
        user: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<MessageGroup>> {
        let rows: Vec<GroupRow> = sqlx::query_as(
            "SELECT g.uuid, other.display_name, other.handle, g.last_message AS message,
                    g.last_message_at AS created_at
             FROM message_groups g
             JOIN users other
               ON other.uuid = CASE WHEN g.user_a = ?1 THEN g.user_b ELSE g.user_a END
             WHERE (g.user_a = ?1 OR g.user_b = ?1)
               AND (g.last_message_at, g.uuid) < (?2, ?3)
             ORDER BY g.last_message_at DESC, g.uuid DESC
             LIMIT ?4",
        )
        .bind(user.uuid)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(MessageGroup::from).collect())
    }

    async fn conversation(
        &self,
        user: &Participant,
        other: &Participant,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        let (a, b) = pair(user.uuid, other.uuid);
        let rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.uuid, sender.display_name, sender.handle, m.message, m.created_at
             FROM message_groups g
             JOIN messages m ON m.group_uuid = g.uuid
             JOIN users sender ON sender.uuid = m.sender_uuid
             WHERE g.user_a = ? AND g.user_b = ?
               AND (m.created_at, m.uuid) < (?, ?)
             ORDER BY m.created_at DESC, m.uuid DESC
             LIMIT ?",
        )
        .bind(a)
        .bind(b)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        Ok(rows.into_iter().map(Message::from).collect())
    }

    async fn group_messages(
        &self,
        user: &Participant,
        group: GroupId,
        page: &Page,
    ) -> StoreResult<Vec<Message>> {
        let rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.uuid, sender.display_name, sender.handle, m.message, m.created_at
             FROM message_groups g
             JOIN messages m ON m.group_uuid = g.uuid
             JOIN users sender ON sender.uuid = m.sender_uuid
             WHERE g.uuid = ?1 AND ?2 IN (g.user_a, g.user_b)
               AND (m.created_at, m.uuid) < (?3, ?4)
             ORDER BY m.created_at DESC, m.uuid DESC
             LIMIT ?5",
        )
        .bind(group)
        .bind(user.uuid)
        .bind_page(page)
        .fetch_all(&mut *self.pool.acquire().await?)
        .await?;
        // An empty page may mean no such group or not a member; only then find out which.
        if rows.is_empty() {
            let member: Option<bool> = sqlx::query_scalar(
                "SELECT ?2 IN (user_a, user_b) FROM message_groups WHERE uuid = ?1",
            )
            .bind(group)
            .bind(user.uuid)
            .fetch_optional(&mut *self.pool.acquire().await?)
            .await?;
            crate::messages::check_membership(member)?;
        }
        Ok(rows.into_iter().map(Message::from).collect())
    }

    /// The group is created on the first message with ON CONFLICT DO NOTHING and then read
    /// back, so first messages sent from both sides at once still share one group. The
    /// preview only moves forward in time.
    async fn send_message(
        &self,
        sender: &Participant,
        receiver: &Participant,
        message: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Message> {
        let (a, b) = pair(sender.uuid, receiver.uuid);
        let now_micros = micros(now);
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO message_groups (uuid, user_a, user_b, last_message_at, last_message)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (user_a, user_b) DO NOTHING",
        )
        .bind(GroupId::random())
        .bind(a)
        .bind(b)
        .bind(now_micros)
        .bind(message)
        .execute(&mut *tx)
        .await?;
        let group: GroupId =
            sqlx::query_scalar("SELECT uuid FROM message_groups WHERE user_a = ? AND user_b = ?")
                .bind(a)
                .bind(b)
                .fetch_one(&mut *tx)
                .await?;
        let uuid = MessageId::random();
        sqlx::query(
            "INSERT INTO messages (uuid, group_uuid, sender_uuid, message, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(uuid)
        .bind(group)
        .bind(sender.uuid)
        .bind(message)
        .bind(now_micros)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE message_groups SET last_message_at = ?1, last_message = ?2
             WHERE uuid = ?3 AND last_message_at <= ?1",
        )
        .bind(now_micros)
        .bind(message)
        .bind(group)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Message {
            uuid,
            display_name: sender.display_name.clone(),
            handle: sender.handle.clone(),
            message: message.to_owned(),
            created_at: now,
        })
    }
}

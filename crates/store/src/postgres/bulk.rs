//! Bulk loading ([`BulkLoad::load`](crate::BulkLoad::load)), for benchmarks and imports only: one
//! transaction per batch without the statement timeout, one `INSERT … SELECT FROM UNNEST`
//! per table with each column bound as one array, so a batch of any size is a handful of
//! statements and never meets the bind limit.

use async_trait::async_trait;
use sqlx::Connection;

use super::{PostgresStore, search};
use crate::{Batch, BulkActivity, BulkLoad, BulkReaction, StoreResult};

#[async_trait]
impl BulkLoad for PostgresStore {
    async fn load(&self, batch: &Batch) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut connection = self.pool.acquire().await?;
        let mut tx = connection.begin().await?;
        // Until the end of this transaction only.
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;

        if !batch.users.is_empty() {
            let users = &batch.users;
            sqlx::query(
                "INSERT INTO users (uuid, display_name, handle, handle_skeleton, email,
                                    password_hash, bio, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                      $6::text[], $7::text[], $8::timestamptz[])",
            )
            .bind(column(users, |u| u.uuid))
            .bind(column(users, |u| u.display_name.as_str()))
            .bind(column(users, |u| u.handle.as_str()))
            .bind(column(users, |u| u.handle.skeleton()))
            .bind(column(users, |u| u.email.as_str()))
            .bind(column(users, |u| u.password_hash.as_str()))
            .bind(column(users, |u| u.bio.as_str()))
            .bind(column(users, |u| u.created_at))
            .execute(&mut *tx)
            .await?;
        }

        // Cruds before replies, so that a reply's crud is always there before it.
        let (cruds, replies): (Vec<&BulkActivity>, Vec<&BulkActivity>) = batch
            .activities
            .iter()
            .partition(|activity| activity.reply_to.is_none());
        for activities in [cruds, replies] {
            if activities.is_empty() {
                continue;
            }
            sqlx::query(
                "INSERT INTO activities (uuid, user_uuid, reply_to, message, created_at, expires_at,
                                         likes_count, replies_count, reposts_count)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[],
                                      $5::timestamptz[], $6::timestamptz[], $7::int8[], $8::int8[],
                                      $9::int8[])",
            )
            .bind(column(&activities, |a| a.uuid))
            .bind(column(&activities, |a| a.author))
            .bind(column(&activities, |a| a.reply_to))
            .bind(column(&activities, |a| a.message.as_str()))
            .bind(column(&activities, |a| a.created_at))
            .bind(column(&activities, |a| a.expires_at))
            .bind(column(&activities, |a| a.likes_count))
            .bind(column(&activities, |a| a.replies_count))
            .bind(column(&activities, |a| a.reposts_count))
            .execute(&mut *tx)
            .await?;
        }

        // As `create_activity` writes them: the terms of top-level cruds only.
        let mut terms = search::Rows::default();
        for crud in batch.activities.iter().filter(|a| a.reply_to.is_none()) {
            terms.push(crud.uuid, crud.created_at, &crud.message);
        }
        terms.insert(&mut tx).await?;

        for (sql, reactions) in [
            (
                "INSERT INTO likes (activity_uuid, user_uuid, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[])",
                &batch.likes,
            ),
            (
                "INSERT INTO reposts (activity_uuid, user_uuid, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[])",
                &batch.reposts,
            ),
        ] {
            if reactions.is_empty() {
                continue;
            }
            sqlx::query(sql)
                .bind(column(reactions, |r: &BulkReaction| r.activity))
                .bind(column(reactions, |r| r.user))
                .bind(column(reactions, |r| r.created_at))
                .execute(&mut *tx)
                .await?;
        }

        if !batch.follows.is_empty() {
            let follows = &batch.follows;
            sqlx::query(
                "INSERT INTO follows (follower_uuid, followee_uuid, created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::timestamptz[])",
            )
            .bind(column(follows, |f| f.follower))
            .bind(column(follows, |f| f.followee))
            .bind(column(follows, |f| f.created_at))
            .execute(&mut *tx)
            .await?;
        }

        if !batch.notifications.is_empty() {
            let notifications = &batch.notifications;
            sqlx::query(
                "INSERT INTO notifications (uuid, user_uuid, actor_uuid, kind, activity_uuid,
                                            created_at)
                 SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[],
                                      $6::timestamptz[])",
            )
            .bind(column(notifications, |n| n.uuid))
            .bind(column(notifications, |n| n.recipient))
            .bind(column(notifications, |n| n.actor))
            .bind(column(notifications, |n| n.kind.as_str()))
            .bind(column(notifications, |n| n.activity))
            .bind(column(notifications, |n| n.created_at))
            .execute(&mut *tx)
            .await?;
        }

        tx.commit().await?;
        Ok(())
    }
}

/// One column of `rows`, to bind as an array.
fn column<'a, T, U>(rows: &'a [T], field: impl Fn(&'a T) -> U) -> Vec<U> {
    rows.iter().map(field).collect()
}

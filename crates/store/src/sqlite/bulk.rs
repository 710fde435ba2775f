//! Bulk loading ([`BulkLoad::load`](crate::BulkLoad::load)), for benchmarks and imports only: one
//! write transaction per batch on a connection without the statement time bound, each table
//! written by multi-row INSERTs in chunks that stay under SQLite's bind limit.
//!
//! Cruds and replies get their rowids here (after the largest one there is, as SQLite would
//! pick them), so that the search rows, which refer to cruds by rowid, are written in bulk
//! too.

use async_trait::async_trait;

use cruddur_contract::text;
use sqlx::query_builder::Separated;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

use super::{SqliteStore, micros, unbounded};
use crate::{Batch, BulkActivity, BulkLoad, BulkReaction, StoreResult};

/// Bind parameters one statement may have: SQLITE_MAX_VARIABLE_NUMBER's default since SQLite
/// 3.32 (the bundled library's).
const MAX_BINDS: usize = 32_766;

#[async_trait]
impl BulkLoad for SqliteStore {
    async fn load(&self, batch: &Batch) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut connection = unbounded(self.writer.pool()).await?;
        // The write lock up front, as for every write (see `Writer::begin`).
        let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;

        insert(
            &mut tx,
            "INSERT INTO users (uuid, display_name, handle, handle_skeleton, email, password_hash,
                                bio, created_at) ",
            8,
            &batch.users,
            |mut row, user| {
                row.push_bind(user.uuid)
                    .push_bind(user.display_name.as_str())
                    .push_bind(user.handle.as_str())
                    .push_bind(user.handle.skeleton())
                    .push_bind(user.email.as_str())
                    .push_bind(user.password_hash.as_str())
                    .push_bind(user.bio.as_str())
                    .push_bind(micros(user.created_at));
            },
        )
        .await?;

        // Cruds before replies, so that a reply's crud is always there before it.
        let first_id: i64 = sqlx::query_scalar("SELECT ifnull(max(id), 0) + 1 FROM activities")
            .fetch_one(&mut *tx)
            .await?;
        let cruds = batch.activities.iter().filter(|a| a.reply_to.is_none());
        let replies = batch.activities.iter().filter(|a| a.reply_to.is_some());
        let activities: Vec<(i64, &BulkActivity)> =
            (first_id..).zip(cruds.chain(replies)).collect();
        insert(
            &mut tx,
            "INSERT INTO activities (id, uuid, user_uuid, reply_to, message, created_at, expires_at,
                                     likes_count, replies_count, reposts_count) ",
            10,
            &activities,
            |mut row, &(id, activity)| {
                row.push_bind(id)
                    .push_bind(activity.uuid)
                    .push_bind(activity.author)
                    .push_bind(activity.reply_to)
                    .push_bind(activity.message.as_str())
                    .push_bind(micros(activity.created_at))
                    .push_bind(micros(activity.expires_at))
                    .push_bind(activity.likes_count)
                    .push_bind(activity.replies_count)
                    .push_bind(activity.reposts_count);
            },
        )
        .await?;

        // As `search::index` writes them: the terms of top-level cruds only.
        let terms: Vec<(String, &BulkActivity, i64)> = activities
            .iter()
            .filter(|(_, activity)| activity.reply_to.is_none())
            .flat_map(|&(id, activity)| {
                text::search_terms(&activity.message)
                    .into_iter()
                    .map(move |term| (term, activity, id))
            })
            .collect();
        insert(
            &mut tx,
            "INSERT INTO search_terms (term, created_at, uuid, activity_id) ",
            4,
            &terms,
            |mut row, (term, activity, id)| {
                row.push_bind(term.as_str())
                    .push_bind(micros(activity.created_at))
                    .push_bind(activity.uuid.0) // a BLOB in this table
                    .push_bind(*id);
            },
        )
        .await?;

        for (table, reactions) in [("likes", &batch.likes), ("reposts", &batch.reposts)] {
            insert(
                &mut tx,
                &format!("INSERT INTO {table} (activity_uuid, user_uuid, created_at) "),
                3,
                reactions,
                |mut row, reaction: &BulkReaction| {
                    row.push_bind(reaction.activity)
                        .push_bind(reaction.user)
                        .push_bind(micros(reaction.created_at));
                },
            )
            .await?;
        }

        insert(
            &mut tx,
            "INSERT INTO follows (follower_uuid, followee_uuid, created_at) ",
            3,
            &batch.follows,
            |mut row, follow| {
                row.push_bind(follow.follower)
                    .push_bind(follow.followee)
                    .push_bind(micros(follow.created_at));
            },
        )
        .await?;

        insert(
            &mut tx,
            "INSERT INTO notifications (uuid, user_uuid, actor_uuid, kind, activity_uuid,
                                        created_at) ",
            6,
            &batch.notifications,
            |mut row, notification| {
                row.push_bind(notification.uuid)
                    .push_bind(notification.recipient)
                    .push_bind(notification.actor)
                    .push_bind(notification.kind.as_str())
                    .push_bind(notification.activity)
                    .push_bind(micros(notification.created_at));
            },
        )
        .await?;

        tx.commit().await?;
        Ok(())
    }
}

/// `head` (`INSERT INTO table (columns) `) with `VALUES` for every row, `columns` binds a row,
/// as few statements as the bind limit allows. Full chunks share one prepared statement.
async fn insert<'a, T>(
    conn: &mut SqliteConnection,
    head: &str,
    columns: usize,
    rows: &'a [T],
    mut push: impl FnMut(Separated<'_, 'a, Sqlite, &'static str>, &'a T),
) -> StoreResult<()> {
    for chunk in rows.chunks(MAX_BINDS / columns) {
        let mut builder = QueryBuilder::<Sqlite>::new(head);
        builder.push_values(chunk, &mut push);
        builder.build().execute(&mut *conn).await?;
    }
    Ok(())
}

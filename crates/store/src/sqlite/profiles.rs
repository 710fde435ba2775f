//! Public profiles and follows.

use chrono::{DateTime, Utc};
use cruddur_contract::{NotificationKind, Profile};
use sqlx::SqliteConnection;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::writer::Writer;
use super::{micros, notifications, time};
use crate::StoreResult;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    uuid: Hyphenated,
    display_name: String,
    handle: String,
    bio: String,
    created_at: i64,
    cruds_count: i64,
    followers_count: i64,
    following_count: i64,
    followed_by_me: bool,
}

/// Takes a connection so that [`set_follow`] can answer from inside its transaction.
pub(super) async fn profile(
    conn: &mut SqliteConnection,
    handle: &str,
    viewer: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Profile>> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT u.uuid, u.display_name, u.handle, u.bio, u.created_at,
                (SELECT count(*) FROM activities a
                 WHERE a.user_uuid = u.uuid AND a.reply_to IS NULL AND a.expires_at > ?2)
                    AS cruds_count,
                (SELECT count(*) FROM follows f WHERE f.followee_uuid = u.uuid) AS followers_count,
                (SELECT count(*) FROM follows f WHERE f.follower_uuid = u.uuid) AS following_count,
                EXISTS (SELECT 1 FROM follows f
                        WHERE f.follower_uuid = ?3 AND f.followee_uuid = u.uuid) AS followed_by_me
         FROM users u
         WHERE u.handle = ?1",
    )
    .bind(handle)
    .bind(micros(now))
    .bind(viewer.map(|uuid| uuid.hyphenated()))
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Profile {
            uuid: row.uuid.into_uuid(),
            display_name: row.display_name,
            handle: row.handle,
            bio: row.bio,
            created_at: time(row.created_at)?,
            cruds_count: row.cruds_count,
            followers_count: row.followers_count,
            following_count: row.following_count,
            followed_by_me: row.followed_by_me,
        })
    })
    .transpose()
}

/// Only the first follow notifies: the notification outlives an unfollow, and the unique
/// index keeps a re-follow silent.
pub(super) async fn set_follow(
    writer: &Writer,
    follower: Uuid,
    followee_handle: &str,
    follow: bool,
    now: DateTime<Utc>,
) -> StoreResult<Option<Profile>> {
    let mut tx = writer.begin().await?;
    let followee: Option<Hyphenated> =
        sqlx::query_scalar("SELECT uuid FROM users WHERE handle = ?")
            .bind(followee_handle)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(followee) = followee else {
        return Ok(None);
    };
    if follow {
        let inserted = sqlx::query(
            "INSERT INTO follows (follower_uuid, followee_uuid, created_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(follower.hyphenated())
        .bind(followee)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if inserted {
            notifications::notify(
                &mut tx,
                followee.into_uuid(),
                follower,
                NotificationKind::Follow,
                None,
                now,
            )
            .await?;
        }
    } else {
        sqlx::query("DELETE FROM follows WHERE follower_uuid = ? AND followee_uuid = ?")
            .bind(follower.hyphenated())
            .bind(followee)
            .execute(&mut *tx)
            .await?;
    }
    let profile = profile(&mut tx, followee_handle, Some(follower), now).await?;
    tx.commit().await?;
    Ok(profile)
}

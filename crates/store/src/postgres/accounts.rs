//! Accounts, public profiles and follows.

use chrono::{DateTime, Utc};
use cruddur_contract::account::handle_skeleton;
use cruddur_contract::{ErrorCode, Profile, User};
use sqlx::{FromRow, PgPool};
use uuid::Uuid;

use crate::{Credentials, NewUser, StoreError, StoreResult};

/// A `users` row without its password hash.
#[derive(FromRow)]
pub(super) struct UserRow {
    uuid: Uuid,
    display_name: String,
    handle: String,
    email: String,
    bio: String,
    created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            email: row.email,
            bio: row.bio,
            created_at: row.created_at,
        }
    }
}

#[derive(FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

#[derive(FromRow)]
struct ProfileRow {
    uuid: Uuid,
    display_name: String,
    handle: String,
    bio: String,
    created_at: DateTime<Utc>,
    cruds_count: i64,
    followers_count: i64,
    following_count: i64,
    followed_by_me: bool,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Self {
        Profile {
            uuid: row.uuid,
            display_name: row.display_name,
            handle: row.handle,
            bio: row.bio,
            created_at: row.created_at,
            cruds_count: row.cruds_count,
            followers_count: row.followers_count,
            following_count: row.following_count,
            followed_by_me: row.followed_by_me,
        }
    }
}

/// Relies on the unique indexes of the schema rather than a look-up first, so two sign-ups
/// racing for one handle cannot both win.
pub(super) async fn create_user(pool: &PgPool, user: &NewUser) -> StoreResult<User> {
    sqlx::query_as::<_, UserRow>(
        "INSERT INTO users (display_name, handle, handle_skeleton, email, password_hash,
                            created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING uuid, display_name, handle, email, bio, created_at",
    )
    .bind(&user.display_name)
    .bind(&user.handle)
    .bind(handle_skeleton(&user.handle))
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(user.created_at)
    .fetch_one(pool)
    .await
    .map(User::from)
    .map_err(taken)
}

/// Gives users from before handle skeletons theirs. Two old handles that look alike keep
/// none (the second would break uniqueness); both still sign in, and new lookalikes of
/// either are still refused by the case-insensitive handle index only.
pub(super) async fn fill_handle_skeletons(pool: &PgPool) -> StoreResult<()> {
    let missing: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT uuid, handle FROM users WHERE handle_skeleton IS NULL")
            .fetch_all(pool)
            .await?;
    for (uuid, handle) in missing {
        let filled = sqlx::query("UPDATE users SET handle_skeleton = $1 WHERE uuid = $2")
            .bind(handle_skeleton(&handle))
            .bind(uuid)
            .execute(pool)
            .await;
        match filled.map_err(taken) {
            Err(StoreError::Taken(_)) => {
                tracing::warn!(%handle, "handle looks like another one: no skeleton kept");
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// Names which unique index a sign-up collided with; any other error converts as usual.
fn taken(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        match db.constraint() {
            Some("users_handle_key" | "users_handle_skeleton_key") => {
                return StoreError::Taken(ErrorCode::HandleTaken);
            }
            Some("users_email_key") => return StoreError::Taken(ErrorCode::EmailTaken),
            _ => {}
        }
    }
    error.into()
}

pub(super) async fn credentials(pool: &PgPool, login: &str) -> StoreResult<Option<Credentials>> {
    let sql = if login.contains('@') {
        "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
         FROM users WHERE lower(email) = lower($1)"
    } else {
        "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
         FROM users WHERE lower(handle) = lower($1)"
    };
    let row = sqlx::query_as::<_, CredentialsRow>(sql)
        .bind(login)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| Credentials {
        user: row.user.into(),
        password_hash: row.password_hash,
    }))
}

pub(super) async fn user_by_handle(pool: &PgPool, handle: &str) -> StoreResult<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(
        "SELECT uuid, display_name, handle, email, bio, created_at
         FROM users WHERE lower(handle) = lower($1)",
    )
    .bind(handle)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(User::from))
}

pub(super) async fn update_user(
    pool: &PgPool,
    user: Uuid,
    display_name: Option<&str>,
    bio: Option<&str>,
) -> StoreResult<User> {
    let row = sqlx::query_as::<_, UserRow>(
        "UPDATE users
         SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio)
         WHERE uuid = $1
         RETURNING uuid, display_name, handle, email, bio, created_at",
    )
    .bind(user)
    .bind(display_name)
    .bind(bio)
    .fetch_optional(pool)
    .await?;
    row.map(User::from).ok_or(StoreError::NotFound)
}

pub(super) async fn profile(
    pool: &PgPool,
    handle: &str,
    viewer: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Profile>> {
    // A NULL viewer matches no follower, so `followed_by_me` is false when signed out.
    let row = sqlx::query_as::<_, ProfileRow>(
        "SELECT u.uuid, u.display_name, u.handle, u.bio, u.created_at,
             (SELECT count(*) FROM activities a
              WHERE a.user_uuid = u.uuid AND a.reply_to IS NULL AND a.expires_at > $3)
                 AS cruds_count,
             (SELECT count(*) FROM follows f WHERE f.followee_uuid = u.uuid) AS followers_count,
             (SELECT count(*) FROM follows f WHERE f.follower_uuid = u.uuid) AS following_count,
             EXISTS (SELECT 1 FROM follows f
                     WHERE f.follower_uuid = $2 AND f.followee_uuid = u.uuid) AS followed_by_me
         FROM users u WHERE lower(u.handle) = lower($1)",
    )
    .bind(handle)
    .bind(viewer)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Profile::from))
}

/// Inserting with `ON CONFLICT DO NOTHING` (or deleting) makes the toggle idempotent; the
/// notification goes out only when a follow row was actually added, and the notifications'
/// unique index keeps it to one per follower even across unfollow and follow again.
pub(super) async fn set_follow(
    pool: &PgPool,
    follower: Uuid,
    followee_handle: &str,
    follow: bool,
    now: DateTime<Utc>,
) -> StoreResult<Option<Profile>> {
    let change = if follow {
        sqlx::query(
            "WITH target AS (
                 SELECT uuid FROM users WHERE lower(handle) = lower($2)
             ), added AS (
                 INSERT INTO follows (follower_uuid, followee_uuid, created_at)
                 SELECT $1, uuid, $3 FROM target
                 ON CONFLICT DO NOTHING
                 RETURNING followee_uuid
             )
             INSERT INTO notifications (user_uuid, actor_uuid, kind, created_at)
             SELECT followee_uuid, $1, 'follow', $3 FROM added WHERE followee_uuid <> $1
             ON CONFLICT DO NOTHING",
        )
        .bind(follower)
        .bind(followee_handle)
        .bind(now)
    } else {
        sqlx::query(
            "DELETE FROM follows f USING users u
             WHERE f.follower_uuid = $1 AND f.followee_uuid = u.uuid
                 AND lower(u.handle) = lower($2)",
        )
        .bind(follower)
        .bind(followee_handle)
    };
    change.execute(pool).await?;
    // A separate statement, so the counts include the change just committed.
    profile(pool, followee_handle, Some(follower), now).await
}

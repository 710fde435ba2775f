//! Accounts and sign-in sessions.

use chrono::{DateTime, Utc};
use cruddur_contract::account::handle_skeleton;
use cruddur_contract::{ErrorCode, User};
use sqlx::SqlitePool;
use sqlx::error::ErrorKind;
use uuid::Uuid;
use uuid::fmt::Hyphenated;

use super::writer::Writer;
use super::{micros, time};
use crate::{Credentials, NewUser, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
struct UserRow {
    uuid: Hyphenated,
    display_name: String,
    handle: String,
    email: String,
    bio: String,
    created_at: i64,
}

impl UserRow {
    fn into_user(self) -> StoreResult<User> {
        Ok(User {
            uuid: self.uuid.into_uuid(),
            display_name: self.display_name,
            handle: self.handle,
            email: self.email,
            bio: self.bio,
            created_at: time(self.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

pub(super) async fn create_user(writer: &Writer, user: &NewUser) -> StoreResult<User> {
    let uuid = Uuid::new_v4();
    let mut tx = writer.begin().await?;
    sqlx::query(
        "INSERT INTO users (uuid, display_name, handle, handle_skeleton, email, password_hash,
                            created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid.hyphenated())
    .bind(&user.display_name)
    .bind(&user.handle)
    .bind(handle_skeleton(&user.handle))
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(micros(user.created_at))
    .execute(&mut *tx)
    .await
    .map_err(taken)?;
    tx.commit().await?;
    Ok(User {
        uuid,
        display_name: user.display_name.clone(),
        handle: user.handle.clone(),
        email: user.email.clone(),
        bio: String::new(),
        created_at: user.created_at,
    })
}

/// Gives users from before handle skeletons theirs. Two old handles that look alike keep
/// none (the second would break uniqueness); both still sign in, and new lookalikes of
/// either are still refused by the case-insensitive handle index only.
pub(super) async fn fill_handle_skeletons(pool: &SqlitePool) -> StoreResult<()> {
    let missing: Vec<(String, String)> =
        sqlx::query_as("SELECT uuid, handle FROM users WHERE handle_skeleton IS NULL")
            .fetch_all(pool)
            .await?;
    for (uuid, handle) in missing {
        let filled = sqlx::query("UPDATE users SET handle_skeleton = ? WHERE uuid = ?")
            .bind(handle_skeleton(&handle))
            .bind(&uuid)
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

/// Names the unique column a sign-up collided with; SQLite reports it as `table.column`
/// (`users.handle_skeleton` for a lookalike counts as the handle).
fn taken(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.kind() == ErrorKind::UniqueViolation
    {
        if db.message().contains("users.handle") {
            return StoreError::Taken(ErrorCode::HandleTaken);
        }
        if db.message().contains("users.email") {
            return StoreError::Taken(ErrorCode::EmailTaken);
        }
    }
    error.into()
}

pub(super) async fn credentials(
    pool: &SqlitePool,
    login: &str,
) -> StoreResult<Option<Credentials>> {
    // Both columns are NOCASE, so `=` compares case-insensitively.
    let sql = if login.contains('@') {
        "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
         FROM users WHERE email = ?"
    } else {
        "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
         FROM users WHERE handle = ?"
    };
    let row: Option<CredentialsRow> = sqlx::query_as(sql).bind(login).fetch_optional(pool).await?;
    row.map(|row| {
        Ok(Credentials {
            user: row.user.into_user()?,
            password_hash: row.password_hash,
        })
    })
    .transpose()
}

pub(super) async fn user_by_handle(pool: &SqlitePool, handle: &str) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT uuid, display_name, handle, email, bio, created_at FROM users WHERE handle = ?",
    )
    .bind(handle)
    .fetch_optional(pool)
    .await?;
    row.map(UserRow::into_user).transpose()
}

pub(super) async fn update_user(
    writer: &Writer,
    user: Uuid,
    display_name: Option<&str>,
    bio: Option<&str>,
) -> StoreResult<User> {
    let mut tx = writer.begin().await?;
    let row: Option<UserRow> = sqlx::query_as(
        "UPDATE users SET display_name = ifnull(?, display_name), bio = ifnull(?, bio)
         WHERE uuid = ?
         RETURNING uuid, display_name, handle, email, bio, created_at",
    )
    .bind(display_name)
    .bind(bio)
    .bind(user.hyphenated())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.ok_or(StoreError::NotFound)?.into_user()
}

pub(super) async fn create_session(
    writer: &Writer,
    session: Uuid,
    user: Uuid,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = writer.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (uuid, user_uuid, created_at, expires_at) VALUES (?, ?, ?, ?)",
    )
    .bind(session.hyphenated())
    .bind(user.hyphenated())
    .bind(micros(created_at))
    .bind(micros(expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub(super) async fn session_user(
    pool: &SqlitePool,
    session: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT u.uuid, u.display_name, u.handle, u.email, u.bio, u.created_at
         FROM sessions s JOIN users u ON u.uuid = s.user_uuid
         WHERE s.uuid = ? AND s.expires_at > ?",
    )
    .bind(session.hyphenated())
    .bind(micros(now))
    .fetch_optional(pool)
    .await?;
    row.map(UserRow::into_user).transpose()
}

pub(super) async fn delete_session(writer: &Writer, session: Uuid) -> StoreResult<()> {
    let mut tx = writer.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE uuid = ?")
        .bind(session.hyphenated())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

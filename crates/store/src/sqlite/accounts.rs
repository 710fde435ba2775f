//! Accounts, their public profiles and sign-in sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use cruddur_contract::Handle;
use cruddur_contract::{ErrorCode, Profile, User};
use cruddur_contract::{SessionId, UserId};
use sqlx::error::ErrorKind;
use sqlx::{SqliteConnection, SqlitePool};

use super::{SqliteStore, micros};
use crate::rows::{CredentialsRow, ProfileRow, UserRow};
use crate::{AccountStore, Credentials, NewUser, StoreError, StoreResult};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        let uuid = UserId::random();
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO users (uuid, display_name, handle, handle_skeleton, email, password_hash,
                                created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid)
        .bind(&user.display_name)
        .bind(&user.handle)
        .bind(user.handle.skeleton())
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

    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>> {
        // Both columns are NOCASE, so `=` compares case-insensitively.
        let sql = if login.contains('@') {
            "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
             FROM users WHERE email = ?"
        } else {
            "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
             FROM users WHERE handle = ?"
        };
        let row: Option<CredentialsRow> = sqlx::query_as(sql)
            .bind(login)
            .fetch_optional(&mut *self.pool.acquire().await?)
            .await?;
        Ok(row.map(Credentials::from))
    }

    async fn user_by_handle(&self, handle: &Handle) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT uuid, display_name, handle, email, bio, created_at FROM users WHERE handle = ?",
        )
        .bind(handle)
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        Ok(row.map(User::from))
    }

    async fn update_user(
        &self,
        user: UserId,
        display_name: Option<&str>,
        bio: Option<&str>,
    ) -> StoreResult<User> {
        let mut tx = self.writer.begin().await?;
        let row: Option<UserRow> = sqlx::query_as(
            "UPDATE users SET display_name = ifnull(?, display_name), bio = ifnull(?, bio)
             WHERE uuid = ?
             RETURNING uuid, display_name, handle, email, bio, created_at",
        )
        .bind(display_name)
        .bind(bio)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(User::from).ok_or(StoreError::NotFound)
    }

    async fn profile(
        &self,
        handle: &Handle,
        viewer: Option<UserId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>> {
        profile_on(&mut *self.pool.acquire().await?, handle, viewer, now).await
    }

    async fn create_session(
        &self,
        session: SessionId,
        user: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (uuid, user_uuid, created_at, expires_at) VALUES (?, ?, ?, ?)",
        )
        .bind(session)
        .bind(user)
        .bind(micros(created_at))
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn session_user(
        &self,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT u.uuid, u.display_name, u.handle, u.email, u.bio, u.created_at
             FROM sessions s JOIN users u ON u.uuid = s.user_uuid
             WHERE s.uuid = ? AND s.expires_at > ?",
        )
        .bind(session)
        .bind(micros(now))
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        Ok(row.map(User::from))
    }

    async fn delete_session(&self, session: SessionId) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE uuid = ?")
            .bind(session)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}

/// See [`crate::accounts::fill_handle_skeletons`].
pub(super) async fn fill_handle_skeletons(pool: &SqlitePool) -> StoreResult<()> {
    let missing = sqlx::query_as("SELECT uuid, handle FROM users WHERE handle_skeleton IS NULL")
        .fetch_all(pool)
        .await?;
    crate::accounts::fill_handle_skeletons(missing, |uuid, skeleton| async move {
        let filled = sqlx::query("UPDATE users SET handle_skeleton = ? WHERE uuid = ?")
            .bind(skeleton)
            .bind(uuid)
            .execute(pool)
            .await;
        filled.map(drop).map_err(taken)
    })
    .await
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

/// The profile on one connection, so that a follow can answer from inside its transaction.
pub(super) async fn profile_on(
    conn: &mut SqliteConnection,
    handle: &Handle,
    viewer: Option<UserId>,
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
    .bind(viewer)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Profile::from))
}

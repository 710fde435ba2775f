//! Accounts, their public profiles and sign-in sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use cruddur_contract::Handle;
use cruddur_contract::{ErrorCode, Profile, User};
use cruddur_contract::{SessionId, UserId};
use sqlx::PgPool;

use super::PostgresStore;
use crate::rows::{CredentialsRow, ProfileRow, UserRow};
use crate::{AccountStore, Credentials, NewUser, StoreError, StoreResult};

#[async_trait]
impl AccountStore for PostgresStore {
    /// Relies on the unique indexes of the schema rather than a look-up first, so two sign-ups
    /// racing for one handle cannot both win.
    async fn create_user(&self, user: &NewUser) -> StoreResult<User> {
        sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (display_name, handle, handle_skeleton, email, password_hash,
                                created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING uuid, display_name, handle, email, bio, created_at",
        )
        .bind(&user.display_name)
        .bind(&user.handle)
        .bind(user.handle.skeleton())
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .fetch_one(&mut *self.pool.acquire().await?)
        .await
        .map(User::from)
        .map_err(taken)
    }

    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>> {
        let sql = if login.contains('@') {
            "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
             FROM users WHERE lower(email) = lower($1)"
        } else {
            "SELECT uuid, display_name, handle, email, bio, created_at, password_hash
             FROM users WHERE lower(handle) = lower($1)"
        };
        let row = sqlx::query_as::<_, CredentialsRow>(sql)
            .bind(login)
            .fetch_optional(&mut *self.pool.acquire().await?)
            .await?;
        Ok(row.map(Credentials::from))
    }

    async fn user_by_handle(&self, handle: &Handle) -> StoreResult<Option<User>> {
        let row = sqlx::query_as::<_, UserRow>(
            "SELECT uuid, display_name, handle, email, bio, created_at
             FROM users WHERE lower(handle) = lower($1)",
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
        let row = sqlx::query_as::<_, UserRow>(
            "UPDATE users
             SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio)
             WHERE uuid = $1
             RETURNING uuid, display_name, handle, email, bio, created_at",
        )
        .bind(user)
        .bind(display_name)
        .bind(bio)
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        row.map(User::from).ok_or(StoreError::NotFound)
    }

    async fn profile(
        &self,
        handle: &Handle,
        viewer: Option<UserId>,
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
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        Ok(row.map(Profile::from))
    }

    async fn create_session(
        &self,
        session: SessionId,
        user: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (uuid, user_uuid, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(session)
        .bind(user)
        .bind(created_at)
        .bind(expires_at)
        .execute(&mut *self.pool.acquire().await?)
        .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>> {
        let row = sqlx::query_as::<_, UserRow>(
            "SELECT u.uuid, u.display_name, u.handle, u.email, u.bio, u.created_at
             FROM sessions s JOIN users u ON u.uuid = s.user_uuid
             WHERE s.uuid = $1 AND s.expires_at > $2",
        )
        .bind(session)
        .bind(now)
        .fetch_optional(&mut *self.pool.acquire().await?)
        .await?;
        Ok(row.map(User::from))
    }

    async fn delete_session(&self, session: SessionId) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE uuid = $1")
            .bind(session)
            .execute(&mut *self.pool.acquire().await?)
            .await?;
        Ok(())
    }
}

/// See [`crate::accounts::fill_handle_skeletons`].
pub(super) async fn fill_handle_skeletons(pool: &PgPool) -> StoreResult<()> {
    let missing = sqlx::query_as("SELECT uuid, handle FROM users WHERE handle_skeleton IS NULL")
        .fetch_all(pool)
        .await?;
    crate::accounts::fill_handle_skeletons(missing, |uuid, skeleton| async move {
        let filled = sqlx::query("UPDATE users SET handle_skeleton = $1 WHERE uuid = $2")
            .bind(skeleton)
            .bind(uuid)
            .execute(pool)
            .await;
        filled.map(drop).map_err(taken)
    })
    .await
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

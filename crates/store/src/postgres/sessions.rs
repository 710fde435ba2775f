//! Sign-in sessions of the web UI.

use chrono::{DateTime, Utc};
use cruddur_contract::User;
use sqlx::PgPool;
use uuid::Uuid;

use super::accounts::UserRow;
use crate::StoreResult;

pub(super) async fn create_session(
    pool: &PgPool,
    session: Uuid,
    user: Uuid,
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
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn session_user(
    pool: &PgPool,
    session: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(
        "SELECT u.uuid, u.display_name, u.handle, u.email, u.bio, u.created_at
         FROM sessions s JOIN users u ON u.uuid = s.user_uuid
         WHERE s.uuid = $1 AND s.expires_at > $2",
    )
    .bind(session)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(User::from))
}

pub(super) async fn delete_session(pool: &PgPool, session: Uuid) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE uuid = $1")
        .bind(session)
        .execute(pool)
        .await?;
    Ok(())
}

//! Accounts, their public profiles and their sign-in sessions.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cruddur_contract::{Handle, Profile, SessionId, User, UserId};

use crate::{Credentials, NewUser, StoreError, StoreResult};

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Creates an account. A handle or email already used, compared case-insensitively, gives
    /// `StoreError::Taken(HandleTaken)` or `StoreError::Taken(EmailTaken)`.
    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;

    /// The account and its password hash for a sign-in. `login` is an email when it contains
    /// `@`, a handle otherwise; both compared case-insensitively.
    async fn credentials(&self, login: &str) -> StoreResult<Option<Credentials>>;

    /// The account with this handle (case-insensitive).
    async fn user_by_handle(&self, handle: &Handle) -> StoreResult<Option<User>>;

    /// Changes the display name and/or bio (a `None` leaves it as it is). `NotFound` if the
    /// user does not exist.
    async fn update_user(
        &self,
        user: UserId,
        display_name: Option<&str>,
        bio: Option<&str>,
    ) -> StoreResult<User>;

    /// The public profile with this handle, counts computed at `now`; `followed_by_me` is
    /// from `viewer`'s point of view (false without a viewer).
    async fn profile(
        &self,
        handle: &Handle,
        viewer: Option<UserId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Profile>>;

    /// Records a sign-in session.
    async fn create_session(
        &self,
        session: SessionId,
        user: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The user of a session that exists and has not expired at `now`.
    async fn session_user(
        &self,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<User>>;

    /// Ends a session (sign-out). Deleting an unknown session is not an error.
    async fn delete_session(&self, session: SessionId) -> StoreResult<()>;
}

/// Gives users from before handle skeletons theirs, each stored by `set`. Two old handles that
/// look alike keep none (the second would break uniqueness: `set` answers `Taken`); both
/// still sign in, and new lookalikes of either are still refused by the case-insensitive
/// handle index only.
pub(crate) async fn fill_handle_skeletons<F, Done>(
    missing: Vec<(UserId, Handle)>,
    mut set: F,
) -> StoreResult<()>
where
    F: FnMut(UserId, String) -> Done,
    Done: Future<Output = StoreResult<()>>,
{
    for (user, handle) in missing {
        match set(user, handle.skeleton()).await {
            Err(StoreError::Taken(_)) => {
                tracing::warn!(%handle, "handle looks like another one: no skeleton kept");
            }
            other => other?,
        }
    }
    Ok(())
}

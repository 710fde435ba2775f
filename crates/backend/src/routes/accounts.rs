//! Sign-up, sign-in, sign-out and the signed-in user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cruddur_contract::SessionId;
use cruddur_contract::routes;
use cruddur_contract::{AuthSession, ErrorBody, ErrorCode, SignIn, SignUp, UpdateProfile, User};
use cruddur_store::NewUser;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::rate_limit::AccountKey;
use crate::auth::{CurrentUser, password};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me, update_me))
}

/// Creates an account and signs it in.
#[utoipa::path(
    post,
    path = routes::SIGN_UP.route.path,
    tag = "accounts",
    request_body = SignUp,
    responses(
        (status = 201, description = "Signed up and in", body = AuthSession),
        (status = 422, description = "Every failing rule, `handle_taken` (also for a handle that \
                                      looks like a taken one) and `email_taken` included", body = [ErrorCode]),
        (status = 429, description = "Too many sign-ups from this address or from everyone; \
                                      `Retry-After` says when to try again", body = ErrorBody),
    )
)]
async fn sign_up(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SignUp>,
) -> ApiResult<(StatusCode, Json<AuthSession>)> {
    let valid = body.validate()?;
    state
        .sign_up_limiter
        .attempt(client, state.clock.now())
        .map_err(ApiError::too_many_sign_ups)?;
    let password_hash = password::hash(valid.password).await?;
    let user = state
        .store
        .create_user(&NewUser {
            display_name: valid.display_name,
            handle: valid.handle,
            email: valid.email,
            password_hash,
            created_at: state.clock.now(),
        })
        .await?;
    let session = start_session(&state, user).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Signs in with a handle or email and the password, and returns a bearer token.
#[utoipa::path(
    post,
    path = routes::SIGN_IN.route.path,
    tag = "accounts",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = AuthSession),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 422, description = "`login_blank`, `password_blank`", body = [ErrorCode]),
        (status = 429, description = "Too many attempts from this address, or on this account \
                                      from this address; `Retry-After` says when to try again", body = ErrorBody),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Json<AuthSession>> {
    let (login, given_password) = body.validate()?;
    let now = state.clock.now();
    let limiter = &state.sign_in_limiter;
    limiter
        .attempt(client, now)
        .map_err(ApiError::too_many_attempts)?;
    // A login holding U+0000 matches no account (none can be created with one); stores are
    // not asked, as PostgreSQL refuses such text outright.
    let credentials = if login.contains('\0') {
        None
    } else {
        state.store.credentials(&login).await?
    };
    let account = credentials.as_ref().map_or_else(
        || AccountKey::unknown(&login),
        |c| AccountKey::User(c.user.uuid),
    );
    let slow_down = limiter
        .admit(&account, client, now)
        .map_err(ApiError::too_many_attempts)?;
    tokio::time::sleep(slow_down).await;
    let stored = credentials
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let matches = password::verify(given_password, stored).await?;
    match credentials {
        Some(credentials) if matches => Ok(Json(start_session(&state, credentials.user).await?)),
        _ => {
            limiter.failed(&account, client, now);
            Err(ApiError::InvalidCredentials)
        }
    }
}

async fn start_session(state: &AppState, user: User) -> ApiResult<AuthSession> {
    let now = state.clock.now();
    let session = SessionId::random();
    let (token, expires_at) = state
        .tokens
        .issue(user.uuid, session, now)
        .map_err(ApiError::Internal)?;
    state
        .store
        .create_session(session, user.uuid, now, expires_at)
        .await?;
    Ok(AuthSession {
        token,
        expires_at,
        user,
    })
}

/// Ends this token's session: the token stops working at once.
#[utoipa::path(
    post,
    path = routes::SIGN_OUT.route.path,
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
    )
)]
async fn sign_out(State(state): State<AppState>, current: CurrentUser) -> ApiResult<StatusCode> {
    if let Some(session) = current.session {
        state.store.delete_session(session).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = routes::ME.route.path,
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = User),
    )
)]
async fn me(current: CurrentUser) -> Json<User> {
    Json(current.user)
}

/// Changes the signed-in user's display name and/or bio.
#[utoipa::path(
    patch,
    path = routes::UPDATE_ME.route.path,
    tag = "accounts",
    request_body = UpdateProfile,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = User),
        (status = 422, description = "Every failing rule", body = [ErrorCode]),
    )
)]
async fn update_me(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<UpdateProfile>,
) -> ApiResult<Json<User>> {
    let (display_name, bio) = body.validate()?;
    let user = state
        .store
        .update_user(current.user.uuid, display_name.as_deref(), bio.as_deref())
        .await?;
    Ok(Json(user))
}

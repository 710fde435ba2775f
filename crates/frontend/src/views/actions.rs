//! The forms that change things: post a crud, reply, like, repost, follow, delete. Each answers a
//! success with a 303 back to a page (post/redirect/get), and a validation failure with the
//! form again, its text kept and the sentences next to the fields (422).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cruddur_contract::activity::{CRUD_MAX_CHARS, REPLY_MAX_CHARS};
use cruddur_contract::{CreateActivity, CreateReply, ErrorCode, Reaction};
use serde::Deserialize;

use super::account::EmptyForm;
use super::forms::{FieldErrors, kept, submit};
use super::home::{self, ComposerPartial, Feed};
use super::render::unprocessable;
use super::status;
use super::urls::{permalink, profile_url};
use crate::api::ApiError;
use crate::error::PageResult;
use crate::session::{CsrfForm, SignedIn, local_path};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
pub struct CrudForm {
    #[serde(default)]
    message: String,
    #[serde(default)]
    ttl: String,
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    message: String,
}

/// A toggle: `on=1` gives a like, repost or follow, anything else takes it back.
#[derive(Debug, Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    on: String,
    #[serde(default)]
    back: String,
}

impl ToggleForm {
    fn on(&self) -> bool {
        self.on == "1"
    }
}

pub async fn create_crud(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    CsrfForm(form): CsrfForm<CrudForm>,
) -> PageResult<Response> {
    let body = CreateActivity {
        message: Some(form.message),
        ttl: Some(form.ttl),
    };
    let backend = viewer.api(&state.api);
    let call = backend.create_activity(&body);
    match submit(body.validate(), ErrorCode::MessageExceedMaxChars, call).await? {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(codes) => {
            let message = kept(body.message.as_deref().unwrap_or_default(), CRUD_MAX_CHARS);
            let ttl = body.ttl.as_deref().unwrap_or_default();
            let errors = FieldErrors::from_codes(&codes);
            let composer = ComposerPartial::new(&viewer, &message, ttl, errors);
            let page = home::page(&state, &viewer, Feed::Everyone, None, Some(composer)).await?;
            Ok(unprocessable(&page))
        }
    }
}

pub async fn reply(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path((handle, uuid)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> PageResult<Response> {
    let uuid = status::parse_uuid(&uuid)?;
    let body = CreateReply {
        message: Some(form.message),
    };
    let backend = viewer.api(&state.api);
    let call = backend.reply(uuid, &body);
    match submit(body.validate(), ErrorCode::MessageExceedMaxChars, call).await? {
        Ok(_) => Ok(Redirect::to(&permalink(&handle, uuid)).into_response()),
        Err(codes) => {
            let message = kept(body.message.as_deref().unwrap_or_default(), REPLY_MAX_CHARS);
            let errors = FieldErrors::from_codes(&codes);
            let page = status::page(&state, &viewer, &handle, uuid, &message, errors).await?;
            Ok(unprocessable(&page))
        }
    }
}

pub async fn like(
    state: State<AppState>,
    user: SignedIn,
    uuid: Path<String>,
    form: CsrfForm<ToggleForm>,
) -> PageResult<Response> {
    react(state, user, uuid, form, Reaction::Like).await
}

pub async fn repost(
    state: State<AppState>,
    user: SignedIn,
    uuid: Path<String>,
    form: CsrfForm<ToggleForm>,
) -> PageResult<Response> {
    react(state, user, uuid, form, Reaction::Repost).await
}

async fn react(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path(uuid): Path<String>,
    CsrfForm(form): CsrfForm<ToggleForm>,
    reaction: Reaction,
) -> PageResult<Response> {
    let uuid = status::parse_uuid(&uuid)?;
    viewer
        .api(&state.api)
        .react(uuid, reaction, form.on())
        .await?;
    Ok(Redirect::to(local_path(&form.back)).into_response())
}

pub async fn follow(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> PageResult<Response> {
    let handle = status::parse_handle(&handle)?;
    // Following oneself is refused by the backend; the profile shows no button for it.
    match viewer.api(&state.api).follow(&handle, form.on()).await {
        Ok(_) | Err(ApiError::Validation(_)) => {
            Ok(Redirect::to(&profile_url(&handle)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// Deletes the viewer's own crud, then shows their profile (the crud's page is gone).
pub async fn delete_crud(
    State(state): State<AppState>,
    SignedIn { viewer, user }: SignedIn,
    Path((_handle, uuid)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult<Response> {
    let uuid = status::parse_uuid(&uuid)?;
    viewer.api(&state.api).delete(uuid).await?;
    Ok(Redirect::to(&profile_url(&user.handle)).into_response())
}

/// Deletes the viewer's own reply, then shows the thread without it.
pub async fn delete_reply(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path((handle, uuid, reply)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult<Response> {
    let crud = status::parse_uuid(&uuid)?;
    viewer
        .api(&state.api)
        .delete(status::parse_uuid(&reply)?)
        .await?;
    Ok(Redirect::to(&permalink(&handle, crud)).into_response())
}

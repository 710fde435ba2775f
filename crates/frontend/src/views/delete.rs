//! `/@{handle}/status/{uuid}/delete` and `/@{handle}/status/{uuid}/replies/{reply}/delete`:
//! the step that asks before deleting one's own crud or reply. A plain form, so it works
//! without JavaScript; the POST to the same address deletes (`actions::delete_crud`,
//! `actions::delete_reply`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::filters;
use super::forms::FormContext;
use super::layout::{Layout, Section};
use super::render::render;
use super::status::{crud_at, parse_uuid};
use super::urls::{delete_crud_url, delete_reply_url, permalink};
use crate::api::ApiError;
use crate::error::{PageError, PageResult};
use crate::session::SignedIn;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "delete/delete.html")]
pub struct DeletePage {
    pub layout: Layout,
    /// "crud" or "reply".
    pub what: &'static str,
    pub message: String,
    /// What goes with it.
    pub consequence: &'static str,
    pub action: String,
    pub cancel: String,
    pub forms: FormContext,
}

pub async fn crud(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path((handle, uuid)): Path<(String, String)>,
) -> PageResult<Response> {
    let crud = crud_at(&state.api, &viewer, &handle, parse_uuid(&uuid)?).await?;
    let cancel = permalink(&crud.handle, crud.uuid);
    let forms = FormContext::new(&viewer, &cancel);
    if !forms.is_me(&crud.handle) {
        return Err(ApiError::Forbidden.into());
    }
    Ok(render(&DeletePage {
        layout: Layout::for_viewer(&viewer, "Delete this crud?", Section::Other),
        what: "crud",
        message: crud.message,
        consequence: "Its replies, likes and reposts go with it.",
        action: delete_crud_url(&crud.handle, crud.uuid),
        cancel,
        forms,
    }))
}

pub async fn reply(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    Path((handle, uuid, reply)): Path<(String, String, String)>,
) -> PageResult<Response> {
    let crud = crud_at(&state.api, &viewer, &handle, parse_uuid(&uuid)?).await?;
    let reply = parse_uuid(&reply)?;
    let reply = crud
        .replies
        .into_iter()
        .find(|r| r.uuid == reply)
        .ok_or(PageError::NotFound)?;
    let cancel = permalink(&crud.handle, crud.uuid);
    let forms = FormContext::new(&viewer, &cancel);
    if !forms.is_me(&reply.handle) {
        return Err(ApiError::Forbidden.into());
    }
    Ok(render(&DeletePage {
        layout: Layout::for_viewer(&viewer, "Delete this reply?", Section::Other),
        what: "reply",
        message: reply.message,
        consequence: "Its likes go with it.",
        action: delete_reply_url(&crud.handle, crud.uuid, reply.uuid),
        cancel,
        forms,
    }))
}

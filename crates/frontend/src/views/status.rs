//! `/@{handle}/status/{uuid}`: one crud, its replies, and the reply form.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use cruddur_contract::activity::REPLY_MAX_CHARS;
use cruddur_contract::{Activity, ActivityId, Handle};

use super::cruds::{CrudPartial, ReplyPartial};
use super::filters;
use super::forms::{FieldErrors, FormContext, MessageFormPartial};
use super::layout::{Layout, Section};
use super::render::render;
use super::urls::{permalink, reply_url};
use crate::api::ApiClient;
use crate::error::{PageError, PageResult};
use crate::session::Viewer;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "status/status.html")]
pub struct StatusPage {
    pub layout: Layout,
    /// The crud with its replies.
    pub crud: Activity,
    pub now: DateTime<Utc>,
    pub forms: FormContext,
    /// `None` when signed out.
    pub reply_form: Option<MessageFormPartial>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((handle, uuid)): Path<(String, String)>,
) -> PageResult<Response> {
    let uuid = parse_uuid(&uuid)?;
    Ok(render(
        &page(&state, &viewer, &handle, uuid, "", FieldErrors::default()).await?,
    ))
}

/// A crud's uuid from the URL; anything else is not a page.
pub fn parse_uuid(raw: &str) -> PageResult<ActivityId> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// A user's handle from the URL; a string no account can have is not a page.
pub fn parse_handle(raw: &str) -> PageResult<Handle> {
    Handle::parse(raw).ok_or(PageError::NotFound)
}

/// The live crud at `/@{handle}/status/{uuid}`, with its replies. A crud lives at its
/// author's address only; another handle in the URL is not a page.
pub async fn crud_at(
    api: &ApiClient,
    viewer: &Viewer,
    handle: &str,
    uuid: ActivityId,
) -> PageResult<Activity> {
    let crud = viewer.api(api).activity(uuid).await?;
    if !crud.handle.eq_ignore_ascii_case(handle) {
        return Err(PageError::NotFound);
    }
    Ok(crud)
}

/// The status page with the reply form holding `message` and `errors`.
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    handle: &str,
    uuid: ActivityId,
    message: &str,
    errors: FieldErrors,
) -> PageResult<StatusPage> {
    let title = format!("Crud by @{handle}");
    let (crud, layout) = tokio::join!(
        crud_at(&state.api, viewer, handle, uuid),
        Layout::load(state, viewer, &title, Section::Other)
    );
    let crud = crud?;
    let forms = FormContext::new(viewer, &permalink(&crud.handle, crud.uuid));
    Ok(StatusPage {
        layout,
        reply_form: viewer.user.is_some().then(|| MessageFormPartial {
            id: "reply",
            action: reply_url(&crud.handle, crud.uuid),
            label: "Your reply",
            button: "Reply",
            forms: forms.clone(),
            message: message.to_owned(),
            errors,
            max_chars: REPLY_MAX_CHARS,
        }),
        crud,
        now: Utc::now(),
        forms,
    })
}

impl StatusPage {
    fn crud_partial(&self) -> CrudPartial<'_> {
        CrudPartial::new(&self.crud, self.now, &self.forms)
    }

    fn reply_partials(&self) -> impl Iterator<Item = ReplyPartial<'_>> {
        self.crud
            .replies
            .iter()
            .map(|reply| ReplyPartial::new(reply, &self.crud, self.now, &self.forms))
    }
}

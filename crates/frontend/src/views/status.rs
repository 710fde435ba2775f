//! `/@{handle}/status/{uuid}`: one crud and its replies.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use uuid::Uuid;

use super::{CrudPartial, Layout, ReplyPartial, Section, render};
use crate::api::ApiClient;
use crate::error::{PageError, PageResult};

#[derive(Template)]
#[template(path = "status/status.html")]
pub struct StatusPage {
    pub layout: Layout,
    pub crud: CrudPartial,
    pub replies: Vec<ReplyPartial>,
}

pub async fn show(
    State(api): State<ApiClient>,
    Path((handle, uuid)): Path<(String, String)>,
) -> PageResult<Response> {
    let uuid: Uuid = uuid.parse().map_err(|_| PageError::NotFound)?;
    let title = format!("Crud by @{handle}");
    let (crud, layout) = tokio::join!(
        api.activity(uuid),
        Layout::load(&api, &title, Section::Other)
    );
    let crud = crud?;
    // A crud lives at its author's address only; another handle in the URL is not a page.
    if !crud.handle.eq_ignore_ascii_case(&handle) {
        return Err(PageError::NotFound);
    }
    let now = Utc::now();
    Ok(render(&StatusPage {
        layout,
        replies: crud
            .replies
            .iter()
            .map(|reply| ReplyPartial::new(reply, now))
            .collect(),
        crud: CrudPartial::new(&crud, now),
    }))
}

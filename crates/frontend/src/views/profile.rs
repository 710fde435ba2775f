//! `/@{handle}`: a user's profile, the follow button, and their live cruds.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use cruddur_contract::Profile;

use super::status::parse_handle;

use super::cruds::CrudList;
use super::filters;
use super::forms::FormContext;
use super::layout::{Layout, PagerPartial, Section};
use super::render::render;
use super::urls::{conversation_url, follow_url, next_page_url, profile_url, query_param};
use crate::error::PageResult;
use crate::session::Viewer;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "profile/profile.html")]
pub struct ProfilePage {
    pub layout: Layout,
    pub profile: Profile,
    /// Whether this is the viewer's own profile (no follow button then).
    pub is_me: bool,
    pub follow_url: String,
    pub message_url: String,
    pub forms: FormContext,
    pub cruds: CrudList,
    pub pager: PagerPartial,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(handle): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let handle = parse_handle(&handle)?;
    let cursor = query_param(raw.as_deref(), "cursor");
    let title = format!("@{handle}");
    let backend = viewer.api(&state.api);
    let (profile, feed, layout) = tokio::join!(
        backend.profile(&handle),
        backend.user_activities(&handle, cursor.as_deref()),
        Layout::load(&state, &viewer, &title, Section::Other)
    );
    let (profile, feed) = (profile?, feed?);
    let url = profile_url(&profile.handle);
    let next_page = feed.next_cursor.map(|cursor| next_page_url(&url, &cursor));
    let forms = FormContext::new(&viewer, &url);
    Ok(render(&ProfilePage {
        layout,
        is_me: viewer
            .user
            .as_ref()
            .is_some_and(|user| user.uuid == profile.uuid),
        follow_url: follow_url(&profile.handle),
        message_url: conversation_url(&profile.handle),
        cruds: CrudList::new(feed.items, forms.clone()),
        forms,
        profile,
        pager: PagerPartial {
            next: next_page,
            label: "Older cruds",
        },
    }))
}

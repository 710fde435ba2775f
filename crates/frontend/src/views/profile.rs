//! `/@{handle}`: a user's profile and their live cruds.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use chrono::Utc;
use cruddur_contract::Profile;

use super::{CrudPartial, Layout, Section, profile_url, query, query_param, render};
use crate::api::ApiClient;
use crate::error::PageResult;

#[derive(Template)]
#[template(path = "profile/profile.html")]
pub struct ProfilePage {
    pub layout: Layout,
    pub profile: Profile,
    pub joined: String,
    pub cruds: Vec<CrudPartial>,
    pub next_page: Option<String>,
}

pub async fn show(
    State(api): State<ApiClient>,
    Path(handle): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    let title = format!("@{handle}");
    let (profile, feed, layout) = tokio::join!(
        api.profile(&handle),
        api.user_activities(&handle, cursor.as_deref()),
        Layout::load(&api, &title, Section::Other)
    );
    let (profile, feed) = (profile?, feed?);
    let next_page = feed.next_cursor.map(|cursor| {
        format!(
            "{}?{}",
            profile_url(&profile.handle),
            query(&[("cursor", &cursor)])
        )
    });
    Ok(render(&ProfilePage {
        layout,
        joined: profile.created_at.format("%B %Y").to_string(),
        profile,
        cruds: CrudPartial::list(&feed.items, Utc::now()),
        next_page,
    }))
}

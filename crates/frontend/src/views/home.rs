//! `/`: the public timeline.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::Utc;

use super::{CrudPartial, Layout, Section, query, query_param, render};
use crate::api::ApiClient;
use crate::error::PageResult;

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub cruds: Vec<CrudPartial>,
    pub next_page: Option<String>,
}

pub async fn show(State(api): State<ApiClient>, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    let (feed, layout) = tokio::join!(
        api.home(cursor.as_deref(), None),
        Layout::load(&api, "Home", Section::Home)
    );
    let feed = feed?;
    Ok(render(&HomePage {
        layout,
        cruds: CrudPartial::list(&feed.items, Utc::now()),
        next_page: feed
            .next_cursor
            .map(|cursor| format!("/?{}", query(&[("cursor", &cursor)]))),
    }))
}

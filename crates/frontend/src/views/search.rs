//! `/search?term=`: full-text search of live cruds.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::Utc;

use super::{CrudPartial, FormContext, Layout, Section, query, query_param, render};
use crate::api::{ApiClient, ApiError};
use crate::error::{PageResult, sentences};
use crate::session::Viewer;

#[derive(Template)]
#[template(path = "search/search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub term: String,
    /// Set instead of results when the search could not run (a blank term).
    pub notice: Option<String>,
    pub cruds: Vec<CrudPartial>,
    pub next_page: Option<String>,
}

pub async fn show(
    State(api): State<ApiClient>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let term = query_param(raw.as_deref(), "term").unwrap_or_default();
    let cursor = query_param(raw.as_deref(), "cursor");
    let backend = viewer.api(&api);
    let (found, layout) = tokio::join!(
        backend.search(&term, cursor.as_deref()),
        Layout::load(&api, &viewer, "Search", Section::Other)
    );
    let mut page = SearchPage {
        layout,
        term,
        notice: None,
        cruds: Vec::new(),
        next_page: None,
    };
    match found {
        Ok(found) => {
            let back = format!("/search?{}", query(&[("term", &page.term)]));
            page.cruds =
                CrudPartial::list(&found.items, Utc::now(), &FormContext::new(&viewer, &back));
            page.next_page = found.next_cursor.map(|cursor| {
                format!(
                    "/search?{}",
                    query(&[("term", &page.term), ("cursor", &cursor)])
                )
            });
        }
        // The backend is the judge of what a blank term is; its codes become sentences.
        Err(ApiError::Validation(codes)) => {
            page.notice = Some(sentences(&codes));
        }
        Err(error) => return Err(error.into()),
    }
    Ok(render(&page))
}

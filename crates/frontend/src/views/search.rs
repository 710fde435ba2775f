//! `/search?term=`: full-text search of live cruds. Signed out, a page of results is the
//! same for everyone, so it is kept rendered (`public_pages`).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cruddur_contract::{Activity, ErrorCode};

use super::cruds::CrudList;
use super::filters;
use super::forms::FormContext;
use super::layout::{Layout, PagerPartial, Section};
use super::public_pages::accepts_gzip;
use super::render::render;
use super::urls::{query_param, search_url};
use crate::api::{ApiError, Page};
use crate::error::{PageResult, sentences};
use crate::session::Viewer;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "search/search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub term: String,
    /// Set instead of results when the search could not run (a blank term).
    pub notice: Option<String>,
    pub cruds: CrudList,
    pub pager: PagerPartial,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let term = query_param(raw.as_deref(), "term").unwrap_or_default();
    let cursor = query_param(raw.as_deref(), "cursor");
    if viewer.user.is_none() {
        let kept = state
            .public_pages
            .serve(
                &search_url(&term, cursor.as_deref()),
                accepts_gzip(&headers),
                async |known| {
                    state
                        .api
                        .search_if_changed(&term, cursor.as_deref(), known)
                        .await
                },
                async |found| {
                    let layout = Layout::load(&state, &viewer, "Search", Section::Other).await;
                    SearchPage::results(layout, &term, found, &viewer).render()
                },
            )
            .await;
        return match kept {
            // A search that cannot run is not kept: the page says why.
            Err(ApiError::Validation(codes)) => {
                let layout = Layout::load(&state, &viewer, "Search", Section::Other).await;
                Ok(render(&SearchPage::notice(layout, term, &codes)))
            }
            kept => Ok(kept?),
        };
    }
    let backend = viewer.api(&state.api);
    let (found, layout) = tokio::join!(
        backend.search(&term, cursor.as_deref()),
        Layout::load(&state, &viewer, "Search", Section::Other)
    );
    let page = match found {
        Ok(found) => SearchPage::results(layout, &term, found, &viewer),
        Err(ApiError::Validation(codes)) => SearchPage::notice(layout, term, &codes),
        Err(error) => return Err(error.into()),
    };
    Ok(render(&page))
}

impl SearchPage {
    /// The page for a search that could not run: the backend is the judge of what a blank
    /// term is, and its codes become sentences.
    fn notice(layout: Layout, term: String, codes: &[ErrorCode]) -> Self {
        SearchPage {
            layout,
            term,
            notice: Some(sentences(codes)),
            cruds: CrudList::default(),
            pager: PagerPartial {
                next: None,
                label: "Older cruds",
            },
        }
    }

    fn results(layout: Layout, term: &str, found: Page<Activity>, viewer: &Viewer) -> Self {
        let back = search_url(term, None);
        SearchPage {
            layout,
            term: term.to_owned(),
            notice: None,
            cruds: CrudList::new(found.items, FormContext::new(viewer, &back)),
            pager: PagerPartial {
                next: found
                    .next_cursor
                    .map(|cursor| search_url(term, Some(&cursor))),
                label: "Older cruds",
            },
        }
    }
}

//! `/`: the public timeline, with the crud composer for a signed-in user.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use cruddur_contract::activity::CRUD_MAX_CHARS;
use cruddur_contract::{Activity, Ttl};

use super::forms::FieldErrors;
use super::public_home::{PublicHomePage, accepts_gzip};
use super::{CrudPartial, FormContext, Layout, Section, query, query_param, render};
use crate::api::{ApiClient, Page};
use crate::error::PageResult;
use crate::session::Viewer;

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub layout: Layout,
    /// `None` when signed out: the page invites to join instead.
    pub composer: Option<ComposerPartial>,
    pub cruds: Vec<CrudPartial>,
    pub next_page: Option<String>,
}

/// The crud composer: the text, how long it lives, and what was wrong with the last try.
#[derive(Template)]
#[template(path = "home/composer_partial.html")]
pub struct ComposerPartial {
    pub forms: FormContext,
    pub message: String,
    pub ttls: Vec<TtlChoice>,
    pub errors: FieldErrors,
    pub max_chars: usize,
}

pub struct TtlChoice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

impl ComposerPartial {
    /// The composer holding `message` with `ttl` chosen (7 days unless another valid one).
    pub fn new(viewer: &Viewer, message: &str, ttl: &str, errors: FieldErrors) -> Self {
        let chosen = ttl.parse().unwrap_or(Ttl::SevenDays);
        ComposerPartial {
            forms: FormContext::new(viewer, "/"),
            message: message.to_owned(),
            ttls: Ttl::ALL
                .into_iter()
                .map(|ttl| TtlChoice {
                    value: ttl.as_str(),
                    label: ttl.as_str().replace('-', " "),
                    selected: ttl == chosen,
                })
                .collect(),
            errors,
            max_chars: CRUD_MAX_CHARS,
        }
    }
}

pub async fn show(
    State(api): State<ApiClient>,
    State(public): State<Arc<PublicHomePage>>,
    viewer: Viewer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    if viewer.user.is_none() && cursor.as_deref().is_none_or(str::is_empty) {
        return public.serve(&api, &viewer, accepts_gzip(&headers)).await;
    }
    let composer = viewer
        .user
        .is_some()
        .then(|| ComposerPartial::new(&viewer, "", "", FieldErrors::default()));
    Ok(render(
        &page(&api, &viewer, cursor.as_deref(), composer).await?,
    ))
}

/// The home page around this composer (a fresh one, or one sent back with errors).
pub async fn page(
    api: &ApiClient,
    viewer: &Viewer,
    cursor: Option<&str>,
    composer: Option<ComposerPartial>,
) -> PageResult<HomePage> {
    let backend = viewer.api(api);
    let (feed, layout) = tokio::join!(
        backend.home(cursor, None),
        Layout::load(api, viewer, "Home", Section::Home)
    );
    Ok(HomePage::new(layout, composer, feed?, viewer))
}

impl HomePage {
    pub(super) fn new(
        layout: Layout,
        composer: Option<ComposerPartial>,
        feed: Page<Activity>,
        viewer: &Viewer,
    ) -> Self {
        HomePage {
            layout,
            composer,
            cruds: CrudPartial::list(&feed.items, Utc::now(), &FormContext::new(viewer, "/")),
            next_page: feed
                .next_cursor
                .map(|cursor| format!("/?{}", query(&[("cursor", &cursor)]))),
        }
    }
}

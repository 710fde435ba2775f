//! `/`: the public timeline, with the crud composer for a signed-in user; `/following`: the
//! cruds of the people they follow and their own.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cruddur_contract::activity::CRUD_MAX_CHARS;
use cruddur_contract::{Activity, Ttl};

use super::cruds::CrudList;
use super::filters;
use super::forms::{FieldErrors, FormContext};
use super::layout::{Layout, PagerPartial, Section};
use super::public_pages::accepts_gzip;
use super::render::render;
use super::urls::{next_page_url, query_param};
use crate::api::Page;
use crate::error::PageResult;
use crate::session::{SignedIn, Viewer};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub layout: Layout,
    /// `None` when signed out: the page invites to join instead.
    pub composer: Option<ComposerPartial>,
    /// Which feed this is; a signed-in viewer gets a tab for each.
    pub feed: Feed,
    pub tabs: bool,
    pub cruds: CrudList,
    pub pager: PagerPartial,
}

/// The two feeds of the home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Everyone,
    Following,
}

impl Feed {
    pub fn path(self) -> &'static str {
        match self {
            Feed::Everyone => "/",
            Feed::Following => "/following",
        }
    }
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
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    if viewer.user.is_none() && cursor.as_deref().is_none_or(str::is_empty) {
        return Ok(state
            .public_pages
            .serve(
                "/",
                accepts_gzip(&headers),
                async |known| state.api.home_if_changed(known).await,
                async |feed| {
                    let layout = Layout::load(&state, &viewer, "Home", Section::Home).await;
                    HomePage::new(layout, None, Feed::Everyone, feed, &viewer).render()
                },
            )
            .await?);
    }
    let composer = viewer
        .user
        .is_some()
        .then(|| ComposerPartial::new(&viewer, "", "", FieldErrors::default()));
    let page = page(&state, &viewer, Feed::Everyone, cursor.as_deref(), composer).await?;
    Ok(render(&page))
}

pub async fn following(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    let composer = ComposerPartial::new(&viewer, "", "", FieldErrors::default());
    let page = page(
        &state,
        &viewer,
        Feed::Following,
        cursor.as_deref(),
        Some(composer),
    )
    .await?;
    Ok(render(&page))
}

/// A home page around this composer (a fresh one, or one sent back with errors).
pub async fn page(
    state: &AppState,
    viewer: &Viewer,
    feed: Feed,
    cursor: Option<&str>,
    composer: Option<ComposerPartial>,
) -> PageResult<HomePage> {
    let backend = viewer.api(&state.api);
    let cruds = async {
        match feed {
            Feed::Everyone => backend.home(cursor, None).await,
            Feed::Following => backend.following(cursor).await,
        }
    };
    let (cruds, layout) = tokio::join!(cruds, Layout::load(state, viewer, "Home", Section::Home));
    Ok(HomePage::new(layout, composer, feed, cruds?, viewer))
}

impl HomePage {
    pub(super) fn new(
        layout: Layout,
        composer: Option<ComposerPartial>,
        feed: Feed,
        cruds: Page<Activity>,
        viewer: &Viewer,
    ) -> Self {
        let forms = FormContext::new(viewer, feed.path());
        HomePage {
            layout,
            composer,
            feed,
            tabs: forms.signed_in(),
            pager: PagerPartial {
                next: cruds
                    .next_cursor
                    .map(|cursor| next_page_url(feed.path(), &cursor)),
                label: "Older cruds",
            },
            cruds: CrudList::new(cruds.items, forms),
        }
    }
}

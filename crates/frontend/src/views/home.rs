//! `/`: the public timeline, with the crud composer for a signed-in user.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use cruddur_contract::activity::CRUD_MAX_CHARS;
use cruddur_contract::{Activity, Ttl};

use super::forms::FieldErrors;
use super::{
    CrudPartial, FormContext, Layout, Section, query, query_param, render, template_failed,
};
use crate::api::{ApiClient, ApiError, Page, Revalidated};
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
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    if viewer.user.is_none() && cursor.as_deref().is_none_or(str::is_empty) {
        return public.serve(&api, &viewer).await;
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
    let (feed, layout) = tokio::join!(
        api.home(cursor, None),
        Layout::load(api, viewer, "Home", Section::Home)
    );
    Ok(HomePage::new(layout, composer, feed?, viewer))
}

impl HomePage {
    fn new(
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

/// How long a rendered signed-out home page may be reused while the timeline is unchanged:
/// it words times ("5m", "expires in 3h") and shows the sidebar as of its rendering.
pub const RENDERED_MAX_AGE: Duration = Duration::from_secs(1);

/// The signed-out home page as last rendered, the most visited page. It is the same for every
/// signed-out visitor (no per-browser token in it), so it is rendered once and then only
/// revalidated: each visit asks the backend whether the timeline still has the page's entity
/// tag (a bodiless 304 from the backend's cache when it has), so a new crud shows at once.
#[derive(Debug, Default)]
pub struct PublicHomePage(Mutex<Option<Rendered>>);

#[derive(Debug, Clone)]
struct Rendered {
    etag: String,
    at: Instant,
    html: Bytes,
}

impl PublicHomePage {
    async fn serve(&self, api: &ApiClient, viewer: &Viewer) -> PageResult<Response> {
        let fresh = self.fresh();
        let known = fresh.as_ref().map(|rendered| rendered.etag.as_str());
        let (etag, feed) = match (api.home_if_changed(known).await?, fresh) {
            (Revalidated::NotModified, Some(rendered)) => {
                return Ok(Html(rendered.html).into_response());
            }
            (Revalidated::NotModified, None) => {
                return Err(ApiError::Unexpected("304 to an unconditional request".into()).into());
            }
            (Revalidated::Modified { etag, value }, _) => (etag, value),
        };
        let layout = Layout::load(api, viewer, "Home", Section::Home).await;
        let html = match HomePage::new(layout, None, feed, viewer).render() {
            Ok(html) => Bytes::from(html),
            Err(error) => return Ok(template_failed(&error)),
        };
        if let Some(etag) = etag {
            *self.lock() = Some(Rendered {
                etag,
                at: Instant::now(),
                html: html.clone(),
            });
        }
        Ok(Html(html).into_response())
    }

    /// The last rendering, if young enough to reuse.
    fn fresh(&self) -> Option<Rendered> {
        self.lock()
            .as_ref()
            .filter(|rendered| rendered.at.elapsed() < RENDERED_MAX_AGE)
            .cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Rendered>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

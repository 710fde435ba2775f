//! The frame around every page: the navigation, the signed-in user and the sidebar; and the
//! link to a list's next page.

use askama::Template;
use chrono::Utc;
use cruddur_contract::Handle;

use super::sidebar::{Trend, suggested, trending};
use super::urls::profile_url;
use crate::assets;
use crate::session::Viewer;
use crate::startup::AppState;

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Notifications,
    Messages,
    /// A page with no entry of its own in the navigation.
    Other,
}

/// What the base layout needs from every page.
pub struct Layout {
    pub title: String,
    pub section: Section,
    /// `None` when not loaded (error pages, backend trouble): the panel is left out rather
    /// than claiming there is nothing trending.
    pub trending: Option<Vec<Trend>>,
    /// People to look at, loaded with the trending hashtags (and left out with them).
    pub suggested: Option<Vec<NavUser>>,
    pub stylesheet: String,
    pub icon: String,
    pub script: String,
    /// Who is signed in, for the navigation; `None` when signed out.
    pub user: Option<NavUser>,
    /// The CSRF token for the sign-out form.
    pub csrf: String,
}

/// A person as the navigation and the sidebar show them.
pub struct NavUser {
    pub display_name: String,
    pub handle: Handle,
    pub profile_url: String,
}

/// The link to the next page of a list, when there is one.
#[derive(Template)]
#[template(path = "layout/pager_partial.html")]
pub struct PagerPartial {
    pub next: Option<String>,
    /// What the link says ("Older cruds").
    pub label: &'static str,
}

impl Layout {
    /// The layout with an empty sidebar, for error pages (which must not call the backend).
    pub fn bare(title: &str) -> Self {
        Layout {
            title: title.to_owned(),
            section: Section::Other,
            trending: None,
            suggested: None,
            stylesheet: assets::url("cruddur.css"),
            icon: assets::url("favicon.svg"),
            script: assets::url("cruddur.js"),
            user: None,
            csrf: String::new(),
        }
    }

    /// The layout with the viewer in the navigation, without a sidebar (for forms).
    pub fn for_viewer(viewer: &Viewer, title: &str, section: Section) -> Self {
        let mut layout = Layout::bare(title);
        layout.section = section;
        layout.csrf = viewer.csrf.clone();
        layout.user = viewer.user.as_ref().map(|user| NavUser {
            display_name: user.display_name.clone(),
            handle: user.handle.clone(),
            profile_url: profile_url(&user.handle),
        });
        layout
    }

    /// The layout with the sidebar of the live home feed. The sidebar is an extra: when it
    /// cannot be loaded the page is still shown, without it.
    pub async fn load(state: &AppState, viewer: &Viewer, title: &str, section: Section) -> Self {
        let mut layout = Layout::for_viewer(viewer, title, section);
        match state.sidebar.sample(&state.api).await {
            Ok(cruds) => {
                // Counted at `now`: a crud that expired since the sample was taken drops out.
                layout.trending = Some(trending(&cruds, Utc::now()));
                let me = viewer.user.as_ref().map(|user| user.handle.as_str());
                layout.suggested = Some(suggested(&cruds, me));
            }
            Err(error) => tracing::warn!(%error, "trending hashtags unavailable"),
        }
        layout
    }

    /// Whether `section` is the current page, for `aria-current` in the navigation.
    pub fn is(&self, section: Section) -> bool {
        self.section == section
    }
}

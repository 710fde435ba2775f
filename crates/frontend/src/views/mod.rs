//! The pages, one module each, and what they share: the layout around every page, the crud
//! and reply partials, and the way times are put into words.

pub mod account;
pub mod actions;
pub mod delete;
pub mod edit_profile;
pub mod forms;
pub mod home;
pub mod messages;
pub mod notifications;
pub mod profile;
pub mod public_pages;
pub mod search;
pub mod status;

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use cruddur_contract::text::hashtags;
use cruddur_contract::{Activity, Reply};

use crate::api::ApiClient;
use crate::assets;
use crate::session::Viewer;

/// How many cruds of the home feed the trending hashtags are counted from.
const TRENDING_SAMPLE: u32 = 100;
const TRENDING_SHOWN: usize = 5;
const SUGGESTED_SHOWN: usize = 3;

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
    pub handle: String,
    pub profile_url: String,
}

/// A hashtag and how many live cruds carry it.
pub struct Trend {
    pub tag: String,
    pub count: usize,
    pub search_url: String,
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

    /// The layout with the trending hashtags of the live home feed. The sidebar is an extra:
    /// when it cannot be loaded the page is still shown, without it.
    pub async fn load(api: &ApiClient, viewer: &Viewer, title: &str, section: Section) -> Self {
        let mut layout = Layout::for_viewer(viewer, title, section);
        match api.timeline_sample(TRENDING_SAMPLE).await {
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

/// The most used hashtags among live cruds, each crud counted once per tag; ties go
/// alphabetically so the list is stable.
pub fn trending(cruds: &[Activity], now: DateTime<Utc>) -> Vec<Trend> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for crud in cruds.iter().filter(|crud| crud.expires_at > now) {
        for tag in hashtags(&crud.message) {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut trends: Vec<Trend> = counts
        .into_iter()
        .map(|(tag, count)| Trend {
            search_url: format!("/search?{}", query(&[("term", &format!("#{tag}"))])),
            tag,
            count,
        })
        .collect();
    trends.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    trends.truncate(TRENDING_SHOWN);
    trends
}

/// The most recent authors of the timeline other than the viewer, each once. (Whether the
/// viewer already follows them would take a call per author, so it is not checked.)
pub fn suggested(cruds: &[Activity], me: Option<&str>) -> Vec<NavUser> {
    let mut people: Vec<NavUser> = Vec::new();
    for crud in cruds {
        let seen = people.iter().any(|p| p.handle == crud.handle);
        if !seen && me != Some(crud.handle.as_str()) {
            people.push(NavUser {
                display_name: crud.display_name.clone(),
                handle: crud.handle.clone(),
                profile_url: profile_url(&crud.handle),
            });
        }
        if people.len() == SUGGESTED_SHOWN {
            break;
        }
    }
    people
}

/// One crud in a list or on its own page.
#[derive(Template)]
#[template(path = "shared/crud_partial.html")]
pub struct CrudPartial {
    pub display_name: String,
    pub handle: String,
    pub message: String,
    pub profile_url: String,
    pub permalink: String,
    pub created_at: String,
    pub created_on: String,
    pub ago: String,
    pub expires_at: String,
    pub expires_on: String,
    pub time_left: String,
    pub replies_count: i64,
    pub reposts_count: i64,
    pub likes_count: i64,
    pub like_url: String,
    pub repost_url: String,
    /// The viewer's own like and repost, for the toggles' `aria-pressed`.
    pub liked: bool,
    pub reposted: bool,
    /// The confirm step, on the viewer's own cruds.
    pub delete_url: Option<String>,
    pub forms: FormContext,
}

/// What every small action form in a list needs: the CSRF token and where to come back to.
/// A signed-out viewer gets links to sign in instead of forms, so their pages carry no token
/// and are the same for every signed-out visitor (see `public_pages::PublicPages`).
#[derive(Debug, Clone)]
pub struct FormContext {
    pub csrf: String,
    pub back: String,
    /// The signed-in viewer's handle.
    pub me: Option<String>,
}

impl FormContext {
    pub fn new(viewer: &Viewer, back: &str) -> Self {
        FormContext {
            csrf: viewer.csrf.clone(),
            back: back.to_owned(),
            me: viewer.user.as_ref().map(|user| user.handle.clone()),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.me.is_some()
    }

    /// Whether the viewer wrote what `handle` wrote (handles compare case-insensitively).
    pub fn is_me(&self, handle: &str) -> bool {
        self.me
            .as_deref()
            .is_some_and(|me| me.eq_ignore_ascii_case(handle))
    }
}

impl CrudPartial {
    pub fn new(crud: &Activity, now: DateTime<Utc>, forms: &FormContext) -> Self {
        let permalink = permalink(&crud.handle, crud.uuid);
        CrudPartial {
            like_url: format!("/cruds/{}/like", crud.uuid),
            repost_url: format!("/cruds/{}/repost", crud.uuid),
            delete_url: forms
                .is_me(&crud.handle)
                .then(|| format!("{permalink}/delete")),
            forms: forms.clone(),
            display_name: crud.display_name.clone(),
            handle: crud.handle.clone(),
            message: crud.message.clone(),
            profile_url: profile_url(&crud.handle),
            permalink,
            created_at: machine_time(crud.created_at),
            created_on: full_time(crud.created_at),
            ago: ago(now, crud.created_at),
            expires_at: machine_time(crud.expires_at),
            expires_on: full_time(crud.expires_at),
            time_left: time_left(now, crud.expires_at),
            replies_count: crud.replies_count,
            reposts_count: crud.reposts_count,
            likes_count: crud.likes_count,
            liked: crud.liked_by_me,
            reposted: crud.reposted_by_me,
        }
    }

    pub fn list(cruds: &[Activity], now: DateTime<Utc>, forms: &FormContext) -> Vec<Self> {
        cruds
            .iter()
            .map(|crud| CrudPartial::new(crud, now, forms))
            .collect()
    }
}

/// A text box and a button: the reply form and the direct-message form.
#[derive(Template)]
#[template(path = "shared/message_form_partial.html")]
pub struct MessageFormPartial {
    /// The form's id, also the prefix of its controls' ids.
    pub id: &'static str,
    pub action: String,
    pub label: &'static str,
    pub button: &'static str,
    pub forms: FormContext,
    pub message: String,
    pub errors: forms::FieldErrors,
    pub max_chars: usize,
}

/// One reply under a crud.
#[derive(Template)]
#[template(path = "shared/reply_partial.html")]
pub struct ReplyPartial {
    /// The element's id, which notifications link to.
    pub anchor: String,
    pub display_name: String,
    pub handle: String,
    pub message: String,
    pub profile_url: String,
    pub created_at: String,
    pub created_on: String,
    pub ago: String,
    pub likes_count: i64,
    pub like_url: String,
    pub liked: bool,
    /// The confirm step, on the viewer's own replies.
    pub delete_url: Option<String>,
    pub forms: FormContext,
}

impl ReplyPartial {
    /// The reply under the crud at `crud_permalink`.
    pub fn new(
        reply: &Reply,
        crud_permalink: &str,
        now: DateTime<Utc>,
        forms: &FormContext,
    ) -> Self {
        ReplyPartial {
            anchor: reply_anchor(reply.uuid),
            like_url: format!("/cruds/{}/like", reply.uuid),
            delete_url: forms
                .is_me(&reply.handle)
                .then(|| format!("{crud_permalink}/replies/{}/delete", reply.uuid)),
            forms: forms.clone(),
            display_name: reply.display_name.clone(),
            handle: reply.handle.clone(),
            message: reply.message.clone(),
            profile_url: profile_url(&reply.handle),
            created_at: machine_time(reply.created_at),
            created_on: full_time(reply.created_at),
            ago: ago(now, reply.created_at),
            likes_count: reply.likes_count,
            liked: reply.liked_by_me,
        }
    }
}

/// Renders a page, or a bare 500 if the template itself fails (it never should: templates
/// are checked at compile time and only format plain values).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => template_failed(&error),
    }
}

/// The bare 500 that answers for a page whose template failed (logged).
pub fn template_failed(error: &askama::Error) -> Response {
    tracing::error!(%error, "template failed to render");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response()
}

/// A form sent back with what was wrong with it.
pub fn unprocessable(template: &impl Template) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, render(template)).into_response()
}

/// The address of a crud's own page.
pub fn permalink(handle: &str, uuid: uuid::Uuid) -> String {
    format!("{}/status/{uuid}", profile_url(handle))
}

/// The id of a reply's element on its crud's page, for links to it.
pub fn reply_anchor(reply: uuid::Uuid) -> String {
    format!("reply-{reply}")
}

/// The profile address. Handles are letters, digits and `_`, so this encodes nothing for a
/// valid one; anything else is percent-encoded rather than trusted into a URL path.
pub fn profile_url(handle: &str) -> String {
    let mut url = String::from("/@");
    for byte in handle.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// A URL query string from these pairs, form-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// One parameter of a raw query string. Parsed by hand so that a malformed query is simply
/// ignored rather than rejected with an unstyled error.
pub fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// How long ago, in the short form of the original app: `now`, `5m`, `3h`, `2d`, then the date.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let elapsed = now - then;
    if elapsed < TimeDelta::minutes(1) {
        "now".to_owned()
    } else if elapsed < TimeDelta::hours(1) {
        format!("{}m", elapsed.num_minutes())
    } else if elapsed < TimeDelta::days(1) {
        format!("{}h", elapsed.num_hours())
    } else if elapsed < TimeDelta::days(7) {
        format!("{}d", elapsed.num_days())
    } else {
        then.format("%b %-d").to_string()
    }
}

/// A moment for a `datetime` attribute: to the second, in UTC (`2026-11-01T12:00:00Z`).
pub fn machine_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A moment in full, for the tooltip of a short time.
pub fn full_time(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// How long a crud has left to live.
pub fn time_left(now: DateTime<Utc>, expires_at: DateTime<Utc>) -> String {
    let left = expires_at - now;
    if left < TimeDelta::minutes(1) {
        "expires in under a minute".to_owned()
    } else if left < TimeDelta::hours(1) {
        format!("expires in {}m", left.num_minutes())
    } else if left < TimeDelta::days(1) {
        format!("expires in {}h", left.num_hours())
    } else {
        format!("expires in {}d", left.num_days())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + TimeDelta::hours(hours)
    }

    fn crud(message: &str, expires_in_hours: i64) -> Activity {
        Activity {
            uuid: Uuid::new_v4(),
            display_name: "Andrew".into(),
            handle: "andrew".into(),
            message: message.into(),
            created_at: at(-1),
            expires_at: at(expires_in_hours),
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            replies: Vec::new(),
            liked_by_me: false,
            reposted_by_me: false,
        }
    }

    #[test]
    fn times_are_put_in_short_words() {
        assert_eq!(ago(at(0), at(0) - TimeDelta::seconds(20)), "now");
        assert_eq!(ago(at(0), at(0) - TimeDelta::minutes(5)), "5m");
        assert_eq!(ago(at(0), at(-3)), "3h");
        assert_eq!(ago(at(0), at(-50)), "2d");
        assert_eq!(ago(at(0), at(-24 * 30)), "Oct 2");
        assert_eq!(
            time_left(at(0), at(0) + TimeDelta::minutes(30)),
            "expires in 30m"
        );
        assert_eq!(time_left(at(0), at(12)), "expires in 12h");
        assert_eq!(time_left(at(0), at(24 * 7)), "expires in 7d");
    }

    #[test]
    fn trending_counts_live_cruds_once_per_tag() {
        let cruds = [
            crud("#Rust #rust and #cloud", 5),
            crud("more #rust", 5),
            crud("#expired #rust", -1),
            crud("#aws", 5),
        ];
        let trends = trending(&cruds, at(0));
        let found: Vec<(&str, usize)> = trends.iter().map(|t| (t.tag.as_str(), t.count)).collect();
        assert_eq!(found, vec![("rust", 2), ("aws", 1), ("cloud", 1)]);
        assert_eq!(trends[0].search_url, "/search?term=%23rust");
    }

    #[test]
    fn suggested_people_are_other_recent_authors_once_each() {
        let by = |handle: &str| Activity {
            handle: handle.into(),
            ..crud("hi", 5)
        };
        let cruds = [by("me"), by("a"), by("a"), by("b"), by("c"), by("d")];
        let handles: Vec<String> = suggested(&cruds, Some("me"))
            .into_iter()
            .map(|p| p.handle)
            .collect();
        assert_eq!(handles, vec!["a", "b", "c"]);
        assert_eq!(suggested(&cruds[..2], None).len(), 2);
    }

    #[test]
    fn profile_urls_keep_handles_inside_the_path() {
        assert_eq!(profile_url("andrew_brown2"), "/@andrew_brown2");
        assert_eq!(profile_url("a/b c"), "/@a%2Fb%20c");
    }

    #[test]
    fn user_text_is_escaped_in_partials() {
        let forms = FormContext {
            csrf: "token".into(),
            back: "/".into(),
            me: Some("someone".into()),
        };
        let html = CrudPartial::new(&crud("<script>alert(1)</script>", 5), at(0), &forms)
            .render()
            .unwrap();
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(!html.contains("<script>"));
    }
}

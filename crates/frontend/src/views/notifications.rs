//! `/notifications`: who replied to, mentioned, liked, reposted or followed the viewer.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use cruddur_contract::{Notification, NotificationKind};

use super::filters;
use super::layout::{Layout, PagerPartial, Section};
use super::render::render;
use super::urls::{next_page_url, permalink, profile_url, query_param, reply_link};
use crate::error::PageResult;
use crate::session::SignedIn;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "notifications/notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub items: Vec<NotificationItem>,
    pub now: DateTime<Utc>,
    pub pager: PagerPartial,
}

pub struct NotificationItem {
    pub kind: &'static str,
    pub display_name: String,
    pub profile_url: String,
    pub what: &'static str,
    /// Where the notification leads: the thread (at the reply concerned), or for a follow the
    /// follower's profile.
    pub target_url: String,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl NotificationItem {
    fn new(item: &Notification) -> Self {
        let actor = profile_url(&item.handle);
        let of_a_reply = item.activity_uuid.is_some() && item.activity_uuid != item.thread_uuid;
        // The thread, at the reply when the activity is one (its crud's page holds it).
        let thread = match (item.activity_uuid, item.thread_uuid, &item.thread_handle) {
            (Some(activity), Some(thread), Some(handle)) if of_a_reply => {
                Some(reply_link(handle, thread, activity))
            }
            (_, Some(thread), Some(handle)) => Some(permalink(handle, thread)),
            _ => None,
        };
        let what = match (item.kind, of_a_reply) {
            (NotificationKind::Reply, _) => "replied to you",
            (NotificationKind::Mention, _) => "mentioned you",
            (NotificationKind::Like, false) => "liked your crud",
            (NotificationKind::Like, true) => "liked your reply",
            (NotificationKind::Repost, false) => "reposted your crud",
            (NotificationKind::Repost, true) => "reposted your reply",
            (NotificationKind::Follow, _) => "followed you",
        };
        NotificationItem {
            kind: item.kind.as_str(),
            display_name: item.display_name.clone(),
            target_url: thread.unwrap_or_else(|| actor.clone()),
            profile_url: actor,
            what,
            message: item.activity_uuid.map(|_| item.message.clone()),
            created_at: item.created_at,
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { viewer, .. }: SignedIn,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let cursor = query_param(raw.as_deref(), "cursor");
    let backend = viewer.api(&state.api);
    let (feed, layout) = tokio::join!(
        backend.notifications(cursor.as_deref()),
        Layout::load(&state, &viewer, "Notifications", Section::Notifications)
    );
    let feed = feed?;
    Ok(render(&NotificationsPage {
        layout,
        items: feed.items.iter().map(NotificationItem::new).collect(),
        now: Utc::now(),
        pager: PagerPartial {
            next: feed
                .next_cursor
                .map(|cursor| next_page_url("/notifications", &cursor)),
            label: "Older notifications",
        },
    }))
}

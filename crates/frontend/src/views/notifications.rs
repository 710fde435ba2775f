//! `/notifications`: who replied to, mentioned, liked, reposted or followed the viewer.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use cruddur_contract::{Notification, NotificationKind};

use super::{Layout, Section, ago, full_time, machine_time, profile_url, render};
use crate::api::ApiClient;
use crate::error::PageResult;
use crate::session::SignedIn;

#[derive(Template)]
#[template(path = "notifications/notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub items: Vec<NotificationItem>,
}

pub struct NotificationItem {
    pub kind: &'static str,
    pub display_name: String,
    pub profile_url: String,
    pub what: &'static str,
    /// Where the notification leads: the crud concerned, or the actor's profile.
    pub target_url: String,
    pub message: Option<String>,
    pub created_at: String,
    pub created_on: String,
    pub ago: String,
}

impl NotificationItem {
    fn new(item: &Notification, me: &str, now: DateTime<Utc>) -> Self {
        let actor = profile_url(&item.handle);
        let status_of = |author: &str| {
            item.activity_uuid
                .map(|uuid| format!("{}/status/{uuid}", profile_url(author)))
        };
        // A like or repost is of the viewer's crud, a mention is in the actor's crud; a reply
        // names the reply itself, whose crud the feed does not give, so it leads to the actor.
        let (what, target) = match item.kind {
            NotificationKind::Reply => ("replied to your crud", None),
            NotificationKind::Mention => ("mentioned you", status_of(&item.handle)),
            NotificationKind::Like => ("liked your crud", status_of(me)),
            NotificationKind::Repost => ("reposted your crud", status_of(me)),
            NotificationKind::Follow => ("followed you", None),
        };
        NotificationItem {
            kind: item.kind.as_str(),
            display_name: item.display_name.clone(),
            target_url: target.unwrap_or_else(|| actor.clone()),
            profile_url: actor,
            what,
            message: item.message.clone(),
            created_at: machine_time(item.created_at),
            created_on: full_time(item.created_at),
            ago: ago(now, item.created_at),
        }
    }
}

pub async fn show(
    State(api): State<ApiClient>,
    SignedIn { user, viewer }: SignedIn,
) -> PageResult<Response> {
    let api = viewer.api(&api);
    let (feed, layout) = tokio::join!(
        api.notifications(),
        Layout::load(&api, &viewer, "Notifications", Section::Notifications)
    );
    let now = Utc::now();
    Ok(render(&NotificationsPage {
        layout,
        items: feed?
            .iter()
            .map(|item| NotificationItem::new(item, &user.handle, now))
            .collect(),
    }))
}

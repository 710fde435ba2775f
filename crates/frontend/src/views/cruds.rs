//! How a crud and a reply are shown, in a list or on a crud's own page.

use askama::Template;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Reply};

use super::forms::FormContext;
use super::times::{ago, full_time, machine_time, time_left};
use super::urls::{
    delete_crud_url, delete_reply_url, like_url, permalink, profile_url, reply_anchor, repost_url,
};

/// One crud in a list or on its own page.
#[derive(Template)]
#[template(path = "cruds/crud_partial.html")]
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

impl CrudPartial {
    pub fn new(crud: &Activity, now: DateTime<Utc>, forms: &FormContext) -> Self {
        CrudPartial {
            like_url: like_url(crud.uuid),
            repost_url: repost_url(crud.uuid),
            delete_url: forms
                .is_me(&crud.handle)
                .then(|| delete_crud_url(&crud.handle, crud.uuid)),
            forms: forms.clone(),
            display_name: crud.display_name.clone(),
            handle: crud.handle.clone(),
            message: crud.message.clone(),
            profile_url: profile_url(&crud.handle),
            permalink: permalink(&crud.handle, crud.uuid),
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

/// One reply under a crud.
#[derive(Template)]
#[template(path = "cruds/reply_partial.html")]
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
    /// The reply under `crud`.
    pub fn new(reply: &Reply, crud: &Activity, now: DateTime<Utc>, forms: &FormContext) -> Self {
        ReplyPartial {
            anchor: reply_anchor(reply.uuid),
            like_url: like_url(reply.uuid),
            delete_url: forms
                .is_me(&reply.handle)
                .then(|| delete_reply_url(&crud.handle, crud.uuid, reply.uuid)),
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn user_text_is_escaped_in_partials() {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        let crud = Activity {
            uuid: Uuid::new_v4(),
            display_name: "Andrew".into(),
            handle: "andrew".into(),
            message: "<script>alert(1)</script>".into(),
            created_at: now,
            expires_at: now,
            likes_count: 0,
            replies_count: 0,
            reposts_count: 0,
            replies: Vec::new(),
            liked_by_me: false,
            reposted_by_me: false,
        };
        let forms = FormContext {
            csrf: "token".into(),
            back: "/".into(),
            me: Some("someone".into()),
        };
        let html = CrudPartial::new(&crud, now, &forms).render().unwrap();
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(!html.contains("<script>"));
    }
}

//! How a crud and a reply are shown, in a list or on a crud's own page.

use askama::Template;
use chrono::{DateTime, Utc};
use cruddur_contract::{Activity, Reply};

use super::filters;
use super::forms::{FormContext, TogglePartial};
use super::urls::{
    delete_crud_url, delete_reply_url, like_url, permalink, profile_url, reply_anchor, repost_url,
};

/// One crud in a list or on its own page, its times and counts worded by the template.
#[derive(Template)]
#[template(path = "cruds/crud_partial.html")]
pub struct CrudPartial<'a> {
    pub crud: &'a Activity,
    /// What times are worded against ("5m", "expires in 3h").
    pub now: DateTime<Utc>,
    pub profile_url: String,
    pub permalink: String,
    pub repost: TogglePartial<'a>,
    pub like: TogglePartial<'a>,
    /// The confirm step, on the viewer's own cruds.
    pub delete_url: Option<String>,
}

impl<'a> CrudPartial<'a> {
    pub fn new(crud: &'a Activity, now: DateTime<Utc>, forms: &'a FormContext) -> Self {
        CrudPartial {
            crud,
            now,
            profile_url: profile_url(&crud.handle),
            permalink: permalink(&crud.handle, crud.uuid),
            repost: TogglePartial {
                action: repost_url(crud.uuid),
                give: "Repost",
                pressed: crud.reposted_by_me,
                forms,
            },
            like: TogglePartial {
                action: like_url(crud.uuid),
                give: "Like",
                pressed: crud.liked_by_me,
                forms,
            },
            delete_url: forms
                .is_me(&crud.handle)
                .then(|| delete_crud_url(&crud.handle, crud.uuid)),
        }
    }
}

/// The cruds a page lists, each shown as a [`CrudPartial`].
#[derive(Default)]
pub struct CrudList {
    cruds: Vec<Activity>,
    now: DateTime<Utc>,
    forms: FormContext,
}

impl CrudList {
    /// These cruds as of now, their forms coming back to where `forms` says.
    pub fn new(cruds: Vec<Activity>, forms: FormContext) -> Self {
        CrudList {
            cruds,
            now: Utc::now(),
            forms,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.cruds.is_empty()
    }

    pub fn partials(&self) -> impl Iterator<Item = CrudPartial<'_>> {
        self.cruds
            .iter()
            .map(|crud| CrudPartial::new(crud, self.now, &self.forms))
    }
}

/// One reply under a crud.
#[derive(Template)]
#[template(path = "cruds/reply_partial.html")]
pub struct ReplyPartial<'a> {
    pub reply: &'a Reply,
    pub now: DateTime<Utc>,
    /// The element's id, which notifications link to.
    pub anchor: String,
    pub profile_url: String,
    pub like: TogglePartial<'a>,
    /// The confirm step, on the viewer's own replies.
    pub delete_url: Option<String>,
}

impl<'a> ReplyPartial<'a> {
    /// The reply under `crud`.
    pub fn new(
        reply: &'a Reply,
        crud: &Activity,
        now: DateTime<Utc>,
        forms: &'a FormContext,
    ) -> Self {
        ReplyPartial {
            reply,
            now,
            anchor: reply_anchor(reply.uuid),
            profile_url: profile_url(&reply.handle),
            like: TogglePartial {
                action: like_url(reply.uuid),
                give: "Like",
                pressed: reply.liked_by_me,
                forms,
            },
            delete_url: forms
                .is_me(&reply.handle)
                .then(|| delete_reply_url(&crud.handle, crud.uuid, reply.uuid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use cruddur_contract::Handle;

    use super::*;

    #[test]
    fn user_text_is_escaped_in_partials() {
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        let crud = Activity::posted(
            cruddur_contract::ActivityId::random(),
            ("Andrew".into(), Handle::parse("andrew").unwrap()),
            "<script>alert(1)</script>".into(),
            now,
            now,
        );
        let forms = FormContext {
            csrf: "token".into(),
            back: "/".into(),
            me: Handle::parse("someone"),
        };
        let html = CrudPartial::new(&crud, now, &forms).render().unwrap();
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(!html.contains("<script>"));
    }
}

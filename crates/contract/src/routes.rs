//! Every route of the API, written once: the backend mounts its handlers on these paths (and
//! its OpenAPI document, checked against this table by a test, lists exactly these), and
//! clients build their requests from them.

use crate::Reaction;

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One route: a method and a path template whose parameters are written `{name}`, a whole
/// segment or after a prefix (`@{handle}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

impl Route {
    /// The path's segments with its parameters filled in, in order, from `values`, each as
    /// given: the caller percent-encodes segments. Parameters beyond `values` stay as written.
    pub fn segments(&self, values: &[&str]) -> Vec<String> {
        let mut values = values.iter();
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                let filled = segment
                    .find('{')
                    .and_then(|open| Some((open, values.next()?)));
                match filled {
                    Some((open, value)) => format!("{}{value}", &segment[..open]),
                    None => segment.to_owned(),
                }
            })
            .collect()
    }

    /// The path with its parameters filled in: for values that need no encoding, such as
    /// uuids and handles (a `Location` header).
    pub fn path_with(&self, values: &[&str]) -> String {
        format!("/{}", self.segments(values).join("/"))
    }
}

/// Declares each route as a constant, and [`ALL`] listing them.
macro_rules! routes {
    ($($(#[doc = $doc:literal])+ $name:ident = $method:ident $path:literal;)+) => {
        $(
            $(#[doc = $doc])+
            pub const $name: Route = Route { method: Method::$method, path: $path };
        )+
        /// Every route of the API.
        pub const ALL: &[Route] = &[$($name),+];
    };
}

routes! {
    /// Creates an account and signs it in.
    SIGN_UP = Post "/api/auth/sign_up";
    /// Signs in with a handle or email and a password.
    SIGN_IN = Post "/api/auth/sign_in";
    /// Ends the session of the token sent.
    SIGN_OUT = Post "/api/auth/sign_out";
    /// The signed-in user.
    ME = Get "/api/me";
    /// Changes the signed-in user's display name and bio.
    UPDATE_ME = Patch "/api/me";
    /// The public timeline.
    HOME = Get "/api/activities/home";
    /// The cruds of the people the signed-in user follows, and their own.
    FOLLOWING = Get "/api/activities/following";
    /// One user's cruds.
    USER_ACTIVITIES = Get "/api/activities/@{handle}";
    /// Cruds matching a search.
    SEARCH = Get "/api/activities/search";
    /// The signed-in user's notifications.
    NOTIFICATIONS = Get "/api/activities/notifications";
    /// Posts a crud.
    CREATE_ACTIVITY = Post "/api/activities";
    /// One crud with its replies.
    ACTIVITY = Get "/api/activities/{uuid}";
    /// Deletes one's own crud or reply.
    DELETE_ACTIVITY = Delete "/api/activities/{uuid}";
    /// Replies to a crud or a reply.
    REPLY = Post "/api/activities/{uuid}/reply";
    /// Likes a crud or reply.
    LIKE = Post "/api/activities/{uuid}/like";
    /// Takes a like back.
    UNLIKE = Delete "/api/activities/{uuid}/like";
    /// Reposts a crud or reply.
    REPOST = Post "/api/activities/{uuid}/repost";
    /// Takes a repost back.
    UNREPOST = Delete "/api/activities/{uuid}/repost";
    /// A user's public profile.
    PROFILE = Get "/api/users/@{handle}";
    /// Follows a user.
    FOLLOW = Post "/api/users/@{handle}/follow";
    /// Unfollows a user.
    UNFOLLOW = Delete "/api/users/@{handle}/follow";
    /// The signed-in user's conversations.
    MESSAGE_GROUPS = Get "/api/message_groups";
    /// The messages of one conversation.
    MESSAGE_GROUP = Get "/api/message_groups/{uuid}";
    /// The messages with one user.
    CONVERSATION = Get "/api/messages/@{handle}";
    /// Sends a direct message.
    SEND_MESSAGE = Post "/api/messages";
    /// Liveness: the process answers.
    HEALTH_CHECK = Get "/api/health-check";
    /// Readiness: the stores answer.
    READY = Get "/api/ready";
    /// The OpenAPI document.
    OPENAPI = Get "/api/openapi.json";
}

impl Reaction {
    /// The route that gives (`on`) or takes back this reaction.
    pub fn route(self, on: bool) -> Route {
        match (self, on) {
            (Reaction::Like, true) => LIKE,
            (Reaction::Like, false) => UNLIKE,
            (Reaction::Repost, true) => REPOST,
            (Reaction::Repost, false) => UNREPOST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_in_order_whole_or_after_a_prefix() {
        assert_eq!(
            REPLY.segments(&["abc"]),
            ["api", "activities", "abc", "reply"]
        );
        assert_eq!(
            FOLLOW.segments(&["ada"]),
            ["api", "users", "@ada", "follow"]
        );
        assert_eq!(HOME.segments(&[]), ["api", "activities", "home"]);
        assert_eq!(CONVERSATION.path_with(&["ada"]), "/api/messages/@ada");
    }

    #[test]
    fn every_route_is_one_method_on_one_path() {
        let mut seen = std::collections::HashSet::new();
        for route in ALL {
            assert!(route.path.starts_with("/api/"), "{route:?}");
            assert!(seen.insert((route.method, route.path)), "{route:?} twice");
        }
    }
}

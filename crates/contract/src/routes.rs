//! Every endpoint of the API, written once with its method, path, request body and answer:
//! the backend mounts its handlers on these paths (and its OpenAPI document, checked against
//! this table by a test, describes exactly these), and clients build their requests and read
//! their answers from them.

use std::marker::PhantomData;

use crate::{
    Activity, AuthSession, CreateActivity, CreateMessage, CreateReply, HealthCheck, Message,
    MessageGroup, Notification, Profile, Reaction, Readiness, Reply, SignIn, SignUp, UpdateProfile,
    User,
};

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
/// segment or after a prefix (`@{handle}`), and the names of the types of its request body
/// and its answer as [`Endpoint`] declares them (`()` for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub body: &'static str,
    pub answer: &'static str,
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

/// A route with the types of its request body and of its answer (`()` for none): clients
/// send and read exactly these, and the backend's OpenAPI document is held to them by a test.
pub struct Endpoint<Body, Answer> {
    pub route: Route,
    types: PhantomData<fn(Body) -> Answer>,
}

impl<Body, Answer> Endpoint<Body, Answer> {
    const fn new(route: Route) -> Self {
        Endpoint {
            route,
            types: PhantomData,
        }
    }
}

// Copy whatever the types: an endpoint holds none of them.
impl<Body, Answer> Clone for Endpoint<Body, Answer> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Body, Answer> Copy for Endpoint<Body, Answer> {}

/// Declares each endpoint as a constant, and [`ALL`] listing their routes.
macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $method:ident $path:literal, $body:ty => $answer:ty;
    )+) => {
        $(
            $(#[doc = $doc])+
            pub const $name: Endpoint<$body, $answer> = Endpoint::new(Route {
                method: Method::$method,
                path: $path,
                body: stringify!($body),
                answer: stringify!($answer),
            });
        )+
        /// Every route of the API.
        pub const ALL: &[Route] = &[$($name.route),+];
    };
}

endpoints! {
    /// Creates an account and signs it in.
    SIGN_UP = Post "/api/auth/sign_up", SignUp => AuthSession;
    /// Signs in with a handle or email and a password.
    SIGN_IN = Post "/api/auth/sign_in", SignIn => AuthSession;
    /// Ends the session of the token sent.
    SIGN_OUT = Post "/api/auth/sign_out", () => ();
    /// The signed-in user.
    ME = Get "/api/me", () => User;
    /// Changes the signed-in user's display name and bio.
    UPDATE_ME = Patch "/api/me", UpdateProfile => User;
    /// The public timeline.
    HOME = Get "/api/activities/home", () => Vec<Activity>;
    /// The cruds of the people the signed-in user follows, and their own.
    FOLLOWING = Get "/api/activities/following", () => Vec<Activity>;
    /// One user's cruds.
    USER_ACTIVITIES = Get "/api/activities/@{handle}", () => Vec<Activity>;
    /// Cruds matching a search.
    SEARCH = Get "/api/activities/search", () => Vec<Activity>;
    /// The signed-in user's notifications.
    NOTIFICATIONS = Get "/api/activities/notifications", () => Vec<Notification>;
    /// Posts a crud.
    CREATE_ACTIVITY = Post "/api/activities", CreateActivity => Activity;
    /// One crud with its replies.
    ACTIVITY = Get "/api/activities/{uuid}", () => Activity;
    /// Deletes one's own crud or reply.
    DELETE_ACTIVITY = Delete "/api/activities/{uuid}", () => ();
    /// Replies to a crud or a reply.
    REPLY = Post "/api/activities/{uuid}/reply", CreateReply => Reply;
    /// Likes a crud or reply.
    LIKE = Post "/api/activities/{uuid}/like", () => ();
    /// Takes a like back.
    UNLIKE = Delete "/api/activities/{uuid}/like", () => ();
    /// Reposts a crud or reply.
    REPOST = Post "/api/activities/{uuid}/repost", () => ();
    /// Takes a repost back.
    UNREPOST = Delete "/api/activities/{uuid}/repost", () => ();
    /// A user's public profile.
    PROFILE = Get "/api/users/@{handle}", () => Profile;
    /// Follows a user.
    FOLLOW = Post "/api/users/@{handle}/follow", () => Profile;
    /// Unfollows a user.
    UNFOLLOW = Delete "/api/users/@{handle}/follow", () => Profile;
    /// The signed-in user's conversations.
    MESSAGE_GROUPS = Get "/api/message_groups", () => Vec<MessageGroup>;
    /// The messages of one conversation.
    MESSAGE_GROUP = Get "/api/message_groups/{uuid}", () => Vec<Message>;
    /// The messages with one user.
    CONVERSATION = Get "/api/messages/@{handle}", () => Vec<Message>;
    /// Sends a direct message.
    SEND_MESSAGE = Post "/api/messages", CreateMessage => Message;
    /// Liveness: the process answers.
    HEALTH_CHECK = Get "/api/health-check", () => HealthCheck;
    /// Readiness: the stores answer.
    READY = Get "/api/ready", () => Readiness;
    /// The OpenAPI document (JSON without a schema of its own).
    OPENAPI = Get "/api/openapi.json", () => ();
}

impl Reaction {
    /// The endpoint that gives (`on`) or takes back this reaction.
    pub fn endpoint(self, on: bool) -> Endpoint<(), ()> {
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
        let reply = REPLY.route.segments(&["abc"]);
        assert_eq!(reply, ["api", "activities", "abc", "reply"]);
        let follow = FOLLOW.route.segments(&["ada"]);
        assert_eq!(follow, ["api", "users", "@ada", "follow"]);
        assert_eq!(HOME.route.segments(&[]), ["api", "activities", "home"]);
        let conversation = CONVERSATION.route.path_with(&["ada"]);
        assert_eq!(conversation, "/api/messages/@ada");
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

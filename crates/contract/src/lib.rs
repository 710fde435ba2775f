//! The Cruddur API contract.
//!
//! Every type that crosses the wire between the backend and its clients lives here, so the
//! backend, the frontend and the tests cannot drift apart. Field names and shapes of the
//! week-1 API are kept exactly (snake_case, RFC 3339 times).

pub mod account;
pub mod activity;
pub mod error;
pub mod handle;
pub mod health;
pub mod ids;
pub mod message;
pub mod page;
pub mod routes;
pub mod text;
pub mod validation;

pub use account::{AuthSession, Profile, SignIn, SignUp, UpdateProfile, User};
pub use activity::{
    Activity, Concerned, CreateActivity, CreateReply, Notification, NotificationKind, Reaction,
    Reply,
};
pub use error::ErrorBody;
pub use handle::Handle;
pub use health::{HealthCheck, Readiness, StoreStatus};
pub use ids::{ActivityId, GroupId, MessageId, NotificationId, SessionId, UserId};
pub use message::{CreateMessage, Message, MessageGroup};
pub use page::{Cursor, PageParams};
pub use validation::{ErrorCode, Ttl};

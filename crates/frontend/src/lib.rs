//! The Cruddur web frontend: HTML pages rendered on the server from the backend's JSON API.
//!
//! `startup` builds the application (router, listener, the state every handler shares); `api`
//! is the client of the backend; `views` holds one module per page, each with the Askama
//! template structs it renders, beside what pages share (`layout`, `sidebar`, `cruds`, `forms`,
//! `urls` where every page address is built, `filters` for times and counts, `render`), and
//! `templates/` has a folder per view module; `error` the one error type every handler
//! returns, rendered as a styled page; `session` the signed-in user, the session cookie and
//! the CSRF checks.

pub mod api;
pub mod assets;
pub mod error;
pub mod security;
pub mod session;
pub mod settings;
pub mod startup;
pub mod views;

pub use startup::{Application, LIVENESS_PATH};

//! The pages, one module each, and what they share: the layout around every page and its
//! sidebar, the crud and reply partials, forms, page addresses, the templates' filters (times
//! and counts), and rendering. Each module's templates are in the folder of `templates/` named
//! after it.

pub mod account;
pub mod actions;
pub mod cruds;
pub mod delete;
pub mod edit_profile;
pub mod errors;
pub mod filters;
pub mod forms;
pub mod home;
pub mod layout;
pub mod messages;
pub mod notifications;
pub mod profile;
pub mod public_pages;
pub mod render;
pub mod search;
pub mod sidebar;
pub mod status;
pub mod urls;

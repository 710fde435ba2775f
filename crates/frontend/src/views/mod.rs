//! The pages, one module each, and what they share: the layout around every page and its
//! sidebar, the crud and reply partials, forms, page addresses, times in words, and rendering.
//! Each module's templates are in the folder of `templates/` with its name.

pub mod account;
pub mod actions;
pub mod cruds;
pub mod delete;
pub mod edit_profile;
pub mod errors;
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
pub mod times;
pub mod urls;

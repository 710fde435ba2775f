//! The pages over HTTP: a real backend in-process on a temporary SQLite database, the frontend
//! pointed at it.

mod helpers;

mod account;
mod actions;
mod csrf;
mod deleting;
mod edit_profile;
mod errors;
mod feeds;
mod health;
mod inbox;
mod metrics;
mod public_pages;
mod security;

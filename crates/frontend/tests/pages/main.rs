//! The pages over HTTP: a real backend in-process on a temporary SQLite database, the frontend
//! pointed at it.

mod helpers;

mod errors;
mod feeds;
mod security;

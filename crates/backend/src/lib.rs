//! The Cruddur backend: a JSON API over the stores.
//!
//! `startup` builds the application (stores, router, listener); `routes` holds one module per
//! area of the API; `auth` the token and password handling and the extractors that enforce
//! it; `error` the one error type every handler returns.

pub mod auth;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod conditional;
pub mod cors;
pub mod demo;
pub mod error;
pub mod extract;
pub mod generate;
pub mod metrics;
pub mod pagination;
pub mod purge;
pub mod read_cache;
pub mod routes;
pub mod search_gate;
pub mod seed;
pub mod settings;
pub mod startup;
pub mod state;

pub use startup::Application;

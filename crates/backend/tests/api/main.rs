//! End-to-end tests of the API over HTTP: each test starts its own server on port 0 with its
//! own SQLite database and a clock it controls.

mod accounts;
mod activities;
mod conditional;
mod cors;
mod errors;
mod expiry;
mod following;
mod health;
mod helpers;
mod hostile;
mod messages;
mod metrics;
mod notifications;
mod openapi;
mod outage;
mod pagination;
mod rate_limit;
mod read_cache;
mod rotation;
mod search;
mod threads;
mod users;

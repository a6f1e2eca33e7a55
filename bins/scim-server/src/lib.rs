//! `scim-server`: an Okta-ready SCIM 2.0 endpoint built on `scim-core` and `scim-store`.
//!
//! The binary is a thin actix-web layer: handlers parse the request, call the store (off the
//! async executor) and answer. The library half exists so that tests, and anyone embedding the
//! server, can mount [`http::configure`] around an [`AppState`].
// A request, a configuration file or a database answer must never bring the server down:
// failures are errors that say what is wrong. Tests may unwrap (clippy.toml).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod delivery;
pub mod events;
pub mod http;
pub mod limits;
pub mod manage;
pub mod metrics;
pub mod organisation;
pub mod serve;
mod state;
#[cfg(test)]
mod test_store;

pub use state::AppState;

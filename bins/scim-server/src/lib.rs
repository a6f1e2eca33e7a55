//! `scim-server`: an Okta-ready SCIM 2.0 endpoint built on `scim-core` and `scim-store`.
//!
//! The binary is a thin actix-web layer: handlers parse the request, call the store (off the
//! async executor) and answer. The library half exists so that tests, and anyone embedding the
//! server, can mount [`http::configure`] around an [`AppState`].

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod events;
pub mod http;
pub mod limits;
pub mod manage;
pub mod metrics;
pub mod organisation;
pub mod serve;
mod state;

pub use state::AppState;

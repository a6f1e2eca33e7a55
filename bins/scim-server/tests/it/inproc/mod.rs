//! In-process tests: the HTTP surface mounted with `scim_server::http::configure` around an
//! `AppState` on an in-memory SQLite store, driven with `actix_web::test`. Every endpoint and
//! every error path; tenant isolation as a matrix.

mod admin;
mod auth;
mod bulk;
mod conditional;
mod console;
mod discovery;
mod groups;
mod isolation;
mod limits;
mod logs;
mod manage;
mod member_bodies;
mod ops;
mod poll;
mod protocol;
mod root_search;
mod support;
mod users;

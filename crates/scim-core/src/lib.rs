//! `scim-core`: the SCIM 2.0 protocol (RFC 7643 and RFC 7644) as a library.
//!
//! It holds the schema model, resources, the filter and PATCH-path grammar, filter evaluation,
//! the PATCH engine, attribute projection and the protocol messages. It performs no I/O, never
//! reads the clock and knows nothing of HTTP or SQL, so any Rust service can embed it.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod case;
mod error;
pub mod filter;
pub mod message;
pub mod patch;
pub mod projection;
pub mod resource;
pub mod schema;
#[cfg(test)]
mod test_fixtures;
pub mod validate;

pub use case::fold_case;
pub use error::{ScimError, ScimType};
pub use resource::{Group, Resource, User};

// The README's examples compile and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

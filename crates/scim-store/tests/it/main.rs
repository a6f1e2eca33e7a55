//! Integration tests of scim-store: one conformance suite run against every backend.

mod backends;
mod conformance;
